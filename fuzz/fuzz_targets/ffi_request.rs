//! The request C entry points with arbitrary arguments: restsign_request_new, _add_param,
//! _set_body, _set_json, _sign_with_nonce and every view. Never a panic (INTERNAL); when signing
//! succeeds the views are consistent and the signature is the oracle's over the bytes to send.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oracle::{Credential, SCHEME_NAMES, signature};
use restsign::ffi::*;
use std::ffi::{CString, c_char};
use std::ptr;

#[derive(Arbitrary, Debug)]
enum Step {
    Param(Vec<u8>, Vec<u8>),
    Body(Vec<u8>),
    Json(Vec<u8>),
    NullParam(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    scheme: u8,
    method: Vec<u8>,
    path: Vec<u8>,
    steps: Vec<Step>,
    nonce: u64,
}

const KEY: &[u8] = b"12345678-abcd-1234-abcd-50286e649d5c";

unsafe fn view(
    req: *const restsign_request,
    f: unsafe extern "C" fn(*const restsign_request, *mut *const c_char, *mut usize) -> restsign_status,
) -> Vec<u8> {
    let (mut data, mut len) = (ptr::null(), 0);
    assert_eq!(unsafe { f(req, &mut data, &mut len) }, RESTSIGN_OK);
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len + 1) };
    assert_eq!(bytes[len], 0, "views are NUL-terminated");
    bytes[..len].to_vec()
}

fuzz_target!(|input: Input| unsafe {
    let name = SCHEME_NAMES[usize::from(input.scheme) % SCHEME_NAMES.len()];
    let mtgox = name.starts_with("mtgox");
    let secret: &[u8] = if mtgox { b"c2VjcmV0" } else { b"secret" };
    let scheme = CString::new(name).unwrap();
    let mut signer = ptr::null_mut();
    let st = restsign_signer_new(scheme.as_ptr(), KEY.as_ptr().cast(), KEY.len(), secret.as_ptr().cast(), secret.len(), &mut signer);
    assert_eq!(st, RESTSIGN_OK);

    let Ok(method) = CString::new(input.method.clone()) else { return restsign_signer_free(signer) };
    let mut req = ptr::null_mut();
    let st = restsign_request_new(signer, method.as_ptr(), input.path.as_ptr().cast(), input.path.len(), &mut req);
    // The request keeps the signer alive: free ours now.
    restsign_signer_free(signer);
    if st != RESTSIGN_OK {
        assert!(req.is_null() && st == RESTSIGN_ERR_INVALID_METHOD, "status {st}");
        return;
    }
    for step in &input.steps {
        let st = match step {
            Step::Param(n, v) => restsign_request_add_param(req, n.as_ptr().cast(), n.len(), v.as_ptr().cast(), v.len()),
            Step::Body(b) => restsign_request_set_body(req, b.as_ptr().cast(), b.len()),
            Step::Json(j) => restsign_request_set_json(req, j.as_ptr().cast(), j.len()),
            Step::NullParam(len) => {
                let st = restsign_request_add_param(req, ptr::null(), usize::from(*len) + 1, ptr::null(), 0);
                assert_eq!(st, RESTSIGN_ERR_NULL_WITH_LENGTH);
                st
            }
        };
        assert_ne!(st, RESTSIGN_ERR_INTERNAL);
    }
    let st = restsign_request_sign_with_nonce(req, input.nonce);
    assert_ne!(st, RESTSIGN_ERR_INTERNAL);
    if st == RESTSIGN_OK {
        let (body, query, sig) = (view(req, restsign_request_body), view(req, restsign_request_query), view(req, restsign_request_signature));
        let target = view(req, restsign_request_target);
        assert!(body.is_empty() || query.is_empty(), "the payload goes in one place");
        assert!(target.starts_with(&input.path));
        let mut nonce = 0;
        let nonce = match restsign_request_nonce(req, &mut nonce) {
            RESTSIGN_OK => nonce,
            RESTSIGN_ERR_NO_NONCE => 0,
            other => panic!("nonce status {other}"),
        };
        let payload = if query.is_empty() { &body } else { &query };
        let cred = Credential { scheme: name, key: KEY, hmac_key: b"secret".to_vec() };
        let path = input.path.strip_prefix(b"/api/2/".as_slice()).filter(|_| name == "mtgox-v2").unwrap_or(&input.path);
        assert_eq!(sig, signature(&cred, path, payload, nonce).into_bytes());
        let mut count = 0;
        assert_eq!(restsign_request_header_count(req, &mut count), RESTSIGN_OK);
        let (mut line, mut len) = (ptr::null(), 0);
        assert_eq!(restsign_request_header(req, count, &mut line, &mut len), RESTSIGN_ERR_INDEX_OUT_OF_RANGE);
    } else {
        let (mut data, mut len) = (ptr::null(), 0);
        assert_eq!(restsign_request_body(req, &mut data, &mut len), RESTSIGN_ERR_NOT_SIGNED);
    }
    restsign_request_free(req);
});
