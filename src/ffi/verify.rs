//! `restsign_verifier_*` and `restsign_verdict_*`: the server side, checking received requests.

use super::*;
use crate::nonce;
use crate::verify::{Incoming, KeyLookupFailed, LookupResult, Received, Verdict, Verifier};
use std::ffi::c_void;
use zeroize::Zeroizing;

/// Checks requests for one scheme against a table of keys (and, when made with
/// `restsign_verifier_new_lookup`, a caller's lookup), with replay protection. Opaque.
///
/// Thread safety: any number of threads may call `restsign_verifier_check`,
/// `restsign_verifier_check_request`, `restsign_verifier_add_key` and
/// `restsign_verifier_add_key_passphrase` on one verifier at once (each with its own verdict).
/// `restsign_verifier_set_window_ms`, `restsign_verifier_set_replay_redis` and
/// `restsign_verifier_free` must not race with any call on it. Secrets are wiped when it is freed.
pub struct restsign_verifier {
    _private: [u8; 0],
}

/// The details of one check: which key, which nonce, for a bad signature what was expected and
/// what was received, and for a part that could not be read or did not match, which part.
/// Opaque; reusable (each check overwrites it).
///
/// Thread safety: one thread at a time.
pub struct restsign_verdict {
    _private: [u8; 0],
}

/// The last check's outcome, as the verdict handle holds it: the status it returned, and the
/// verdict when the check ran.
struct VerdictHandle {
    status: restsign_status,
    verdict: Option<Verdict>,
}

fn status_of_verdict(verdict: &Verdict) -> restsign_status {
    match verdict {
        Verdict::Valid { .. } => RESTSIGN_OK,
        // A part computed from the request that differs is as good as a wrong signature.
        Verdict::BadSignature { .. } | Verdict::Mismatch { .. } => RESTSIGN_ERR_BAD_SIGNATURE,
        Verdict::StaleNonce { .. } => RESTSIGN_ERR_STALE_NONCE,
        Verdict::Malformed(_) | Verdict::Unreadable { .. } => RESTSIGN_ERR_MALFORMED,
        Verdict::UnknownKey { .. } => RESTSIGN_ERR_UNKNOWN_KEY,
        Verdict::OutsideWindow { .. } => RESTSIGN_ERR_OUTSIDE_WINDOW,
        Verdict::Replayed { .. } => RESTSIGN_ERR_REPLAYED,
    }
}

/// # Safety
/// `v` must be NULL or a live verifier handle.
unsafe fn verifier_ref<'a>(v: *const restsign_verifier) -> Result<&'a Verifier, restsign_status> {
    // SAFETY: non-NULL handles are Box<Verifier> pointers made by `new_verifier`.
    unsafe { v.cast::<Verifier>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
}

/// # Safety
/// `verdict` must be NULL or a live verdict handle, used by this thread only.
unsafe fn verdict_ref<'a>(verdict: *const restsign_verdict) -> Result<&'a VerdictHandle, restsign_status> {
    // SAFETY: non-NULL handles are Box<VerdictHandle> pointers made by restsign_verdict_new.
    unsafe { verdict.cast::<VerdictHandle>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
}

/// Makes a verifier for `scheme`, with shared replay state when `state_dir` is given (NULL inside
/// means the default directory), lets `keys` give it its keys, and hands it to `*out`.
///
/// # Safety
/// `scheme` and `state_dir` NULL or NUL-terminated; `out` NULL or writable.
unsafe fn new_verifier(
    scheme: *const c_char,
    state_dir: Option<*const c_char>,
    out: *mut *mut restsign_verifier,
    keys: impl FnOnce(Verifier) -> Result<Verifier, restsign_status>,
) -> Result<(), restsign_status> {
    unsafe { clear_out(out) }?;
    let name = unsafe { str_arg(scheme, RESTSIGN_ERR_UNKNOWN_SCHEME) }?;
    let mut verifier = Verifier::new(name).map_err(status_of)?;
    if let Some(dir) = state_dir {
        let dir = unsafe { path_arg(dir) }?.unwrap_or_else(nonce::default_state_dir);
        verifier = verifier.shared_state(dir).map_err(status_of)?;
    }
    let verifier = keys(verifier)?;
    unsafe { *out = Box::into_raw(Box::new(verifier)).cast() };
    Ok(())
}

/// # Safety
/// `key`/`secret` valid for their lengths (or NULL with length 0).
unsafe fn with_one_key(
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
) -> impl FnOnce(Verifier) -> Result<Verifier, restsign_status> {
    move |verifier| {
        let (key, secret) = unsafe { (bytes_arg(key, key_len)?, bytes_arg(secret, secret_len)?) };
        verifier.add_key(key, secret).map_err(status_of)?;
        Ok(verifier)
    }
}

/// A caller's key lookup for a verifier: the secret of `key` (`key_len` bytes, not
/// NUL-terminated), written to `secret` (room for `secret_cap` bytes) with its length in
/// `*secret_len`, and `RESTSIGN_OK`. Return `RESTSIGN_ERR_UNKNOWN_KEY` for a key it does not
/// know. When the secret does not fit, set `*secret_len` to its length and return
/// `RESTSIGN_ERR_BUFFER_TOO_SMALL`: restsign asks once more with that much room (secrets up to
/// 64 KiB). Any other return value is a failure to answer (a database that is down, …).
pub type restsign_key_lookup_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        key: *const c_char,
        key_len: usize,
        secret: *mut c_char,
        secret_cap: usize,
        secret_len: *mut usize,
    ) -> restsign_status,
>;

/// The caller's lookup and its data.
struct KeyLookup {
    lookup: unsafe extern "C" fn(*mut c_void, *const c_char, usize, *mut c_char, usize, *mut usize) -> restsign_status,
    user_data: *mut c_void,
}
// SAFETY: documented contract of restsign_verifier_new_lookup: `lookup` may be called from any
// thread, from several at once, with `user_data`, for as long as the verifier lives.
unsafe impl Send for KeyLookup {}
unsafe impl Sync for KeyLookup {}

impl KeyLookup {
    /// Room offered on the first call: any API secret in this field fits.
    const FIRST_CAP: usize = 256;
    /// The most a lookup may ask for.
    const MAX_SECRET: usize = 64 * 1024;

    fn call(&self, key: &[u8]) -> LookupResult {
        // Wiped when dropped, as the secret lands here.
        let mut secret = Zeroizing::new(vec![0u8; Self::FIRST_CAP]);
        for _attempt in 0..2 {
            let mut len = 0usize;
            // SAFETY: the caller's contract; `secret` has room for secret.len() bytes.
            let status = unsafe {
                (self.lookup)(
                    self.user_data,
                    key.as_ptr().cast(),
                    key.len(),
                    secret.as_mut_ptr().cast(),
                    secret.len(),
                    &mut len,
                )
            };
            match status {
                RESTSIGN_OK if len <= secret.len() => {
                    secret.truncate(len);
                    return Ok(Some(secret));
                }
                RESTSIGN_ERR_UNKNOWN_KEY => return Ok(None),
                RESTSIGN_ERR_BUFFER_TOO_SMALL if len > secret.len() && len <= Self::MAX_SECRET => {
                    secret = Zeroizing::new(vec![0u8; len]);
                }
                // Anything else, including a length it claims to have written past the room it
                // had, or a second "too small", is a lookup that failed.
                _ => break,
            }
        }
        Err(KeyLookupFailed)
    }
}

/// # Safety
/// As for `restsign_verifier_new_lookup`.
unsafe fn with_lookup(
    lookup: restsign_key_lookup_fn,
    user_data: *mut c_void,
) -> impl FnOnce(Verifier) -> Result<Verifier, restsign_status> {
    move |verifier| {
        let lookup = KeyLookup { lookup: lookup.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?, user_data };
        Ok(verifier.with_lookup(move |key| lookup.call(key)))
    }
}

/// Creates a verifier for `scheme` that knows one key (add more with `restsign_verifier_add_key`).
/// Key and secret are as for `restsign_signer_new` (and checked the same way). Replay state is
/// kept in this process's memory: use `restsign_verifier_new_shared` when several processes
/// serve the same keys.
///
/// # Safety
/// `scheme` NULL or NUL-terminated; `key`/`secret` valid for their lengths; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_new(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    out: *mut *mut restsign_verifier,
) -> restsign_status {
    ffi_boundary!({ unsafe { new_verifier(scheme, None, out, with_one_key(key, key_len, secret, secret_len)) } })
}

/// Like `restsign_verifier_new`, with the replay state in files shared by every process that
/// uses the same directory: `state_dir` (NUL-terminated, created 0700 if missing), or when NULL
/// the default state directory `$XDG_STATE_HOME/restsign` (default `~/.local/state/restsign`).
/// One file per scheme and key, named `verify-<hash>`, separate from signers' nonce files. Once one
/// process accepts a nonce, every other process rejects it and anything below it. The directory
/// and files are checked as nonce state files are (owner, mode, regular file, no symlink; a
/// setgid directory of one of the caller's groups for state shared between users; see
/// `restsign_nonce`), and a file deleted or replaced while in use is noticed at the next check,
/// which carries its last accepted nonce into the file at the path. Errors: the
/// `RESTSIGN_ERR_STATE_*` and `RESTSIGN_ERR_NONCE_STATE_*` codes.
///
/// # Safety
/// As for `restsign_verifier_new`; `state_dir` NULL or NUL-terminated.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_new_shared(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    state_dir: *const c_char,
    out: *mut *mut restsign_verifier,
) -> restsign_status {
    ffi_boundary!({
        unsafe { new_verifier(scheme, Some(state_dir), out, with_one_key(key, key_len, secret, secret_len)) }
    })
}

/// Creates a verifier for `scheme` that asks `lookup` for the secret of each key it does not hold
/// (see `restsign_key_lookup_fn`); keys added with `restsign_verifier_add_key` are found first.
/// Replay state is kept in memory, as for `restsign_verifier_new`.
///
/// `lookup` is called during `restsign_verifier_check`, on the checking thread, for every
/// request whose key is not in the table: from several threads at once when several check, so it
/// must be thread-safe. No restsign lock is held while it runs. restsign wipes the secret after
/// use. A failed lookup makes the check return `RESTSIGN_ERR_KEY_LOOKUP_FAILED` (not a verdict
/// about the request: the replay state does not move), so a server can answer "try again"
/// rather than "unknown key". `user_data` must stay valid until the verifier is freed.
///
/// # Safety
/// `scheme` NULL or NUL-terminated; `lookup` as stated above; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_new_lookup(
    scheme: *const c_char,
    lookup: restsign_key_lookup_fn,
    user_data: *mut c_void,
    out: *mut *mut restsign_verifier,
) -> restsign_status {
    ffi_boundary!({ unsafe { new_verifier(scheme, None, out, with_lookup(lookup, user_data)) } })
}

/// `restsign_verifier_new_lookup` with the replay state shared through `state_dir` (NULL: the
/// default directory), as for `restsign_verifier_new_shared`.
///
/// # Safety
/// As for `restsign_verifier_new_lookup`; `state_dir` NULL or NUL-terminated.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_new_lookup_shared(
    scheme: *const c_char,
    lookup: restsign_key_lookup_fn,
    user_data: *mut c_void,
    state_dir: *const c_char,
    out: *mut *mut restsign_verifier,
) -> restsign_status {
    ffi_boundary!({ unsafe { new_verifier(scheme, Some(state_dir), out, with_lookup(lookup, user_data)) } })
}

/// Moves the verifier's replay state into the Redis server at `url` (`url_len` bytes, URLs as
/// for `restsign_nonce_new_redis`), so that every verifier on every host using the same server
/// and prefix accepts each nonce at most once: each check-and-set is one atomic Lua script on the
/// server. Keys live under `<prefix>verify:<32 hex digits>` (a hash of scheme and key); `prefix`
/// (`prefix_len` bytes) NULL with 0 means `restsign:`. Replay state the verifier kept before is
/// not carried over.
///
/// Only the URL is checked here (`RESTSIGN_ERR_REDIS_URL`, `_TLS_UNSUPPORTED`); each check
/// connects as needed, and a check that cannot use Redis returns its error (codes 70 to 79), not a
/// verdict, and accepts nothing. Without the cargo feature `redis`: `RESTSIGN_ERR_REDIS_NOT_BUILT`.
///
/// Call it right after making the verifier, before any other thread uses it: it must not run
/// at the same time as any other call on `v`.
///
/// # Safety
/// `v` NULL or live and not in use by another thread; `url`/`prefix` valid for their lengths.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_set_replay_redis(
    v: *mut restsign_verifier,
    url: *const c_char,
    url_len: usize,
    prefix: *const c_char,
    prefix_len: usize,
) -> restsign_status {
    ffi_boundary!({
        // SAFETY: non-NULL handles are Box<Verifier>; the caller guarantees no other use meanwhile.
        let verifier = unsafe { v.cast::<Verifier>().as_mut() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)?;
        let url = unsafe { utf8_arg(url, url_len, RESTSIGN_ERR_REDIS_URL) }?;
        let prefix = unsafe { utf8_arg(prefix, prefix_len, RESTSIGN_ERR_REDIS_URL) }?;
        set_replay_redis(verifier, url, prefix).map_err(status_of)
    })
}

#[cfg(feature = "redis")]
fn set_replay_redis(verifier: &mut Verifier, url: &str, prefix: &str) -> Result<(), crate::Error> {
    verifier.set_replay_redis(url, Some(prefix).filter(|p| !p.is_empty()))
}

#[cfg(not(feature = "redis"))]
fn set_replay_redis(_: &mut Verifier, _: &str, _: &str) -> Result<(), crate::Error> {
    Err(crate::Error::RedisNotBuilt)
}

/// Adds a key (or replaces its secret; its replay state is kept). Errors as for
/// `restsign_verifier_new`.
///
/// # Safety
/// `v` NULL or live; `key`/`secret` valid for their lengths.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_add_key(
    v: *const restsign_verifier,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let verifier = unsafe { verifier_ref(v) }?;
        let (key, secret) = unsafe { (bytes_arg(key, key_len)?, bytes_arg(secret, secret_len)?) };
        verifier.add_key(key, secret).map_err(status_of)
    })
}

/// Adds a key with its passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), or replaces
/// its secret and passphrase (its replay state is kept). `restsign_verifier_check_request` then
/// refuses a request that carries another passphrase (`RESTSIGN_ERR_BAD_SIGNATURE`, part
/// `passphrase`), and recipes that sign the passphrase (KuCoin) sign this one. For recipes
/// without a passphrase it is ignored. Errors as for `restsign_verifier_add_key`, plus
/// `RESTSIGN_ERR_INVALID_PASSPHRASE` (control characters).
///
/// `passphrase` NULL with 0 is the same as `restsign_verifier_add_key`: the key then takes the
/// passphrase each request carries, except where the recipe signs it (KuCoin), whose requests
/// cannot match without it.
///
/// # Safety
/// `v` NULL or live; `key`/`secret`/`passphrase` valid for their lengths.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_add_key_passphrase(
    v: *const restsign_verifier,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    passphrase: *const c_char,
    passphrase_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let verifier = unsafe { verifier_ref(v) }?;
        let (key, secret) = unsafe { (bytes_arg(key, key_len)?, bytes_arg(secret, secret_len)?) };
        let passphrase = unsafe { bytes_arg(passphrase, passphrase_len) }?;
        verifier.add_key_with_passphrase(key, secret, passphrase).map_err(status_of)
    })
}

/// Sets how far, in milliseconds either way, a request's timestamp may be from the server's clock
/// for `restsign_verifier_check_request` (else `RESTSIGN_ERR_OUTSIDE_WINDOW`), replacing the
/// recipe's window and any window a client asks for (Binance's `recvWindow`). It is also how long
/// an accepted request is remembered to refuse its replay (`RESTSIGN_ERR_REPLAYED`), including for
/// recipes that sign no timestamp and no nonce. Nonce recipes (Kraken) are not affected.
///
/// Call it right after making the verifier, before any other thread uses it: it must not run
/// at the same time as any other call on `v`.
///
/// # Safety
/// `v` NULL or live and not in use by another thread.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_set_window_ms(v: *mut restsign_verifier, ms: u64) -> restsign_status {
    ffi_boundary!({
        // SAFETY: non-NULL handles are Box<Verifier>; the caller guarantees no other use meanwhile.
        let verifier = unsafe { v.cast::<Verifier>().as_mut() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)?;
        verifier.set_window_ms(ms);
        Ok(())
    })
}

/// Runs one check and files its outcome in `verdict` (when not NULL): the status, and the verdict
/// when the check reached one. Returns the status as a `Result` for `ffi_boundary!`. The verdict
/// reads `RESTSIGN_ERR_INTERNAL` if the check panics.
///
/// # Safety
/// `verdict` NULL or a live verdict used by this thread only.
unsafe fn check_into(
    verdict: *mut restsign_verdict,
    check: impl FnOnce() -> Result<Verdict, restsign_status>,
) -> Result<(), restsign_status> {
    // SAFETY: non-NULL verdicts are Box<VerdictHandle>, used by this thread only.
    let mut slot = unsafe { verdict.cast::<VerdictHandle>().as_mut() };
    if let Some(slot) = slot.as_deref_mut() {
        *slot = VerdictHandle { status: RESTSIGN_ERR_INTERNAL, verdict: None };
    }
    let outcome = check();
    let status = outcome.as_ref().map_or_else(|&s| s, status_of_verdict);
    if let Some(slot) = slot {
        *slot = VerdictHandle { status, verdict: outcome.ok() };
    }
    if status == RESTSIGN_OK { Ok(()) } else { Err(status) }
}

/// Checks one received request.
///
/// `method` is the HTTP method (NUL-terminated); `path` the URL path without `?query` (for
/// mtgox-v2 the whole `/api/2/...` path); `headers` the request's header lines as
/// `Name: value\r\n` (or `\n`), of which the scheme's key, nonce and signature headers are used
/// (names in any case; others are ignored; NULL with length 0 for mtgox-stream; CoinPayments'
/// key is read from the body's `key` field); `payload` the
/// exact bytes received: the body, or for the scheme's query methods (apiauth and viabtc GET,
/// HEAD, DELETE) the query string without `?`; for mtgox-stream the base64 signed call.
///
/// Returns `RESTSIGN_OK` when the request is correctly signed by a known key and its nonce is
/// fresh (the nonce is then recorded), else `RESTSIGN_ERR_BAD_SIGNATURE`,
/// `RESTSIGN_ERR_STALE_NONCE`, `RESTSIGN_ERR_MALFORMED` or `RESTSIGN_ERR_UNKNOWN_KEY`; argument,
/// state-file and Redis errors (70 to 79) have their own codes, and record nothing. The signature is checked (in constant time) before
/// the nonce is recorded: a forged request never moves the replay state. `verdict` (may be NULL)
/// receives the details. Like libsodium's `_verify`, the result must be used (warn_unused_result).
///
/// # Safety
/// `v` NULL or live; `method` NULL or NUL-terminated; `path`/`headers`/`payload` valid for their
/// lengths (or NULL with length 0); `verdict` NULL or a live verdict used by this thread only.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_check(
    v: *const restsign_verifier,
    method: *const c_char,
    path: *const c_char,
    path_len: usize,
    headers: *const c_char,
    headers_len: usize,
    payload: *const c_char,
    payload_len: usize,
    verdict: *mut restsign_verdict,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            check_into(verdict, || {
                let verifier = verifier_ref(v)?;
                let method = str_arg(method, RESTSIGN_ERR_INVALID_METHOD)?;
                let path = bytes_arg(path, path_len)?;
                let headers = bytes_arg(headers, headers_len)?;
                let payload = bytes_arg(payload, payload_len)?;
                match Received::new(method, path, payload).with_header_block(verifier.scheme(), headers) {
                    Ok(received) => verifier.check(&received).map_err(status_of),
                    Err(malformed) => Ok(Verdict::Malformed(malformed)),
                }
            })
        }
    })
}

/// Checks one whole received request against the verifier's recipe, any recipe (the ones
/// `restsign_verifier_check` answers `RESTSIGN_ERR_VERIFY_UNSUPPORTED` for too: timestamps,
/// passphrases, signature parameters, JWTs, JSON envelopes).
///
/// `method` is the HTTP method (NUL-terminated); `target` the request target as received, the
/// path with `?query` when there is one (`target_len` bytes); `headers` the request's header lines
/// as `Name: value\r\n` (or `\n`), names in any case, all of them or at least the recipe's (others
/// are ignored; a recipe header given twice is malformed; a line starting with a space or a tab
/// continues the header before it); `body` the exact bytes received (for
/// mtgox-stream the base64 signed call). Each of them may be NULL with length 0.
///
/// The recipe is read backwards: every header and parameter it describes gives back the key,
/// timestamp, nonce, passphrase and signature the client used; the signature is then recomputed
/// over the bytes as received and compared in constant time (hex in either case and base64 with
/// line breaks pass), parts computed from the request (Upbit's query hash) are compared, and only
/// then is the replay state moved. Recipes with a nonce (Kraken) accept each nonce once and only
/// rising, as `restsign_verifier_check` does (`RESTSIGN_ERR_STALE_NONCE`). Recipes with a timestamp
/// refuse one outside the window around the server's clock (the recipe's, the one the request
/// asks for up to the recipe's cap, or the one given to `restsign_verifier_set_window_ms`:
/// `RESTSIGN_ERR_OUTSIDE_WINDOW`) and the same request a second time while it is remembered
/// (`RESTSIGN_ERR_REPLAYED`); so do recipes with neither, for the window after first acceptance.
///
/// Returns `RESTSIGN_OK` for a request correctly signed by a known key and fresh (it is then
/// recorded), else the verdict's status: `RESTSIGN_ERR_BAD_SIGNATURE` (also for a computed part
/// that does not match, or a passphrase other than the key's), `RESTSIGN_ERR_STALE_NONCE`,
/// `RESTSIGN_ERR_OUTSIDE_WINDOW`, `RESTSIGN_ERR_REPLAYED`, `RESTSIGN_ERR_MALFORMED` (a part
/// missing or unreadable: `restsign_verdict_part` names it, `restsign_verdict_reason` says why) or
/// `RESTSIGN_ERR_UNKNOWN_KEY`. Argument errors, `RESTSIGN_ERR_KEY_LOOKUP_FAILED`,
/// `RESTSIGN_ERR_REPLAY_MEMORY_FULL` (too many recent requests remembered), state-file and Redis
/// errors (70 to 79) have their own codes, are not verdicts about the request, and record
/// nothing. `verdict` (may be NULL) receives the details. The result must be used.
///
/// # Safety
/// `v` NULL or live; `method` NULL or NUL-terminated; `target`/`headers`/`body` valid for their
/// lengths (or NULL with length 0); `verdict` NULL or a live verdict used by this thread only.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_check_request(
    v: *const restsign_verifier,
    method: *const c_char,
    target: *const c_char,
    target_len: usize,
    headers: *const c_char,
    headers_len: usize,
    body: *const c_char,
    body_len: usize,
    verdict: *mut restsign_verdict,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            check_into(verdict, || {
                let verifier = verifier_ref(v)?;
                let method = str_arg(method, RESTSIGN_ERR_INVALID_METHOD)?;
                let target = bytes_arg(target, target_len)?;
                let headers = bytes_arg(headers, headers_len)?;
                let body = bytes_arg(body, body_len)?;
                match Incoming::new(method, target, body).header_block(headers) {
                    Ok(incoming) => verifier.check_request(&incoming).map_err(status_of),
                    Err(malformed) => Ok(Verdict::Malformed(malformed)),
                }
            })
        }
    })
}

/// Releases a verifier. NULL is a no-op.
///
/// # Safety
/// `v` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verifier_free(v: *mut restsign_verifier) {
    unsafe { free_boxed(v.cast::<Verifier>()) }
}

/// Creates an empty verdict, to pass to `restsign_verifier_check`.
///
/// # Safety
/// `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_new(out: *mut *mut restsign_verdict) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let fresh = VerdictHandle { status: RESTSIGN_ERR_NOT_CHECKED, verdict: None };
        unsafe { *out = Box::into_raw(Box::new(fresh)).cast() };
        Ok(())
    })
}

/// Releases a verdict. NULL is a no-op.
///
/// # Safety
/// `verdict` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_free(verdict: *mut restsign_verdict) {
    unsafe { free_boxed(verdict.cast::<VerdictHandle>()) }
}

/// The status the last check returned (`RESTSIGN_ERR_NOT_CHECKED` for a fresh verdict).
///
/// # Safety
/// `verdict` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_status(verdict: *const restsign_verdict) -> restsign_status {
    match unsafe { verdict_ref(verdict) } {
        Ok(handle) => handle.status,
        Err(status) => status,
    }
}

/// Why the last check gave its status, static and NUL-terminated (never NULL): for
/// `RESTSIGN_ERR_MALFORMED` what is missing or unparseable, otherwise `restsign_strerror(status)`.
///
/// # Safety
/// `verdict` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_reason(verdict: *const restsign_verdict) -> *const c_char {
    match unsafe { verdict_ref(verdict) } {
        Ok(VerdictHandle { verdict: Some(Verdict::Malformed(m) | Verdict::Unreadable { problem: m, .. }), .. }) => {
            m.message().as_ptr()
        }
        Ok(handle) => restsign_strerror(handle.status),
        Err(status) => restsign_strerror(status),
    }
}

/// Writes a verdict's bytes under the text buffer contract.
///
/// # Safety
/// As for `text_out`; `verdict` NULL or live.
unsafe fn verdict_text(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
    pick: impl FnOnce(Option<&Verdict>) -> Result<&[u8], restsign_status>,
) -> Result<(), restsign_status> {
    let handle = unsafe { verdict_ref(verdict) }?;
    let bytes = pick(handle.verdict.as_ref());
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(status) => {
            if let Some(len) = unsafe { out_len.as_mut() } {
                *len = 0;
            }
            return Err(status);
        }
    };
    unsafe {
        text_out(out, out_cap, out_len, |buf| {
            let dest = buf.get_mut(..bytes.len()).ok_or(crate::Error::BufferTooSmall { needed: bytes.len() })?;
            dest.copy_from_slice(bytes);
            Ok(bytes.len())
        })
    }
}

/// The key the last check was about (valid, stale, replayed, outside its window, bad signature,
/// mismatched part or unknown), under the text buffer contract; for mtgox-stream the UUID in lower
/// case. `RESTSIGN_ERR_NO_KEY` if none (a malformed request, or the check did not run).
///
/// # Safety
/// `verdict` NULL or live; `out` valid for `out_cap` bytes (or NULL with 0); `out_len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_key(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            verdict_text(verdict, out, out_cap, out_len, |v| match v {
                Some(
                    Verdict::Valid { key, .. }
                    | Verdict::BadSignature { key, .. }
                    | Verdict::StaleNonce { key, .. }
                    | Verdict::UnknownKey { key }
                    | Verdict::Mismatch { key, .. }
                    | Verdict::OutsideWindow { key, .. }
                    | Verdict::Replayed { key },
                ) => Ok(key),
                _ => Err(RESTSIGN_ERR_NO_KEY),
            })
        }
    })
}

/// The nonce of the last check into `*nonce`: the one accepted (`RESTSIGN_OK`) or the stale one
/// refused (`RESTSIGN_ERR_STALE_NONCE`). `RESTSIGN_ERR_NO_NONCE` otherwise, including a
/// CoinPayments request accepted without a nonce.
///
/// # Safety
/// `verdict` NULL or live; `nonce` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_nonce(verdict: *const restsign_verdict, nonce: *mut u64) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { verdict_ref(verdict) }?;
        let out = unsafe { nonce.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *out = match handle.verdict {
            Some(Verdict::Valid { nonce: Some(n), .. } | Verdict::StaleNonce { nonce: n, .. }) => n,
            _ => return Err(RESTSIGN_ERR_NO_NONCE),
        };
        Ok(())
    })
}

/// After `RESTSIGN_ERR_BAD_SIGNATURE`: the exact bytes the client should have signed (they may
/// contain NUL, e.g. mtgox-v2's separator: use `*out_len`), under the text buffer contract. When
/// the signature matched but a part computed from the request did not (`restsign_verdict_part`
/// names it: Upbit's query hash, KuCoin's signed passphrase), what that part should have been
/// instead (for a passphrase other than the key's, a placeholder: the key's passphrase is never
/// given out). For the server's log only; never send it to the client.
/// `RESTSIGN_ERR_NO_EXPECTED` for any other verdict.
///
/// # Safety
/// As for `restsign_verdict_key`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_expected_message(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            verdict_text(verdict, out, out_cap, out_len, |v| match v {
                Some(Verdict::BadSignature { expected_message, .. }) => Ok(expected_message),
                Some(Verdict::Mismatch { expected, .. }) => Ok(expected),
                _ => Err(RESTSIGN_ERR_NO_EXPECTED),
            })
        }
    })
}

/// After `RESTSIGN_ERR_BAD_SIGNATURE`: the signature text the client should have sent (for
/// mtgox-stream the whole signed call). For the server's log only: sending it to the client would
/// sign requests for anyone. `RESTSIGN_ERR_NO_EXPECTED` for any other verdict, including a
/// mismatched part (the signature matched; see `restsign_verdict_expected_message`).
///
/// # Safety
/// As for `restsign_verdict_key`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_expected_signature(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            verdict_text(verdict, out, out_cap, out_len, |v| match v {
                Some(Verdict::BadSignature { expected_signature, .. }) => Ok(expected_signature.as_bytes()),
                _ => Err(RESTSIGN_ERR_NO_EXPECTED),
            })
        }
    })
}

/// After `RESTSIGN_ERR_BAD_SIGNATURE`: what the request carried, as received, under the text
/// buffer contract (the bytes may contain NUL: use `*out_len`). For a wrong signature, the
/// signature text (for mtgox-stream the whole signed call); for a mismatched part
/// (`restsign_verdict_part` names it), what the request carried there (for a passphrase, only
/// its length: passphrases are never given out). Beside
/// `restsign_verdict_expected_signature` or `_expected_message` in the server's log, it shows a
/// client's encoding mistakes. `RESTSIGN_ERR_NO_EXPECTED` for any other verdict.
///
/// # Safety
/// As for `restsign_verdict_key`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_received_signature(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            verdict_text(verdict, out, out_cap, out_len, |v| match v {
                Some(Verdict::BadSignature { received_signature, .. }) => Ok(received_signature),
                Some(Verdict::Mismatch { received, .. }) => Ok(received),
                _ => Err(RESTSIGN_ERR_NO_EXPECTED),
            })
        }
    })
}

/// Which part of the request the last check's verdict is about, under the text buffer contract:
/// for `RESTSIGN_ERR_MALFORMED` from `restsign_verifier_check_request`, the part missing or
/// unreadable (`header OK-ACCESS-TIMESTAMP`, `parameter signature`, `body, member nonce`,
/// `timestamp`; `restsign_verdict_reason` says what is wrong with it); for
/// `RESTSIGN_ERR_BAD_SIGNATURE` with a correct signature, the computed part that does not match
/// (`passphrase` for a passphrase other than the key's). `RESTSIGN_ERR_NO_PART` when the verdict
/// names none (any other verdict, a request malformed as a whole, such as a header line without
/// a colon, and every verdict of `restsign_verifier_check`).
///
/// # Safety
/// As for `restsign_verdict_key`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_verdict_part(
    verdict: *const restsign_verdict,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe {
            verdict_text(verdict, out, out_cap, out_len, |v| match v {
                Some(Verdict::Unreadable { part, .. } | Verdict::Mismatch { part, .. }) => Ok(part.as_bytes()),
                _ => Err(RESTSIGN_ERR_NO_PART),
            })
        }
    })
}
