//! The recipe engine signs the seven seed schemes exactly as the engine before it did: 10,000
//! random requests per scheme through the request builder, and as many low-level signatures and
//! header blocks, compared field by field with the frozen old code in `tests/support/legacy/`.

#[path = "support/legacy/mod.rs"]
mod legacy;
mod support;

use support::{Rng, SEEDS};

const PER_SCHEME: usize = 10_000;

fn key_and_secret(rng: &mut Rng, scheme: &str) -> (Vec<u8>, Vec<u8>) {
    let key = if scheme == "mtgox-stream" {
        let h = support::hex(&rng.bytes(16));
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]).into_bytes()
    } else {
        (0..1 + rng.below(40)).map(|_| 0x20 + rng.below(0x5f) as u8).collect()
    };
    let secret_len = 1 + rng.below(150) as usize;
    let raw = rng.bytes(secret_len);
    let secret = if scheme.starts_with("mtgox") {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&raw).into_bytes()
    } else {
        raw
    };
    (key, secret)
}

/// Bytes a path may hold: anything but control bytes, space and DEL.
fn path(rng: &mut Rng, scheme: &str) -> Vec<u8> {
    let tail: Vec<u8> = (0..rng.below(30)).map(|_| 0x21 + rng.below(0xde) as u8).filter(|&b| b != 0x7f).collect();
    match (scheme, rng.below(3)) {
        ("mtgox-v2", 0 | 1) => [&b"/api/2/"[..], &tail].concat(),
        _ => [&b"/"[..], &tail].concat(),
    }
}

fn text(rng: &mut Rng, unicode: bool) -> Vec<u8> {
    let len = rng.below(12) as usize;
    match rng.below(3) {
        0 if !unicode => rng.bytes(len),
        1 => rng.unicode(len).into_bytes(),
        _ => (0..len).map(|_| b"ab=&+% /~\"{}:,xyz09"[rng.below(19) as usize]).collect(),
    }
}

#[test]
fn requests_sign_as_before() {
    let mut rng = Rng::new(0x1e6a_c7e0);
    for scheme in SEEDS {
        let (mut compared, mut refused) = (0, 0);
        for _ in 0..PER_SCHEME {
            let (key, secret) = key_and_secret(&mut rng, scheme);
            let old = legacy::signer::Signer::new(scheme, &key, &secret).unwrap();
            let new = restsign::Signer::new(scheme, &key, &secret).unwrap();
            let method = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"][rng.below(6) as usize];
            let path = path(&mut rng, scheme);
            let mut old_req = legacy::request::Request::new(method, path.clone());
            let mut new_req = restsign::Request::new(method, path.clone());
            let json = matches!(scheme, "viabtc" | "mtgox-stream");
            match rng.below(10) {
                0 => {
                    let body = text(&mut rng, false);
                    old_req.raw_body(body.clone());
                    new_req.raw_body(body);
                }
                1 if json => {
                    let object = match rng.below(4) {
                        0 => b"{}".to_vec(),
                        1 => b" { \"a\" : [1, {\"b\": 2}] }  ".to_vec(),
                        2 => b"{\"tonce\":7,\"nonce\":8}".to_vec(),
                        _ => text(&mut rng, true),
                    };
                    old_req.json_body(object.clone());
                    new_req.json_body(object);
                }
                _ => {
                    for _ in 0..rng.below(6) {
                        let (name, value) = (text(&mut rng, json), text(&mut rng, json));
                        // Now and then the caller places the nonce field itself.
                        let name = if rng.below(20) == 0 { b"nonce".to_vec() } else { name };
                        old_req.param(name.clone(), value.clone());
                        new_req.param(name, value);
                    }
                }
            }
            let nonce = 1 + rng.below(i64::MAX as u64);
            match (old.sign_request_with_nonce(&old_req, nonce), new.sign_request_with_nonce(&new_req, nonce)) {
                (Ok(a), Ok(b)) => {
                    let what = format!("{scheme} {method} {:?}", String::from_utf8_lossy(&path));
                    assert_eq!(a.query, b.query, "query: {what}");
                    assert_eq!(a.body, b.body, "body: {what}");
                    assert_eq!(a.nonce, b.nonce, "nonce: {what}");
                    assert_eq!(a.signature, b.signature, "signature: {what}");
                    assert_eq!(a.header_block, b.header_block, "headers: {what}");
                    compared += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "{scheme}: both refused, differently");
                    refused += 1;
                }
                (a, b) => panic!("{scheme} {method}: old {a:?}, new {b:?}"),
            }
        }
        assert!(compared > PER_SCHEME * 9 / 10, "{scheme}: only {compared} compared, {refused} refused");
        eprintln!("{scheme}: {compared} requests equal, {refused} refused by both");
    }
}

#[test]
fn low_level_signatures_and_headers_as_before() {
    let mut rng = Rng::new(0x51_9e_0001);
    for scheme in SEEDS {
        for i in 0..PER_SCHEME {
            let (key, secret) = key_and_secret(&mut rng, scheme);
            let old = legacy::signer::Signer::new(scheme, &key, &secret).unwrap();
            let new = restsign::Signer::new(scheme, &key, &secret).unwrap();
            let method = ["GET", "POST", "PUT", "DELETE", "HEAD"][rng.below(5) as usize];
            let path = path(&mut rng, scheme);
            // Lengths around the SHA-256 and SHA-512 block sizes, and a few long ones.
            let len = if i % 100 == 0 { 5000 + rng.below(5000) } else { rng.below(300) } as usize;
            let payload = rng.bytes(len);
            let nonce = 1 + rng.below(i64::MAX as u64);
            let old_msg = legacy::signer::Message { method, path: &path, payload: &payload, nonce };
            let new_msg = restsign::Message { method, path: &path, payload: &payload, nonce };
            assert_eq!(old.sign(&old_msg), new.sign(&new_msg), "{scheme} {method}");
            let mut a = vec![0; 20_000];
            let mut b = vec![0; 20_000];
            let old_headers = old.headers_into(&old_msg, &mut a).map(|n| a[..n].to_vec());
            let new_headers = new.headers_into(&new_msg, &mut b).map(|n| b[..n].to_vec());
            assert_eq!(old_headers, new_headers, "{scheme} {method} headers");
        }
    }
}
