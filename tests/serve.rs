//! The `restsign` command end to end: `serve` on real sockets (concurrent clients, replays,
//! malformed HTTP, oversized bodies, signals), `sign --format curl` run by the real curl, and
//! `verify`'s exit codes.

use restsign::{Request, Signer};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_restsign");

/// A scratch directory, removed when dropped (declare it before the servers that log into it).
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("restsign-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A key and secret of the right shape for `scheme`.
fn credential(scheme: &str) -> (&'static str, &'static str) {
    match scheme {
        "mtgox-stream" => ("12345678-abcd-1234-abcd-50286e649d5c", "c2VjcmV0LWZvci1zdHJlYW0tdGVzdHM="),
        s if s.starts_with("mtgox") => ("mtgox-key-0001", "bXRnb3ggc2VjcmV0IGJ5dGVz"),
        _ => ("key-0001", "a secret with spaces & 'quotes'"),
    }
}

/// A running `restsign serve`, killed on drop if still alive.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(scheme: &str, keys: &[(&str, &str)], dir: &std::path::Path) -> Server {
        let log = dir.join(format!("serve-{scheme}.log"));
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--scheme", scheme, "--port", "0", "--threads", "6"]);
        for (key, secret) in keys {
            cmd.args(["--key", key, "--secret", secret]);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("listening on 127.0.0.1:").unwrap_or_else(|| panic!("first line {line:?}"));
        Server { child, port: port.parse().unwrap(), log }
    }

    fn connect(&self) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    fn signal(&self, signal: i32) {
        // SAFETY: plain kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits up to 5 s for the server to exit; its exit status.
    fn wait(&mut self) -> std::process::ExitStatus {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < until, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection; responses are read by their Content-Length.
struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn send(&mut self, raw: &[u8]) -> (u16, Value) {
        self.stream.write_all(raw).unwrap();
        self.response()
    }

    fn response(&mut self) -> (u16, Value) {
        let (status, _, body) = self.raw_response();
        (
            status,
            serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&body))),
        )
    }

    /// Status, headers (names in lower case) and body of the next response.
    fn raw_response(&mut self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status: u16 =
            status_line.split(' ').nth(1).unwrap_or_else(|| panic!("status line {status_line:?}")).parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, headers, body)
    }
}

/// The raw HTTP/1.1 bytes of a signed request.
fn http_bytes(signed: &restsign::SignedRequest) -> Vec<u8> {
    let mut raw = format!("{} ", signed.method).into_bytes();
    raw.extend_from_slice(&signed.path_and_query());
    raw.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    raw.extend_from_slice(&signed.header_block);
    raw.extend_from_slice(format!("Content-Length: {}\r\n\r\n", signed.body.len()).as_bytes());
    raw.extend_from_slice(&signed.body);
    raw
}

#[test]
fn four_clients_500_requests_each_all_accepted_and_every_replay_refused() {
    let dir = temp_dir("load");
    // One key per client: a key's nonces must arrive in order, and four clients sharing one key
    // would race each other (every one of these APIs says to wait for a call before the next).
    let keys: Vec<(String, String)> = (0..4).map(|i| (format!("client-{i}"), format!("secret-{i}"))).collect();
    let pairs: Vec<(&str, &str)> = keys.iter().map(|(k, s)| (k.as_str(), s.as_str())).collect();
    let server = Server::start("viabtc", &pairs, &dir);
    let started = Instant::now();
    let clients: Vec<_> = keys
        .iter()
        .cloned()
        .map(|(key, secret)| {
            let mut client = server.connect();
            std::thread::spawn(move || {
                let signer = Signer::new("viabtc", key.as_bytes(), secret.as_bytes()).unwrap();
                let mut sent = Vec::new();
                for i in 0..500 {
                    // GET (signed query string) and POST (signed JSON body) in turn.
                    let mut request = Request::new(if i % 2 == 0 { "GET" } else { "POST" }, "/res/openapi/v1/hashrate");
                    request.param("coin", "BTC").param("n", i.to_string());
                    let raw = http_bytes(&signer.sign_request(&request).unwrap());
                    let (status, body) = client.send(&raw);
                    assert_eq!((status, &body["code"]), (200, &Value::from(0)), "{body}");
                    assert_eq!(body["data"]["key"], key.as_str());
                    sent.push(raw);
                }
                sent
            })
        })
        .collect();
    let sent: Vec<Vec<u8>> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    assert_eq!(sent.len(), 2000);
    let load_time = started.elapsed();

    // Every one of the 2000 requests, sent again, is a replay.
    let replayers: Vec<_> = sent
        .chunks(500)
        .map(|chunk| {
            let (chunk, mut client) = (chunk.to_vec(), server.connect());
            std::thread::spawn(move || {
                for raw in chunk {
                    let (status, body) = client.send(&raw);
                    assert_eq!((status, &body["code"]), (401, &Value::from(227)), "{body}");
                }
            })
        })
        .collect();
    replayers.into_iter().for_each(|r| r.join().unwrap());
    eprintln!("2000 signed requests over 4 connections in {load_time:?}; 2000 replays refused");
    assert_eq!(server.log().matches("stale nonce").count(), 2000);
}

#[test]
fn malformed_http_and_oversized_bodies_are_answered_and_serving_goes_on() {
    let dir = temp_dir("malformed");
    let (key, secret) = credential("poloniex");
    let server = Server::start("poloniex", &[(key, secret)], &dir);
    // A request the exchange refuses gets its answer in the exchange's style, and the server
    // closes that connection (nothing else is answered on it).
    let answer = |raw: &[u8]| {
        let mut client = server.connect();
        let (status, body) = client.send(raw);
        // Errors are in Poloniex's own style.
        assert!(body["error"].is_string(), "{body}");
        let mut rest = Vec::new();
        client.reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
        status
    };
    // A head that is not HTTP never reaches the exchange: hyper answers it with an empty error
    // response and closes the connection.
    let bare_answer = |raw: &[u8]| {
        let mut client = server.connect();
        client.stream.write_all(raw).unwrap();
        let (status, headers, body) = client.raw_response();
        assert!(body.is_empty(), "{:?}", String::from_utf8_lossy(&body));
        assert!(headers.contains(&("connection".into(), "close".into())), "{headers:?}");
        let mut rest = Vec::new();
        client.reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
        status
    };
    assert_eq!(bare_answer(b"GARBAGE\r\n\r\n"), 400);
    assert_eq!(bare_answer(b"\x00\xff\xfe\x16\x03\x01 binary \x80\r\n\r\n"), 400);
    assert_eq!(bare_answer(b"POST / HTTP/1.1\r\nno colon here\r\n\r\n"), 400);
    assert_eq!(bare_answer(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), 400);
    // Too many digits for a length is an invalid Content-Length.
    assert_eq!(bare_answer(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 400);
    // RFC 9112 6.1: a request whose last transfer coding is not chunked gets 400.
    assert_eq!(bare_answer(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
    let mut huge_head = b"GET / HTTP/1.1\r\nX: ".to_vec();
    huge_head.resize(64 * 1024, b'a');
    assert_eq!(bare_answer(&huge_head), 431);
    assert_eq!(answer(b"POST / HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\n"), 413);
    // Refused at once, without inviting the body with 100 Continue first.
    assert_eq!(answer(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2097152\r\n\r\n"), 413);

    // A 2 MiB body actually sent (by a writer thread, as the server answers before reading it).
    let mut client = server.connect();
    let mut writer = client.stream.try_clone().unwrap();
    let pusher = std::thread::spawn(move || {
        let _ = writer.write_all(b"POST /tradingApi HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n");
        let _ = writer.write_all(&vec![b'a'; 2 << 20]); // may fail once the server has closed
    });
    let (status, body) = client.response();
    assert_eq!(status, 413, "{body}");
    pusher.join().unwrap();
    // Same for a chunked body that grows past the limit.
    let mut client = server.connect();
    let mut chunked = b"POST /tradingApi HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
        chunked.extend_from_slice(&[b'b'; 64 * 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    let mut writer = client.stream.try_clone().unwrap();
    let pusher = std::thread::spawn(move || {
        let _ = writer.write_all(&chunked);
    });
    assert_eq!(client.response().0, 413);
    pusher.join().unwrap();

    // Still serving: a signed request (chunked, to exercise that path) is accepted, and a forged
    // one is refused with the exchange's message while the log shows what was expected.
    let signer = Signer::new("poloniex", key.as_bytes(), secret.as_bytes()).unwrap();
    let mut request = Request::new("POST", "/tradingApi");
    request.param("command", "returnBalances");
    let signed = signer.sign_request(&request).unwrap();
    let mut raw = b"POST /tradingApi HTTP/1.1\r\nTransfer-Encoding: chunked\r\n".to_vec();
    raw.extend_from_slice(&signed.header_block);
    raw.extend_from_slice(format!("\r\n{:x}\r\n", signed.body.len()).as_bytes());
    raw.extend_from_slice(&signed.body);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    let mut client = server.connect();
    let (status, body) = client.send(&raw);
    assert_eq!((status, body["key"].as_str()), (200, Some(key)), "{body}");
    let mut forged = signed.clone();
    forged.body = b"command=withdraw&nonce=99999999999999".to_vec();
    let (status, body) = client.send(&http_bytes(&forged));
    assert_eq!((status, body["error"].as_str()), (401, Some("Invalid API key/secret pair.")));
    let (status, body) = client.send(&http_bytes(&signed));
    let want = format!("Nonce must be greater than {n}. You provided {n}.", n = signed.nonce.unwrap());
    assert_eq!((status, body["error"].as_str()), (401, Some(want.as_str())));
    let log = server.log();
    assert!(
        log.contains(
            "invalid signature for key key-0001\n  expected message:   \"command=withdraw&nonce=99999999999999\""
        ),
        "{log}"
    );

    // Content-Length and Transfer-Encoding together (request smuggling), in either order: the
    // body is framed by the chunked coding alone (the signature covers the chunked body, not the
    // 3 bytes Content-Length claims), and the connection closes after the answer, so a request
    // pipelined behind it is never served.
    for lengths in
        ["Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"]
    {
        let signed = signer.sign_request(&request).unwrap();
        let mut raw = format!("POST /tradingApi HTTP/1.1\r\n{lengths}").into_bytes();
        raw.extend_from_slice(&signed.header_block);
        raw.extend_from_slice(format!("\r\n{:x}\r\n", signed.body.len()).as_bytes());
        raw.extend_from_slice(&signed.body);
        raw.extend_from_slice(b"\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n");
        let mut client = server.connect();
        let (status, body) = client.send(&raw);
        assert_eq!((status, body["key"].as_str()), (200, Some(key)), "{lengths}: {body}");
        let mut rest = Vec::new();
        client.reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    }
    assert!(!server.log().contains("/smuggled"));
}

/// Parses a `curl` command's JSON answer.
fn run_sh(command: &[u8]) -> Value {
    let out =
        Command::new("sh").arg("-c").arg(std::ffi::OsStr::new(std::str::from_utf8(command).unwrap())).output().unwrap();
    assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn sign_format_curl_is_accepted_by_serve_for_every_scheme() {
    let dir = temp_dir("curl");
    let cases: [(&str, &str, &str, &[&str]); 9] = [
        ("apiauth", "GET", "/api/wallet/", &["foo=bar baz", "q='quoted'"]),
        ("apiauth", "POST", "/api/wallet-send/", &["address=1abc", "amount=0.1"]),
        ("poloniex", "POST", "/tradingApi", &["command=returnBalances"]),
        ("mtgox-v1", "POST", "/api/1/generic/private/info", &["a=it's"]),
        ("mtgox-v2", "POST", "/api/2/BTCUSD/money/info", &["currency=€"]),
        ("mtgox-stream", "POST", "/stream", &["call=private/info", "item=BTC"]),
        ("coinpayments", "POST", "/api.php", &["version=1", "cmd=rates", "key=key-0001", "format=json"]),
        ("viabtc", "GET", "/res/openapi/v1/hashrate", &["coin=BTC", "amount=1.0"]),
        ("viabtc", "POST", "/res/openapi/v1/hashrate", &["coin=BTC", "note=a \"b\" 'c'"]),
    ];
    for (scheme, method, path, params) in cases {
        let (key, secret) = credential(scheme);
        let server = Server::start(scheme, &[(key, secret)], &dir);
        let mut sign = Command::new(BIN);
        sign.args([
            "sign",
            "--scheme",
            scheme,
            "--key",
            key,
            "--secret-env",
            "RS_SECRET",
            "--method",
            method,
            "--path",
            path,
        ]);
        sign.args(["--format", "curl", "--base-url", &format!("http://127.0.0.1:{}", server.port)]);
        // A nonce state file belongs to one key and unit.
        sign.arg("--nonce-file").arg(dir.join(format!("nonces-{scheme}"))).env("RS_SECRET", secret);
        for p in params {
            sign.args(["--param", p]);
        }
        let out = sign.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.starts_with(b"curl "), "{}", String::from_utf8_lossy(&out.stdout));
        let answer = run_sh(&out.stdout);
        let ok = match scheme {
            "apiauth" => answer["data"]["key"] == key,
            "poloniex" => answer["key"] == key,
            "coinpayments" => answer["error"] == "ok",
            "viabtc" => answer["code"] == 0,
            _ => answer["result"] == "success" && answer["return"]["key"] == key,
        };
        assert!(ok, "{scheme} {method}: {answer}\n{}", server.log());
        // The same command again is a replay.
        let again = run_sh(&out.stdout);
        let refused = match scheme {
            "apiauth" => again["error"]["error_code"] == 42,
            "poloniex" => again["error"].as_str().is_some_and(|e| e.starts_with("Nonce must be greater than")),
            "coinpayments" => again["error"] != "ok",
            "viabtc" => again["code"] == 227,
            _ => again["result"] == "error",
        };
        assert!(refused, "{scheme} {method} replay: {again}");
    }
}

#[test]
fn sigterm_and_sigint_stop_the_server_cleanly() {
    let dir = temp_dir("signals");
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let (key, secret) = credential("mtgox-v1");
        let mut server = Server::start("mtgox-v1", &[(key, secret)], &dir);
        // An idle keep-alive connection must not hold the shutdown up.
        let mut idle = server.connect();
        let (status, body) = idle.send(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!((status, body["result"].as_str()), (400, Some("error")), "{body}");
        let _open = server.connect();
        server.signal(signal);
        let status = server.wait();
        assert_eq!(status.code(), Some(0), "signal {signal}");
        assert!(server.log().contains("stopped"));
    }
}

#[test]
fn verify_command_exit_codes_and_report() {
    let (key, secret) = credential("mtgox-v2");
    let sign = Command::new(BIN)
        .args(["sign", "--scheme", "mtgox-v2", "--key", key, "--secret", secret, "--path", "/api/2/BTCUSD/money/info"])
        .args(["--param", "a=1", "--nonce", "42", "--format", "json"])
        .output()
        .unwrap();
    assert!(sign.status.success());
    let signed: Value = serde_json::from_slice(&sign.stdout).unwrap();
    let body = signed["body"].as_str().unwrap();
    assert_eq!(body, "a=1&nonce=42");
    let header = |name: &str| {
        let h = signed["headers"].as_array().unwrap().iter().find(|h| h[0] == name).unwrap();
        format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap())
    };
    let verify = |body: &str| {
        Command::new(BIN)
            .args([
                "verify",
                "--scheme",
                "mtgox-v2",
                "--key",
                key,
                "--secret",
                secret,
                "--path",
                "/api/2/BTCUSD/money/info",
            ])
            .args(["--header", &header("Rest-Key"), "--header", &header("Rest-Sign"), "--body", body])
            .output()
            .unwrap()
    };
    let ok = verify(body);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    assert_eq!(String::from_utf8(ok.stdout).unwrap().trim(), "valid: key mtgox-key-0001, nonce 42");
    let bad = verify("a=2&nonce=42");
    assert_eq!(bad.status.code(), Some(1));
    let report = String::from_utf8(bad.stdout).unwrap();
    assert!(report.contains("expected message:   \"BTCUSD/money/info\\x00a=2&nonce=42\""), "{report}");
    assert!(report.contains("expected signature: "), "{report}");

    let usage =
        Command::new(BIN).args(["verify", "--scheme", "mtgox-v2", "--key", key, "--path", "/x"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2), "no secret is a usage error");
    let bad_secret = Command::new(BIN)
        .args(["sign", "--scheme", "mtgox-v1", "--key", "k", "--secret", "not base64!", "--path", "/x"])
        .output()
        .unwrap();
    assert_eq!(bad_secret.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_secret.stderr).contains("base64"));
    let missing = Command::new(BIN)
        .args(["sign", "--scheme", "poloniex", "--key", "k", "--secret-file", "/nonexistent/secret", "--path", "/x"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
    for sub in
        [&["--help"][..], &["sign", "--help"], &["verify", "--help"], &["serve", "--help"], &["schemes", "--help"]]
    {
        let out = Command::new(BIN).args(sub).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{sub:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"), "{sub:?}");
    }
}
