//! The verifier, against requests made by an implementation that is not ours: Python's `hmac`,
//! `hashlib`, `base64`, `uuid`, `json` and `urllib.parse.urlencode` build and sign every request
//! here, with the header names and field layouts the exchanges document. Also the published
//! vectors, single-bit forgeries everywhere, replays (in one process and across two), and the C ABI.

mod support;
use restsign::ffi::*;
use restsign::verify::{Malformed, Received, Verdict, Verifier};
use serde_json::{Value, json};
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{Rng, python};

/// Builds and signs each case as the exchanges' own documentation does; prints them as JSON.
const PY_SIGN: &str = r#"
import sys, json, hmac, hashlib, base64, uuid
from urllib.parse import urlencode
out = []
for c in json.load(sys.stdin):
    s, key, secret, method, path, nonce = c["scheme"], c["key"], c["secret"].encode(), c["method"], c["path"], c["nonce"]
    params = [tuple(p) for p in c["params"]]
    headers = []
    if s == "apiauth":
        payload = urlencode(params)
        sig = hmac.new(secret, (str(nonce) + key + path + payload).encode(), hashlib.sha256).hexdigest().upper()
        headers = [["Apiauth-Key", key], ["Apiauth-Nonce", str(nonce)], ["Apiauth-Signature", sig]]
    elif s == "poloniex":
        payload = urlencode(params + [("nonce", nonce)])
        headers = [["Key", key], ["Sign", hmac.new(secret, payload.encode(), hashlib.sha512).hexdigest()]]
    elif s in ("mtgox-v1", "mtgox-v2"):
        payload = urlencode([("nonce", nonce)] + params)
        msg = payload.encode()
        if s == "mtgox-v2":
            msg = path[len("/api/2/"):].encode() + b"\0" + msg
        tag = hmac.new(base64.b64decode(secret), msg, hashlib.sha512).digest()
        headers = [["Rest-Key", key], ["Rest-Sign", base64.b64encode(tag).decode()]]
    elif s == "mtgox-stream":
        call = json.dumps(dict(params, nonce=nonce)).encode()
        tag = hmac.new(base64.b64decode(secret), call, hashlib.sha512).digest()
        payload = base64.b64encode(uuid.UUID(key).bytes + tag + call).decode()
    elif s == "coinpayments":
        fields = [("version", "1"), ("cmd", "get_basic_info"), ("key", key), ("nonce", nonce), ("format", "json")]
        payload = urlencode(fields + params)
        headers = [["HMAC", hmac.new(secret, payload.encode(), hashlib.sha512).hexdigest()]]
    elif s == "viabtc":
        if method in ("GET", "DELETE"):
            payload = urlencode(params + [("tonce", nonce)])
        else:
            payload = json.dumps(dict(params, tonce=nonce))
        headers = [["X-API-KEY", key], ["X-SIGNATURE", hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()]]
    out.append({"scheme": s, "method": method, "path": path, "payload": payload, "headers": headers, "nonce": nonce})
json.dump(out, sys.stdout)
"#;

const SCHEMES: [&str; 7] = ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"];

/// A key and secret of the right shape for `scheme`.
fn credential(scheme: &str) -> (&'static str, &'static str) {
    match scheme {
        "mtgox-stream" => ("12345678-abcd-1234-abcd-50286e649d5c", "c2VjcmV0LWZvci1zdHJlYW0tdGVzdHM="),
        s if s.starts_with("mtgox") => ("mtgox-key-0001", "bXRnb3ggc2VjcmV0IGJ5dGVz"),
        _ => ("key-0001", "a secret with spaces & symbols"),
    }
}

/// A request as Python made it.
#[derive(Clone, Debug)]
struct Case {
    scheme: String,
    method: String,
    path: String,
    payload: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    nonce: u64,
}

impl Case {
    fn received(&self) -> Received<'_> {
        let scheme = &*restsign::Recipe::preset(&self.scheme).unwrap();
        let headers = self.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice()));
        Received::new(&self.method, self.path.as_bytes(), &self.payload).with_headers(scheme, headers).unwrap()
    }

    fn header_mut(&mut self, name: &str) -> &mut Vec<u8> {
        &mut self.headers.iter_mut().find(|(n, _)| n == name).unwrap().1
    }
}

/// Python signs `count` requests per scheme with increasing nonces and random parameters.
fn python_cases(count: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let mut specs = Vec::new();
    for scheme in SCHEMES {
        let (key, secret) = credential(scheme);
        for i in 0..count {
            let params: Vec<Value> = (0..rng.below(4))
                .map(|p| {
                    let (name, len) = (format!("p{p}{}", rng.below(100)), rng.below(10) as usize);
                    json!([name, rng.unicode(len)])
                })
                .collect();
            let method = match (scheme, i % 2) {
                ("apiauth" | "viabtc", 0) => "GET",
                _ => "POST",
            };
            let path = match scheme {
                "apiauth" => "/api/wallet/",
                "mtgox-v2" => "/api/2/BTCUSD/money/info",
                "mtgox-v1" => "/api/1/generic/private/info",
                _ => "/api",
            };
            let nonce = 1_700_000_000_000 + (i as u64) * 7 + rng.below(5);
            specs.push(json!({"scheme": scheme, "key": key, "secret": secret, "method": method, "path": path,
                "params": params, "nonce": nonce}));
        }
    }
    let out: Value = serde_json::from_str(&python(PY_SIGN, &Value::Array(specs).to_string())).unwrap();
    out.as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            scheme: c["scheme"].as_str().unwrap().to_owned(),
            method: c["method"].as_str().unwrap().to_owned(),
            path: c["path"].as_str().unwrap().to_owned(),
            payload: c["payload"].as_str().unwrap().as_bytes().to_vec(),
            headers: c["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (h[0].as_str().unwrap().to_owned(), h[1].as_str().unwrap().as_bytes().to_vec()))
                .collect(),
            nonce: c["nonce"].as_u64().unwrap(),
        })
        .collect()
}

fn verifier(scheme: &str) -> Verifier {
    let v = Verifier::new(scheme).unwrap();
    let (key, secret) = credential(scheme);
    v.add_key(key.as_bytes(), secret.as_bytes()).unwrap();
    v
}

fn check(v: &Verifier, case: &Case) -> Verdict {
    v.check(&case.received()).unwrap()
}

fn expected_key(scheme: &str) -> Vec<u8> {
    credential(scheme).0.as_bytes().to_vec()
}

#[test]
fn python_signed_requests_of_every_scheme_are_accepted_once() {
    let cases = python_cases(20, 1);
    for scheme in SCHEMES {
        let v = verifier(scheme);
        let mine: Vec<&Case> = cases.iter().filter(|c| c.scheme == scheme).collect();
        assert_eq!(mine.len(), 20);
        for case in &mine {
            let key = expected_key(scheme);
            assert_eq!(check(&v, case), Verdict::Valid { key: key.clone(), nonce: Some(case.nonce) }, "{case:?}");
            // The very same request again is a replay.
            assert_eq!(check(&v, case), Verdict::StaleNonce { key, nonce: case.nonce, last: case.nonce }, "{case:?}");
        }
        // Any earlier request, replayed later, is stale too.
        assert!(matches!(check(&v, mine[0]), Verdict::StaleNonce { .. }));
    }
}

/// The same Python-signed requests, sent whole (query in the URL for query methods, else the body)
/// to the verifier for any recipe: accepted once, as by the low-level check.
#[test]
fn python_signed_requests_are_accepted_once_as_whole_requests() {
    use restsign::verify::Incoming;
    for case in python_cases(10, 4) {
        let v = verifier(&case.scheme);
        let recipe = restsign::Recipe::preset(&case.scheme).unwrap();
        let in_query = !recipe.is_signed_call() && recipe.uses_query(&case.method);
        let target = match in_query && !case.payload.is_empty() {
            true => [case.path.as_bytes(), b"?", &case.payload].concat(),
            false => case.path.as_bytes().to_vec(),
        };
        let body: &[u8] = if in_query { b"" } else { &case.payload };
        let mut incoming = Incoming::new(&case.method, &target, body);
        incoming.headers = case.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice())).collect();
        let key = expected_key(&case.scheme);
        let verdict = v.check_request(&incoming).unwrap();
        assert_eq!(verdict, Verdict::Valid { key: key.clone(), nonce: Some(case.nonce) }, "{case:?}");
        let again = v.check_request(&incoming).unwrap();
        assert_eq!(again, Verdict::StaleNonce { key, nonce: case.nonce, last: case.nonce }, "{case:?}");
    }
}

/// Every single-bit change to what the signature covers (payload, signed path, header nonce, key,
/// tag) is refused, and none of these forgeries moves the replay state: the genuine request is
/// still accepted afterwards.
#[test]
fn a_flipped_bit_anywhere_is_refused() {
    // The schemes whose message includes the path (SCHEMES.md); the others do not sign it.
    let signs_path = ["apiauth", "mtgox-v2"];
    for case in python_cases(1, 2) {
        let v = verifier(&case.scheme);
        let mut forgeries = 0;
        let mut refuse = |forged: &Case, what: &str| {
            let verdict = check(&v, forged);
            assert!(!verdict.is_valid(), "{}: flipped {what} accepted: {forged:?}", case.scheme);
            forgeries += 1;
        };
        for at in 0..case.payload.len() * 8 {
            let mut forged = case.clone();
            forged.payload[at / 8] ^= 1 << (at % 8);
            refuse(&forged, "payload bit");
        }
        if signs_path.contains(&case.scheme.as_str()) {
            for at in 0..case.path.len() * 8 {
                let mut path = case.path.clone().into_bytes();
                path[at / 8] ^= 1 << (at % 8);
                // Python strings must stay UTF-8 here; a flip into a high byte is skipped.
                let Ok(path) = String::from_utf8(path) else { continue };
                refuse(&Case { path, ..case.clone() }, "path bit");
            }
        }
        for name in ["Apiauth-Nonce", "Apiauth-Key", "Key", "Rest-Key", "X-API-KEY"] {
            let Some((_, value)) = case.headers.iter().find(|(n, _)| n == name) else { continue };
            for at in 0..value.len() * 8 {
                let mut forged = case.clone();
                forged.header_mut(name)[at / 8] ^= 1 << (at % 8);
                refuse(&forged, name);
            }
        }
        let tag_header = ["Apiauth-Signature", "Sign", "Rest-Sign", "HMAC", "X-SIGNATURE"]
            .into_iter()
            .find(|n| case.headers.iter().any(|(h, _)| h == n));
        if let Some(name) = tag_header {
            let tag = case.headers.iter().find(|(n, _)| n == name).unwrap().1.clone();
            for at in 0..tag.len() * 8 {
                let mut forged = case.clone();
                forged.header_mut(name)[at / 8] ^= 1 << (at % 8);
                // Hex is accepted in either case: a flip that only changes a letter's case is the
                // same tag (tested below), not a forgery.
                let hex = !name.ends_with("Rest-Sign");
                if hex && forged.header_mut(name).eq_ignore_ascii_case(&tag) {
                    continue;
                }
                refuse(&forged, "tag bit");
            }
        }
        assert!(forgeries > 100, "{}: only {forgeries} forgeries tried", case.scheme);
        assert!(check(&v, &case).is_valid(), "{}: forgeries moved the replay state", case.scheme);
    }
}

#[test]
fn hex_tags_are_accepted_in_either_case() {
    for case in python_cases(2, 3) {
        let Some(name) = ["Apiauth-Signature", "Sign", "HMAC", "X-SIGNATURE"]
            .into_iter()
            .find(|n| case.headers.iter().any(|(h, _)| h == n))
        else {
            continue;
        };
        let v = verifier(&case.scheme);
        let mut other_case = case.clone();
        let tag = other_case.header_mut(name);
        let flipped =
            if tag.iter().any(u8::is_ascii_uppercase) { tag.to_ascii_lowercase() } else { tag.to_ascii_uppercase() };
        assert_ne!(*tag, flipped);
        *tag = flipped;
        assert!(check(&v, &other_case).is_valid(), "{other_case:?}");
    }
}

#[test]
fn base64_tags_are_accepted_wrapped_as_perl_writes_them() {
    // Perl's encode_base64 breaks lines at 76 characters and ends with a newline; LWP sends the
    // break as a space. Python signed these (hmac + base64), so the tag itself is independent.
    for case in python_cases(2, 5) {
        if !case.headers.iter().any(|(h, _)| h == "Rest-Sign") {
            continue;
        }
        let v = verifier(&case.scheme);
        let mut wrapped = case.clone();
        let tag = wrapped.header_mut("Rest-Sign");
        assert!(tag.len() > 76, "{tag:?}");
        *tag = [&tag[..76], b" ", &tag[76..], b" "].concat();
        assert!(check(&v, &wrapped).is_valid(), "{wrapped:?}");
        // A truncated tag (its last 3 bytes gone) and one with more after it: refused.
        for change in [|t: &mut Vec<u8>| t.truncate(t.len() - 4), |t: &mut Vec<u8>| t.extend_from_slice(b"AAAA")] {
            let mut bad = case.clone();
            change(bad.header_mut("Rest-Sign"));
            assert!(matches!(check(&v, &bad), Verdict::BadSignature { .. }), "{bad:?}");
        }
    }
}

#[test]
fn a_forged_request_with_a_higher_nonce_does_not_advance_the_state() {
    let cases = python_cases(3, 4);
    let apiauth: Vec<&Case> = cases.iter().filter(|c| c.scheme == "apiauth").collect();
    let v = verifier("apiauth");
    assert!(check(&v, apiauth[0]).is_valid());
    // A forger raises the nonce far above; its signature cannot match.
    let mut forged = apiauth[1].clone();
    *forged.header_mut("Apiauth-Nonce") = b"9000000000000000000".to_vec();
    let Verdict::BadSignature { expected_message, .. } = check(&v, &forged) else { panic!("forgery not refused") };
    // The expected message is the documented concatenation: nonce, key, path, payload.
    let mut want = b"9000000000000000000key-0001/api/wallet/".to_vec();
    want.extend_from_slice(&forged.payload);
    assert_eq!(expected_message, want);
    // The genuine next request is still fresh.
    assert_eq!(check(&v, apiauth[1]), Verdict::Valid { key: b"key-0001".to_vec(), nonce: Some(apiauth[1].nonce) });
}

#[test]
fn bad_signature_reports_the_exact_expected_message_and_signature() {
    let v = verifier("mtgox-v2");
    let (key, secret) = credential("mtgox-v2");
    let payload = b"nonce=5&a=1";
    let r = Received {
        key: Some(key.as_bytes()),
        signature: Some(b"AAAA"),
        ..Received::new("POST", b"/api/2/BTCUSD/money/info", payload)
    };
    let Verdict::BadSignature { expected_message, expected_signature, .. } = v.check(&r).unwrap() else { panic!() };
    assert_eq!(expected_message, b"BTCUSD/money/info\0nonce=5&a=1");
    // Checked against Python, not against our own signer.
    let script = "import sys,hmac,hashlib,base64\nkey=base64.b64decode(sys.argv[1] if len(sys.argv)>1 else input())\n\
                  print(base64.b64encode(hmac.new(key, b'BTCUSD/money/info\\0nonce=5&a=1', hashlib.sha512).digest()).decode())";
    assert_eq!(expected_signature, python(script, &format!("{secret}\n")).trim());
    // And sending what it expected is accepted.
    let r = Received { signature: Some(expected_signature.as_bytes()), ..r };
    assert!(v.check(&r).unwrap().is_valid());
}

#[test]
fn malformed_requests_say_what_is_wrong() {
    let v = verifier("poloniex");
    let sig = [b'0'; 128];
    let base = Received {
        key: Some(&b"key-0001"[..]),
        signature: Some(&sig[..]),
        ..Received::new("POST", b"/tradingApi", b"command=x")
    };
    let m = |r: Received<'_>| v.check(&r).unwrap();
    assert_eq!(m(Received { key: None, ..base }), Verdict::Malformed(Malformed::MissingKey));
    assert_eq!(m(Received { signature: None, ..base }), Verdict::Malformed(Malformed::MissingSignature));
    assert_eq!(m(Received { method: "PO ST", ..base }), Verdict::Malformed(Malformed::InvalidMethod));
    assert_eq!(m(Received { key: Some(b"other"), ..base }), Verdict::UnknownKey { key: b"other".to_vec() });
    let scheme = v.scheme();
    let twice = Received::new("POST", b"/", b"").with_header_block(scheme, b"Sign: a\r\nsign: b\r\n");
    assert_eq!(twice.err(), Some(Malformed::Duplicate));

    // A correctly signed request whose nonce is missing, doubled or not a number.
    let (key, secret) = credential("poloniex");
    let signer = restsign::Signer::new("poloniex", key.as_bytes(), secret.as_bytes()).unwrap();
    for (payload, want) in [
        (&b"command=x"[..], Malformed::MissingNonce),
        (b"nonce=1&nonce=2", Malformed::Duplicate),
        (b"nonce=12a", Malformed::BadNonce),
        (b"nonce=-1", Malformed::BadNonce),
        (b"nonce=99999999999999999999", Malformed::BadNonce),
    ] {
        let sig = signer.sign(&restsign::Message { method: "POST", path: b"", payload, nonce: 0 }).unwrap();
        let r = Received { signature: Some(sig.as_bytes()), ..Received::new("POST", b"/tradingApi", payload) };
        assert_eq!(
            v.check(&Received { key: Some(key.as_bytes()), ..r }).unwrap(),
            Verdict::Malformed(want),
            "{payload:?}"
        );
    }

    let stream = verifier("mtgox-stream");
    let call = |text: &'static [u8]| stream.check(&Received::new("POST", b"/", text)).unwrap();
    assert_eq!(call(b"not base64!"), Verdict::Malformed(Malformed::CallNotBase64));
    assert_eq!(call(b"AAAA"), Verdict::Malformed(Malformed::CallTooShort));
}

#[test]
fn published_vectors() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/seed-vectors.json")).unwrap();
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let mut seen = 0;
    for vector in vectors["vectors"].as_array().unwrap() {
        let s = |f: &str| vector[f].as_str().unwrap();
        let v = Verifier::new(s("scheme")).unwrap();
        v.add_key(s("key").as_bytes(), s("secret").as_bytes()).unwrap();
        let key = s("key").as_bytes();
        let r = Received {
            // CoinPayments carries its key in the body; the others in a header.
            key: (s("scheme") != "coinpayments").then_some(key),
            signature: Some(s("signature").as_bytes()),
            ..Received::new(s("method"), s("path").as_bytes(), s("payload").as_bytes())
        };
        let verdict = v.check(&r).unwrap();
        match (s("scheme"), s("method")) {
            // The published CoinPayments request has no nonce, which CoinPayments allows while
            // the key has never sent one.
            ("coinpayments", _) => assert_eq!(verdict, Verdict::Valid { key: key.to_vec(), nonce: None }),
            ("viabtc", "GET") => assert_eq!(
                verdict,
                Verdict::Valid { key: key.to_vec(), nonce: Some(vector["nonce"].as_u64().unwrap()) }
            ),
            // The published POST body is not JSON (`tonce` unquoted): its signature matches (a
            // bad one would be BadSignature, checked first), but its nonce cannot be read.
            ("viabtc", "POST") => {
                assert_eq!(verdict, Verdict::Malformed(Malformed::NotJsonObject));
                let mut tag = s("signature").as_bytes().to_vec();
                tag[0] ^= 1;
                let forged = Received { signature: Some(&tag), ..r };
                assert!(matches!(v.check(&forged).unwrap(), Verdict::BadSignature { .. }));
            }
            other => panic!("unexpected vector {other:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn coinpayments_nonce_is_optional_until_a_key_first_uses_one() {
    let v = verifier("coinpayments");
    let with_nonce: Vec<Case> = python_cases(2, 5).into_iter().filter(|c| c.scheme == "coinpayments").collect();
    // Python signs a request without a nonce field.
    let (key, secret) = credential("coinpayments");
    let payload = format!("version=1&cmd=rates&key={key}&format=json");
    let script = format!(
        "import hmac,hashlib\nprint(hmac.new({secret:?}.encode(), {payload:?}.encode(), hashlib.sha512).hexdigest())"
    );
    let tag = python(&script, "");
    let bare =
        Received { signature: Some(tag.trim().as_bytes()), ..Received::new("POST", b"/api.php", payload.as_bytes()) };
    assert_eq!(v.check(&bare).unwrap(), Verdict::Valid { key: key.as_bytes().to_vec(), nonce: None });
    assert_eq!(
        v.check(&bare).unwrap(),
        Verdict::Valid { key: key.as_bytes().to_vec(), nonce: None },
        "no nonce: no replay check"
    );
    assert!(check(&v, &with_nonce[0]).is_valid());
    assert_eq!(v.check(&bare).unwrap(), Verdict::Malformed(Malformed::NonceRequired));
}

#[test]
fn uuid_keys_match_in_either_case() {
    let v = Verifier::new("mtgox-stream").unwrap();
    let (key, secret) = credential("mtgox-stream");
    v.add_key(key.to_ascii_uppercase().as_bytes(), secret.as_bytes()).unwrap();
    let case = python_cases(1, 6).into_iter().find(|c| c.scheme == "mtgox-stream").unwrap();
    assert_eq!(check(&v, &case), Verdict::Valid { key: key.as_bytes().to_vec(), nonce: Some(case.nonce) });
}

#[test]
fn keys_from_a_lookup_function() {
    let (key, secret) = credential("viabtc");
    let v = Verifier::new("viabtc")
        .unwrap()
        .with_lookup(move |k| Ok((k == key.as_bytes()).then(|| zeroize::Zeroizing::new(secret.as_bytes().to_vec()))));
    let cases: Vec<Case> = python_cases(2, 7).into_iter().filter(|c| c.scheme == "viabtc").collect();
    for case in &cases {
        assert!(check(&v, case).is_valid());
        assert!(matches!(check(&v, case), Verdict::StaleNonce { .. }));
    }
    let mut stranger = cases[0].clone();
    *stranger.header_mut("X-API-KEY") = b"stranger".to_vec();
    assert_eq!(check(&v, &stranger), Verdict::UnknownKey { key: b"stranger".to_vec() });
}

#[test]
fn a_failed_lookup_is_an_error_not_a_verdict_and_moves_nothing() {
    let (key, secret) = credential("viabtc");
    let store_up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let up = store_up.clone();
    let v = Verifier::new("viabtc").unwrap().with_lookup(move |k| {
        if !up.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(restsign::KeyLookupFailed);
        }
        Ok((k == key.as_bytes()).then(|| zeroize::Zeroizing::new(secret.as_bytes().to_vec())))
    });
    let case = python_cases(1, 12).into_iter().find(|c| c.scheme == "viabtc").unwrap();
    assert_eq!(v.check(&case.received()), Err(restsign::Error::KeyLookupFailed));
    store_up.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(check(&v, &case).is_valid(), "the failed lookup did not record the nonce");
}

#[test]
fn concurrent_checks_of_one_request_accept_it_exactly_once() {
    let cases = python_cases(1, 8);
    let v = std::sync::Arc::new(verifier("poloniex"));
    let case = cases.into_iter().find(|c| c.scheme == "poloniex").unwrap();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (v, case) = (v.clone(), case.clone());
            std::thread::spawn(move || (0..200).filter(|_| check(&v, &case).is_valid()).count())
        })
        .collect();
    let accepted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(accepted, 1);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("restsign-verify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The child side of the two-process test: checks the requests given in RESTSIGN_VERIFY_CHILD
/// (state dir, then cases as JSON) against the shared state and prints one verdict per line.
#[test]
fn child_checks_when_asked() {
    let Ok(spec) = std::env::var("RESTSIGN_VERIFY_CHILD") else { return };
    let (dir, cases) = spec.split_once('|').unwrap();
    // Keys added before the state is shared move to the shared files.
    let v = verifier("poloniex").shared_state(dir).unwrap();
    let key = credential("poloniex").0;
    for c in serde_json::from_str::<Vec<Value>>(cases).unwrap() {
        let case = Case {
            scheme: "poloniex".into(),
            method: "POST".into(),
            path: "/tradingApi".into(),
            payload: c["payload"].as_str().unwrap().as_bytes().to_vec(),
            headers: vec![
                ("Key".into(), key.as_bytes().to_vec()),
                ("Sign".into(), c["sign"].as_str().unwrap().as_bytes().to_vec()),
            ],
            nonce: 0,
        };
        let verdict = match check(&v, &case) {
            Verdict::Valid { .. } => "valid",
            Verdict::StaleNonce { .. } => "stale",
            _ => "other",
        };
        println!("verdict {verdict}");
    }
}

#[test]
fn replay_state_is_shared_between_processes() {
    let dir = temp_dir("shared");
    let cases: Vec<Case> = python_cases(3, 9).into_iter().filter(|c| c.scheme == "poloniex").collect();
    let as_json = |c: &Case| json!({"payload": String::from_utf8(c.payload.clone()).unwrap(), "sign": String::from_utf8(c.headers[1].1.clone()).unwrap()});
    // Process A (this one) accepts the first request.
    let (key, secret) = credential("poloniex");
    let a = Verifier::new("poloniex").unwrap().shared_state(&dir).unwrap();
    a.add_key(key.as_bytes(), secret.as_bytes()).unwrap();
    assert!(check(&a, &cases[0]).is_valid());
    // Process B: the replay of A's request is stale; a fresh one is accepted.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_checks_when_asked", "--nocapture", "--test-threads=1", "-q"])
        .env("RESTSIGN_VERIFY_CHILD", format!("{}|{}", dir.display(), json!([as_json(&cases[0]), as_json(&cases[1])])))
        .output()
        .unwrap();
    assert!(out.status.success());
    let verdicts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("verdict ").map(str::to_owned))
        .collect();
    assert_eq!(verdicts, ["stale", "valid"]);
    // Back in A: B's request is now a replay here too, and the next is fresh.
    assert!(matches!(check(&a, &cases[1]), Verdict::StaleNonce { .. }));
    assert!(check(&a, &cases[2]).is_valid());
    let state = a.state_path(key.as_bytes()).unwrap();
    assert!(state.starts_with(&dir) && state.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

// ---- The C ABI ----

fn c_text(f: impl Fn(*mut std::ffi::c_char, usize, *mut usize) -> restsign_status) -> (restsign_status, Vec<u8>) {
    let mut needed = 0;
    let status = f(std::ptr::null_mut(), 0, &mut needed);
    if status != RESTSIGN_ERR_BUFFER_TOO_SMALL {
        return (status, Vec::new());
    }
    let mut buf = vec![0u8; needed];
    let mut len = 0;
    let status = f(buf.as_mut_ptr().cast(), buf.len(), &mut len);
    assert_eq!(buf[len], 0, "NUL-terminated");
    buf.truncate(len);
    (status, buf)
}

#[test]
fn c_abi_checks_a_header_block_and_reports_the_verdict() {
    let cases: Vec<Case> = python_cases(2, 10).into_iter().filter(|c| c.scheme == "apiauth").collect();
    let (key, secret) = credential("apiauth");
    unsafe {
        let mut v = std::ptr::null_mut();
        assert_eq!(
            restsign_verifier_new(c"apiauth".as_ptr(), key.as_ptr().cast(), key.len(), c"x".as_ptr(), 1, &mut v),
            RESTSIGN_OK
        );
        // Replacing the secret of the key with the right one.
        assert_eq!(
            restsign_verifier_add_key(v, key.as_ptr().cast(), key.len(), secret.as_ptr().cast(), secret.len()),
            RESTSIGN_OK
        );
        let mut verdict = std::ptr::null_mut();
        assert_eq!(restsign_verdict_new(&mut verdict), RESTSIGN_OK);
        assert_eq!(restsign_verdict_status(verdict), RESTSIGN_ERR_NOT_CHECKED);
        let run = |case: &Case, verdict: *mut restsign_verdict| {
            let block: Vec<u8> =
                case.headers.iter().flat_map(|(n, v)| [n.as_bytes(), b": ", v, b"\r\n"].concat()).collect();
            restsign_verifier_check(
                v,
                c"GET".as_ptr(),
                case.path.as_ptr().cast(),
                case.path.len(),
                block.as_ptr().cast(),
                block.len(),
                case.payload.as_ptr().cast(),
                case.payload.len(),
                verdict,
            )
        };
        let case = &cases[0];
        assert_eq!(case.method, "GET");
        assert_eq!(run(case, verdict), RESTSIGN_OK);
        let mut nonce = 0;
        assert_eq!(restsign_verdict_nonce(verdict, &mut nonce), RESTSIGN_OK);
        assert_eq!(nonce, case.nonce);
        assert_eq!(c_text(|o, c, l| restsign_verdict_key(verdict, o, c, l)), (RESTSIGN_OK, key.as_bytes().to_vec()));
        assert_eq!(c_text(|o, c, l| restsign_verdict_expected_message(verdict, o, c, l)).0, RESTSIGN_ERR_NO_EXPECTED);

        assert_eq!(run(case, verdict), RESTSIGN_ERR_STALE_NONCE);
        assert_eq!(run(case, std::ptr::null_mut()), RESTSIGN_ERR_STALE_NONCE, "the verdict is optional");

        let mut forged = cases[1].clone();
        forged.payload.push(b'x');
        assert_eq!(run(&forged, verdict), RESTSIGN_ERR_BAD_SIGNATURE);
        let (status, message) = c_text(|o, c, l| restsign_verdict_expected_message(verdict, o, c, l));
        assert_eq!(status, RESTSIGN_OK);
        assert_eq!(message, [format!("{}{key}{}", forged.nonce, forged.path).as_bytes(), &forged.payload].concat());
        let (status, signature) = c_text(|o, c, l| restsign_verdict_expected_signature(verdict, o, c, l));
        assert_eq!((status, signature.len()), (RESTSIGN_OK, 64));
        assert_eq!(run(&cases[1], verdict), RESTSIGN_OK, "the forgery did not move the state");

        let mut no_sig = cases[1].clone();
        no_sig.headers.retain(|(n, _)| n != "Apiauth-Signature");
        assert_eq!(run(&no_sig, verdict), RESTSIGN_ERR_MALFORMED);
        let reason = CStr::from_ptr(restsign_verdict_reason(verdict)).to_str().unwrap();
        assert!(reason.contains("no signature"), "{reason}");
        assert_eq!(c_text(|o, c, l| restsign_verdict_key(verdict, o, c, l)).0, RESTSIGN_ERR_NO_KEY);

        // Argument errors have their own codes and leave no verdict behind.
        let bad = restsign_verifier_check(
            v,
            std::ptr::null(),
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            verdict,
        );
        assert_eq!(bad, RESTSIGN_ERR_NULL_ARGUMENT);
        assert_eq!(restsign_verdict_status(verdict), RESTSIGN_ERR_NULL_ARGUMENT);
        let null_handle = restsign_verifier_check(
            std::ptr::null(),
            c"GET".as_ptr(),
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            verdict,
        );
        assert_eq!(null_handle, RESTSIGN_ERR_NULL_HANDLE);
        assert_eq!(
            restsign_verifier_check(
                v,
                c"GET".as_ptr(),
                std::ptr::null(),
                5,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                verdict
            ),
            RESTSIGN_ERR_NULL_WITH_LENGTH
        );

        let mut unknown = std::ptr::null_mut();
        assert_eq!(
            restsign_verifier_new(c"nope".as_ptr(), key.as_ptr().cast(), key.len(), c"x".as_ptr(), 1, &mut unknown),
            RESTSIGN_ERR_UNKNOWN_SCHEME
        );
        assert!(unknown.is_null());
        assert_eq!(
            restsign_verifier_add_key(v, key.as_ptr().cast(), key.len(), std::ptr::null(), 0),
            RESTSIGN_ERR_EMPTY_SECRET
        );

        for code in 40..=46 {
            let text = CStr::from_ptr(restsign_strerror(code)).to_str().unwrap();
            assert_ne!(text, "unknown restsign status code", "{code}");
        }
        restsign_verdict_free(verdict);
        restsign_verifier_free(v);
        restsign_verdict_free(std::ptr::null_mut());
        restsign_verifier_free(std::ptr::null_mut());
    }
}

#[test]
fn c_abi_shared_state_directory() {
    let dir = temp_dir("c-shared");
    let c_dir = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
    let (key, secret) = credential("poloniex");
    let case = python_cases(1, 11).into_iter().find(|c| c.scheme == "poloniex").unwrap();
    let block: Vec<u8> = case.headers.iter().flat_map(|(n, v)| [n.as_bytes(), b": ", v, b"\n"].concat()).collect();
    unsafe {
        let new = |out: &mut *mut restsign_verifier| {
            restsign_verifier_new_shared(
                c"poloniex".as_ptr(),
                key.as_ptr().cast(),
                key.len(),
                secret.as_ptr().cast(),
                secret.len(),
                c_dir.as_ptr(),
                out,
            )
        };
        let (mut a, mut b) = (std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(new(&mut a), RESTSIGN_OK);
        assert_eq!(new(&mut b), RESTSIGN_OK);
        let run = |v| {
            restsign_verifier_check(
                v,
                c"POST".as_ptr(),
                c"/tradingApi".as_ptr(),
                11,
                block.as_ptr().cast(),
                block.len(),
                case.payload.as_ptr().cast(),
                case.payload.len(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(run(a), RESTSIGN_OK);
        assert_eq!(run(b), RESTSIGN_ERR_STALE_NONCE, "two verifiers on one state directory agree");
        restsign_verifier_free(a);
        restsign_verifier_free(b);
        let mut bad = std::ptr::null_mut();
        let r = restsign_verifier_new_shared(
            c"poloniex".as_ptr(),
            key.as_ptr().cast(),
            key.len(),
            secret.as_ptr().cast(),
            secret.len(),
            c"/proc/restsign-no/state".as_ptr(),
            &mut bad,
        );
        assert_eq!(r, RESTSIGN_ERR_NONCE_STATE_IO);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
