//! One signer shared by several threads signs correctly in every one of them (the header promises
//! a signer may be shared): each thread signs ViaBTC's published vectors and the signature must be
//! the published one, every time.

use restsign::{Message, Signer};
use std::sync::Arc;

#[test]
fn one_signer_many_threads_published_answers() {
    let signer = Arc::new(
        Signer::new(
            "viabtc",
            b"16289e05354c3c3814b8f3045950395f",
            b"d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0",
        )
        .unwrap(),
    );
    // (payload, published signature) from seeds/viabtc-api-authentication.md.
    let vectors: [(&[u8], &str); 2] = [
        (
            b"coin=BTC&amount=1.0&tonce=1513746038205",
            "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59",
        ),
        (
            b"{\"coin\": \"BTC\", \"amount\": \"1.0\", tonce: 1513746038205}",
            "2dd2cc09cb5b11c7f24d457b1c01e46f2f2b17f06a62bf29eda35b5fb45ce354",
        ),
    ];
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let signer = signer.clone();
            std::thread::spawn(move || {
                let mut out = [0u8; 64];
                for i in 0..20_000 {
                    let (payload, want) = vectors[(i + t) % 2];
                    let msg = Message { method: "POST", path: b"/res/openapi/v1/hashrate", payload, nonce: 0 };
                    let n = signer.sign_into(&msg, &mut out).unwrap();
                    assert_eq!(&out[..n], want.as_bytes(), "thread {t}, call {i}");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}
