//! `restsign_signer_*`: one credential, ready to sign.

use super::*;
use crate::{Message, Signer, scheme::SCHEMES};

/// One credential (scheme, key, secret), keyed once. Opaque.
///
/// Thread safety: a signer is immutable after `restsign_signer_new`; any number of threads may
/// call `restsign_signer_sign_into` and `restsign_signer_headers_into` on one signer at once.
/// `restsign_signer_free` must not race with those calls. The secret and the keyed HMAC state
/// are overwritten with zeros when the signer is freed.
pub struct restsign_signer {
    _private: [u8; 0],
}

/// # Safety
/// `signer` must be NULL or a live handle from `restsign_signer_new`.
unsafe fn signer_ref<'a>(signer: *const restsign_signer) -> Result<&'a Signer, restsign_status> {
    // SAFETY: non-NULL handles are Box<Signer> pointers made by restsign_signer_new.
    unsafe { signer.cast::<Signer>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
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
        if out.is_null() {
            return Err(RESTSIGN_ERR_NULL_ARGUMENT);
        }
        // SAFETY: checked non-NULL; writable as the caller promised.
        unsafe { *out = std::ptr::null_mut() };
        let scheme = unsafe { str_arg(scheme, RESTSIGN_ERR_UNKNOWN_SCHEME) }?;
        let key = unsafe { bytes_arg(key, key_len) }?;
        let secret = unsafe { bytes_arg(secret, secret_len) }?;
        let signer = Signer::new(scheme, key, secret).map_err(status_of)?;
        unsafe { *out = Box::into_raw(Box::new(signer)).cast() };
        Ok(())
    })
}

/// Frees a signer and wipes its secret. NULL is a no-op.
///
/// # Safety
/// `signer` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_free(signer: *mut restsign_signer) {
    let _ = ffi_boundary!({
        if !signer.is_null() {
            // SAFETY: made by Box::into_raw in restsign_signer_new; ownership returns here once.
            drop(unsafe { Box::from_raw(signer.cast::<Signer>()) });
        }
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
        let signer = unsafe { signer_ref(signer) }?;
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
        let signer = unsafe { signer_ref(signer) }?;
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
        let signer = unsafe { signer_ref(signer) }?;
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

/// How many schemes restsign knows.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_scheme_count() -> usize {
    SCHEMES.len()
}

/// The name of scheme number `index` (0-based, below `restsign_scheme_count()`), static and
/// NUL-terminated; NULL if `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_scheme_name(index: usize) -> *const c_char {
    SCHEMES.get(index).map_or(std::ptr::null(), |s| s.c_name.as_ptr())
}
