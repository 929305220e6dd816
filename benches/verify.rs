//! `cargo bench --bench verify`: what the whole-request verifier costs per request, side by side
//! in one run with signing the same requests and with the bare HMAC of their message, for a
//! timestamp recipe with a signature parameter (Binance), an ISO-timestamp one with a passphrase
//! (OKX), a nonce one (Kraken) and a JWT (Upbit); then the memory of the set of requests seen
//! inside the window after 500,000 distinct accepted requests.
//!
//! Every checked request is a distinct, valid one (so each is remembered, as under real load).
//! Timings are the best of five rounds; nothing here asserts a speed.

use hmac::{Hmac, KeyInit, Mac};
use restsign::recipe::{Recipe, SecretFormat};
use restsign::verify::{Incoming, Verifier};
use restsign::{Request, SignedRequest, Signer, SignerOptions};
use std::hint::black_box;
use std::time::{Duration, Instant};

const T: u64 = 1_700_000_000_000;
const ROUND: usize = 20_000;

fn secret(recipe: &Recipe) -> &'static [u8] {
    match recipe.secret {
        SecretFormat::Base64 => b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        SecretFormat::AsGiven => b"secret-1",
    }
}

fn signer(recipe: &std::sync::Arc<Recipe>) -> Signer {
    let passphrase = recipe.needs_passphrase.then(|| zeroize::Zeroizing::new(b"pp".to_vec()));
    Signer::with_recipe(recipe.clone(), b"key-1", secret(recipe), SignerOptions { passphrase, ..Default::default() })
        .unwrap()
}

fn request(i: usize) -> Request {
    let mut request = Request::new("POST", "/api/v3/order");
    request.param("symbol", "BTCUSDT").param("side", "BUY").param("quantity", format!("0.{i}")).time_ms(T);
    request
}

fn best(mut round: impl FnMut() -> Duration) -> Duration {
    (0..5).map(|_| round()).min().unwrap() / ROUND as u32
}

fn main() {
    println!("{:<8} {:>12} {:>12} {:>12} {:>14}", "preset", "check", "sign", "bare HMAC", "checks/s (1 core)");
    for name in ["binance", "okx", "kraken", "upbit"] {
        let recipe = Recipe::preset(name).unwrap();
        let signer = signer(&recipe);
        let mut nonce = 1;
        let mut sign_all = |signer: &Signer| -> Vec<SignedRequest> {
            (0..ROUND)
                .map(|i| {
                    nonce += 1;
                    signer.sign_request_with_nonce(&request(i), nonce).unwrap()
                })
                .collect()
        };
        let check = best(|| {
            let batch = sign_all(&signer);
            let verifier = Verifier::with_recipe(recipe.clone()).unwrap().with_clock(|| T);
            verifier.add_key_with_passphrase(b"key-1", secret(&recipe), b"pp").unwrap();
            let heads: Vec<Vec<(Vec<u8>, Vec<u8>)>> =
                batch.iter().map(|s| s.headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect()).collect();
            let targets: Vec<Vec<u8>> = batch.iter().map(SignedRequest::path_and_query).collect();
            let start = Instant::now();
            for ((sent, head), target) in batch.iter().zip(&heads).zip(&targets) {
                let mut incoming = Incoming::new(&sent.method, target, &sent.body);
                incoming.headers = head.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                assert!(verifier.check_request(&incoming).unwrap().is_valid());
            }
            start.elapsed()
        });
        let sign = best(|| {
            let start = Instant::now();
            black_box(sign_all(&signer));
            start.elapsed()
        });
        let messages: Vec<Vec<u8>> = sign_all(&signer).into_iter().map(|s| s.message).collect();
        let bare = best(|| {
            let start = Instant::now();
            for message in &messages {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"secret-1").unwrap();
                mac.update(message);
                black_box(mac.finalize());
            }
            start.elapsed()
        });
        let per_s = 1.0 / check.as_secs_f64();
        println!(
            "{name:<8} {:>10.2}µs {:>10.2}µs {:>10.2}µs {:>14.0}",
            micros(check),
            micros(sign),
            micros(bare),
            per_s
        );
    }

    // The seen set after 500,000 distinct Binance requests inside one window.
    let recipe = Recipe::preset("binance").unwrap();
    let signer = signer(&recipe);
    let verifier = Verifier::with_recipe(recipe.clone()).unwrap().with_clock(|| T);
    verifier.add_key(b"key-1", b"secret-1").unwrap();
    for i in 0..500_000 {
        let sent = signer.sign_request(&request(i)).unwrap();
        let target = sent.path_and_query();
        let mut incoming = Incoming::new(&sent.method, &target, &sent.body);
        incoming.headers = sent.headers().collect();
        assert!(verifier.check_request(&incoming).unwrap().is_valid());
    }
    let seen = verifier.seen();
    println!(
        "seen set after 500,000 distinct requests in one window: {} entries, {:.1} MB of tables ({:.0} bytes each)",
        seen.len(),
        seen.table_bytes() as f64 / 1e6,
        seen.table_bytes() as f64 / seen.len() as f64
    );
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
