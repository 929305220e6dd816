//! Nonce draws per source, uncontended and with two threads, and a whole request built and
//! signed (nonce + body + headers); draws through a real redis-server on loopback (started here,
//! 127.0.0.1, a free port) by 1 and 8 concurrent clients, beside the state file.
//! `cargo bench --bench nonce`.

#[cfg(feature = "redis")]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use criterion::{Criterion, criterion_group, criterion_main};
use restsign::nonce::{ClockNonce, FnNonce, NonceSource};
use restsign::recipe::NonceUnit;
use restsign::{Request, Signer};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Time per draw when two threads draw from `source` at once (wall time / total draws).
fn two_threads(source: Arc<dyn NonceSource>, iters: u64) -> Duration {
    let start = Instant::now();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let source = source.clone();
            std::thread::spawn(move || {
                for _ in 0..iters / 2 {
                    black_box(source.next().unwrap());
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().unwrap());
    start.elapsed()
}

fn sources() -> Vec<(&'static str, Arc<dyn NonceSource>)> {
    let dir = std::env::temp_dir().join(format!("restsign-bench-{}", std::process::id()));
    let file = ClockNonce::shared_file(&dir.join("state"), b"bench-key", NonceUnit::Micros).unwrap();
    let counter = Arc::new(AtomicU64::new(1));
    vec![
        ("memory", Arc::new(ClockNonce::in_memory(NonceUnit::Micros))),
        ("file", Arc::new(file)),
        ("callback", Arc::new(FnNonce::new(move || Ok(counter.fetch_add(1, Ordering::Relaxed))))),
    ]
}

fn draws(c: &mut Criterion) {
    let mut group = c.benchmark_group("nonce");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    for (name, source) in sources() {
        group.bench_function(format!("{name}/1-thread"), |b| b.iter(|| black_box(source.next().unwrap())));
        group
            .bench_function(format!("{name}/2-threads"), |b| b.iter_custom(|iters| two_threads(source.clone(), iters)));
    }
    group.finish();
}

/// Makes one client's nonce source.
type MakeSource = dyn Fn() -> Arc<dyn NonceSource>;

/// Wall time per draw when `clients` threads each draw from their own source (`make()`): with
/// Redis each has its own connection, as separate processes would.
fn concurrent_clients(make: &MakeSource, clients: u64, iters: u64) -> Duration {
    let sources: Vec<_> = (0..clients).map(|_| make()).collect();
    // Connected (one draw each) before the clock starts: the figure is per draw, not per connect.
    sources.iter().for_each(|s| {
        s.next().unwrap();
    });
    let start = Instant::now();
    let workers: Vec<_> = sources
        .into_iter()
        .map(|source| {
            std::thread::spawn(move || {
                for _ in 0..iters.div_ceil(clients) {
                    black_box(source.next().unwrap());
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().unwrap());
    start.elapsed()
}

/// Redis on loopback beside the state file: 1 client, and 8 clients drawing at once on one key.
#[cfg(feature = "redis")]
fn redis_draws(c: &mut Criterion) {
    if !redis_server::available() {
        return;
    }
    let redis = redis_server::RedisServer::start("bench", &["appendonly", "yes"]);
    let url = redis.url();
    let dir = std::env::temp_dir().join(format!("restsign-bench-clients-{}", std::process::id()));
    let path = dir.join("state");
    let file = move || -> Arc<dyn NonceSource> {
        Arc::new(ClockNonce::shared_file(&path, b"bench-key", NonceUnit::Micros).unwrap())
    };
    let tcp = {
        let url = url.clone();
        move || -> Arc<dyn NonceSource> {
            Arc::new(restsign::redis::RedisNonce::new(&url, b"bench-key", NonceUnit::Micros).unwrap())
        }
    };
    let socket = redis.socket();
    let unix = move || -> Arc<dyn NonceSource> {
        let url = format!("unix://{}", socket.display());
        Arc::new(restsign::redis::RedisNonce::new(&url, b"bench-key", NonceUnit::Micros).unwrap())
    };
    let mut group = c.benchmark_group("clients");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    let makers: [(&str, &MakeSource); 3] = [("file", &file), ("redis-tcp", &tcp), ("redis-unix", &unix)];
    for (name, make) in makers {
        for clients in [1, 8] {
            group.bench_function(format!("{name}/{clients}"), |b| {
                b.iter_custom(|iters| concurrent_clients(make, clients, iters))
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(not(feature = "redis"))]
fn redis_draws(_: &mut Criterion) {}

fn whole_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("request");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    let signer = Signer::new("poloniex", b"bench-key", &[0x5a; 64]).unwrap();
    let mut req = Request::new("POST", "/tradingApi");
    req.param("command", "returnCompleteBalances").param("account", "all");
    group.bench_function("poloniex/build+nonce+sign+headers", |b| {
        b.iter(|| black_box(signer.sign_request(&req).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, draws, whole_request, redis_draws);
criterion_main!(benches);
