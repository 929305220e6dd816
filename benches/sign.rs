//! `cargo bench --bench sign`: signing cost per scheme for a typical 68-byte form body through the
//! recipe engine beside the engine it replaced (frozen in tests/support/legacy), the gain from
//! keying the HMAC once per credential (what `Signer` does) over re-keying per request, and a whole
//! Binance GET (timestamp drawn and placed, query encoded, signed, headers) beside the bare HMAC of
//! the same bytes.
//!
//! Timings are reported side by side from one run; nothing here asserts a speed.

#[path = "../tests/support/legacy/mod.rs"]
mod legacy;

use criterion::{BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use restsign::encode::TextEncoding;
use restsign::encode::encode_pieces;
use restsign::recipe::{KeyFormat, Recipe, SecretFormat};
use restsign::{Message, Request, Signer};
use sha2::{Sha256, Sha512};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A Poloniex-style form body of exactly 68 bytes.
const BODY: &[u8] = b"command=returnBalances&nonce=1700000000000000&account=all&extra=1234";
const _: () = assert!(BODY.len() == 68);
/// 64-byte key and secret, as exchanges hand them out.
const KEY: &[u8] = b"K3Y0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY";
const SECRET: &[u8] = b"s3cr3t0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
const _: () = assert!(KEY.len() == 64 && SECRET.len() == 64);
/// mtgox-stream wants a UUID key; the MtGox schemes want the secret in base64 (these are the
/// 64 bytes of SECRET, so every scheme keys its HMAC with the same 64 bytes).
const UUID_KEY: &[u8] = b"12345678-abcd-1234-abcd-50286e649d5c";
const SECRET_B64: &[u8] = b"czNjcjN0MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RVVg==";

const MSG: Message<'static> = Message { method: "POST", path: b"/tradingApi", payload: BODY, nonce: 1_700_000_000_000 };

/// The seven seed schemes.
const SEEDS: [&str; 7] = ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"];

fn credentials(name: &str) -> (&'static [u8], &'static [u8]) {
    let recipe = Recipe::preset(name).expect("known scheme");
    let key = if recipe.key == KeyFormat::Uuid { UUID_KEY } else { KEY };
    let secret = if recipe.secret == SecretFormat::Base64 { SECRET_B64 } else { SECRET };
    (key, secret)
}

fn signer(name: &str) -> Signer {
    let (key, secret) = credentials(name);
    Signer::new(name, key, secret).expect("valid credentials")
}

fn config() -> Criterion {
    // Short runs: the whole bench stays well under two minutes on a shared 2-core machine.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .configure_from_args()
}

/// Each seed scheme's `sign_into` through the recipe engine and through the engine before it,
/// interleaved in one group so both see the same machine.
fn sign_per_scheme(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign_into_68B");
    group.throughput(Throughput::Bytes(BODY.len() as u64));
    for name in SEEDS {
        let signer = signer(name);
        let (key, secret) = credentials(name);
        let old = legacy::signer::Signer::new(name, key, secret).expect("valid credentials");
        let old_msg =
            legacy::signer::Message { method: MSG.method, path: MSG.path, payload: MSG.payload, nonce: MSG.nonce };
        let (mut out, mut old_out) = ([0u8; 1024], [0u8; 1024]);
        let n = signer.sign_into(&MSG, &mut out).unwrap();
        assert_eq!(old.sign_into(&old_msg, &mut old_out).unwrap(), n);
        assert_eq!(out[..n], old_out[..n], "{name}: both engines must do the same work");
        group.bench_function(BenchmarkId::new("recipe", name), |b| {
            b.iter(|| signer.sign_into(black_box(&MSG), &mut out).unwrap())
        });
        group.bench_function(BenchmarkId::new("before", name), |b| {
            b.iter(|| old.sign_into(black_box(&old_msg), &mut old_out).unwrap())
        });
    }
    group.finish();
}

fn headers_per_scheme(c: &mut Criterion) {
    let mut group = c.benchmark_group("headers_into_68B");
    for name in SEEDS.into_iter().filter(|n| Recipe::preset(n).unwrap().has_headers()) {
        let signer = signer(name);
        let mut out = [0u8; 1024];
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| signer.headers_into(black_box(&MSG), &mut out).unwrap())
        });
    }
    group.finish();
}

/// Binance's recipe as docs/RECIPES.md writes it (the preset signs the same way).
const BINANCE: &str = r#"name = "binance-bench"
hash = "sha256"
base_url = "https://api.binance.com"
inject = [{ name = "timestamp", value = "{ts}", at = "start" }, { name = "recvWindow", value = "10000" }]
message = "{payload}"
signature_param = { name = "signature" }
headers = { "X-MBX-APIKEY" = "{key}" }
"#;

/// A whole Binance GET with three parameters, against the keyed HMAC alone over the bytes it signs.
fn binance_request(c: &mut Criterion) {
    let recipe = std::sync::Arc::new(Recipe::parse(BINANCE).unwrap());
    let signer = Signer::with_recipe(recipe, KEY, SECRET, Default::default()).unwrap();
    let mut request = Request::new("GET", &b"/api/v3/allOrders"[..]);
    request.param("symbol", "BTCUSDT").param("limit", "500").param("orderId", "28457");
    let signed = signer.sign_request(&request).unwrap();
    let message = signed.message.clone();
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET).unwrap();
    let mut hex = [0u8; 64];
    let mut group = c.benchmark_group("binance-get-3-params");
    group.bench_function("whole-request", |b| b.iter(|| signer.sign_request(black_box(&request)).unwrap()));
    group.bench_function("bare-hmac", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(&message));
            encode_pieces(TextEncoding::HexLower, &[&mac.finalize().into_bytes()], &mut hex)
        })
    });
    group.finish();
}

/// What a naive signer does per request: key a fresh HMAC (two extra compressions), then hex.
fn rekeyed_hex<M: Mac + KeyInit>(secret: &[u8], payload: &[u8], out: &mut [u8]) -> usize {
    let mut mac = <M as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(payload);
    encode_pieces(TextEncoding::HexLower, &[&mac.finalize().into_bytes()], out)
}

/// Keyed once (a `Signer`) against re-keyed per call, same message and the same hex output.
fn keyed_vs_rekeyed(c: &mut Criterion) {
    fn pair<M: Mac + KeyInit>(c: &mut Criterion, group_name: &str, scheme: &str) {
        let signer = signer(scheme);
        let (mut a, mut b) = ([0u8; 128], [0u8; 128]);
        let n = signer.sign_into(&MSG, &mut a).unwrap();
        assert_eq!(rekeyed_hex::<M>(SECRET, BODY, &mut b), n);
        assert_eq!(a[..n], b[..n], "both sides must do the same work");

        let mut group = c.benchmark_group(group_name);
        group.bench_function("keyed-once", |bch| bch.iter(|| signer.sign_into(black_box(&MSG), &mut a).unwrap()));
        group.bench_function("rekeyed-each-call", |bch| {
            bch.iter(|| rekeyed_hex::<M>(black_box(SECRET), black_box(BODY), &mut b))
        });
        group.finish();
    }
    pair::<Hmac<Sha512>>(c, "hmac-sha512-hex-68B", "poloniex");
    pair::<Hmac<Sha256>>(c, "hmac-sha256-hex-68B", "viabtc");
}

/// Criterion's output directory, found as criterion finds it (CRITERION_HOME, CARGO_TARGET_DIR,
/// else the target directory this bench binary was built in: target/<profile>/deps/sign-<hash>).
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    Some(std::env::current_exe().ok()?.ancestors().nth(3)?.join("criterion"))
}

/// Median time in ns of `group/function` measured by this run (None when it was not measured,
/// e.g. under `cargo test --benches` or a filter).
fn median_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()?.join(group).join(function).join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let started = SystemTime::now();
    assert_eq!(restsign::encode::decode_base64(SECRET_B64).as_deref(), Some(SECRET));
    let mut c = config();
    sign_per_scheme(&mut c);
    headers_per_scheme(&mut c);
    keyed_vs_rekeyed(&mut c);
    binance_request(&mut c);
    c.final_summary();

    for name in SEEDS {
        let recipe = median_ns("sign_into_68B", &format!("recipe/{name}"), started);
        let before = median_ns("sign_into_68B", &format!("before/{name}"), started);
        if let (Some(recipe), Some(before)) = (recipe, before) {
            println!(
                "sign_into {name}: recipe engine {recipe:.1} ns, before {before:.1} ns: {:+.1}%",
                (recipe / before - 1.0) * 100.0
            );
        }
    }
    let (whole, bare) = (
        median_ns("binance-get-3-params", "whole-request", started),
        median_ns("binance-get-3-params", "bare-hmac", started),
    );
    if let (Some(whole), Some(bare)) = (whole, bare) {
        println!(
            "binance GET, 3 params: whole request {whole:.1} ns, bare HMAC of its bytes {bare:.1} ns: {:.2}x",
            whole / bare
        );
    }

    for group in ["hmac-sha512-hex-68B", "hmac-sha256-hex-68B"] {
        if let (Some(keyed), Some(rekeyed)) =
            (median_ns(group, "keyed-once", started), median_ns(group, "rekeyed-each-call", started))
        {
            println!(
                "{group}: keyed once {keyed:.1} ns, re-keyed each call {rekeyed:.1} ns: re-keying costs {:.2}x",
                rekeyed / keyed
            );
        }
    }
}
