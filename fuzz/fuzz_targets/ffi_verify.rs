//! The verifier's and nonce sources' C entry points with arbitrary arguments: any method, path,
//! header block and payload (NULL with a length included) into restsign_verifier_check, then every
//! verdict getter with any buffer size; the same check through a key lookup callback that answers
//! anything (any status, any claimed length); nonce sources with any unit and path bytes. Never a
//! panic (INTERNAL); OK from check only when the oracle agrees the signature is right, and through
//! the lookup only when it gave the secret.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oracle::{Credential, SCHEME_NAMES, signature};
use restsign::ffi::*;
use std::ffi::{CString, c_char, c_void};
use std::ptr;

#[derive(Arbitrary, Debug)]
struct Input {
    scheme: u8,
    method: Vec<u8>,
    path: Option<Vec<u8>>,
    headers: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    null_len: u8,
    out_cap: u8,
    unit: i32,
    state_name: Vec<u8>,
    lookup: LookupAnswer,
}

/// What the key lookup answers, every time it is asked.
#[derive(Arbitrary, Debug)]
struct LookupAnswer {
    /// 0: the secret; 1: unknown key; 2: "too small" with `claimed_len`; else `status`, `claimed_len`.
    mode: u8,
    status: i32,
    claimed_len: u32,
}

struct Lookup<'a> {
    answer: &'a LookupAnswer,
    secret: &'a [u8],
}

unsafe extern "C" fn lookup(
    user_data: *mut c_void,
    _key: *const c_char,
    _key_len: usize,
    secret: *mut c_char,
    secret_cap: usize,
    secret_len: *mut usize,
) -> restsign_status {
    let l = unsafe { &*user_data.cast::<Lookup>() };
    let claimed = l.answer.claimed_len as usize;
    match l.answer.mode % 4 {
        0 if l.secret.len() <= secret_cap => {
            unsafe { ptr::copy_nonoverlapping(l.secret.as_ptr(), secret.cast::<u8>(), l.secret.len()) };
            unsafe { *secret_len = l.secret.len() };
            RESTSIGN_OK
        }
        0 => unreachable!("restsign offers room for any API secret"),
        1 => RESTSIGN_ERR_UNKNOWN_KEY,
        2 => {
            unsafe { *secret_len = claimed };
            RESTSIGN_ERR_BUFFER_TOO_SMALL
        }
        _ => {
            // Writes only what fits, whatever it claims.
            let n = claimed.min(secret_cap);
            unsafe { ptr::write_bytes(secret.cast::<u8>(), b'x', n) };
            unsafe { *secret_len = claimed };
            l.answer.status
        }
    }
}

const KEY: &[u8] = b"12345678-abcd-1234-abcd-50286e649d5c";

/// (pointer, length): the bytes, or NULL with a non-zero length.
fn arg(bytes: &Option<Vec<u8>>, null_len: u8) -> (*const c_char, usize) {
    match bytes {
        Some(b) => (b.as_ptr().cast(), b.len()),
        None => (ptr::null(), usize::from(null_len) + 1),
    }
}

fuzz_target!(|input: Input| unsafe {
    let name = SCHEME_NAMES[usize::from(input.scheme) % SCHEME_NAMES.len()];
    let mtgox = name.starts_with("mtgox");
    let secret: &[u8] = if mtgox { b"c2VjcmV0" } else { b"secret" };
    let scheme = CString::new(name).unwrap();
    let mut v = ptr::null_mut();
    let st = restsign_verifier_new(
        scheme.as_ptr(),
        KEY.as_ptr().cast(),
        KEY.len(),
        secret.as_ptr().cast(),
        secret.len(),
        &mut v,
    );
    assert_eq!(st, RESTSIGN_OK);
    let mut verdict = ptr::null_mut();
    assert_eq!(restsign_verdict_new(&mut verdict), RESTSIGN_OK);

    let method = CString::new(input.method.clone()).unwrap_or_else(|_| CString::new("POST").unwrap());
    let (path, path_len) = arg(&input.path, input.null_len);
    let (headers, headers_len) = arg(&input.headers, input.null_len);
    let (payload, payload_len) = arg(&input.payload, input.null_len);
    let check = |v, verdict| {
        restsign_verifier_check(v, method.as_ptr(), path, path_len, headers, headers_len, payload, payload_len, verdict)
    };
    let st = check(v, verdict);
    assert_ne!(st, RESTSIGN_ERR_INTERNAL);
    let any_null = input.path.is_none() || input.headers.is_none() || input.payload.is_none();
    if any_null {
        // Refused; which argument is reported first (a bad method, a NULL) is not promised.
        assert!(matches!(st, RESTSIGN_ERR_NULL_WITH_LENGTH | RESTSIGN_ERR_INVALID_METHOD), "status {st}");
    }
    if st == RESTSIGN_OK && name != "mtgox-stream" {
        // Accepted: the oracle must agree with the signature header's value.
        let (payload, headers) = (input.payload.as_deref().unwrap(), input.headers.as_deref().unwrap());
        let path = input.path.as_deref().unwrap();
        let path = path.strip_prefix(b"/api/2/".as_slice()).filter(|_| name == "mtgox-v2").unwrap_or(path);
        let mut nonce = 0;
        let _ = restsign_verdict_nonce(verdict, &mut nonce);
        let cred = Credential { scheme: name, key: KEY, hmac_key: b"secret".to_vec() };
        let want = signature(&cred, path, payload, nonce);
        let text = String::from_utf8_lossy(headers).to_ascii_lowercase();
        assert!(text.contains(&want.to_ascii_lowercase()), "accepted without the oracle's signature {want}");
    }
    // Every getter, with a small buffer: a status, never a crash.
    let mut buf = vec![0 as c_char; usize::from(input.out_cap)];
    let (out, cap) = if buf.is_empty() { (ptr::null_mut(), 0) } else { (buf.as_mut_ptr(), buf.len()) };
    let mut len = 0;
    for getter in [restsign_verdict_key, restsign_verdict_expected_message, restsign_verdict_expected_signature] {
        assert_ne!(getter(verdict, out, cap, &mut len), RESTSIGN_ERR_INTERNAL);
    }
    assert!(!restsign_verdict_reason(verdict).is_null());
    let _ = restsign_verdict_status(verdict);
    restsign_verdict_free(verdict);
    restsign_verifier_free(v);

    // The same request through a lookup.
    let answers = Lookup { answer: &input.lookup, secret };
    let mut w = ptr::null_mut();
    let user_data = (&raw const answers).cast_mut().cast();
    assert_eq!(restsign_verifier_new_lookup(scheme.as_ptr(), Some(lookup), user_data, &mut w), RESTSIGN_OK);
    let through_lookup = check(w, ptr::null_mut());
    assert_ne!(through_lookup, RESTSIGN_ERR_INTERNAL);
    if through_lookup == RESTSIGN_OK {
        assert_eq!(st, RESTSIGN_OK, "accepted through the lookup but not with the same key in the table");
    }
    if st == RESTSIGN_OK {
        // The table verifier accepted it: the lookup verifier's answer follows from the lookup's.
        let expected = match input.lookup.mode % 4 {
            0 => RESTSIGN_OK,
            1 => RESTSIGN_ERR_UNKNOWN_KEY,
            3 if input.lookup.status == RESTSIGN_OK && (input.lookup.claimed_len as usize) <= 256 => through_lookup,
            3 if input.lookup.status == RESTSIGN_ERR_UNKNOWN_KEY => RESTSIGN_ERR_UNKNOWN_KEY,
            _ => RESTSIGN_ERR_KEY_LOOKUP_FAILED,
        };
        assert_eq!(through_lookup, expected, "{:?}", input.lookup);
    }
    restsign_verifier_free(w);

    // Nonce sources: any unit; a state file named by arbitrary bytes under a private directory.
    let mut source = ptr::null_mut();
    let st = restsign_nonce_new_memory(input.unit, &mut source);
    assert!(st == RESTSIGN_OK || (st == RESTSIGN_ERR_INVALID_UNIT && source.is_null()));
    let mut value = 0;
    if st == RESTSIGN_OK {
        assert_eq!(restsign_nonce_next(source, &mut value), RESTSIGN_OK);
    }
    restsign_nonce_free(source);
    let dir = std::env::temp_dir().join(format!("restsign-fuzz-ffi-{}", std::process::id()));
    let mut path = dir.into_os_string().into_encoded_bytes();
    path.push(b'/');
    path.extend(input.state_name.iter().map(|&b| if b == 0 { b'_' } else { b }));
    let path = CString::new(path).unwrap();
    let mut source = ptr::null_mut();
    let st = restsign_nonce_new_file(path.as_ptr(), KEY.as_ptr().cast(), KEY.len(), input.unit, &mut source);
    assert_ne!(st, RESTSIGN_ERR_INTERNAL);
    if st == RESTSIGN_OK {
        assert_eq!(restsign_nonce_next(source, &mut value), RESTSIGN_OK);
    }
    restsign_nonce_free(source);
});
