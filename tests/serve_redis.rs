//! Two `restsign serve` instances sharing their replay state through a real Redis: every signed
//! request goes to both at once, one instance is killed (SIGKILL) halfway, and each request is
//! still accepted exactly once; replays are refused by both.
#![cfg(feature = "redis")]

#[path = "support/redis_server.rs"]
mod redis_server;

use redis_server::{RedisServer, available};
use restsign::{Request, Signer};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_restsign");

struct Serve {
    child: Child,
    port: u16,
}

impl Serve {
    fn start(redis_url: &str) -> Serve {
        let mut child = Command::new(BIN)
            .args(["serve", "--scheme", "viabtc", "--port", "0", "--key", "desk", "--secret", "desk-secret"])
            .args(["--replay-redis", redis_url])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("listening on 127.0.0.1:").unwrap_or_else(|| panic!("first line {line:?}"));
        Serve { child, port: port.parse().unwrap() }
    }

    fn connect(&self) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// The response's HTTP status and JSON body; `None` if the server is gone.
    fn send(&mut self, raw: &[u8]) -> Option<(u16, Value)> {
        self.stream.write_all(raw).ok()?;
        let mut status_line = String::new();
        if self.reader.read_line(&mut status_line).ok()? == 0 {
            return None;
        }
        let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok()?;
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).ok()?;
        Some((status, serde_json::from_slice(&body).ok()?))
    }
}

fn http_bytes(signed: &restsign::SignedRequest) -> Vec<u8> {
    let mut raw = format!("{} ", signed.method).into_bytes();
    raw.extend_from_slice(&signed.path_and_query());
    raw.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    raw.extend_from_slice(&signed.header_block);
    raw.extend_from_slice(format!("Content-Length: {}\r\n\r\n", signed.body.len()).as_bytes());
    raw.extend_from_slice(&signed.body);
    raw
}

fn accepted(reply: &Option<(u16, Value)>) -> bool {
    matches!(reply, Some((200, body)) if body["code"] == 0)
}

fn refused_as_replay(reply: &Option<(u16, Value)>) -> bool {
    // ViaBTC's own answer to a stale nonce.
    matches!(reply, Some((401, body)) if body["code"] == 227)
}

#[test]
fn two_servers_sharing_redis_accept_each_request_once_even_when_one_is_killed() {
    if !available() {
        return;
    }
    let redis = RedisServer::start("serve", &[]);
    let url = redis.url();
    let (mut a, b) = (Serve::start(&url), Serve::start(&url));
    let (mut to_a, mut to_b) = (a.connect(), b.connect());
    let signer = Signer::new("viabtc", b"desk", b"desk-secret").unwrap();
    const REQUESTS: usize = 300;
    let mut sent = Vec::new();
    let mut a_dead = false;
    for i in 0..REQUESTS {
        if i == REQUESTS / 2 {
            a.child.kill().unwrap();
            a.child.wait().unwrap();
            a_dead = true;
        }
        let mut request = Request::new("POST", "/v1/order");
        request.param("n", i.to_string());
        let raw = http_bytes(&signer.sign_request(&request).unwrap());
        // Both at once.
        let (ra, rb) = std::thread::scope(|s| {
            let ha = s.spawn(|| to_a.send(&raw));
            let hb = s.spawn(|| to_b.send(&raw));
            (ha.join().unwrap(), hb.join().unwrap())
        });
        let wins = [&ra, &rb].iter().filter(|r| accepted(r)).count();
        assert_eq!(wins, 1, "request {i}: {ra:?} / {rb:?}");
        if a_dead {
            assert!(ra.is_none(), "the killed server answered: {ra:?}");
        } else {
            assert!(refused_as_replay(&ra) || refused_as_replay(&rb), "request {i}: the loser must see a replay");
        }
        sent.push(raw);
    }
    // A restarted instance and the survivor both refuse every request sent again.
    let a2 = Serve::start(&url);
    let (mut to_a2, mut to_b) = (a2.connect(), b.connect());
    for (i, raw) in sent.iter().enumerate() {
        assert!(refused_as_replay(&to_a2.send(raw)), "replay {i} to the restarted server");
        assert!(refused_as_replay(&to_b.send(raw)), "replay {i} to the survivor");
    }
    drop(a);
}

#[test]
fn replay_redis_that_cannot_be_reached_stops_serve_at_start() {
    if !available() {
        return;
    }
    let port = redis_server::free_port();
    let out = Command::new(BIN)
        .args(["serve", "--scheme", "viabtc", "--port", "0", "--key", "k", "--secret", "s"])
        .args(["--replay-redis", &format!("redis://:pw@127.0.0.1:{port}/0")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("unreachable") && !err.contains("pw@"), "{err}");
}

#[test]
fn sign_draws_from_redis_and_verify_records_in_redis() {
    if !available() {
        return;
    }
    let redis = RedisServer::start("cli", &[]);
    let url = redis.url();
    let sign = || {
        let out = Command::new(BIN)
            .args(["sign", "--scheme", "viabtc", "--key", "desk", "--secret", "desk-secret", "--path", "/v1/order"])
            .args(["--param", "a=1", "--format", "json", "--nonce-redis", &url])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let (first, second) = (sign(), sign());
    let (n1, n2) = (first["nonce"].as_u64().unwrap(), second["nonce"].as_u64().unwrap());
    assert!(n2 > n1, "{n1} then {n2}");
    // The counter in Redis (read with redis-cli) is the last nonce handed out.
    let name = restsign::redis::nonce_key_name("restsign:", b"desk");
    assert_eq!(redis.cli(&["HGET", &name, "last"]), n2.to_string());

    let verify = |signed: &Value| {
        let mut cmd = Command::new(BIN);
        cmd.args(["verify", "--scheme", "viabtc", "--key", "desk", "--secret", "desk-secret", "--path", "/v1/order"]);
        cmd.args(["--body", signed["body"].as_str().unwrap(), "--replay-redis", &url]);
        for h in signed["headers"].as_array().unwrap() {
            cmd.args(["--header", &format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap())]);
        }
        cmd.output().unwrap().status.code()
    };
    // Each `verify` is its own process: only Redis can tell the second run about the first.
    assert_eq!(verify(&second), Some(0));
    assert_eq!(verify(&second), Some(1), "a replay");
    assert_eq!(verify(&first), Some(1), "an older nonce");

    let out = Command::new(BIN)
        .args(["sign", "--scheme", "viabtc", "--key", "desk", "--secret", "x", "--path", "/"])
        .args(["--nonce-redis", &format!("redis://127.0.0.1:{}/0", redis_server::free_port())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "Redis down is a runtime error, and no request is printed");
    assert!(out.stdout.is_empty());
}
