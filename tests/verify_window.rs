//! Timestamp windows and replays of the whole-request verifier, with an injected clock: just
//! inside and just outside the window, the client's clock ahead and behind, a replay inside the
//! window, and the memory the set of recent requests takes under 100,000 requests a second.
//! Signatures are spelled as the tag's encoding allows: decoded before they are compared.

use restsign::recipe::Recipe;
use restsign::verify::{Incoming, Malformed, Seen, SeenSet, Verdict, Verifier};
use restsign::{Request, SignedRequest, Signer, SignerOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const T: u64 = 1_700_000_000_000;
const WINDOW: u64 = 5_000;

fn preset(name: &str) -> Arc<Recipe> {
    Recipe::preset(name).unwrap()
}

fn signed(recipe: &Arc<Recipe>, time_ms: u64, qty: &str) -> SignedRequest {
    let passphrase = recipe.needs_passphrase.then(|| zeroize::Zeroizing::new(b"pp".to_vec()));
    let options = SignerOptions { passphrase, ..Default::default() };
    let signer = Signer::with_recipe(recipe.clone(), b"k1", b"s3cret", options).unwrap();
    let mut request = Request::new("POST", "/api/v3/order");
    request.param("symbol", "BTCUSDT").param("quantity", qty).time_ms(time_ms);
    signer.sign_request_with_nonce(&request, 1).unwrap()
}

struct Server {
    verifier: Verifier,
    clock: Arc<AtomicU64>,
}

impl Server {
    fn new(recipe: &Arc<Recipe>) -> Server {
        let clock = Arc::new(AtomicU64::new(T));
        let reading = clock.clone();
        let verifier = Verifier::with_recipe(recipe.clone())
            .unwrap()
            .with_window_ms(WINDOW)
            .with_clock(move || reading.load(Ordering::Relaxed));
        // KuCoin signs the passphrase: its verifier must know it.
        let passphrase: &[u8] = if recipe.needs_passphrase { b"pp" } else { b"" };
        verifier.add_key_with_passphrase(b"k1", b"s3cret", passphrase).unwrap();
        Server { verifier, clock }
    }

    fn at(&self, now: u64) -> &Server {
        self.clock.store(now, Ordering::Relaxed);
        self
    }

    fn check(&self, sent: &SignedRequest) -> Verdict {
        self.check_with(sent, |headers| headers)
    }

    fn check_with(&self, sent: &SignedRequest, edit: impl FnOnce(Headers) -> Headers) -> Verdict {
        let target = sent.path_and_query();
        let headers = edit(sent.headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect());
        let mut incoming = Incoming::new(&sent.method, &target, &sent.body);
        incoming.headers = headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        self.verifier.check_request(&incoming).unwrap()
    }
}

fn outside(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::OutsideWindow { .. })
}

#[test]
fn the_window_holds_both_ways_to_the_millisecond() {
    // Each clock format: ms (Binance), ISO 8601 with ms (OKX), seconds (Coinbase), an expiry
    // stamp 60 s ahead (Phemex), date and time without zone (HTX).
    for (name, unit) in [("binance", 1), ("okx", 1), ("coinbase", 1000), ("phemex", 1000), ("htx", 1000)] {
        let recipe = preset(name);
        // The client's clock behind the server's by exactly the window: accepted; by one unit more: not.
        let s = Server::new(&recipe);
        assert!(s.at(T + WINDOW).check(&signed(&recipe, T, "1")).is_valid(), "{name}: behind, just inside");
        let s = Server::new(&recipe);
        let late = s.at(T + WINDOW + unit).check(&signed(&recipe, T, "1"));
        assert!(outside(&late), "{name}: behind, just outside: {late:?}");
        // The client's clock ahead, the same both ways.
        let s = Server::new(&recipe);
        assert!(s.at(T - WINDOW).check(&signed(&recipe, T, "1")).is_valid(), "{name}: ahead, just inside");
        let s = Server::new(&recipe);
        let early = s.at(T - WINDOW - unit).check(&signed(&recipe, T, "1"));
        assert!(outside(&early), "{name}: ahead, just outside: {early:?}");
    }
}

#[test]
fn an_outside_verdict_says_by_how_much() {
    let recipe = preset("binance");
    let s = Server::new(&recipe);
    let verdict = s.at(T + 7_250).check(&signed(&recipe, T, "1"));
    assert_eq!(
        verdict,
        Verdict::OutsideWindow { key: b"k1".to_vec(), timestamp_ms: T, now_ms: T + 7_250, window_ms: WINDOW }
    );
}

#[test]
fn a_request_is_accepted_once_inside_its_window_and_a_new_one_still_is() {
    for name in ["binance", "okx", "bybit", "kucoin", "gate", "upbit"] {
        let recipe = preset(name);
        let s = Server::new(&recipe);
        let first = signed(&recipe, T, "1");
        assert!(s.at(T + 10).check(&first).is_valid(), "{name}");
        assert_eq!(s.at(T + 4_000).check(&first), Verdict::Replayed { key: b"k1".to_vec() }, "{name}");
        // Another request in the same millisecond is not a replay.
        assert!(s.at(T + 4_000).check(&signed(&recipe, T, "2")).is_valid(), "{name}");
    }
}

#[test]
fn a_refused_request_is_not_remembered() {
    // A forged copy must not use up the genuine request's one acceptance.
    let recipe = preset("okx");
    let s = Server::new(&recipe);
    let genuine = signed(&recipe, T, "1");
    let forged = s.check_with(&genuine, |h| {
        h.into_iter().map(|(n, v)| if n == b"OK-ACCESS-SIGN" { (n, b"AAAA".repeat(11)) } else { (n, v) }).collect()
    });
    assert!(matches!(forged, Verdict::BadSignature { .. }), "{forged:?}");
    assert!(s.check(&genuine).is_valid());
}

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

/// A request's headers with one header's value replaced.
fn with_header(name: &'static [u8], value: Vec<u8>) -> impl FnOnce(Headers) -> Headers {
    move |h| {
        h.into_iter().map(|(n, v)| if n.eq_ignore_ascii_case(name) { (n, value.clone()) } else { (n, v) }).collect()
    }
}

fn header(sent: &SignedRequest, name: &[u8]) -> Vec<u8> {
    sent.headers().find(|(n, _)| n.eq_ignore_ascii_case(name)).unwrap().1.to_vec()
}

#[test]
fn signatures_are_compared_decoded_not_as_text() {
    // Hex in the other case (Bybit writes lower case).
    let recipe = preset("bybit");
    let sent = signed(&recipe, T, "1");
    let upper = header(&sent, b"X-BAPI-SIGN").to_ascii_uppercase();
    assert!(Server::new(&recipe).check_with(&sent, with_header(b"X-BAPI-SIGN", upper)).is_valid());

    // Base64 broken into lines, as Perl's encode_base64 writes it, or with spaces (OKX).
    let recipe = preset("okx");
    let sent = signed(&recipe, T, "1");
    let sign = header(&sent, b"OK-ACCESS-SIGN");
    for spelled in [
        [&sign[..20], b"\n", &sign[20..]].concat(),
        [&sign[..10], b" ", &sign[10..30], b"\r\n ", &sign[30..]].concat(),
        sign.strip_suffix(b"=").unwrap().to_vec(),
    ] {
        let verdict = Server::new(&recipe).check_with(&sent, with_header(b"OK-ACCESS-SIGN", spelled.clone()));
        assert!(verdict.is_valid(), "{:?}: {verdict:?}", String::from_utf8_lossy(&spelled));
    }
    // Still refused: another MAC, a truncated one, one with trailing garbage or bits.
    let mut other = sign.clone();
    other[5] = if other[5] == b'A' { b'B' } else { b'A' };
    for bad in [other, sign[..sign.len() - 4].to_vec(), [&sign[..], b"AA=="].concat(), [&sign[..], b"x"].concat()] {
        let verdict = Server::new(&recipe).check_with(&sent, with_header(b"OK-ACCESS-SIGN", bad.clone()));
        assert!(matches!(verdict, Verdict::BadSignature { .. }), "{:?}: {verdict:?}", String::from_utf8_lossy(&bad));
    }
}

#[test]
fn what_is_missing_or_misshapen_is_named() {
    let recipe = preset("okx");
    let sent = signed(&recipe, T, "1");
    let s = Server::new(&recipe);
    let verdict = s.check_with(&sent, |h| h.into_iter().filter(|(n, _)| n != b"OK-ACCESS-TIMESTAMP").collect());
    assert_eq!(
        verdict,
        Verdict::Unreadable { part: "header OK-ACCESS-TIMESTAMP".into(), problem: Malformed::MissingPart }
    );
    // A timestamp that is not ISO 8601 is signed as sent, so the signature is checked first.
    let verdict = s.check_with(&sent, with_header(b"OK-ACCESS-TIMESTAMP", b"yesterday".to_vec()));
    assert!(matches!(verdict, Verdict::BadSignature { .. }), "{verdict:?}");

    let recipe = preset("upbit");
    let sent = signed(&recipe, T, "1");
    let s = Server::new(&recipe);
    let verdict = s.check_with(&sent, with_header(b"Authorization", b"Basic abc".to_vec()));
    assert_eq!(verdict, Verdict::Unreadable { part: "header Authorization".into(), problem: Malformed::PartForm });
}

#[test]
fn the_window_memory_is_bounded_at_100000_requests_a_second() {
    // 100,000 distinct accepted requests a second for 12 s, each remembered for its 5 s window
    // (plus the rounding to whole seconds): the set never holds more than 6 s worth.
    let seen = SeenSet::with_capacity(1_000_000);
    let (rate, seconds) = (100_000u64, 12u64);
    let (mut peak_len, mut peak_bytes) = (0, 0);
    let mut digest = 0u128;
    for second in 0..seconds {
        for i in 0..rate {
            let now = T + second * 1000 + i * 1000 / rate;
            digest = digest.wrapping_add(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834);
            assert_eq!(seen.insert(digest, now + WINDOW, now), Seen::First);
        }
        peak_len = peak_len.max(seen.len());
        peak_bytes = peak_bytes.max(seen.table_bytes());
    }
    assert!(peak_len <= (rate * 7) as usize, "peak {peak_len} entries");
    println!("100k req/s, 5 s window: peak {peak_len} entries, {:.1} MB of tables", peak_bytes as f64 / 1e6);
    // Past the cap, a request cannot be checked (an error), rather than accepted unremembered.
    let small = SeenSet::with_capacity(10);
    for d in 0..10 {
        assert_eq!(small.insert(d, T + WINDOW, T), Seen::First);
    }
    assert_eq!(small.insert(99, T + WINDOW, T), Seen::Full);
    assert_eq!(small.insert(3, T + WINDOW, T), Seen::Again);
}

#[test]
fn a_full_memory_is_an_error_not_a_verdict() {
    let recipe = preset("binance");
    let clock = T;
    let verifier = Verifier::with_recipe(recipe.clone())
        .unwrap()
        .with_window_ms(WINDOW)
        .with_clock(move || clock)
        .with_seen_capacity(1);
    verifier.add_key(b"k1", b"s3cret").unwrap();
    let check = |sent: &SignedRequest| {
        let target = sent.path_and_query();
        let headers: Vec<(Vec<u8>, Vec<u8>)> = sent.headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
        let mut incoming = Incoming::new(&sent.method, &target, &sent.body);
        incoming.headers = headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        verifier.check_request(&incoming)
    };
    assert!(check(&signed(&recipe, T, "1")).unwrap().is_valid());
    assert_eq!(check(&signed(&recipe, T, "2")), Err(restsign::Error::ReplayMemoryFull));
}
