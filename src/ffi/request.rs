//! `restsign_request_*`: build, sign and read back a whole request, as the MtGox wiki's
//! `mtgox_query($path, $req)` does by hand.

use super::*;
use crate::{Request, SignedRequest, Signer};
use std::sync::Arc;

/// A request being built, then signed. Opaque.
///
/// Thread safety: a request is used by one thread at a time (it changes as it is built and
/// signed). It keeps its signer alive.
pub struct restsign_request {
    _private: [u8; 0],
}

struct RequestHandle {
    signer: Arc<Signer>,
    request: Request,
    signed: Option<Views>,
}

/// The signed request and NUL-terminated copies of its parts, which the view functions lend out.
struct Views {
    nonce: Option<u64>,
    body: Vec<u8>,
    query: Vec<u8>,
    target: Vec<u8>,
    url: Vec<u8>,
    signature: Vec<u8>,
    header_block: Vec<u8>,
    header_lines: Vec<Vec<u8>>,
}

fn nul_terminated(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.push(0);
    bytes
}

impl Views {
    fn new(signed: SignedRequest) -> Views {
        Views {
            nonce: signed.nonce,
            target: nul_terminated(signed.path_and_query()),
            url: nul_terminated(signed.url.clone()),
            header_lines: signed.header_lines().map(|l| nul_terminated(l.to_vec())).collect(),
            signature: nul_terminated(signed.signature.into_bytes()),
            header_block: nul_terminated(signed.header_block),
            body: nul_terminated(signed.body),
            query: nul_terminated(signed.query),
        }
    }
}

/// # Safety
/// `req` must be NULL or a live handle, used by this thread only.
unsafe fn handle_mut<'a>(req: *mut restsign_request) -> Result<&'a mut RequestHandle, restsign_status> {
    // SAFETY: non-NULL handles are Box<RequestHandle> pointers made by restsign_request_new.
    unsafe { req.cast::<RequestHandle>().as_mut() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
}

/// The signed views of a request, or `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// As for `handle_mut`.
unsafe fn views<'a>(req: *const restsign_request) -> Result<&'a Views, restsign_status> {
    // SAFETY: as above.
    let handle = unsafe { req.cast::<RequestHandle>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)?;
    handle.signed.as_ref().ok_or(RESTSIGN_ERR_NOT_SIGNED)
}

/// Lends a NUL-terminated buffer: `*data` points at it, `*len` is its length without the NUL.
///
/// # Safety
/// `data` and `len` NULL or writable.
unsafe fn lend(bytes: &[u8], data: *mut *const c_char, len: *mut usize) -> Result<(), restsign_status> {
    let (data, len) = unsafe { (data.as_mut(), len.as_mut()) };
    let (data, len) = data.zip(len).ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
    *data = bytes.as_ptr().cast();
    *len = bytes.len() - 1;
    Ok(())
}

/// Starts a request with `signer` (which it keeps alive): HTTP `method` (NUL-terminated) and the URL
/// `path` (`/tradingApi`, `/api/1/generic/private/info`, `/api/2/BTCUSD/money/info`; for mtgox-v2
/// the part after `/api/2/` is what gets signed).
///
/// # Safety
/// `signer` NULL or live; `method` NULL or NUL-terminated; `path` valid for `path_len`; `out` NULL
/// or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_new(
    signer: *const restsign_signer,
    method: *const c_char,
    path: *const c_char,
    path_len: usize,
    out: *mut *mut restsign_request,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let signer = unsafe { restsign_signer::share(signer) }?;
        let method = unsafe { str_arg(method, RESTSIGN_ERR_INVALID_METHOD) }?;
        crate::signer::check_method(method).map_err(status_of)?;
        let path = unsafe { bytes_arg(path, path_len) }?;
        let handle = RequestHandle { signer, request: Request::new(method, path), signed: None };
        unsafe { *out = Box::into_raw(Box::new(handle)).cast() };
        Ok(())
    })
}

/// Adds a parameter (name and value are raw bytes; restsign encodes them). Parameters keep their
/// order; the scheme's nonce field is added last unless you add it yourself.
///
/// # Safety
/// `req` NULL or live; `name`/`value` valid for their lengths.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_add_param(
    req: *mut restsign_request,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        let (name, value) = unsafe { (bytes_arg(name, name_len)?, bytes_arg(value, value_len)?) };
        handle.request.param(name, value);
        handle.signed = None;
        Ok(())
    })
}

/// Sends `body` exactly as given instead of parameters. Any nonce field is then the caller's;
/// a header nonce (apiauth) is still drawn.
///
/// # Safety
/// `req` NULL or live; `body` valid for `body_len`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_set_body(
    req: *mut restsign_request,
    body: *const c_char,
    body_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        handle.request.raw_body(unsafe { bytes_arg(body, body_len) }?);
        handle.signed = None;
        Ok(())
    })
}

/// Sends a JSON object as the body; restsign adds the scheme's nonce member (`"tonce":…`) before
/// its closing brace unless it is already there, and keeps the rest of the bytes as they are.
///
/// # Safety
/// `req` NULL or live; `json` valid for `json_len`.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_set_json(
    req: *mut restsign_request,
    json: *const c_char,
    json_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        handle.request.json_body(unsafe { bytes_arg(json, json_len) }?);
        handle.signed = None;
        Ok(())
    })
}

/// Draws the next nonce from the signer's source, builds the body or query string, and signs.
/// Afterwards the view functions below lend out the result. Signing again draws a new nonce.
///
/// # Safety
/// `req` NULL or live.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_sign(req: *mut restsign_request) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        handle.signed = None;
        let signed = handle.signer.sign_request(&handle.request).map_err(status_of)?;
        handle.signed = Some(Views::new(signed));
        Ok(())
    })
}

/// Fixes the clock this request is signed at, in milliseconds since the Unix epoch (to reproduce a
/// request, or to test); every timestamp format of the recipe is rendered from it. By default each
/// signing reads the system clock.
///
/// # Safety
/// `req` NULL or live.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_set_time(req: *mut restsign_request, unix_ms: u64) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        handle.signed = None;
        handle.request.time_ms(unix_ms);
        Ok(())
    })
}

/// Fixes the random UUID of recipes that draw one (Bitstamp's `X-Auth-Nonce`, Upbit's JWT nonce):
/// `uuid` is 36 characters, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (else `RESTSIGN_ERR_INVALID_UUID`).
/// By default each signing draws a new random one.
///
/// # Safety
/// `req` NULL or live; `uuid` valid for `uuid_len` bytes (or NULL with 0).
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_set_uuid(
    req: *mut restsign_request,
    uuid: *const c_char,
    uuid_len: usize,
) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        let uuid = unsafe { bytes_arg(uuid, uuid_len) }?;
        handle.signed = None;
        handle.request.uuid(uuid).map_err(status_of)?;
        Ok(())
    })
}

/// Like `restsign_request_sign` with a nonce of the caller's choosing (nothing is drawn), between 1
/// and 2^63 - 1 (else `RESTSIGN_ERR_NONCE_OUT_OF_RANGE`).
///
/// # Safety
/// `req` NULL or live.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_sign_with_nonce(req: *mut restsign_request, nonce: u64) -> restsign_status {
    ffi_boundary!({
        let handle = unsafe { handle_mut(req) }?;
        handle.signed = None;
        let signed = handle.signer.sign_request_with_nonce(&handle.request, nonce).map_err(status_of)?;
        handle.signed = Some(Views::new(signed));
        Ok(())
    })
}

/// Lends one part of the signed request.
///
/// # Safety
/// As for the view functions.
unsafe fn view(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
    part: impl FnOnce(&Views) -> &[u8],
) -> restsign_status {
    ffi_boundary!({
        let views = unsafe { views(req) }?;
        unsafe { lend(part(views), data, len) }
    })
}

// The view functions are written out (not generated by a macro) so that cbindgen sees them.

/// The whole URL to send to: the recipe's base URL (or the signer's), the path and `?query`.
/// Borrowed and NUL-terminated as the other views.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_url(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.url) }
}

/// The body to send (empty for GET-style requests whose parameters are in the query).
///
/// The view is NUL-terminated and borrowed: valid until the request is changed, signed again or
/// freed. `*len` excludes the NUL. Before signing: `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_body(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.body) }
}

/// The query string without `?` (empty when parameters travel in the body).
///
/// The view is NUL-terminated and borrowed: valid until the request is changed, signed again or
/// freed. `*len` excludes the NUL. Before signing: `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_query(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.query) }
}

/// The request target: the path, plus `?` and the query string when there is one.
///
/// The view is NUL-terminated and borrowed: valid until the request is changed, signed again or
/// freed. `*len` excludes the NUL. Before signing: `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_target(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.target) }
}

/// The signature text (for `mtgox-stream`, the whole signed call to send).
///
/// The view is NUL-terminated and borrowed: valid until the request is changed, signed again or
/// freed. `*len` excludes the NUL. Before signing: `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_signature(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.signature) }
}

/// Every header as `Name: value\r\n` lines (empty for `mtgox-stream`).
///
/// The view is NUL-terminated and borrowed: valid until the request is changed, signed again or
/// freed. `*len` excludes the NUL. Before signing: `RESTSIGN_ERR_NOT_SIGNED`.
///
/// # Safety
/// `req` NULL or live; `data` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_header_block(
    req: *const restsign_request,
    data: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    unsafe { view(req, data, len, |v| &v.header_block) }
}

/// The number of headers into `*count` (for `restsign_request_header`).
///
/// # Safety
/// `req` NULL or live; `count` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_header_count(
    req: *const restsign_request,
    count: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        let views = unsafe { views(req) }?;
        *unsafe { count.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)? = views.header_lines.len();
        Ok(())
    })
}

/// Header number `index` as one NUL-terminated `Name: value` line (no CR LF): ready for
/// `curl_slist_append`. Borrowed like the views above; `RESTSIGN_ERR_INDEX_OUT_OF_RANGE` past the end.
///
/// # Safety
/// `req` NULL or live; `line` and `len` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_header(
    req: *const restsign_request,
    index: usize,
    line: *mut *const c_char,
    len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        let views = unsafe { views(req) }?;
        let bytes = views.header_lines.get(index).ok_or(RESTSIGN_ERR_INDEX_OUT_OF_RANGE)?;
        unsafe { lend(bytes, line, len) }
    })
}

/// The nonce this request was signed with into `*nonce`. `RESTSIGN_ERR_NO_NONCE` when the caller
/// placed the nonce in a raw body (restsign drew none).
///
/// # Safety
/// `req` NULL or live; `nonce` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_nonce(req: *const restsign_request, nonce: *mut u64) -> restsign_status {
    ffi_boundary!({
        let views = unsafe { views(req) }?;
        let out = unsafe { nonce.as_mut() }.ok_or(RESTSIGN_ERR_NULL_ARGUMENT)?;
        *out = views.nonce.ok_or(RESTSIGN_ERR_NO_NONCE)?;
        Ok(())
    })
}

/// Releases a request (and its reference to the signer). NULL is a no-op.
///
/// # Safety
/// `req` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_request_free(req: *mut restsign_request) {
    unsafe { free_boxed(req.cast::<RequestHandle>()) }
}
