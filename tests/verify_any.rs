//! The whole-request verifier against every preset: requests signed by the library are accepted,
//! and changed, replayed or late ones refused with the right verdict. (That the signer itself is
//! right for each exchange is shown against ccxt in tests/ccxt; the ccxt-signed requests sent to
//! `restsign serve` there are the independent check of this verifier.)

use restsign::recipe::{KeyFormat, Recipe, SecretFormat, presets};
use restsign::verify::{Incoming, Verdict, Verifier};
use restsign::{Request, Signer, SignerOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const NOW_MS: u64 = 1_700_000_000_000;

fn credentials(recipe: &Recipe) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
    let key = match recipe.key {
        KeyFormat::Uuid => b"12345678-abcd-1234-abcd-50286e649d5c".to_vec(),
        KeyFormat::Text => b"test-key-7Hq".to_vec(),
    };
    let secret = match recipe.secret {
        SecretFormat::Base64 => b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=".to_vec(),
        SecretFormat::AsGiven => b"secret-Zx9".to_vec(),
    };
    (key, secret, recipe.needs_passphrase.then(|| b"pass phrase".to_vec()))
}

struct Sent {
    method: String,
    target: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
}

fn sign(recipe: &Arc<Recipe>, method: &str, time_ms: u64, nonce: u64) -> Sent {
    let (key, secret, passphrase) = credentials(recipe);
    let options = SignerOptions { passphrase: passphrase.map(zeroize::Zeroizing::new), ..Default::default() };
    let signer = Signer::with_recipe(recipe.clone(), &key, &secret, options).unwrap();
    let mut request = Request::new(method, "/api/v1/order");
    if recipe.key_param.is_some() {
        request.param("key", key.clone());
    }
    request.param("symbol", "BTC-USDT").param("qty", "1.5 x").time_ms(time_ms);
    let signed = signer.sign_request_with_nonce(&request, nonce).unwrap();
    let headers = signed.headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
    Sent { method: method.to_owned(), target: signed.path_and_query(), headers, body: signed.body.clone() }
}

fn check(verifier: &Verifier, sent: &Sent) -> Verdict {
    let mut incoming = Incoming::new(&sent.method, &sent.target, &sent.body);
    incoming.headers = sent.headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
    verifier.check_request(&incoming).unwrap()
}

fn verifier(recipe: &Arc<Recipe>, clock: Arc<AtomicU64>) -> Verifier {
    let (key, secret, passphrase) = credentials(recipe);
    let v = Verifier::with_recipe(recipe.clone()).unwrap().with_clock(move || clock.load(Ordering::Relaxed));
    v.add_key_with_passphrase(&key, &secret, passphrase.as_deref().unwrap_or_default()).unwrap();
    v
}

#[test]
fn every_preset_accepts_its_own_requests_once() {
    let mut failures = Vec::new();
    for recipe in presets() {
        if recipe.is_signed_call() {
            continue;
        }
        for method in ["GET", "POST"] {
            let clock = Arc::new(AtomicU64::new(NOW_MS));
            let v = verifier(recipe, clock.clone());
            let sent = sign(recipe, method, NOW_MS, 1_000);
            let first = check(&v, &sent);
            if !first.is_valid() {
                failures.push(format!("{} {method}: {first:?}", recipe.name));
                continue;
            }
            let again = check(&v, &sent);
            if !matches!(again, Verdict::StaleNonce { .. } | Verdict::Replayed { .. }) {
                failures.push(format!("{} {method}: replay gave {again:?}", recipe.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
