//! `restsign`: sign a request, verify one, or run a local exchange that verifies every request.
//!
//! Exit status: 0 success (for `verify`: the request is valid), 1 the request was rejected,
//! 2 usage error (bad arguments, bad key or secret), 3 runtime error (I/O, state file, socket).

#[path = "restsign/http.rs"]
mod http;
#[path = "restsign/man.rs"]
mod man;
#[path = "restsign/recipes.rs"]
mod recipes;
#[path = "restsign/serve.rs"]
mod serve;
#[path = "restsign/sign.rs"]
mod sign;
#[path = "restsign/verify.rs"]
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use restsign::recipe::Recipe;
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

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
    /// List the built-in schemes: name, hash, where the signature goes, API.
    Schemes,
    /// Write the man pages into DIR (for packagers; see man.rs).
    #[command(hide = true)]
    GenerateMan { dir: PathBuf },
    /// Work with recipe files.
    #[command(subcommand)]
    Recipe(RecipeCommand),
}

#[derive(Subcommand)]
enum RecipeCommand {
    /// Check a recipe file (TOML or JSON): exit 0 and a summary if valid, else 2 and where and what.
    Check {
        /// The recipe file.
        file: PathBuf,
    },
}

/// Which recipe to follow: a built-in scheme or a recipe file (exactly one).
#[derive(Args)]
#[group(required = true, multiple = false)]
struct RecipeArgs {
    /// A built-in scheme (see `restsign schemes`).
    #[arg(long, value_parser = scheme_parser())]
    scheme: Option<String>,
    /// A recipe file (TOML or JSON; see docs/RECIPES.md).
    #[arg(long, value_name = "FILE")]
    recipe: Option<PathBuf>,
}

impl RecipeArgs {
    fn load(&self) -> Result<Arc<Recipe>, Failure> {
        match (&self.scheme, &self.recipe) {
            (Some(name), _) => Ok(Recipe::preset(name).expect("clap checked the scheme name")),
            (_, Some(path)) => recipes::load(path),
            _ => Err(usage("give --scheme or --recipe")),
        }
    }
}

/// Where the passphrase comes from (at most one), for recipes that need one.
#[derive(Args)]
#[group(required = false, multiple = false)]
struct PassphraseArgs {
    /// The passphrase itself (visible in the process list: prefer the others).
    #[arg(long)]
    passphrase: Option<String>,
    /// Name of an environment variable holding the passphrase.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
    /// File holding the passphrase (one trailing newline is ignored).
    #[arg(long, value_name = "PATH")]
    passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    fn read(&self) -> Result<Option<Vec<u8>>, Failure> {
        match (&self.passphrase, &self.passphrase_env, &self.passphrase_file) {
            (Some(p), _, _) => Ok(Some(p.as_bytes().to_vec())),
            (_, Some(var), _) => secret_from_env(var).map(Some),
            (_, _, Some(path)) => secret_from_file(path).map(Some),
            _ => Ok(None),
        }
    }
}

fn scheme_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        restsign::presets()
            .iter()
            .flat_map(|s| std::iter::once(s.name.as_str()).chain(s.aliases.iter().map(String::as_str))),
    )
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
    #[command(flatten)]
    recipe: RecipeArgs,
    /// The API key (for mtgox-stream, a UUID).
    #[arg(long)]
    key: String,
    #[command(flatten)]
    secret: SecretArgs,
    #[command(flatten)]
    passphrase: PassphraseArgs,
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
    /// Fix the clock: milliseconds since the epoch, from which every timestamp format is rendered.
    #[arg(long, value_name = "MS")]
    time: Option<u64>,
    /// Fix the random UUID of recipes that draw one.
    #[arg(long)]
    uuid: Option<String>,
    /// Nonce state file shared with other signers of this key [default: the per-key file under
    /// $XDG_STATE_HOME/restsign, default ~/.local/state/restsign].
    #[arg(long, value_name = "PATH", conflicts_with = "nonce")]
    nonce_file: Option<PathBuf>,
    /// Draw the nonce from Redis (redis://[user:password@]host:port/db, unix:///path), shared by
    /// every host signing with this key.
    #[arg(long, value_name = "URL", conflicts_with_all = ["nonce", "nonce_file"])]
    nonce_redis: Option<String>,
    /// How to print the signed request.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Send to this scheme, host and port instead of the recipe's base URL (a testnet, a local
    /// exchange; recipes that sign the host sign this one) [default: the recipe's, or
    /// http://127.0.0.1:8080 for recipes without one].
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
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
    #[command(flatten)]
    recipe: RecipeArgs,
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
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// File holding the received body, exactly.
    #[arg(long, value_name = "PATH")]
    body_file: Option<PathBuf>,
    /// The key's passphrase (recipes with one); without it, the one the request carries is taken.
    #[arg(long)]
    passphrase: Option<String>,
    /// Replay state shared with servers using this directory (nonces, and the requests accepted
    /// inside their window).
    #[arg(long, value_name = "DIR", conflicts_with = "replay_redis")]
    state_dir: Option<PathBuf>,
    /// Check timestamps against this clock (milliseconds since the epoch) instead of the system's.
    #[arg(long, value_name = "MS")]
    now: Option<u64>,
    /// Accept timestamps this many milliseconds either side of the clock (instead of the recipe's window).
    #[arg(long, value_name = "MS")]
    window_ms: Option<u64>,
    /// The received query string (without `?`).
    #[arg(long)]
    query: Option<String>,
    /// Check the nonce against (and record it in) the replay state in Redis shared with servers.
    #[arg(long, value_name = "URL")]
    replay_redis: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    recipe: RecipeArgs,
    /// An API key to accept (repeatable; give one secret per key, in the same order).
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    #[command(flatten)]
    secrets: ServeSecrets,
    /// The passphrase of a key, for recipes with one (repeatable, one per --key, in order); a
    /// key without one accepts the passphrase its requests carry (KuCoin's, which is signed, needs it).
    #[arg(long = "passphrase", value_name = "PASSPHRASE")]
    passphrases: Vec<String>,
    /// Accept timestamps this many milliseconds either side of the clock, instead of the
    /// recipe's window (and of the window a client asks for).
    #[arg(long, value_name = "MS")]
    window_ms: Option<u64>,
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
    /// Open connections at most; one more is answered 503 and closed.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Request body bytes held in memory across all connections at most; a body that would go past
    /// it is answered 503 (bodies up to 16 KiB are always read).
    #[arg(long, default_value_t = 32 << 20)]
    max_buffered: usize,
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
    unit: restsign::recipe::NonceUnit,
) -> Result<Arc<dyn restsign::NonceSource>, Failure> {
    let source = restsign::redis::RedisNonce::new(url, key, unit).map_err(|e| usage(format!("--nonce-redis: {e}")))?;
    Ok(Arc::new(source))
}

#[cfg(not(feature = "redis"))]
fn redis_nonce(_: &str, _: &[u8], _: restsign::recipe::NonceUnit) -> Result<Arc<dyn restsign::NonceSource>, Failure> {
    Err(usage(format!("--nonce-redis: {}", restsign::Error::RedisNotBuilt)))
}

/// `verifier` with its replay state in Redis, the server tried now so that a bad URL, password
/// or address fails at start-up rather than on the first request.
#[cfg(feature = "redis")]
fn with_redis_replay(verifier: restsign::Verifier, url: &str) -> Result<restsign::Verifier, Failure> {
    let verifier = verifier.replay_redis(url, None).map_err(|e| usage(format!("--replay-redis: {e}")))?;
    let redis = verifier.redis_replay().expect("set just above");
    redis.ping().map_err(|e| Failure::Runtime(format!("--replay-redis: {e}")))?;
    Ok(verifier)
}

#[cfg(not(feature = "redis"))]
fn with_redis_replay(_: restsign::Verifier, _: &str) -> Result<restsign::Verifier, Failure> {
    Err(usage(format!("--replay-redis: {}", restsign::Error::RedisNotBuilt)))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::sign(args),
        Command::Verify(args) => verify::verify(args),
        Command::Serve(args) => serve::serve(args),
        Command::Schemes => recipes::list(),
        Command::Recipe(RecipeCommand::Check { file }) => recipes::check(&file),
        Command::GenerateMan { dir } => man::generate(<Cli as clap::CommandFactory>::command(), &dir)
            .map(|_| ExitCode::SUCCESS)
            .map_err(|e| Failure::Runtime(format!("{}: {e}", dir.display()))),
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
