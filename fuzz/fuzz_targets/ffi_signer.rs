//! The C entry points with arbitrary arguments: restsign_signer_new with any scheme name, key and
//! secret (NULL pointers included), then sign_into / headers_into with any method, path, payload,
//! nonce and output buffer. Checks the documented contract against the oracle:
//! - valid inputs and room: RESTSIGN_OK, the oracle's text, a NUL at out_len, the rest untouched;
//! - valid inputs, no room: RESTSIGN_ERR_BUFFER_TOO_SMALL, *out_len = text + NUL, buffer untouched,
//!   and a retry with that capacity succeeds;
//! - invalid inputs: one of the statuses that apply (never BUFFER_TOO_SMALL, never INTERNAL, which
//!   would mean a caught panic), buffer untouched, no handle.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oracle::{Credential, SCHEME_NAMES, base64_encode, check_credential, headers, is_token, signature};
use restsign::ffi::*;
use std::ffi::{CStr, c_char};
use std::ptr;

/// A (pointer, length) argument: real bytes, or NULL with a length (NULL with 0 is an empty input).
#[derive(Arbitrary, Debug)]
enum Bytes {
    Given(Vec<u8>),
    Null(u8),
}

impl Bytes {
    fn arg(&self) -> (*const c_char, usize) {
        match self {
            Bytes::Given(v) => (v.as_ptr().cast(), v.len()),
            Bytes::Null(n) => (ptr::null(), usize::from(*n)),
        }
    }
    /// The bytes restsign may read; None when the argument is NULL with a length.
    fn value(&self) -> Option<&[u8]> {
        match self {
            Bytes::Given(v) => Some(v),
            Bytes::Null(0) => Some(&[]),
            Bytes::Null(_) => None,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum SchemeName {
    Known(u8),
    Raw(Vec<u8>),
    Null,
}

#[derive(Arbitrary, Debug)]
enum Key {
    Raw(Bytes),
    /// A well-formed UUID, so mtgox-stream gets past its key check often.
    Uuid([u8; 16], bool),
}

#[derive(Arbitrary, Debug)]
enum Secret {
    Raw(Bytes),
    /// Valid base64 of these bytes, so the MtGox schemes get past their secret check often.
    Base64Of(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Method {
    Post,
    Get,
    Raw(Vec<u8>),
    Null,
}

#[derive(Arbitrary, Debug)]
enum Out {
    SizeQuery,
    NullWithCap(u8),
    Buffer(u16),
    NullOutLen,
}

#[derive(Arbitrary, Debug)]
struct Request {
    headers: bool,
    method: Method,
    path: Bytes,
    payload: Bytes,
    nonce: u64,
    out: Out,
}

#[derive(Arbitrary, Debug)]
struct Input {
    scheme: SchemeName,
    key: Key,
    secret: Secret,
    null_out: bool,
    requests: Vec<Request>,
}

/// Bytes after the text must stay as they were: no hex or base64 text or header block holds 0xA5.
const UNTOUCHED: u8 = 0xa5;

/// A C string of `bytes` up to any NUL; the part restsign reads.
fn c_string(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    [&bytes[..end], b"\0"].concat()
}

fn status_of_reason(why: &str) -> restsign_status {
    match why {
        "unknown scheme" => RESTSIGN_ERR_UNKNOWN_SCHEME,
        "key not uuid" => RESTSIGN_ERR_KEY_NOT_UUID,
        "invalid key" => RESTSIGN_ERR_INVALID_KEY,
        "empty secret" => RESTSIGN_ERR_EMPTY_SECRET,
        "secret not base64" => RESTSIGN_ERR_SECRET_NOT_BASE64,
        other => unreachable!("{other}"),
    }
}

fn check_status_text(status: restsign_status) {
    let text = unsafe { CStr::from_ptr(restsign_strerror(status)) };
    assert!(!text.is_empty());
}

fuzz_target!(|input: Input| {
    let scheme = match &input.scheme {
        SchemeName::Known(i) => Some(c_string(SCHEME_NAMES[usize::from(*i) % SCHEME_NAMES.len()].as_bytes())),
        SchemeName::Raw(raw) => Some(c_string(raw)),
        SchemeName::Null => None,
    };
    let key = match input.key {
        Key::Raw(b) => b,
        Key::Uuid(u, upper) => {
            let h = oracle::hex(&u, upper);
            let text = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
            Bytes::Given(text.into_bytes())
        }
    };
    let secret = match input.secret {
        Secret::Raw(b) => b,
        Secret::Base64Of(v) => Bytes::Given(base64_encode(&v).into_bytes()),
    };

    // Every reason restsign_signer_new may give for refusing these inputs.
    let name = scheme.as_ref().map(|s| std::str::from_utf8(&s[..s.len() - 1]));
    // The oracle knows the seed schemes; a raw name that happens to name another preset ("xt",
    // "gate") is left out rather than judged.
    if let Some(Ok(n)) = name {
        if !SCHEME_NAMES.contains(&n) && restsign::Recipe::preset(n).is_some() {
            return;
        }
    }
    let mut reasons = Vec::new();
    if scheme.is_none() || input.null_out {
        reasons.push(RESTSIGN_ERR_NULL_ARGUMENT);
    }
    if key.value().is_none() || secret.value().is_none() {
        reasons.push(RESTSIGN_ERR_NULL_WITH_LENGTH);
    }
    let mut credential: Option<Credential<'_>> = None;
    match name {
        Some(Ok(name)) => match (key.value(), secret.value()) {
            (Some(k), Some(s)) => match check_credential(name, k, s) {
                Ok(c) => credential = Some(c),
                Err(why) => reasons.extend(why.into_iter().map(status_of_reason)),
            },
            _ if !SCHEME_NAMES.contains(&name) => reasons.push(RESTSIGN_ERR_UNKNOWN_SCHEME),
            _ => {}
        },
        Some(Err(_)) => reasons.push(RESTSIGN_ERR_UNKNOWN_SCHEME),
        None => {}
    }

    let (kp, kl) = key.arg();
    let (sp, sl) = secret.arg();
    let mut handle: *mut restsign_signer = ptr::dangling_mut();
    let out: *mut *mut restsign_signer = if input.null_out { ptr::null_mut() } else { &mut handle };
    let scheme_ptr = scheme.as_ref().map_or(ptr::null(), |s| s.as_ptr().cast());
    let status = unsafe { restsign_signer_new(scheme_ptr, kp, kl, sp, sl, out) };
    check_status_text(status);
    if !reasons.is_empty() {
        assert!(reasons.contains(&status), "signer_new gave {status}, expected one of {reasons:?}");
        assert!(input.null_out || handle.is_null(), "no handle on failure");
        return;
    }
    assert_eq!(status, RESTSIGN_OK, "signer_new refused valid inputs");
    let credential = credential.expect("valid inputs have a credential");
    let signer = handle;

    for req in input.requests.iter().take(4) {
        request(signer, &credential, req);
    }
    unsafe { restsign_signer_free(signer) };
});

fn request(signer: *const restsign_signer, credential: &Credential<'_>, req: &Request) {
    let method = match &req.method {
        Method::Post => Some(c_string(b"POST")),
        Method::Get => Some(c_string(b"GET")),
        Method::Raw(raw) => Some(c_string(raw)),
        Method::Null => None,
    };
    let mut reasons = Vec::new();
    let method_text = match &method {
        None => {
            reasons.push(RESTSIGN_ERR_NULL_ARGUMENT);
            None
        }
        Some(m) => {
            let text = &m[..m.len() - 1];
            if !is_token(text) {
                reasons.push(RESTSIGN_ERR_INVALID_METHOD);
            }
            std::str::from_utf8(text).ok()
        }
    };
    let (path, payload) = (req.path.value(), req.payload.value());
    if path.is_none() || payload.is_none() {
        reasons.push(RESTSIGN_ERR_NULL_WITH_LENGTH);
    }
    // A request line cannot carry control bytes, spaces or DEL in its path.
    if path.is_some_and(|p| p.iter().any(|&b| b <= b' ' || b == 0x7f)) {
        reasons.push(RESTSIGN_ERR_INVALID_PATH);
    }
    // Nonces are 1..2^63-1 where they are signed (apiauth), and never above 2^63-1.
    if req.nonce > i64::MAX as u64 || (credential.scheme == "apiauth" && req.nonce == 0) {
        reasons.push(RESTSIGN_ERR_NONCE_OUT_OF_RANGE);
    }
    match req.out {
        Out::NullWithCap(_) => reasons.push(RESTSIGN_ERR_NULL_WITH_LENGTH),
        Out::NullOutLen => reasons.push(RESTSIGN_ERR_NULL_ARGUMENT),
        Out::SizeQuery | Out::Buffer(_) => {}
    }
    if req.headers && credential.scheme == "mtgox-stream" {
        reasons.push(RESTSIGN_ERR_NO_HEADERS);
    }

    let (cap, mut buf) = match req.out {
        Out::SizeQuery => (0, Vec::new()),
        Out::NullWithCap(n) => (usize::from(n).max(1), Vec::new()),
        Out::Buffer(n) => (usize::from(n), vec![UNTOUCHED; usize::from(n)]),
        Out::NullOutLen => (256, vec![UNTOUCHED; 256]),
    };
    let out_ptr = if buf.is_empty() { ptr::null_mut() } else { buf.as_mut_ptr().cast() };
    let mut out_len = usize::MAX;
    let out_len_ptr: *mut usize = if matches!(req.out, Out::NullOutLen) { ptr::null_mut() } else { &mut out_len };
    let call = |out: *mut c_char, cap: usize, out_len: *mut usize| {
        let f = if req.headers { restsign_signer_headers_into } else { restsign_signer_sign_into };
        let (mp, (pp, pl), (yp, yl)) =
            (method.as_ref().map_or(ptr::null(), |m| m.as_ptr().cast()), req.path.arg(), req.payload.arg());
        unsafe { f(signer, mp, pp, pl, yp, yl, req.nonce, out, cap, out_len) }
    };
    let status = call(out_ptr, cap, out_len_ptr);
    check_status_text(status);

    if !reasons.is_empty() {
        assert!(reasons.contains(&status), "gave {status}, expected one of {reasons:?}");
        assert!(buf.iter().all(|&b| b == UNTOUCHED), "buffer written on error {status}");
        return;
    }

    let (path, payload, method_text) = (path.unwrap(), payload.unwrap(), method_text.unwrap());
    let text = if req.headers {
        headers(credential, method_text, path, payload, req.nonce).expect("scheme has headers")
    } else {
        signature(credential, path, payload, req.nonce).into_bytes()
    };
    if !req.headers {
        let mut len = 0;
        assert_eq!(unsafe { restsign_signer_signature_len(signer, payload.len(), &mut len) }, RESTSIGN_OK);
        assert_eq!(len, text.len(), "signature_len");
    }
    let needed = text.len() + 1;
    if cap >= needed {
        assert_eq!(status, RESTSIGN_OK);
        assert_eq!(out_len, text.len());
        assert!(
            buf[..out_len] == text[..],
            "text differs from the oracle:\n{:?}\n{:?}",
            String::from_utf8_lossy(&buf[..out_len]),
            String::from_utf8_lossy(&text)
        );
        assert_eq!(buf[out_len], 0, "NUL after the text");
        assert!(buf[needed..].iter().all(|&b| b == UNTOUCHED), "bytes past the NUL written");
    } else {
        assert_eq!(status, RESTSIGN_ERR_BUFFER_TOO_SMALL, "cap {cap} < needed {needed}");
        assert_eq!(out_len, needed, "*out_len is the capacity needed, NUL included");
        assert!(buf.iter().all(|&b| b == UNTOUCHED), "buffer written although too small");
        let mut exact = vec![UNTOUCHED; needed];
        let mut len = 0;
        assert_eq!(call(exact.as_mut_ptr().cast(), needed, &mut len), RESTSIGN_OK, "retry with the size given");
        assert!(len == text.len() && exact[..len] == text[..] && exact[len] == 0);
    }
}
