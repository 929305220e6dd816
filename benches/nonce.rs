//! Nonce draws per source, uncontended and with two threads, and a whole request built and
//! signed (nonce + body + headers). `cargo bench --bench nonce`.

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

criterion_group!(benches, draws, whole_request);
criterion_main!(benches);
