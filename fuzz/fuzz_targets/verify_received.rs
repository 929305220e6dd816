//! The verifier's parsers (header block, form fields, JSON nonce member, the mtgox-stream signed
//! call) on arbitrary requests. Never a panic; and whenever it answers Valid, the oracle (OpenSSL
//! HMAC over the SCHEMES.md recipe) must agree that the received signature is right.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oracle::{Credential, SCHEME_NAMES, base64_decode, signature};
use restsign::{Received, Verdict, Verifier};

const KEY: &[u8] = b"12345678-abcd-1234-abcd-50286e649d5c";
const SECRET_B64: &[u8] = b"c2VjcmV0"; // "secret"

#[derive(Arbitrary, Debug)]
struct Input {
    scheme: u8,
    method: String,
    path: Vec<u8>,
    payload: Vec<u8>,
    headers: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let name = SCHEME_NAMES[usize::from(input.scheme) % SCHEME_NAMES.len()];
    let mtgox = name.starts_with("mtgox");
    let secret: &[u8] = if mtgox { SECRET_B64 } else { b"secret" };
    let verifier = Verifier::new(name).unwrap();
    verifier.add_key(KEY, secret).unwrap();
    let Ok(received) = Received::new(&input.method, &input.path, &input.payload)
        .with_header_block(verifier.scheme(), &input.headers)
    else {
        return;
    };
    let Ok(Verdict::Valid { nonce, .. }) = verifier.check(&received) else { return };

    let cred = Credential { scheme: name, key: KEY, hmac_key: if mtgox { b"secret".to_vec() } else { secret.to_vec() } };
    let path = input.path.strip_prefix(verifier.scheme().strip_prefix.as_bytes()).unwrap_or(&input.path);
    if name == "mtgox-stream" {
        // The call is key ‖ tag ‖ JSON: re-signing its JSON must give the call back.
        let call = base64_decode(input.payload.trim_ascii()).expect("a valid call is base64");
        let json = &call[16 + 64..];
        assert_eq!(signature(&cred, path, json, 0).as_bytes(), input.payload.trim_ascii());
    } else {
        let want = signature(&cred, path, &input.payload, nonce.unwrap_or(0));
        let got = received.signature.expect("a valid request has a signature");
        assert!(want.as_bytes().eq_ignore_ascii_case(got), "accepted {got:?}, oracle {want:?}");
    }
});
