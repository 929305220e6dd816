//! Nonces and replay state through a real `redis-server` (started here on 127.0.0.1, a free port,
//! its own directory): many processes on "several hosts", processes and the server killed with
//! SIGKILL, and each failure's own status.
#![cfg(feature = "redis")]

#[path = "support/redis_server.rs"]
mod redis_server;

use redis_server::{RedisServer, available, free_port};
use restsign::recipe::NonceUnit;
use restsign::redis::{RedisNonce, RedisReplay};
use restsign::{Error, NonceSource, Received, Verdict, Verifier};
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &[u8] = b"desk-key-shared-by-two-hosts";

/// CLOCK_MONOTONIC in ns: one clock for every process on this machine, so draws made in different
/// processes can be ordered in real time.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Not a test of its own: the client process the multi-process test starts (this same executable
/// with RESTSIGN_REDIS_CHILD=url|count|output). Each draw is written as three u64s: monotonic time
/// before the draw, after it, and the value.
#[test]
fn child_draws() {
    let Ok(spec) = std::env::var("RESTSIGN_REDIS_CHILD") else { return };
    let mut parts = spec.split('|');
    let (url, count, out) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let count: usize = count.parse().unwrap();
    let source = RedisNonce::new(url, KEY, NonceUnit::Micros).unwrap();
    let mut file = std::io::BufWriter::with_capacity(24 * 128, std::fs::File::create(out).unwrap());
    for _ in 0..count {
        let before = monotonic_ns();
        let value = source.next().unwrap_or_else(|e| panic!("draw failed: {e}"));
        let after = monotonic_ns();
        for n in [before, after, value] {
            file.write_all(&n.to_le_bytes()).unwrap();
        }
    }
    file.flush().unwrap();
}

/// One draw as a client recorded it.
#[derive(Clone, Copy, Debug)]
struct Draw {
    before: u64,
    after: u64,
    value: u64,
}

fn read_draws(path: &Path) -> Vec<Draw> {
    let bytes = std::fs::read(path).unwrap_or_default();
    // A killed client may leave a record cut short: whole records only.
    bytes
        .chunks_exact(24)
        .map(|r| {
            let n = |i: usize| u64::from_le_bytes(r[i * 8..i * 8 + 8].try_into().unwrap());
            Draw { before: n(0), after: n(1), value: n(2) }
        })
        .collect()
}

fn spawn_client(url: &str, count: usize, out: &Path, state_dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_draws", "--nocapture", "--test-threads=1"])
        .env("RESTSIGN_REDIS_CHILD", format!("{url}|{count}|{}", out.display()))
        // Each "host" has its own runtime directory, so no state file could join them up.
        .env("XDG_RUNTIME_DIR", state_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every draw that finished before another started has a smaller value: the values increase in
/// the order Redis handed them out, whichever process got them.
fn assert_real_time_order(draws: &[Draw]) {
    let mut by_after: Vec<Draw> = draws.to_vec();
    by_after.sort_by_key(|d| d.after);
    let mut by_before: Vec<Draw> = draws.to_vec();
    by_before.sort_by_key(|d| d.before);
    let (mut i, mut max_done) = (0, 0u64);
    for d in &by_before {
        while i < by_after.len() && by_after[i].after < d.before {
            max_done = max_done.max(by_after[i].value);
            i += 1;
        }
        assert!(d.value > max_done, "draw {d:?} began after a draw of {max_done} had finished, yet is not above it");
    }
}

#[test]
fn two_hosts_of_four_processes_never_repeat_even_when_clients_are_killed() {
    if !available() {
        return;
    }
    // Two "hosts": groups of processes with separate runtime directories. No clock needs skewing:
    // a draw reads only the Redis server's TIME, so the clients' clocks play no part at all.
    let redis = RedisServer::start("hosts", &[]);
    let url = redis.url();
    const DRAWS: usize = 25_000;
    let mut clients = Vec::new();
    for host in 0..2 {
        let state_dir = redis.dir().join(format!("host-{host}"));
        std::fs::create_dir_all(&state_dir).unwrap();
        for process in 0..4 {
            let out = redis.dir().join(format!("draws-{host}-{process}"));
            clients.push((host, process, spawn_client(&url, DRAWS, &out, &state_dir), out));
        }
    }
    // Process 3 of each host is killed with SIGKILL once it has recorded 2,000 draws.
    for (_, _, child, out) in clients.iter_mut().filter(|(_, p, _, _)| *p == 3) {
        let until = Instant::now() + Duration::from_secs(60);
        while std::fs::metadata(&*out).map_or(0, |m| m.len()) < 2_000 * 24 {
            assert!(Instant::now() < until, "client made no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
    }
    let mut all = Vec::new();
    for (host, process, mut child, out) in clients {
        let status = child.wait().unwrap();
        let draws = read_draws(&out);
        if process == 3 {
            assert!(!status.success(), "host {host} process 3 was killed");
            assert!(draws.len() >= 2_000 && draws.len() < DRAWS, "{} draws recorded", draws.len());
        } else {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert!(status.success(), "host {host} process {process}: {err}");
            assert_eq!(draws.len(), DRAWS);
        }
        // Each process sees its own draws strictly increase.
        assert!(draws.windows(2).all(|w| w[0].value < w[1].value), "host {host} process {process}");
        all.extend(draws);
    }
    let distinct: HashSet<u64> = all.iter().map(|d| d.value).collect();
    assert_eq!(distinct.len(), all.len(), "a nonce was handed out twice");
    assert_real_time_order(&all);
    // Redis's counter holds the largest value handed out (read with redis-cli, not restsign).
    let name = restsign::redis::nonce_key_name(restsign::redis::DEFAULT_PREFIX, KEY);
    let last: u64 = redis.cli(&["HGET", &name, "last"]).parse().unwrap();
    assert!(last >= *distinct.iter().max().unwrap());
    assert_eq!(redis.cli(&["HGET", &name, "unit"]), "us");
}

/// When a draw returned, and what.
type Outcome = (Instant, Result<u64, Error>);

/// Draws from `threads` handles until `stop`; every value and every error is kept.
fn drawing(
    url: &str,
    unit: NonceUnit,
    threads: usize,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<Outcome>>> {
    (0..threads)
        .map(|_| {
            let source = RedisNonce::new(url, KEY, unit).unwrap();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let result = source.next();
                    if result.is_err() {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    seen.push((Instant::now(), result));
                }
                seen
            })
        })
        .collect()
}

#[test]
fn redis_killed_gives_errors_and_restarted_with_appendonly_goes_on_above_every_value() {
    if !available() {
        return;
    }
    let mut redis = RedisServer::start("aof", &["appendonly", "yes"]);
    let url = format!("{}?timeout_ms=300", redis.url());
    let stop = Arc::new(AtomicBool::new(false));
    // Seconds: thousands of draws a second push the counter far ahead of the clock, so a server
    // that forgot its value would restart from `now`, below what it gave before.
    let threads = drawing(&url, NonceUnit::Seconds, 3, stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    redis.kill9();
    let killed_at = Instant::now();
    std::thread::sleep(Duration::from_millis(700));
    let restarted_at = Instant::now();
    redis.restart();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);

    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut errors_while_down = 0;
    for t in threads {
        for (when, result) in t.join().unwrap() {
            match result {
                Ok(v) if when < killed_at => before.push(v),
                Ok(v) => {
                    // Nothing can come out while the server is dead: the value must be drawn
                    // from the restarted server.
                    assert!(when > restarted_at, "a nonce {v} was handed out while Redis was down");
                    after.push(v);
                }
                Err(e) => {
                    // Refused, reset, timed out, or LOADING while the restarted server reads its file.
                    assert!(matches!(e, Error::RedisUnavailable | Error::RedisTimeout | Error::RedisServer), "{e:?}");
                    errors_while_down += 1;
                }
            }
        }
    }
    assert!(errors_while_down > 0, "the clients never saw the server down");
    assert!(!before.is_empty() && !after.is_empty(), "{} before, {} after", before.len(), after.len());
    let clock_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let max_before = *before.iter().max().unwrap();
    assert!(max_before > clock_now + 100, "the counter ran ahead of the clock ({max_before} vs {clock_now})");
    assert!(after.iter().all(|&v| v > max_before), "after the restart a value fell to or below {max_before}");
    let all: HashSet<u64> = before.iter().chain(&after).copied().collect();
    assert_eq!(all.len(), before.len() + after.len());
}

#[test]
fn without_persistence_a_handle_refuses_a_counter_that_went_back() {
    if !available() {
        return;
    }
    // The control for the test above: no append-only file, so a restart loses the counter.
    let mut redis = RedisServer::start("noaof", &["appendonly", "no"]);
    let source = RedisNonce::new(&redis.url(), KEY, NonceUnit::Seconds).unwrap();
    let mut last = 0;
    for _ in 0..50 {
        last = source.next().unwrap();
    }
    redis.restart();
    // The first draw after the restart runs on a dead connection; the next one reconnects.
    let mut outcome = source.next();
    if matches!(outcome, Err(Error::RedisUnavailable)) {
        outcome = source.next();
    }
    assert_eq!(outcome, Err(Error::NonceNotIncreasing), "the server restarted from the clock, below {last}");
    let fresh = RedisNonce::new(&redis.url(), KEY, NonceUnit::Seconds).unwrap().next().unwrap();
    assert!(fresh < last, "a fresh handle gets the clock floor {fresh}, below {last}: the doc's warning");
}

/// A TCP listener that accepts connections and never answers.
fn silent_listener() -> (u16, Arc<Mutex<Vec<std::net::TcpStream>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    (port, held)
}

/// The draw's error and how long it took.
fn timed_draw(url: &str) -> (Result<u64, Error>, Duration) {
    let start = Instant::now();
    let result = RedisNonce::new(url, KEY, NonceUnit::Millis).unwrap().next();
    (result, start.elapsed())
}

#[test]
fn each_failure_has_its_own_status_within_the_timeout() {
    if !available() {
        return;
    }
    let redis = RedisServer::start("auth", &["requirepass", "right-password"]);
    let port = redis.port;
    let limit = Duration::from_millis(1_500); // the default timeout is 1 s

    let (r, took) = timed_draw(&format!("redis://:wrong-password@127.0.0.1:{port}/0"));
    assert_eq!(r, Err(Error::RedisAuth), "wrong password");
    assert!(took < limit, "{took:?}");
    let (r, _) = timed_draw(&format!("redis://127.0.0.1:{port}/0"));
    assert_eq!(r, Err(Error::RedisAuth), "no password");
    let (r, took) = timed_draw(&format!("redis://127.0.0.1:{}/0", free_port()));
    assert_eq!(r, Err(Error::RedisUnavailable), "wrong port");
    assert!(took < limit, "{took:?}");
    let (silent, _held) = silent_listener();
    let (r, took) = timed_draw(&format!("redis://127.0.0.1:{silent}/0"));
    assert_eq!(r, Err(Error::RedisTimeout), "a server that never answers");
    assert!(took >= Duration::from_millis(900) && took < limit, "{took:?}");
    let (r, took) = timed_draw(&format!("redis://127.0.0.1:{silent}/0?timeout_ms=200"));
    assert_eq!(r, Err(Error::RedisTimeout));
    assert!(took < Duration::from_millis(600), "{took:?}");

    // The right password, over TCP and both spellings of the Unix socket URL.
    let good = format!("redis://:right-password@127.0.0.1:{port}/0");
    let sock = redis.socket();
    for url in [
        good.clone(),
        format!("unix://{}?pass=right-password", sock.display()),
        format!("redis+unix://{}?pass=right-password", sock.display()),
    ] {
        let a = RedisNonce::new(&url, b"socket-key", NonceUnit::Millis).unwrap();
        let (x, y) = (a.next().unwrap(), a.next().unwrap());
        assert!(y > x, "{url}");
    }

    // Values restsign did not write, read through the same script.
    let bad_value = RedisNonce::with_prefix(&good, "t:", b"k1", NonceUnit::Millis).unwrap();
    redis.cli(&["-a", "right-password", "HSET", bad_value.key_name(), "last", "12abc"]);
    assert_eq!(bad_value.next(), Err(Error::RedisBadValue), "not a number");
    let wrong_type = RedisNonce::with_prefix(&good, "t:", b"k2", NonceUnit::Millis).unwrap();
    redis.cli(&["-a", "right-password", "SET", wrong_type.key_name(), "1700000000000"]);
    assert_eq!(wrong_type.next(), Err(Error::RedisScript), "a string where the script wants a hash");
    let ms = RedisNonce::with_prefix(&good, "t:", b"k3", NonceUnit::Millis).unwrap();
    ms.next().unwrap();
    let us = RedisNonce::with_prefix(&good, "t:", b"k3", NonceUnit::Micros).unwrap();
    assert_eq!(us.next(), Err(Error::RedisUnitMismatch));
    let exhausted = RedisNonce::with_prefix(&good, "t:", b"k4", NonceUnit::Millis).unwrap();
    redis.cli(&["-a", "right-password", "HSET", exhausted.key_name(), "last", "9223372036854775806"]);
    assert_eq!(exhausted.next(), Ok(9_223_372_036_854_775_807), "exact above 2^53");
    assert_eq!(exhausted.next(), Err(Error::NonceExhausted));
    assert_eq!(RedisNonce::new("rediss://127.0.0.1:1", KEY, NonceUnit::Millis).err(), Some(Error::RedisTlsUnsupported));
    // The key never appears in clear.
    let keys = redis.cli(&["-a", "right-password", "KEYS", "*"]);
    assert!(!keys.contains("socket-key") && keys.contains("restsign:nonce:"), "{keys}");
}

fn signed_viabtc(nonce: u64) -> (Vec<u8>, Vec<u8>) {
    let signer = restsign::Signer::new("viabtc", b"k-1", b"secret-1").unwrap();
    let request = restsign::Request::new("POST", b"/v1/order");
    let signed = signer.sign_request_with_nonce(&request, nonce).unwrap();
    (signed.body.clone(), signed.header_block.clone())
}

#[test]
fn verifiers_on_one_redis_accept_each_nonce_once() {
    if !available() {
        return;
    }
    let redis = RedisServer::start("replay", &[]);
    let make = || {
        let v = Verifier::new("viabtc").unwrap().replay_redis(&redis.url(), Some("r:")).unwrap();
        v.add_key(b"k-1", b"secret-1").unwrap();
        v
    };
    let (a, b) = (Arc::new(make()), Arc::new(make()));
    // 200 requests, each checked by both verifiers at once from two threads.
    let mut accepted = 0;
    for n in 0..200u64 {
        let (body, headers) = signed_viabtc(1_700_000_000_000 + n);
        let check = |v: Arc<Verifier>, body: Vec<u8>, headers: Vec<u8>| {
            std::thread::spawn(move || {
                let r = Received::new("POST", b"/v1/order", &body).with_header_block(v.scheme(), &headers).unwrap();
                v.check(&r).unwrap()
            })
        };
        let (x, y) = (check(a.clone(), body.clone(), headers.clone()), check(b.clone(), body, headers));
        let verdicts = [x.join().unwrap(), y.join().unwrap()];
        accepted += verdicts.iter().filter(|v| v.is_valid()).count();
        assert!(verdicts.iter().any(|v| v.is_valid()), "{verdicts:?}");
        assert!(verdicts.iter().any(|v| matches!(v, Verdict::StaleNonce { .. })), "{verdicts:?}");
    }
    assert_eq!(accepted, 200);
    // An old nonce is refused by both, with the last accepted value.
    let (body, headers) = signed_viabtc(1_700_000_000_005);
    for v in [&a, &b] {
        let r = Received::new("POST", b"/v1/order", &body).with_header_block(v.scheme(), &headers).unwrap();
        assert_eq!(
            v.check(&r).unwrap(),
            Verdict::StaleNonce { key: b"k-1".to_vec(), nonce: 1_700_000_000_005, last: 1_700_000_000_199 }
        );
    }
    // Nonces above 2^53 are compared exactly.
    let (body, headers) = signed_viabtc(9_007_199_254_740_993);
    let r = Received::new("POST", b"/v1/order", &body).with_header_block(a.scheme(), &headers).unwrap();
    assert!(a.check(&r).unwrap().is_valid());
    let (body, headers) = signed_viabtc(9_007_199_254_740_992);
    let r = Received::new("POST", b"/v1/order", &body).with_header_block(b.scheme(), &headers).unwrap();
    assert!(matches!(b.check(&r).unwrap(), Verdict::StaleNonce { .. }), "2^53 after 2^53 + 1");

    // The hook for timestamp recipes: a signature is new once per window, across verifiers.
    let digest = [7u8; 32];
    let (ra, rb) = (a.redis_replay().unwrap(), b.redis_replay().unwrap());
    assert_eq!(ra.first_seen(&digest, Duration::from_millis(300)), Ok(true));
    assert_eq!(rb.first_seen(&digest, Duration::from_millis(300)), Ok(false));
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(rb.first_seen(&digest, Duration::from_millis(300)), Ok(true), "the window has passed");

    // Redis gone: the check is an error, not a verdict, and accepts nothing.
    drop(redis);
    let (body, headers) = signed_viabtc(1_800_000_000_000);
    let r = Received::new("POST", b"/v1/order", &body).with_header_block(a.scheme(), &headers).unwrap();
    assert!(matches!(a.check(&r), Err(Error::RedisUnavailable)), "{:?}", a.check(&r));
    let replay = RedisReplay::open("redis://127.0.0.1:1/0", None).unwrap();
    assert_eq!(replay.ping(), Err(Error::RedisUnavailable));
}

#[test]
fn a_source_made_before_fork_is_safe_in_parent_and_children() {
    if !available() {
        return;
    }
    // A preforking server (PHP-FPM, a Perl prefork) may make its source, and even draw, before it
    // forks: parent and children must not share the connection (they would read each other's
    // replies).
    let redis = RedisServer::start("fork", &[]);
    let source = RedisNonce::new(&redis.url(), KEY, NonceUnit::Micros).unwrap();
    let first = source.next().unwrap();
    let mut children = Vec::new();
    for n in 0..2 {
        let out = redis.dir().join(format!("fork-{n}"));
        // SAFETY: the child only draws from its own copy of `source`, writes a file and _exits.
        match unsafe { libc::fork() } {
            0 => {
                let values: Vec<String> =
                    (0..2_000).map(|_| source.next().map_or_else(|e| format!("{e:?}"), |v| v.to_string())).collect();
                std::fs::write(&out, values.join("\n")).unwrap();
                unsafe { libc::_exit(0) };
            }
            pid => children.push((pid, out)),
        }
    }
    let mut all: Vec<u64> = (0..2_000).map(|_| source.next().unwrap()).collect();
    for (pid, out) in children {
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        let text = std::fs::read_to_string(out).unwrap();
        all.extend(text.lines().map(|l| l.parse::<u64>().unwrap_or_else(|_| panic!("a child's draw failed: {l}"))));
    }
    assert!(all.iter().all(|&v| v > first));
    let distinct: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(distinct.len(), 6_000, "a value was handed out twice");
}

#[test]
fn verifiers_on_two_hosts_sharing_redis_accept_a_timestamped_request_once() {
    if !available() {
        return;
    }
    let redis = RedisServer::start("seen", &[]);
    let url = redis.url();
    let t = 1_700_000_000_000u64;
    let host = || {
        let v = Verifier::new("okx").unwrap().replay_redis(&url, None).unwrap().with_clock(move || t + 500);
        v.add_key_with_passphrase(b"key-1", b"secret-1", b"pp").unwrap();
        v
    };
    let (a, b) = (host(), host());
    let options =
        restsign::SignerOptions { passphrase: Some(zeroize::Zeroizing::new(b"pp".to_vec())), ..Default::default() };
    let signer =
        restsign::Signer::with_recipe(restsign::recipe::Recipe::preset("okx").unwrap(), b"key-1", b"secret-1", options)
            .unwrap();
    for i in 0..20 {
        let mut request = restsign::Request::new("POST", "/api/v5/trade/order");
        request.param("instId", "BTC-USDT").param("sz", format!("{i}")).time_ms(t);
        let sent = signer.sign_request(&request).unwrap();
        let target = sent.path_and_query();
        let mut incoming = restsign::verify::Incoming::new(&sent.method, &target, &sent.body);
        incoming.headers = sent.headers().collect();
        // Alternate which host sees it first: the other must call it a replay, and so must the first.
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        assert!(first.check_request(&incoming).unwrap().is_valid(), "request {i}");
        assert_eq!(second.check_request(&incoming).unwrap(), Verdict::Replayed { key: b"key-1".to_vec() });
        assert_eq!(first.check_request(&incoming).unwrap(), Verdict::Replayed { key: b"key-1".to_vec() });
    }
    // Each remembered request expires with its window (OKX: 30 s), so Redis does not fill up.
    let ttl: i64 = redis.cli(&["--scan", "--pattern", "restsign:seen:*"]).lines().count() as i64;
    assert_eq!(ttl, 20);
    let key = redis.cli(&["--scan", "--pattern", "restsign:seen:*"]).lines().next().unwrap().to_owned();
    let pttl: i64 = redis.cli(&["PTTL", &key]).trim().parse().unwrap();
    assert!(pttl > 0 && pttl <= 30_000, "PTTL {pttl}");
}
