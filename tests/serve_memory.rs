//! `restsign serve` under a flood of large bodies: 1,000 connections each send 900 KB of a 1 MB
//! body and hold. The server must stay within its memory budget while they are held (RSS under
//! 128 MiB), answer a valid client throughout, and give the memory back after they close (RSS under
//! 64 MiB within a few seconds). RSS is read from the server's /proc/PID/status. Loopback only.

use restsign::nonce::ClockNonce;
use restsign::{Request, Signer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_restsign");
const CONNECTIONS: usize = 1_000;
const DECLARED: usize = 1 << 20;
const SENT: usize = 900 * 1000;
const MIB: u64 = 1 << 20;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// The open-file limit raised for the flood: the soft limit to the hard one, and the hard one to
/// 4096 if it is lower (which root may do). The server raises its own soft limit.
fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain getrlimit/setrlimit on a local struct.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_max = limit.rlim_max.max(4096);
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    limit.rlim_cur
}

/// One valid signed request on a new connection; its HTTP status.
fn valid_request(port: u16, signer: &Signer) -> u16 {
    let mut request = Request::new("POST", "/tradingApi");
    request.param("command", "returnBalances");
    let signed = signer.sign_request(&request).unwrap();
    let mut raw = format!("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", String::from_utf8_lossy(&signed.path_and_query()))
        .into_bytes();
    raw.extend_from_slice(&signed.header_block);
    raw.extend_from_slice(format!("Content-Length: {}\r\nConnection: close\r\n\r\n", signed.body.len()).as_bytes());
    raw.extend_from_slice(&signed.body);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(&raw).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(status != 200 || text.contains("\"key\":\"flood-key\""), "a 200 that is not the exchange's answer: {text}");
    status
}

#[test]
fn a_thousand_large_bodies_stay_within_budget_and_memory_comes_back() {
    let fds = raise_fd_limit();
    assert!(fds >= 2 * CONNECTIONS as u64 + 100, "needs an open-file hard limit of at least 2,100 (have {fds})");
    let (key, secret) = ("flood-key", "flood-secret");
    let mut child = Command::new(BIN)
        .args(["serve", "--scheme", "poloniex", "--port", "0", "--threads", "2", "--key", key, "--secret", secret])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("listening on 127.0.0.1:").unwrap().parse().unwrap();
    let server = Server(child);
    let pid = server.0.id();
    let idle = rss(pid);

    // A client drawing its own nonces (this test is its only process).
    let signer = Signer::new("poloniex", key.as_bytes(), secret.as_bytes())
        .unwrap()
        .with_nonce_source(Arc::new(ClockNonce::in_memory(restsign::recipe::NonceUnit::Millis)));
    assert_eq!(valid_request(port, &signer), 200);

    // The flood: each connection sends a head declaring 1 MB and 900 KB of it, then holds.
    let head = format!(
        "POST /tradingApi HTTP/1.1\r\nHost: 127.0.0.1\r\nKey: {key}\r\nSign: 00\r\nContent-Length: {DECLARED}\r\n\r\n"
    );
    let chunk = vec![b'a'; 64 * 1024];
    let sent_all = Arc::new(AtomicUsize::new(0));
    let flooders: Vec<_> = (0..8)
        .map(|t| {
            let (head, chunk, sent_all) = (head.clone(), chunk.clone(), sent_all.clone());
            std::thread::spawn(move || {
                let mut held = Vec::new();
                for _ in (t..CONNECTIONS).step_by(8) {
                    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { continue };
                    stream.set_write_timeout(Some(Duration::from_millis(300))).unwrap();
                    let mut ok = stream.write_all(head.as_bytes()).is_ok();
                    let mut sent = 0;
                    while ok && sent < SENT {
                        let n = chunk.len().min(SENT - sent);
                        ok = stream.write_all(&chunk[..n]).is_ok();
                        sent += n;
                    }
                    if ok {
                        sent_all.fetch_add(1, Ordering::Relaxed);
                    }
                    held.push(stream);
                }
                held
            })
        })
        .collect();

    // While they are sent and held: sample RSS, and a valid client is answered every time.
    let mut peak = idle;
    let mut answered = 0;
    let start = Instant::now();
    let mut held = Vec::new();
    let mut pending = flooders;
    while !pending.is_empty() || start.elapsed() < Duration::from_secs(4) {
        peak = peak.max(rss(pid));
        assert_eq!(valid_request(port, &signer), 200, "a valid client was not answered during the flood");
        answered += 1;
        let (done, running): (Vec<_>, Vec<_>) = pending.into_iter().partition(|h| h.is_finished());
        held.extend(done.into_iter().flat_map(|h| h.join().unwrap()));
        pending = running;
        std::thread::sleep(Duration::from_millis(100));
    }
    peak = peak.max(rss(pid));
    let connections = held.len();
    let whole = sent_all.load(Ordering::Relaxed);
    drop(held);

    // Memory comes back once they are gone.
    let closed = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let after = rss(pid);
    assert_eq!(valid_request(port, &signer), 200, "a valid client after the flood");
    eprintln!(
        "serve RSS: idle {} KiB, peak {} KiB while {connections} connections were open ({whole} sent all 900 KB), \
         {} KiB {:.1} s after they closed; valid requests answered during the flood: {answered}",
        idle / 1024,
        peak / 1024,
        after / 1024,
        closed.elapsed().as_secs_f64()
    );
    assert_eq!(connections, CONNECTIONS, "every flood connection was accepted by the kernel");
    assert!(peak < 128 * MIB, "RSS peaked at {} MiB while the flood was held", peak / MIB);
    assert!(after < 64 * MIB, "RSS still {} MiB after the flood closed", after / MIB);
}
