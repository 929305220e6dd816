//! Pre-keyed HMAC-SHA512 from three Rust crates, same key and inputs, interleaved rounds
//! (A B C, A B C, ...) so machine load moves them alike; medians. restsign uses RustCrypto's
//! `hmac` + `sha2`; the question this answers is whether aws-lc-rs or ring (both carrying
//! OpenSSL-derived SHA-512 assembly) would sign faster on this CPU.

use std::hint::black_box;
use std::time::Instant;

use hmac::{Hmac, KeyInit, Mac};

type RustCrypto = Hmac<sha2::Sha512>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per call of `sign` over `calls` calls.
fn ns_per_call(calls: u32, mut sign: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        sign();
    }
    start.elapsed().as_nanos() as f64 / f64::from(calls)
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(21, |r| r.parse().expect("ROUNDS is a number"));
    let key: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
    let small = b"command=returnBalances&nonce=1700000000000000&account=all&extra=1234".to_vec();
    let large: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();

    let rust_crypto = <RustCrypto as KeyInit>::new_from_slice(&key).unwrap();
    let aws = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA512, &key);
    let ring = ring::hmac::Key::new(ring::hmac::HMAC_SHA512, &key);

    // All three must give the same tag before any is timed.
    for message in [&small, &large] {
        let mut mac = rust_crypto.clone();
        mac.update(message);
        let expected = mac.finalize().into_bytes();
        assert_eq!(aws_lc_rs::hmac::sign(&aws, message).as_ref(), &expected[..], "aws-lc-rs disagrees");
        assert_eq!(ring::hmac::sign(&ring, message).as_ref(), &expected[..], "ring disagrees");
    }

    let names = ["RustCrypto hmac+sha2", "aws-lc-rs", "ring"];
    println!("pre-keyed HMAC-SHA512, {rounds} interleaved rounds, medians; tags checked equal first\n");
    println!("| crate | {} B: ns per tag | 64 KiB: MB/s | 64 KiB: MB/s relative to RustCrypto |", small.len());
    println!("|---|---:|---:|---:|");
    let mut results = Vec::new();
    for (message, calls) in [(&small, 20_000), (&large, 40)] {
        let mut times = [const { Vec::new() }; 3];
        for _ in 0..rounds {
            times[0].push(ns_per_call(calls, || {
                let mut mac = rust_crypto.clone();
                mac.update(black_box(message));
                black_box(mac.finalize().into_bytes());
            }));
            times[1].push(ns_per_call(calls, || {
                black_box(aws_lc_rs::hmac::sign(&aws, black_box(message)));
            }));
            times[2].push(ns_per_call(calls, || {
                black_box(ring::hmac::sign(&ring, black_box(message)));
            }));
        }
        results.push(times.map(median));
    }
    let mbs = |ns: f64| large.len() as f64 * 1e3 / ns;
    for (i, name) in names.iter().enumerate() {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} |",
            results[0][i],
            mbs(results[1][i]),
            mbs(results[1][i]) / mbs(results[1][0])
        );
    }
}
