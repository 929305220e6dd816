//! `restsign_signer_*`: one credential, ready to sign.

use super::*;
use crate::nonce::{self, ClockNonce};
use crate::{Message, Signer};
use std::sync::Arc;

/// One credential (scheme, key, secret), keyed once. Opaque.
///
/// Thread safety: a signer is immutable after creation; any number of threads may use one signer
/// at once (sign, headers, requests, nonces). `restsign_signer_free` must not race with those
/// calls. Requests keep their signer alive, so a signer may be freed before its requests. The
/// secret and the keyed HMAC state are overwritten with zeros when the last reference goes.
pub struct restsign_signer {
    _private: [u8; 0],
}

impl ArcHandle for restsign_signer {
    type Target = Signer;
}

/// Creates a signer for `scheme` (a NUL-terminated name such as `"mtgox-v2"`; see
/// `restsign_scheme_name`) with the API key and the secret as the API gave them (base64 text for
/// the MtGox schemes, which restsign decodes). Key and secret are copied; the caller may wipe its
/// copies afterwards.
///
/// On success `*out` is the new handle, to be released with `restsign_signer_free`. On failure
/// `*out` is NULL and the status says why: `RESTSIGN_ERR_UNKNOWN_SCHEME`,
/// `RESTSIGN_ERR_EMPTY_SECRET`, `RESTSIGN_ERR_SECRET_NOT_BASE64`, `RESTSIGN_ERR_KEY_NOT_UUID`,
/// `RESTSIGN_ERR_INVALID_KEY`, `RESTSIGN_ERR_NULL_ARGUMENT` (scheme or out NULL) or
/// `RESTSIGN_ERR_NULL_WITH_LENGTH`.
///
/// # Safety
/// `scheme` must be NULL or NUL-terminated; `key`/`secret` valid for their lengths (or NULL with
/// length 0); `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_new(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    out: *mut *mut restsign_signer,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let signer = unsafe { new_signer(scheme, key, key_len, secret, secret_len) }?;
        unsafe { restsign_signer::give(Arc::new(signer), out) };
        Ok(())
    })
}

/// Like `restsign_signer_new`, and the signer draws request nonces from `nonce` (see
/// `restsign_nonce_new_file` and friends). The signer keeps its own reference to the source:
/// the caller may free `nonce` afterwards. `nonce` NULL means the default, an in-process
/// sequence shared by every signer of this process for this key.
///
/// # Safety
/// As for `restsign_signer_new`; `nonce` NULL or a live nonce handle.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_new_with_nonce(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    nonce: *const restsign_nonce,
    out: *mut *mut restsign_signer,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let mut signer = unsafe { new_signer(scheme, key, key_len, secret, secret_len) }?;
        if let Some(source) = unsafe { nonce_ref(nonce) } {
            signer = signer.with_nonce_source(source.clone());
        }
        unsafe { restsign_signer::give(Arc::new(signer), out) };
        Ok(())
    })
}

/// Like `restsign_signer_new`, with request nonces shared by every process on this host that
/// signs with this key: a state file at `state_path` (NUL-terminated), or when `state_path` is
/// NULL the default per-key file `$XDG_RUNTIME_DIR/restsign/nonce-<hash of the key>` (or
/// `/tmp/restsign-<uid>/…`), in the scheme's default unit. Errors of the state file:
/// `RESTSIGN_ERR_NONCE_STATE_*`.
///
/// # Safety
/// As for `restsign_signer_new`; `state_path` NULL or NUL-terminated.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_new_shared(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    state_path: *const c_char,
    out: *mut *mut restsign_signer,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let signer = unsafe { new_signer(scheme, key, key_len, secret, secret_len) }?;
        let path = unsafe { path_arg(state_path) }?.unwrap_or_else(|| nonce::default_state_path(signer.key()));
        let unit = signer.recipe().nonce_unit;
        let source = ClockNonce::shared_file(&path, signer.key(), unit).map_err(status_of)?;
        unsafe { restsign_signer::give(Arc::new(signer.with_nonce_source(Arc::new(source))), out) };
        Ok(())
    })
}

/// # Safety
/// As for `restsign_signer_new`.
unsafe fn new_signer(
    scheme: *const c_char,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
) -> Result<Signer, restsign_status> {
    let scheme = unsafe { str_arg(scheme, RESTSIGN_ERR_UNKNOWN_SCHEME) }?;
    let key = unsafe { bytes_arg(key, key_len) }?;
    let secret = unsafe { bytes_arg(secret, secret_len) }?;
    Signer::new(scheme, key, secret).map_err(status_of)
}

/// Draws the next nonce this signer's requests would use (from its nonce source) into `*out`.
///
/// # Safety
/// `signer` NULL or live; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_next_nonce(signer: *const restsign_signer, out: *mut u64) -> restsign_status {
    ffi_boundary!({
        let signer = unsafe { restsign_signer::borrow(signer) }?;
        let out = unsafe { out.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *out = signer.next_nonce().map_err(status_of)?;
        Ok(())
    })
}

/// Releases a signer. NULL is a no-op.
///
/// # Safety
/// `signer` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_free(signer: *mut restsign_signer) {
    let _ = ffi_boundary!({
        unsafe { restsign_signer::free(signer) };
        Ok(())
    });
}

/// Builds the core's view of a request from C arguments.
///
/// # Safety
/// As for `restsign_signer_sign_into`.
unsafe fn message_arg<'a>(
    method: *const c_char,
    path: *const c_char,
    path_len: usize,
    payload: *const c_char,
    payload_len: usize,
    nonce: u64,
) -> Result<Message<'a>, restsign_status> {
    Ok(Message {
        method: unsafe { str_arg(method, RESTSIGN_ERR_INVALID_METHOD) }?,
        path: unsafe { bytes_arg(path, path_len) }?,
        payload: unsafe { bytes_arg(payload, payload_len) }?,
        nonce,
    })
}

/// Writes the signature text into `out`: the hex or base64 tag the scheme's signature header
/// carries, or for `mtgox-stream` the whole signed call (base64 of key ‖ tag ‖ JSON). Allocates
/// nothing.
///
/// `method` is the HTTP method (`"GET"`, `"POST"`, …); `path` the endpoint path as the scheme
/// signs it (`/api/wallet/` for apiauth, `BTCUSD/money/order/add` for mtgox-v2; ignored by schemes
/// that do not sign it); `payload` the exact bytes sent (body, query string without `?`, or JSON);
/// `nonce` is signed by schemes that carry it outside the payload (apiauth) and ignored by others,
/// whose nonce is inside the payload.
///
/// Buffer contract: on success the text and a terminating NUL are written and `*out_len` is the
/// text length (without the NUL). If `out_cap` is too small nothing is written, `*out_len` is the
/// capacity needed (with the NUL) and the status is `RESTSIGN_ERR_BUFFER_TOO_SMALL`;
/// `out == NULL && out_cap == 0` is such a size query. `RESTSIGN_MAX_TAG_LEN + 1` always suffices
/// for the header schemes.
///
/// # Safety
/// `signer` NULL or live; `method` NULL or NUL-terminated; `path`/`payload` valid for their lengths
/// (or NULL with length 0); `out` valid for `out_cap` bytes (or NULL with 0); `out_len` NULL or
/// writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_sign_into(
    signer: *const restsign_signer,
    method: *const c_char,
    path: *const c_char,
    path_len: usize,
    payload: *const c_char,
    payload_len: usize,
    nonce: u64,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        let signer = unsafe { restsign_signer::borrow(signer) }?;
        let msg = unsafe { message_arg(method, path, path_len, payload, payload_len, nonce) }?;
        unsafe { text_out(out, out_cap, out_len, |buf| signer.sign_into(&msg, buf)) }
    })
}

/// Writes every HTTP header the scheme needs for this request as `Name: value\r\n` lines (for
/// example `Rest-Key` and `Rest-Sign`, or all three `Apiauth-*`, or viabtc's `X-API-KEY`,
/// `X-SIGNATURE` and, for POST/PUT, `Content-Type: application/json`), then a NUL. Arguments and
/// buffer contract as for `restsign_signer_sign_into`. Schemes without headers (`mtgox-stream`)
/// give `RESTSIGN_ERR_NO_HEADERS`. Allocates nothing.
///
/// # Safety
/// As for `restsign_signer_sign_into`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_headers_into(
    signer: *const restsign_signer,
    method: *const c_char,
    path: *const c_char,
    path_len: usize,
    payload: *const c_char,
    payload_len: usize,
    nonce: u64,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        let signer = unsafe { restsign_signer::borrow(signer) }?;
        let msg = unsafe { message_arg(method, path, path_len, payload, payload_len, nonce) }?;
        unsafe { text_out(out, out_cap, out_len, |buf| signer.headers_into(&msg, buf)) }
    })
}

/// The length of the signature text (without NUL) this signer writes for a payload of
/// `payload_len` bytes, into `*out_len`: a size query that needs no request.
///
/// # Safety
/// `signer` NULL or live; `out_len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_signature_len(
    signer: *const restsign_signer,
    payload_len: usize,
    out_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        let signer = unsafe { restsign_signer::borrow(signer) }?;
        // SAFETY: NULL checked; writable as promised.
        let out_len = unsafe { out_len.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *out_len = signer.signature_len(payload_len).map_err(status_of)?;
        Ok(())
    })
}

/// `RESTSIGN_MAX_TAG_LEN` at run time, for FFI users who cannot see `#define`s (PHP, Perl).
#[unsafe(no_mangle)]
pub extern "C" fn restsign_max_tag_len() -> usize {
    RESTSIGN_MAX_TAG_LEN
}

/// How many built-in schemes (preset recipes) restsign knows: the seven seed schemes first, then
/// today's exchanges.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_scheme_count() -> usize {
    crate::presets().len()
}

/// The name of scheme number `index` (0-based, below `restsign_scheme_count()`), static and
/// NUL-terminated; NULL if `index` is out of range. Aliases (`binanceus`, …) are not listed but
/// are accepted wherever a scheme name is.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_scheme_name(index: usize) -> *const c_char {
    crate::presets().get(index).map_or(std::ptr::null(), |s| s.c_name.as_ptr())
}
