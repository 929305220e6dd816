//! `restsign serve`: a local exchange on 127.0.0.1 that verifies every request and answers in the
//! exchange's own JSON dialect.

use crate::http;
use crate::{Failure, ServeArgs, usage};
use restsign::Counter;
use restsign::recipe::{KeyFormat, Recipe};
use restsign::verify::{Received, Verdict, Verifier};
use serde_json::{Value, json};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode, Failure> {
    let scheme = args.recipe.load()?;
    let secrets = zeroize::Zeroizing::new(args.secrets.read()?);
    if secrets.len() != args.keys.len() {
        return Err(usage(format!("{} keys but {} secrets: give one secret per key", args.keys.len(), secrets.len())));
    }
    // MtGox served API 1 and API 2 side by side, and so does the local exchange: paths under
    // /api/2/ are checked as mtgox-v2, all others as mtgox-v1, whichever of the two was named.
    let routes = match scheme.name.as_str() {
        "mtgox-v1" | "mtgox-v2" => vec![
            (Some("/api/2/"), verifier_for(preset("mtgox-v2"), &args, &secrets)?),
            (None, verifier_for(preset("mtgox-v1"), &args, &secrets)?),
        ],
        _ => vec![(None, verifier_for(scheme.clone(), &args, &secrets)?)],
    };
    drop(secrets);

    // Loopback only: this is a test exchange, never a public one.
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .map_err(|e| Failure::Runtime(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    let addr = listener.local_addr().map_err(|e| Failure::Runtime(e.to_string()))?;

    let limits = http::Limits {
        max_head: 16 * 1024,
        max_body: args.max_body,
        header: Duration::from_secs(10),
        body: Duration::from_secs(10),
        max_connections: args.max_connections as usize,
        max_buffered: args.max_buffered,
    };
    let exchange = Arc::new(Exchange { routes, style: Style::of(&scheme) });
    // Signals are caught from here on, so a client that sees the line below can stop us cleanly.
    let server = http::Server::new(listener, usize::from(args.threads), limits, exchange)
        .map_err(|e| Failure::Runtime(format!("cannot start the server: {e}")))?;
    println!("listening on {addr}");
    std::io::stdout().flush().map_err(|e| Failure::Runtime(format!("stdout: {e}")))?;
    server.run().map_err(|e| Failure::Runtime(format!("serving on {addr}: {e}")))?;
    eprintln!("restsign serve: stopped");
    Ok(ExitCode::SUCCESS)
}

fn preset(name: &str) -> Arc<Recipe> {
    Recipe::preset(name).expect("a built-in scheme")
}

/// A verifier for `scheme` knowing every key of `args`, with the replay state `args` asks for.
fn verifier_for(scheme: Arc<Recipe>, args: &ServeArgs, secrets: &[Vec<u8>]) -> Result<Verifier, Failure> {
    let mut verifier = Verifier::with_recipe(scheme.clone()).map_err(usage)?;
    if let Some(url) = &args.replay_redis {
        verifier = crate::with_redis_replay(verifier, url)?;
    }
    if let Some(dir) = &args.state_dir {
        verifier = verifier
            .shared_state(dir)
            .map_err(|e| Failure::Runtime(format!("replay state in {}: {e}", dir.display())))?;
    }
    for (key, secret) in args.keys.iter().zip(secrets) {
        let added = match &args.state_file {
            Some(_) if args.keys.len() > 1 => {
                return Err(usage(format!(
                    "--state-file holds one key's state; use --state-dir for {} keys",
                    args.keys.len()
                )));
            }
            Some(path) => Counter::open_file(path, &verifier_key(&scheme, key), scheme.nonce_unit)
                .map_err(|e| Failure::Runtime(format!("state file {}: {e}", path.display())))
                .and_then(|c| verifier.add_key_with_counter(key.as_bytes(), secret, c).map_err(usage)),
            None => verifier.add_key(key.as_bytes(), secret).map_err(|e| match e {
                restsign::Error::NonceStateIo { .. }
                | restsign::Error::NonceStateCorrupt
                | restsign::Error::NonceStateForeign
                | restsign::Error::NonceStateTruncated => {
                    let path = verifier.state_path(key.as_bytes()).unwrap_or_default();
                    Failure::Runtime(format!("replay state {}: {e}", path.display()))
                }
                e => usage(format!("key {key:?}: {e}")),
            }),
        };
        added?;
    }
    Ok(verifier)
}

/// The key as the verifier files it (UUIDs in lower case), for naming its state file.
fn verifier_key(scheme: &Recipe, key: &str) -> Vec<u8> {
    match scheme.key {
        KeyFormat::Uuid => key.to_ascii_lowercase().into_bytes(),
        KeyFormat::Text => key.as_bytes().to_vec(),
    }
}

/// The JSON dialect of the exchange being imitated.
#[derive(Clone, Copy)]
enum Style {
    /// `{"result":"success","return":…}` / `{"result":"error","error":"…"}`
    MtGox,
    /// The data itself / `{"error":"…"}`
    Poloniex,
    /// `{"error":"ok","result":…}` / `{"error":"…","result":[]}`
    CoinPayments,
    /// `{"code":0,"data":…,"message":"OK"}` / `{"code":N,"data":{},"message":"…"}` (CoinEx-family codes)
    ViaBtc,
    /// LocalBitcoins: `{"data":…}` / `{"error":{"message":"…","error_code":N}}`
    LocalBitcoins,
}

/// Why a request was refused, in terms every dialect can express.
enum Refusal {
    BadSignature,
    StaleNonce {
        nonce: u64,
        last: u64,
    },
    UnknownKey,
    Malformed(String),
    /// A protocol error (bad HTTP, too large, timeout) with its HTTP status.
    Http(u16, String),
    Internal(String),
}

impl Style {
    fn of(scheme: &Recipe) -> Style {
        match scheme.name.as_str() {
            "apiauth" => Style::LocalBitcoins,
            "poloniex" => Style::Poloniex,
            "coinpayments" => Style::CoinPayments,
            "viabtc" => Style::ViaBtc,
            _ => Style::MtGox,
        }
    }

    fn success(self, data: Value) -> http::Response {
        let body = match self {
            Style::MtGox => json!({"result": "success", "return": data}),
            Style::Poloniex => data,
            Style::CoinPayments => json!({"error": "ok", "result": data}),
            Style::ViaBtc => json!({"code": 0, "data": data, "message": "OK"}),
            Style::LocalBitcoins => json!({"data": data}),
        };
        http::Response { status: 200, body: body.to_string().into_bytes() }
    }

    fn refusal(self, why: &Refusal) -> http::Response {
        let status = match why {
            Refusal::BadSignature | Refusal::StaleNonce { .. } | Refusal::UnknownKey => 401,
            Refusal::Malformed(_) => 400,
            Refusal::Http(status, _) => *status,
            Refusal::Internal(_) => 500,
        };
        let message = match (self, why) {
            (Style::Poloniex, Refusal::BadSignature | Refusal::UnknownKey) => "Invalid API key/secret pair.".to_owned(),
            (Style::Poloniex, Refusal::StaleNonce { nonce, last }) => {
                format!("Nonce must be greater than {last}. You provided {nonce}.")
            }
            (Style::CoinPayments, Refusal::BadSignature) => "HMAC signature does not match".to_owned(),
            (Style::LocalBitcoins, Refusal::BadSignature) => "HMAC signature is invalid.".to_owned(),
            (_, Refusal::BadSignature) => "Invalid signature".to_owned(),
            (_, Refusal::StaleNonce { nonce, last }) => {
                format!("Nonce {nonce} is too small: it must be greater than {last}")
            }
            (_, Refusal::UnknownKey) => "Unknown API key".to_owned(),
            (_, Refusal::Malformed(m) | Refusal::Http(_, m) | Refusal::Internal(m)) => m.clone(),
        };
        let body = match self {
            Style::MtGox => json!({"result": "error", "error": message}),
            Style::Poloniex => json!({"error": message}),
            Style::CoinPayments => json!({"error": message, "result": []}),
            Style::ViaBtc => {
                let code = match why {
                    Refusal::BadSignature => 25,
                    Refusal::UnknownKey => 24,
                    Refusal::StaleNonce { .. } => 227,
                    Refusal::Malformed(_) | Refusal::Http(..) => 2,
                    Refusal::Internal(_) => 1,
                };
                json!({"code": code, "data": {}, "message": message})
            }
            Style::LocalBitcoins => {
                let code = match why {
                    Refusal::BadSignature => 41,
                    Refusal::StaleNonce { .. } => 42,
                    Refusal::UnknownKey | Refusal::Malformed(_) => 40,
                    Refusal::Http(..) | Refusal::Internal(_) => 1,
                };
                json!({"error": {"message": message, "error_code": code}})
            }
        };
        http::Response { status, body: body.to_string().into_bytes() }
    }
}

struct Exchange {
    /// Verifiers by path prefix, the first match wins (`None` matches every path).
    routes: Vec<(Option<&'static str>, Verifier)>,
    style: Style,
}

impl http::Handler for Exchange {
    fn handle(&self, request: &http::Request) -> http::Response {
        let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let verifier = self
            .routes
            .iter()
            .find(|(prefix, _)| prefix.is_none_or(|p| path.starts_with(p)))
            .map(|(_, v)| v)
            .expect("the last route matches every path");
        let scheme = verifier.scheme();
        // mtgox-stream: the signed call is the body, whatever the path.
        let payload = if !scheme.is_signed_call() && scheme.uses_query(&request.method) {
            query.as_bytes()
        } else {
            &request.body
        };
        let headers = request.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice()));
        let verdict = match Received::new(&request.method, path.as_bytes(), payload).with_headers(scheme, headers) {
            Ok(received) => verifier.check(&received),
            Err(malformed) => Ok(Verdict::Malformed(malformed)),
        };
        let show = |bytes: &[u8]| bytes.escape_ascii().to_string();
        let refusal = match verdict {
            Ok(Verdict::Valid { key, nonce }) => {
                let data = json!({"key": String::from_utf8_lossy(&key), "nonce": nonce, "method": request.method, "path": path});
                return self.style.success(data);
            }
            Ok(Verdict::BadSignature { key, expected_message, expected_signature }) => {
                eprintln!(
                    "restsign serve: {} {path}: invalid signature for key {}; expected message \"{}\", expected signature {expected_signature}",
                    request.method,
                    show(&key),
                    show(&expected_message)
                );
                Refusal::BadSignature
            }
            Ok(Verdict::StaleNonce { key, nonce, last }) => {
                eprintln!(
                    "restsign serve: {} {path}: stale nonce {nonce} for key {} (last {last})",
                    request.method,
                    show(&key)
                );
                Refusal::StaleNonce { nonce, last }
            }
            Ok(Verdict::UnknownKey { key }) => {
                eprintln!("restsign serve: {} {path}: unknown key {}", request.method, show(&key));
                Refusal::UnknownKey
            }
            Ok(Verdict::Malformed(m)) => {
                eprintln!("restsign serve: {} {path}: malformed: {m}", request.method);
                Refusal::Malformed(m.to_string())
            }
            Err(e) => {
                eprintln!("restsign serve: {} {path}: replay state error: {e}", request.method);
                Refusal::Internal(format!("replay state error: {e}"))
            }
        };
        self.style.refusal(&refusal)
    }

    fn protocol_error(&self, status: u16, message: &str) -> http::Response {
        eprintln!("restsign serve: HTTP {status}: {message}");
        self.style.refusal(&Refusal::Http(status, message.to_owned()))
    }
}
