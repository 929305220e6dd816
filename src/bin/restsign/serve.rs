//! `restsign serve`: a local exchange on 127.0.0.1 that verifies every request with the recipe and
//! answers as that exchange does (the recipe's `[server.replies]`), logging what it expected on
//! every refusal.

use crate::http;
use crate::{Failure, ServeArgs, usage};
use restsign::Counter;
use restsign::recipe::ReplyVars;
use restsign::recipe::{KeyFormat, Recipe};
use restsign::verify::{Incoming, Verdict, Verifier};
use serde_json::json;
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
    if !args.passphrases.is_empty() && args.passphrases.len() != args.keys.len() {
        let (keys, passphrases) = (args.keys.len(), args.passphrases.len());
        return Err(usage(format!("{keys} keys but {passphrases} passphrases: give one passphrase per key, or none")));
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
    let exchange = Arc::new(Exchange { routes, scheme: scheme.clone() });
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
    if let Some(ms) = args.window_ms {
        verifier = verifier.with_window_ms(ms);
    }
    if let Some(url) = &args.replay_redis {
        verifier = crate::with_redis_replay(verifier, url)?;
    }
    if let Some(dir) = &args.state_dir {
        verifier = verifier
            .shared_state(dir)
            .map_err(|e| Failure::Runtime(format!("replay state in {}: {e}", dir.display())))?;
    }
    for (i, (key, secret)) in args.keys.iter().zip(secrets).enumerate() {
        let passphrase = args.passphrases.get(i).map_or(&b""[..], |p| p.as_bytes());
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
            None => verifier.add_key_with_passphrase(key.as_bytes(), secret, passphrase).map_err(|e| match e {
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

/// Why a request was refused: the kinds of reply a recipe's `[server.replies]` gives.
enum Refusal {
    BadSignature,
    StaleNonce {
        nonce: u64,
        last: u64,
    },
    UnknownKey,
    OutsideWindow,
    Replayed,
    Malformed(String),
    /// A protocol error (bad HTTP, too large, timeout) with its HTTP status, in the malformed reply.
    Http(u16, String),
    Internal(String),
}

/// The reply to a refusal, in the exchange's own format (the recipe's `[server.replies]`).
fn refusal_reply(scheme: &Recipe, why: &Refusal) -> http::Response {
    let replies = &scheme.server.replies;
    let (reply, message, nonce, last) = match why {
        Refusal::BadSignature => (&replies.bad_signature, "Invalid signature".to_owned(), None, None),
        Refusal::StaleNonce { nonce, last } => (
            &replies.stale_nonce,
            format!("Nonce {nonce} is too small: it must be greater than {last}"),
            Some(*nonce),
            Some(*last),
        ),
        Refusal::UnknownKey => (&replies.unknown_key, "Unknown API key".to_owned(), None, None),
        Refusal::OutsideWindow => (&replies.outside_window, "Timestamp outside the recv window".to_owned(), None, None),
        Refusal::Replayed => (&replies.replayed, "Duplicate request".to_owned(), None, None),
        Refusal::Malformed(m) | Refusal::Http(_, m) => (&replies.malformed, m.clone(), None, None),
        Refusal::Internal(m) => (&replies.internal, m.clone(), None, None),
    };
    let body = reply.render(&ReplyVars { message: &message, data: "null", nonce, last });
    let status = match why {
        Refusal::Http(status, _) => *status,
        _ => reply.status(),
    };
    http::Response { status, body }
}

struct Exchange {
    /// Verifiers by path prefix, the first match wins (`None` matches every path).
    routes: Vec<(Option<&'static str>, Verifier)>,
    /// The recipe named on the command line: its replies are the exchange's.
    scheme: Arc<Recipe>,
}

impl http::Handler for Exchange {
    fn handle(&self, request: &http::Request) -> http::Response {
        let target = request.target.as_bytes();
        let path = request.target.split_once('?').map_or(request.target.as_str(), |(path, _)| path);
        let verifier = self
            .routes
            .iter()
            .find(|(prefix, _)| prefix.is_none_or(|p| path.starts_with(p)))
            .map(|(_, v)| v)
            .expect("the last route matches every path");
        let mut incoming = Incoming::new(&request.method, target, &request.body);
        incoming.headers = request.headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice())).collect();
        let verdict = verifier.check_request(&incoming);
        let show = |bytes: &[u8]| bytes.escape_ascii().to_string();
        let what = format!("restsign serve: {} {path}", request.method);
        let refusal = match verdict {
            Ok(Verdict::Valid { key, nonce }) => {
                let data = json!({"key": String::from_utf8_lossy(&key), "nonce": nonce, "method": request.method, "path": path});
                let success = &self.scheme.server.replies.success;
                let body = success.render(&ReplyVars { message: "", data: &data.to_string(), nonce, last: None });
                return http::Response { status: success.status(), body };
            }
            Ok(Verdict::BadSignature { key, expected_message, expected_signature, received_signature }) => {
                eprintln!(
                    "{what}: invalid signature for key {}\n  expected message:   \"{}\"\n  expected signature: {expected_signature}\n  received signature: {}",
                    show(&key),
                    show(&expected_message),
                    show(&received_signature),
                );
                Refusal::BadSignature
            }
            Ok(Verdict::Mismatch { key, part, expected, received }) => {
                eprintln!(
                    "{what}: the signature matches but {part} does not, for key {}\n  expected: \"{}\"\n  received: \"{}\"",
                    show(&key),
                    show(&expected),
                    show(&received),
                );
                Refusal::BadSignature
            }
            Ok(Verdict::StaleNonce { key, nonce, last }) => {
                eprintln!("{what}: stale nonce {nonce} for key {} (last {last})", show(&key));
                Refusal::StaleNonce { nonce, last }
            }
            Ok(Verdict::OutsideWindow { key, timestamp_ms, now_ms, window_ms }) => {
                let off = i128::from(timestamp_ms) - i128::from(now_ms);
                eprintln!(
                    "{what}: timestamp {timestamp_ms} is {off:+} ms from the server's clock {now_ms}, outside ±{window_ms} ms, for key {}",
                    show(&key)
                );
                Refusal::OutsideWindow
            }
            Ok(Verdict::Replayed { key }) => {
                eprintln!("{what}: replay of a request already accepted inside its window, for key {}", show(&key));
                Refusal::Replayed
            }
            Ok(Verdict::UnknownKey { key }) => {
                eprintln!("{what}: unknown key {}", show(&key));
                Refusal::UnknownKey
            }
            Ok(Verdict::Malformed(m)) => {
                eprintln!("{what}: malformed: {m}");
                Refusal::Malformed(m.to_string())
            }
            Ok(Verdict::Unreadable { part, problem }) => {
                eprintln!("{what}: malformed: {part}: {problem}");
                Refusal::Malformed(format!("{part}: {problem}"))
            }
            Err(e) => {
                eprintln!("{what}: cannot check: {e}");
                Refusal::Internal(format!("cannot check the request: {e}"))
            }
        };
        refusal_reply(&self.scheme, &refusal)
    }

    fn protocol_error(&self, status: u16, message: &str) -> http::Response {
        eprintln!("restsign serve: HTTP {status}: {message}");
        refusal_reply(&self.scheme, &Refusal::Http(status, message.to_owned()))
    }
}
