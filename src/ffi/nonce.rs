//! `restsign_nonce_*`: nonce sources that never hand out the same value twice.

use super::*;
use crate::nonce::{self, ClockNonce, FnNonce, NonceSource};
use crate::recipe::{NonceUnit, Recipe};
use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::Arc;

/// A source of strictly increasing nonces. Opaque.
///
/// Thread safety: any number of threads may draw from one source at once (lock-free for the
/// memory source; the file source takes the file's lock for each draw; a Redis source serialises
/// the draws of one handle on its connection).
/// A file source is also shared by every process that opens the same state file, a Redis source
/// by every process on every host that uses the same server, prefix and key. Signers made with a
/// source keep their own reference to it, so it may be freed while they live.
///
/// Where state lives: signers without a source of their own, and `restsign_nonce_new_file` with a
/// NULL path, use the per-key file `nonce-<hash of the key>-<unit>` in the state directory,
/// `$XDG_STATE_HOME/restsign` (default `~/.local/state/restsign`, created 0700): not a runtime or
/// temp directory, which logind and tmp cleaners empty. Before use the directory and the file are
/// checked: owned by the effective user, not writable by others, not writable by the group, a
/// regular file (a symlink, FIFO, device or directory is refused without blocking), of the right
/// size. Each refusal has its own status (`RESTSIGN_ERR_STATE_*`, 60-66, or
/// `RESTSIGN_ERR_NONCE_STATE_*`); nothing is repaired silently.
///
/// Sharing one key's state between two users, on purpose: make a directory owned by a group both
/// are in, setgid and group-writable (`install -d -m 2770 -g GROUP DIR`), and give the file's path
/// in it explicitly. Files there are created 0660 and may belong to any member of that group; that
/// is the only case where a file not owned by the caller, or a group-writable one, is accepted (the
/// default directory is never shared).
///
/// Guarantee: every draw reads and writes the file under an exclusive lock (`flock`) and checks
/// with `fstat` that it is whole and still has all its names before the value is handed out. Each
/// state file has a second name, `.<name>.keep` beside it, so deleting the state file (by hand, by a
/// cleaner) loses nothing even with no process running: the next use links it back. A name deleted
/// or renamed over while in use is noticed at the next draw of any process that has the file open,
/// which moves to the state at the path carrying its last value into it; a process that has to
/// create the file (both names gone) first looks for deleted copies still held open by this user's
/// running processes (`/proc/PID/fd`) and starts above them. So no value is handed out twice unless
/// both names are deleted while no running process holds the file (the sequence then starts again
/// from the clock, and values drawn faster than the unit, ahead of the clock, could repeat), or an
/// older copy is renamed over the file (processes that start on it before a holder draws again go
/// on from its older value). A file truncated or rewritten while in use is an error
/// (`RESTSIGN_ERR_STATE_CHANGED`), never a signal. Creation writes an unnamed file (`O_TMPFILE`) and
/// links it into place, so a creator killed at any point leaves no temporary file behind.
///
/// In-memory nonces (`restsign_nonce_new_memory`) repeat across processes and restarts: they are
/// for callers who ask for them by name.
pub struct restsign_nonce {
    _private: [u8; 0],
}

/// Seconds since the epoch.
pub const RESTSIGN_NONCE_UNIT_SECONDS: i32 = 1;
/// Milliseconds since the epoch (apiauth, poloniex, coinpayments, viabtc).
pub const RESTSIGN_NONCE_UNIT_MILLIS: i32 = 2;
/// Microseconds since the epoch: MtGox `microtime` (seconds then six digits).
pub const RESTSIGN_NONCE_UNIT_MICROS: i32 = 3;
/// Units of 10 µs: the MtGox Python example's `int(time.time() * 100000)`.
pub const RESTSIGN_NONCE_UNIT_TEN_MICROS: i32 = 4;

const UNITS: [(i32, NonceUnit); 4] = [
    (RESTSIGN_NONCE_UNIT_SECONDS, NonceUnit::Seconds),
    (RESTSIGN_NONCE_UNIT_MILLIS, NonceUnit::Millis),
    (RESTSIGN_NONCE_UNIT_MICROS, NonceUnit::Micros),
    (RESTSIGN_NONCE_UNIT_TEN_MICROS, NonceUnit::TenMicros),
];

fn unit_arg(unit: i32) -> Result<NonceUnit, restsign_status> {
    UNITS.iter().find(|(code, _)| *code == unit).map(|(_, u)| *u).ok_or(RESTSIGN_ERR_INVALID_UNIT)
}

type Source = Arc<dyn NonceSource>;

/// # Safety
/// `nonce` must be NULL or a live handle.
pub(crate) unsafe fn nonce_ref<'a>(nonce: *const restsign_nonce) -> Option<&'a Source> {
    // SAFETY: non-NULL handles are Box<Source> pointers made by `nonce_handle`.
    unsafe { nonce.cast::<Source>().as_ref() }
}

/// # Safety
/// `out` must be non-NULL and writable.
unsafe fn nonce_handle(source: Source, out: *mut *mut restsign_nonce) {
    unsafe { *out = Box::into_raw(Box::new(source)).cast() };
}

/// An optional NUL-terminated path argument.
///
/// # Safety
/// `path` must be NULL or NUL-terminated.
pub(crate) unsafe fn path_arg(path: *const c_char) -> Result<Option<PathBuf>, restsign_status> {
    if path.is_null() {
        return Ok(None);
    }
    use std::os::unix::ffi::OsStrExt as _;
    // SAFETY: non-NULL and NUL-terminated, as promised.
    let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
    Ok(Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes))))
}

/// The default nonce unit of `scheme` (a `RESTSIGN_NONCE_UNIT_*` value) into `*unit`.
///
/// # Safety
/// `scheme` NULL or NUL-terminated; `unit` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_scheme_nonce_unit(scheme: *const c_char, unit: *mut i32) -> restsign_status {
    ffi_boundary!({
        let name = unsafe { str_arg(scheme, RESTSIGN_ERR_UNKNOWN_SCHEME) }?;
        let scheme = Recipe::preset(name).ok_or(RESTSIGN_ERR_UNKNOWN_SCHEME)?;
        let unit = unsafe { unit.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *unit = UNITS.iter().find(|(_, u)| *u == scheme.nonce_unit).map(|(c, _)| *c).expect("every unit has a code");
        Ok(())
    })
}

/// An in-process source: `max(now in unit, last + 1)` with one atomic compare-and-swap per draw.
/// Values are unique within this process only: another process, or this one restarted, may draw
/// the same values. Use it only when nothing else signs with the key (the default of a signer is
/// the per-key state file; see `restsign_nonce`).
///
/// # Safety
/// `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_new_memory(unit: i32, out: *mut *mut restsign_nonce) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let source = ClockNonce::in_memory(unit_arg(unit)?);
        unsafe { nonce_handle(Arc::new(source), out) };
        Ok(())
    })
}

/// A source shared by every process of this user on the host through a state file: at `path`
/// (NUL-terminated; its directory is created 0700 if missing), or when `path` is NULL the default
/// for `key` (`$XDG_STATE_HOME/restsign/nonce-<hash of the key>-<unit>`, default
/// `~/.local/state/...`;
/// the file signers use by default). The file is created (0600; 0660 in a shared directory) if
/// missing; its last value survives process exit, `kill -9` and restarts. The directory and file
/// are checked first (see `restsign_nonce`): `RESTSIGN_ERR_STATE_*`. A file that is too short, not
/// restsign's (or made for another key or unit), or damaged gives
/// `RESTSIGN_ERR_NONCE_STATE_TRUNCATED`, `_FOREIGN` or `_CORRUPT`: never a silent reset.
///
/// # Safety
/// `path` NULL or NUL-terminated; `key` valid for `key_len` bytes; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_new_file(
    path: *const c_char,
    key: *const c_char,
    key_len: usize,
    unit: i32,
    out: *mut *mut restsign_nonce,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let key = unsafe { bytes_arg(key, key_len) }?;
        let unit = unit_arg(unit)?;
        let path = unsafe { path_arg(path) }?.unwrap_or_else(|| nonce::default_state_path(key, unit));
        let source = ClockNonce::shared_file(&path, key, unit).map_err(status_of)?;
        unsafe { nonce_handle(Arc::new(source), out) };
        Ok(())
    })
}

/// A caller's nonce function: writes the next nonce to `*nonce` and returns `RESTSIGN_OK`, or any
/// other value on failure.
pub type restsign_nonce_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, nonce: *mut u64) -> restsign_status>;

/// The caller's function and data. restsign calls it from one thread at a time.
struct Callback {
    draw: unsafe extern "C" fn(*mut c_void, *mut u64) -> restsign_status,
    user_data: *mut c_void,
}
// SAFETY: documented contract of restsign_nonce_new_callback: `draw` may be called from any
// thread (one at a time), with `user_data`, for as long as the source lives.
unsafe impl Send for Callback {}

impl Callback {
    fn call(&self) -> Result<u64, crate::Error> {
        let mut value = 0;
        // SAFETY: the caller's contract (see restsign_nonce_new_callback).
        match unsafe { (self.draw)(self.user_data, &mut value) } {
            RESTSIGN_OK => Ok(value),
            _ => Err(crate::Error::NonceCallbackFailed),
        }
    }
}

/// A source that asks `draw(user_data, &nonce)` for each value: for sequences restsign does not
/// ship (a counter in Redis shared by several hosts, …). restsign still refuses values that do
/// not increase (`RESTSIGN_ERR_NONCE_NOT_INCREASING`) or exceed 2^63 − 1; a non-OK return from
/// `draw` gives `RESTSIGN_ERR_NONCE_CALLBACK_FAILED`. `draw` may be called from any thread that
/// signs, but never from two at once (restsign serialises the calls, so values leave in the order
/// they were made), and `user_data` must stay valid until the source and every signer using it
/// are freed.
///
/// # Safety
/// As stated above; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_new_callback(
    draw: restsign_nonce_fn,
    user_data: *mut c_void,
    out: *mut *mut restsign_nonce,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let callback = Callback { draw: draw.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?, user_data };
        let source = FnNonce::new(move || callback.call());
        unsafe { nonce_handle(Arc::new(source), out) };
        Ok(())
    })
}

/// Draws the next value into `*out`.
///
/// # Safety
/// `nonce` NULL or live; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_next(nonce: *const restsign_nonce, out: *mut u64) -> restsign_status {
    ffi_boundary!({
        let source = unsafe { nonce_ref(nonce) }.ok_or(RESTSIGN_ERR_NULL_HANDLE)?;
        let out = unsafe { out.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *out = source.next().map_err(status_of)?;
        Ok(())
    })
}

/// Releases a nonce source (signers using it keep it alive). NULL is a no-op.
///
/// # Safety
/// `nonce` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_free(nonce: *mut restsign_nonce) {
    unsafe { free_boxed(nonce.cast::<Source>()) }
}

/// A source shared by every process on every host that reaches the same Redis server: each draw
/// is one atomic Lua script on the server, `max(now, last + 1)` in `unit` with `now` from the
/// server's clock (`TIME`), so hosts with skewed clocks agree. The counter lives under
/// `restsign:nonce:<32 hex digits>` (a hash of `key`, never the key itself; the same digits as the
/// key's default state file `nonce-<digits>`); see `restsign_nonce_new_redis_prefix` to choose the
/// prefix.
///
/// `url` (not NUL-terminated, `url_len` bytes): `redis://[user:password@]host:port/db`,
/// `redis+unix:///path?db=N&pass=...` or `unix:///path`; `rediss://` gives
/// `RESTSIGN_ERR_REDIS_TLS_UNSUPPORTED`. `?timeout_ms=N` sets the connect, read and write
/// timeout (default 1000). Only the URL is checked here (`RESTSIGN_ERR_REDIS_URL`): the first
/// draw connects, and a draw after a failure connects again.
///
/// Failure is loud: a draw returns `RESTSIGN_ERR_REDIS_UNAVAILABLE`, `_TIMEOUT`, `_AUTH`,
/// `_SCRIPT`, `_BAD_VALUE`, `_UNIT_MISMATCH` or `_SERVER` (codes 70 to 79) and no nonce; restsign
/// never falls back to a local clock or file. Draws through one handle are serialised on its
/// connection; a value not above the handle's previous one (Redis lost its data and its clock is
/// behind) is `RESTSIGN_ERR_NONCE_NOT_INCREASING`. A handle made before `fork()` may be used in
/// parent and children: each process opens its own connection. Without the cargo feature `redis`
/// every call returns `RESTSIGN_ERR_REDIS_NOT_BUILT`.
///
/// # Safety
/// `url` and `key` valid for their lengths (or NULL with length 0); `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_new_redis(
    url: *const c_char,
    url_len: usize,
    key: *const c_char,
    key_len: usize,
    unit: i32,
    out: *mut *mut restsign_nonce,
) -> restsign_status {
    unsafe { restsign_nonce_new_redis_prefix(url, url_len, std::ptr::null(), 0, key, key_len, unit, out) }
}

/// As `restsign_nonce_new_redis`, with the key names under `prefix` (`prefix_len` bytes; NULL
/// with 0 means the default `restsign:`), e.g. one prefix per desk sharing a Redis server.
///
/// # Safety
/// As for `restsign_nonce_new_redis`; `prefix` valid for `prefix_len` bytes (or NULL with 0).
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_nonce_new_redis_prefix(
    url: *const c_char,
    url_len: usize,
    prefix: *const c_char,
    prefix_len: usize,
    key: *const c_char,
    key_len: usize,
    unit: i32,
    out: *mut *mut restsign_nonce,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let url = unsafe { utf8_arg(url, url_len, RESTSIGN_ERR_REDIS_URL) }?;
        let prefix = unsafe { utf8_arg(prefix, prefix_len, RESTSIGN_ERR_REDIS_URL) }?;
        let key = unsafe { bytes_arg(key, key_len) }?;
        let unit = unit_arg(unit)?;
        let source = redis_source(url, prefix, key, unit).map_err(status_of)?;
        unsafe { nonce_handle(source, out) };
        Ok(())
    })
}

#[cfg(feature = "redis")]
fn redis_source(url: &str, prefix: &str, key: &[u8], unit: NonceUnit) -> Result<Source, crate::Error> {
    let prefix = if prefix.is_empty() { crate::redis::DEFAULT_PREFIX } else { prefix };
    Ok(Arc::new(crate::redis::RedisNonce::with_prefix(url, prefix, key, unit)?))
}

#[cfg(not(feature = "redis"))]
fn redis_source(_: &str, _: &str, _: &[u8], _: NonceUnit) -> Result<Source, crate::Error> {
    Err(crate::Error::RedisNotBuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built without the feature (`cargo test --lib --no-default-features`): the calls exist and
    /// say so, for a source and for a verifier.
    #[cfg(not(feature = "redis"))]
    #[test]
    fn redis_calls_say_not_built() {
        let url = "redis://127.0.0.1:6379/0";
        let mut out = std::ptr::null_mut();
        let st = unsafe {
            restsign_nonce_new_redis(
                url.as_ptr().cast(),
                url.len(),
                c"k".as_ptr(),
                1,
                RESTSIGN_NONCE_UNIT_MILLIS,
                &mut out,
            )
        };
        assert_eq!((st, out.is_null()), (RESTSIGN_ERR_REDIS_NOT_BUILT, true));
        let mut v = std::ptr::null_mut();
        let st = unsafe { restsign_verifier_new(c"viabtc".as_ptr(), c"k".as_ptr(), 1, c"s".as_ptr(), 1, &mut v) };
        assert_eq!(st, RESTSIGN_OK);
        let st = unsafe { restsign_verifier_set_replay_redis(v, url.as_ptr().cast(), url.len(), std::ptr::null(), 0) };
        assert_eq!(st, RESTSIGN_ERR_REDIS_NOT_BUILT);
        unsafe { restsign_verifier_free(v) };
    }

    /// Bad arguments are statuses, with or without the feature.
    #[test]
    fn redis_arguments_are_checked() {
        let mut out = std::ptr::null_mut();
        let st = unsafe {
            restsign_nonce_new_redis(std::ptr::null(), 3, c"k".as_ptr(), 1, RESTSIGN_NONCE_UNIT_MILLIS, &mut out)
        };
        assert_eq!(st, RESTSIGN_ERR_NULL_WITH_LENGTH);
        let url = b"redis://\xff";
        let st = unsafe { restsign_nonce_new_redis(url.as_ptr().cast(), url.len(), c"k".as_ptr(), 1, 2, &mut out) };
        assert_eq!(st, RESTSIGN_ERR_REDIS_URL, "not UTF-8");
        let st = unsafe { restsign_nonce_new_redis(c"redis://h".as_ptr(), 9, c"k".as_ptr(), 1, 42, &mut out) };
        assert_eq!(st, RESTSIGN_ERR_INVALID_UNIT);
        let st =
            unsafe { restsign_nonce_new_redis(c"redis://h".as_ptr(), 9, c"k".as_ptr(), 1, 2, std::ptr::null_mut()) };
        assert_eq!(st, RESTSIGN_ERR_NULL_ARGUMENT);
    }
}
