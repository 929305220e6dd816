//! `restsign`: sign a request, verify one, or run a local exchange that verifies every request.
//!
//! Exit status: 0 success (for `verify`: the request is valid), 1 the request was rejected,
//! 2 usage error (bad arguments, bad key or secret), 3 runtime error (I/O, state file, socket).

#[path = "restsign/http.rs"]
mod http;

use clap::{Args, Parser, Subcommand, ValueEnum};
use restsign::nonce::{self, ClockNonce};
use restsign::scheme::{Framing, SCHEMES, Scheme};
use restsign::verify::{Received, Verdict, Verifier};
use restsign::{Counter, Request, SignedRequest, Signer};
use serde_json::{Value, json};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "restsign",
    version,
    about = "Sign and verify requests to crypto-exchange and payment APIs (HMAC + nonce)"
)]
#[command(after_help = "Exit status: 0 ok, 1 request rejected (verify), 2 usage error, 3 runtime error.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and sign a request; print it as text, a curl command line, or JSON.
    Sign(SignArgs),
    /// Check a request given on the command line; exit 0 if valid, 1 if rejected.
    Verify(VerifyArgs),
    /// Run a local exchange on 127.0.0.1 that verifies every request it receives.
    Serve(ServeArgs),
    /// List the schemes restsign speaks.
    Schemes,
}

fn scheme_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(SCHEMES.iter().map(|s| s.name))
}

/// Where the secret comes from (exactly one).
#[derive(Args)]
#[group(required = true, multiple = false)]
struct SecretArgs {
    /// The API secret itself (visible to other users in the process list: prefer the others).
    #[arg(long)]
    secret: Option<String>,
    /// Name of an environment variable holding the secret.
    #[arg(long, value_name = "VAR")]
    secret_env: Option<String>,
    /// File holding the secret (one trailing newline is ignored).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
}

impl SecretArgs {
    fn read(&self) -> Result<Vec<u8>, Failure> {
        match (&self.secret, &self.secret_env, &self.secret_file) {
            (Some(s), _, _) => Ok(s.as_bytes().to_vec()),
            (_, Some(var), _) => secret_from_env(var),
            (_, _, Some(path)) => secret_from_file(path),
            _ => Err(Failure::Usage("a secret is required".into())),
        }
    }
}

fn secret_from_env(var: &str) -> Result<Vec<u8>, Failure> {
    match std::env::var_os(var) {
        Some(value) => Ok(value.as_bytes().to_vec()),
        None => Err(Failure::Usage(format!("environment variable {var} is not set"))),
    }
}

fn secret_from_file(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    let mut bytes = std::fs::read(path)
        .map_err(|e| Failure::Runtime(format!("cannot read secret file {}: {e}", path.display())))?;
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    Ok(bytes)
}

#[derive(Args)]
struct SignArgs {
    /// The API's signing scheme.
    #[arg(long, value_parser = scheme_parser())]
    scheme: String,
    /// The API key (for mtgox-stream, a UUID).
    #[arg(long)]
    key: String,
    #[command(flatten)]
    secret: SecretArgs,
    /// HTTP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// URL path, e.g. /tradingApi or /api/2/BTCUSD/money/info.
    #[arg(long)]
    path: String,
    /// A parameter (repeatable; kept in order; the nonce field is added last).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Send this body exactly as given (a field nonce, if the scheme has one, must already be in it).
    #[arg(long, conflicts_with_all = ["params", "json"])]
    body: Option<String>,
    /// Send this JSON object as the body (the nonce member is added unless present).
    #[arg(long, conflicts_with = "params")]
    json: Option<String>,
    /// Use this nonce instead of drawing one.
    #[arg(long)]
    nonce: Option<u64>,
    /// Nonce state file shared with other signers of this key [default: the per-key file under
    /// $XDG_RUNTIME_DIR/restsign or /tmp/restsign-UID].
    #[arg(long, value_name = "PATH", conflicts_with = "nonce")]
    nonce_file: Option<PathBuf>,
    /// Draw the nonce from Redis (redis://[user:password@]host:port/db, unix:///path), shared by
    /// every host signing with this key.
    #[arg(long, value_name = "URL", conflicts_with_all = ["nonce", "nonce_file"])]
    nonce_redis: Option<String>,
    /// How to print the signed request.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Scheme, host and port to prefix the path with (curl and json formats).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    base_url: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// The request line, the headers, a blank line and the body.
    Text,
    /// A curl command line, quoted for sh.
    Curl,
    /// A JSON object.
    Json,
}

#[derive(Args)]
struct VerifyArgs {
    /// The API's signing scheme.
    #[arg(long, value_parser = scheme_parser())]
    scheme: String,
    /// The key whose secret is given (also the request's key when no key header is given).
    #[arg(long)]
    key: String,
    #[command(flatten)]
    secret: SecretArgs,
    /// HTTP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// URL path (a `?query` here is taken as --query).
    #[arg(long)]
    path: String,
    /// A received header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// The received signature (instead of the signature header; for mtgox-stream, the signed call).
    #[arg(long)]
    signature: Option<String>,
    /// The received nonce header (apiauth; other schemes carry the nonce in the payload).
    #[arg(long)]
    nonce: Option<String>,
    /// The received body, exactly.
    #[arg(long, conflicts_with_all = ["body_file", "query"])]
    body: Option<String>,
    /// File holding the received body, exactly.
    #[arg(long, value_name = "PATH", conflicts_with = "query")]
    body_file: Option<PathBuf>,
    /// The received query string (without `?`).
    #[arg(long)]
    query: Option<String>,
    /// Check the nonce against (and record it in) the replay state in Redis shared with servers.
    #[arg(long, value_name = "URL")]
    replay_redis: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    /// The API's signing scheme.
    #[arg(long, value_parser = scheme_parser())]
    scheme: String,
    /// An API key to accept (repeatable; give one secret per key, in the same order).
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    #[command(flatten)]
    secrets: ServeSecrets,
    /// Port on 127.0.0.1 (0: any free port; the one chosen is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Replay state file for the (single) key, shared with other servers using it.
    #[arg(long, value_name = "PATH", conflicts_with = "state_dir")]
    state_file: Option<PathBuf>,
    /// Directory of replay state files, one per key, shared with other servers using it.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Replay state in Redis (redis://[user:password@]host:port/db, unix:///path), shared with
    /// every server on every host using it.
    #[arg(long, value_name = "URL", conflicts_with_all = ["state_file", "state_dir"])]
    replay_redis: Option<String>,
    /// Worker threads of the server's runtime (connections are tasks shared among them).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
}

/// One secret per key, all from one kind of source.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct ServeSecrets {
    /// A secret (repeatable, one per --key).
    #[arg(long = "secret")]
    secret: Vec<String>,
    /// An environment variable holding a secret (repeatable, one per --key).
    #[arg(long = "secret-env", value_name = "VAR")]
    secret_env: Vec<String>,
    /// A file holding a secret (repeatable, one per --key).
    #[arg(long = "secret-file", value_name = "PATH")]
    secret_file: Vec<PathBuf>,
}

impl ServeSecrets {
    fn read(&self) -> Result<Vec<Vec<u8>>, Failure> {
        let mut out = Vec::new();
        for s in &self.secret {
            out.push(s.as_bytes().to_vec());
        }
        for var in &self.secret_env {
            out.push(secret_from_env(var)?);
        }
        for path in &self.secret_file {
            out.push(secret_from_file(path)?);
        }
        Ok(out)
    }
}

/// A failure of the command itself (a rejected request is not one: see `verify`).
enum Failure {
    Usage(String),
    Runtime(String),
}

fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign(args),
        Command::Verify(args) => verify(args),
        Command::Serve(args) => serve(args),
        Command::Schemes => {
            SCHEMES.iter().for_each(|s| println!("{}", s.name));
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("restsign: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("restsign: {message}");
            ExitCode::from(3)
        }
    }
}

fn scheme(name: &str) -> &'static Scheme {
    Scheme::by_name(name).expect("clap checked the scheme name")
}

fn sign(args: SignArgs) -> Result<ExitCode, Failure> {
    let secret = zeroize::Zeroizing::new(args.secret.read()?);
    let key = args.key.as_bytes();
    let mut signer = Signer::new(&args.scheme, key, &secret).map_err(usage)?;
    let mut request = Request::new(&args.method, args.path.as_bytes());
    for param in &args.params {
        let (name, value) =
            param.split_once('=').ok_or_else(|| usage(format!("--param {param:?} is not NAME=VALUE")))?;
        request.param(name, value);
    }
    if let Some(body) = &args.body {
        request.raw_body(body.as_bytes());
    }
    if let Some(json) = &args.json {
        request.json_body(json.as_bytes());
    }
    let signed = match args.nonce {
        Some(n) => signer.sign_request_with_nonce(&request, n).map_err(usage)?,
        None if args.nonce_redis.is_some() => {
            let url = args.nonce_redis.as_deref().unwrap_or_default();
            let source = redis_nonce(url, key, signer.scheme().nonce_unit)?;
            signer = signer.with_nonce_source(source);
            signer.sign_request(&request).map_err(|e| match e {
                e if is_redis(e) => Failure::Runtime(format!("--nonce-redis: {e}")),
                e => usage(e),
            })?
        }
        None => {
            // Each run is a new process: only the shared state file keeps two runs in one
            // millisecond from drawing the same nonce.
            let path = args.nonce_file.clone().unwrap_or_else(|| nonce::default_state_path(key));
            let source = ClockNonce::shared_file(&path, key, signer.scheme().nonce_unit)
                .map_err(|e| Failure::Runtime(format!("nonce state {}: {e}", path.display())))?;
            signer = signer.with_nonce_source(Arc::new(source));
            signer.sign_request(&request).map_err(usage)?
        }
    };
    let out = match args.format {
        Format::Text => text_form(signer.scheme(), &signed),
        Format::Curl => curl_form(signer.scheme(), &signed, &args.base_url)?,
        Format::Json => {
            let mut text =
                serde_json::to_string_pretty(&json_form(signer.scheme(), &signed, &args.base_url)).expect("JSON");
            text.push('\n');
            text.into_bytes()
        }
    };
    std::io::stdout().write_all(&out).map_err(|e| Failure::Runtime(format!("stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// What goes on the wire as the body: the signed call for mtgox-stream, else the body.
fn wire_body<'a>(scheme: &Scheme, signed: &'a SignedRequest) -> &'a [u8] {
    match scheme.framing {
        Framing::KeyTagPayload => signed.signature.as_bytes(),
        Framing::Tag => &signed.body,
    }
}

fn text_form(scheme: &Scheme, signed: &SignedRequest) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(signed.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(&signed.path_and_query());
    out.push(b'\n');
    for line in signed.header_lines() {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(wire_body(scheme, signed));
    out.push(b'\n');
    out
}

/// `text` quoted for sh: inside single quotes everything is literal except `'` itself.
fn sh_quote(text: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in text {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

fn curl_form(scheme: &Scheme, signed: &SignedRequest, base_url: &str) -> Result<Vec<u8>, Failure> {
    let body = wire_body(scheme, signed);
    if body.contains(&0) || signed.header_block.contains(&0) {
        return Err(usage("the request contains a NUL byte, which a command line cannot carry: use --format json"));
    }
    // -g: no URL globbing ([ ] { } are literal); --path-as-is: no /../ squashing.
    let mut out = b"curl -sS -g --path-as-is -X ".to_vec();
    out.extend_from_slice(&sh_quote(signed.method.as_bytes()));
    for line in signed.header_lines() {
        out.extend_from_slice(b" -H ");
        out.extend_from_slice(&sh_quote(line));
    }
    if !body.is_empty() {
        // --data-binary sends the bytes exactly (-d would strip newlines).
        out.extend_from_slice(b" --data-binary ");
        out.extend_from_slice(&sh_quote(body));
    }
    out.push(b' ');
    let mut url = base_url.trim_end_matches('/').as_bytes().to_vec();
    url.extend_from_slice(&signed.path_and_query());
    out.extend_from_slice(&sh_quote(&url));
    out.push(b'\n');
    Ok(out)
}

fn json_form(scheme: &Scheme, signed: &SignedRequest, base_url: &str) -> Value {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let headers: Vec<Value> = signed
        .header_lines()
        .map(|line| {
            let line = text(line);
            let (name, value) = line.split_once(": ").unwrap_or((&line, ""));
            json!([name, value])
        })
        .collect();
    let body = wire_body(scheme, signed);
    let mut out = json!({
        "method": signed.method,
        "url": format!("{}{}", base_url.trim_end_matches('/'), text(&signed.path_and_query())),
        "path": text(&signed.path),
        "query": text(&signed.query),
        "headers": headers,
        "nonce": signed.nonce,
        "signature": signed.signature,
    });
    match std::str::from_utf8(body) {
        Ok(body) => out["body"] = json!(body),
        Err(_) => {
            use base64::Engine as _;
            out["body_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
        }
    }
    out
}

fn verify(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let scheme = scheme(&args.scheme);
    let secret = zeroize::Zeroizing::new(args.secret.read()?);
    let mut verifier = Verifier::with_scheme(scheme);
    if let Some(url) = &args.replay_redis {
        verifier = with_redis_replay(verifier, url)?;
    }
    verifier.add_key(args.key.as_bytes(), &secret).map_err(usage)?;
    let (path, path_query) = match args.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (args.path.as_str(), None),
    };
    let body_file;
    let payload: &[u8] = match (&args.body, &args.body_file, &args.query) {
        (Some(body), _, _) => body.as_bytes(),
        (_, Some(file), _) => {
            body_file =
                std::fs::read(file).map_err(|e| Failure::Runtime(format!("cannot read {}: {e}", file.display())))?;
            &body_file
        }
        (_, _, Some(query)) => query.as_bytes(),
        _ if scheme.framing == Framing::KeyTagPayload => args.signature.as_deref().unwrap_or_default().as_bytes(),
        _ => path_query.unwrap_or_default().as_bytes(),
    };
    let mut lines = Vec::new();
    for header in &args.headers {
        let (name, value) =
            header.split_once(':').ok_or_else(|| usage(format!("--header {header:?} is not 'Name: value'")))?;
        lines.push((name.as_bytes(), value.as_bytes()));
    }
    let mut received = match Received::new(&args.method, path.as_bytes(), payload).with_headers(scheme, lines) {
        Ok(received) => received,
        Err(malformed) => return Ok(report_verdict(&Verdict::Malformed(malformed))),
    };
    if scheme.headers.key.is_some() && received.key.is_none() {
        received.key = Some(args.key.as_bytes());
    }
    if let (Some(signature), Framing::Tag) = (&args.signature, scheme.framing) {
        if received.signature.is_some() {
            return Err(usage("the signature is given both as --signature and as a header"));
        }
        received.signature = Some(signature.as_bytes());
    }
    if let Some(nonce) = &args.nonce {
        if scheme.headers.nonce.is_none() {
            return Err(usage(format!("{} carries the nonce in the payload, not in --nonce", scheme.name)));
        }
        if received.nonce.is_some() {
            return Err(usage("the nonce is given both as --nonce and as a header"));
        }
        received.nonce = Some(nonce.as_bytes());
    }
    let verdict = verifier.check(&received).map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(report_verdict(&verdict))
}

fn report_verdict(verdict: &Verdict) -> ExitCode {
    let show = |bytes: &[u8]| bytes.escape_ascii().to_string();
    match verdict {
        Verdict::Valid { key, nonce } => {
            match nonce {
                Some(n) => println!("valid: key {}, nonce {n}", show(key)),
                None => println!("valid: key {}, no nonce (no replay protection)", show(key)),
            }
            return ExitCode::SUCCESS;
        }
        Verdict::BadSignature { key, expected_message, expected_signature } => {
            println!("rejected: invalid signature for key {}", show(key));
            println!("expected message:   \"{}\"", show(expected_message));
            println!("expected signature: {expected_signature}");
        }
        Verdict::StaleNonce { key, nonce, last } => {
            println!("rejected: stale nonce {nonce} for key {}: the last accepted is {last}", show(key));
        }
        Verdict::Malformed(m) => println!("rejected: malformed request: {m}"),
        Verdict::UnknownKey { key } => println!("rejected: unknown key {}", show(key)),
    }
    ExitCode::from(1)
}

fn serve(args: ServeArgs) -> Result<ExitCode, Failure> {
    let scheme = scheme(&args.scheme);
    let secrets = zeroize::Zeroizing::new(args.secrets.read()?);
    if secrets.len() != args.keys.len() {
        return Err(usage(format!("{} keys but {} secrets: give one secret per key", args.keys.len(), secrets.len())));
    }
    // MtGox served API 1 and API 2 side by side, and so does the local exchange: paths under
    // /api/2/ are checked as mtgox-v2, all others as mtgox-v1, whichever of the two was named.
    let routes = match scheme.name {
        "mtgox-v1" | "mtgox-v2" => vec![
            (Some("/api/2/"), verifier_for(self::scheme("mtgox-v2"), &args, &secrets)?),
            (None, verifier_for(self::scheme("mtgox-v1"), &args, &secrets)?),
        ],
        _ => vec![(None, verifier_for(scheme, &args, &secrets)?)],
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
    };
    let exchange = Arc::new(Exchange { routes, style: Style::of(scheme) });
    // Signals are caught from here on, so a client that sees the line below can stop us cleanly.
    let server = http::Server::new(listener, usize::from(args.threads), limits, exchange)
        .map_err(|e| Failure::Runtime(format!("cannot start the server: {e}")))?;
    println!("listening on {addr}");
    std::io::stdout().flush().map_err(|e| Failure::Runtime(format!("stdout: {e}")))?;
    server.run().map_err(|e| Failure::Runtime(format!("serving on {addr}: {e}")))?;
    eprintln!("restsign serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// A verifier for `scheme` knowing every key of `args`, with the replay state `args` asks for.
fn verifier_for(scheme: &'static Scheme, args: &ServeArgs, secrets: &[Vec<u8>]) -> Result<Verifier, Failure> {
    let mut verifier = Verifier::with_scheme(scheme);
    if let Some(url) = &args.replay_redis {
        verifier = with_redis_replay(verifier, url)?;
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
            Some(path) => Counter::open_file(path, &verifier_key(scheme, key), scheme.nonce_unit)
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

/// Is `e` one of the Redis failures (a runtime error, not a usage error)?
fn is_redis(e: restsign::Error) -> bool {
    use restsign::Error::*;
    matches!(
        e,
        RedisUnavailable | RedisTimeout | RedisAuth | RedisScript | RedisBadValue | RedisUnitMismatch | RedisServer
    )
}

/// The Redis nonce source for `key` (the URL is not echoed: it may hold a password).
#[cfg(feature = "redis")]
fn redis_nonce(
    url: &str,
    key: &[u8],
    unit: restsign::scheme::NonceUnit,
) -> Result<Arc<dyn restsign::NonceSource>, Failure> {
    let source = restsign::redis::RedisNonce::new(url, key, unit).map_err(|e| usage(format!("--nonce-redis: {e}")))?;
    Ok(Arc::new(source))
}

#[cfg(not(feature = "redis"))]
fn redis_nonce(_: &str, _: &[u8], _: restsign::scheme::NonceUnit) -> Result<Arc<dyn restsign::NonceSource>, Failure> {
    Err(usage(format!("--nonce-redis: {}", restsign::Error::RedisNotBuilt)))
}

/// `verifier` with its replay state in Redis, the server tried now so that a bad URL, password
/// or address fails at start-up rather than on the first request.
#[cfg(feature = "redis")]
fn with_redis_replay(verifier: Verifier, url: &str) -> Result<Verifier, Failure> {
    let verifier = verifier.replay_redis(url, None).map_err(|e| usage(format!("--replay-redis: {e}")))?;
    let redis = verifier.redis_replay().expect("set just above");
    redis.ping().map_err(|e| Failure::Runtime(format!("--replay-redis: {e}")))?;
    Ok(verifier)
}

#[cfg(not(feature = "redis"))]
fn with_redis_replay(_: Verifier, _: &str) -> Result<Verifier, Failure> {
    Err(usage(format!("--replay-redis: {}", restsign::Error::RedisNotBuilt)))
}

/// The key as the verifier files it (UUIDs in lower case), for naming its state file.
fn verifier_key(scheme: &Scheme, key: &str) -> Vec<u8> {
    match scheme.key {
        restsign::scheme::KeyFormat::Uuid => key.to_ascii_lowercase().into_bytes(),
        restsign::scheme::KeyFormat::Text => key.as_bytes().to_vec(),
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
    fn of(scheme: &Scheme) -> Style {
        match scheme.name {
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
        let payload = if scheme.framing == Framing::Tag && scheme.uses_query(&request.method) {
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
