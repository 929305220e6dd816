//! Nonces and replay state shared by several hosts through one Redis server.
//!
//! A state file keeps one host's processes in step; when several hosts share an API key they need
//! one counter they can all reach. Here every step is one Lua script run atomically on the Redis
//! server, so no two clients can interleave inside it:
//!
//! - [`RedisNonce`] draws `max(now, last + 1)` in the key's unit, with `now` from the server's own
//!   `TIME` (hosts with skewed clocks still agree, and a host's clock never matters);
//! - [`RedisReplay`] keeps each verified key's last accepted nonce (check-and-set) and, for
//!   timestamp recipes, the signatures seen inside a window ([`RedisReplay::first_seen`]).
//!
//! Failures are loud: an unreachable server, a timeout, a refused password, a script error or a
//! stored value that is not a number each has its own [`Error`]. Nothing here falls back to a local
//! clock or file: a draw that did not come from Redis is an error, never a nonce. After a failure
//! the connection is dropped and the next call connects again.
//!
//! Key names (never the API key in clear; `<prefix>` is [`DEFAULT_PREFIX`] unless set):
//! - nonces: `<prefix>nonce:<32 hex digits>`, a hash with fields `last` and `unit`; the digits are
//!   those of the key's default state file name (`nonce-<digits>`), so both can be matched up;
//! - verifier: `<prefix>verify:<32 hex digits>` (the hash of scheme and key that names the state
//!   file `verify-<digits>`), a string holding the last accepted nonce;
//! - signatures seen: `<prefix>seen:<hex of the digest>`, expiring with the window.
//!
//! URLs: `redis://[user:password@]host:port/db`, `redis+unix:///path?db=N&pass=...`,
//! `unix:///path`; `rediss://` (TLS) is refused with [`Error::RedisTlsUnsupported`] (the build
//! carries no TLS stack). A query parameter `timeout_ms=N` sets the connect, read and write timeout
//! (default 1 s).

use crate::error::Error;
use crate::nonce::{MAX_NONCE, NonceSource};
use crate::recipe::NonceUnit;
use ::redis::{Client, Connection, ErrorKind, IntoConnectionInfo as _, RedisError, Script, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

/// The prefix of every key restsign writes, unless another is given.
pub const DEFAULT_PREFIX: &str = "restsign:";
/// Connect, read and write timeout unless the URL sets `timeout_ms`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// Idle connections a [`RedisReplay`] keeps for the next checks (more are opened when more
/// threads check at once, and closed after use).
const MAX_IDLE: usize = 16;

/// One draw: `max(now, last + 1)` in the unit `ARGV[1]`, stored in the hash `KEYS[1]`.
/// Comparisons are on decimal strings (equal length, then text) and `+ 1` is HINCRBY, because
/// Lua's numbers are doubles, exact only up to 2^53; `now` itself stays below 2^53 (microseconds
/// until the year 2255).
const DRAW: &str = r#"
local unit = ARGV[1]
local stored_unit = redis.call('HGET', KEYS[1], 'unit')
if stored_unit and stored_unit ~= unit then
  return redis.error_reply('RESTSIGN_UNIT this key draws nonces in ' .. stored_unit .. ', not ' .. unit)
end
local max = '9223372036854775807'
local last = redis.call('HGET', KEYS[1], 'last')
if last and not (last == '0' or (string.match(last, '^[1-9]%d*$') and (#last < 19 or (#last == 19 and last <= max)))) then
  return redis.error_reply('RESTSIGN_VALUE the stored last nonce is not a decimal number up to 2^63-1')
end
local t = redis.call('TIME')
local s, us = tonumber(t[1]), tonumber(t[2])
local now
if unit == 's' then now = s
elseif unit == 'ms' then now = s * 1000 + math.floor(us / 1000)
elseif unit == 'us' then now = s * 1000000 + us
else now = s * 100000 + math.floor(us / 10) end
now = string.format('%.0f', now)
if not last or #now > #last or (#now == #last and now > last) then
  redis.call('HSET', KEYS[1], 'unit', unit, 'last', now)
  return now
end
if last == max then
  return redis.error_reply('RESTSIGN_EXHAUSTED the next nonce would exceed 2^63-1')
end
if not stored_unit then redis.call('HSET', KEYS[1], 'unit', unit) end
redis.call('HINCRBY', KEYS[1], 'last', 1)
return redis.call('HGET', KEYS[1], 'last')
"#;

/// One replay check: store `ARGV[1]` in `KEYS[1]` if it is above the value there. Returns
/// `{1, nonce}` when accepted, `{0, last}` when not. Decimal strings compared as in [`DRAW`].
const ACCEPT: &str = r#"
local last = redis.call('GET', KEYS[1])
if last and not (last == '0' or (string.match(last, '^[1-9]%d*$') and #last <= 19)) then
  return redis.error_reply('RESTSIGN_VALUE the stored last nonce is not a decimal number')
end
local n = ARGV[1]
if not last or #n > #last or (#n == #last and n > last) then
  redis.call('SET', KEYS[1], n)
  return {1, n}
end
return {0, last}
"#;

/// How to reach the server: the client (URL already parsed) and the timeout.
struct Link {
    client: Client,
    timeout: Duration,
    /// The URL as given, for comparisons only (it may hold a password).
    url: String,
    /// The URL with any password replaced, for Debug output.
    shown: String,
}

impl Link {
    fn open(url: &str) -> Result<Link, Error> {
        let (url, timeout) = split_options(url)?;
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase()).ok_or(Error::RedisUrl)?;
        match scheme.as_str() {
            "redis" | "redis+unix" | "unix" => {}
            "rediss" => return Err(Error::RedisTlsUnsupported),
            _ => return Err(Error::RedisUrl),
        }
        let info = url.as_str().into_connection_info().map_err(|_| Error::RedisUrl)?;
        // No CLIENT SETINFO at connect: it is only informative, and its replies would be read
        // with a timeout each, stretching the 1 s promised for a server that never answers.
        let settings = info.redis_settings().clone().set_skip_set_lib_name();
        let client = Client::open(info.set_redis_settings(settings)).map_err(|_| Error::RedisUrl)?;
        Ok(Link { client, timeout, shown: redact(&url), url })
    }

    fn connect(&self) -> Result<Conn, Error> {
        let con = self.client.get_connection_with_timeout(self.timeout).map_err(|e| classify(&e))?;
        con.set_read_timeout(Some(self.timeout)).map_err(|e| classify(&e))?;
        con.set_write_timeout(Some(self.timeout)).map_err(|e| classify(&e))?;
        Ok(Conn { con, pid: std::process::id() })
    }
}

/// A connection and the process that opened it. After a fork (a preforking PHP or Perl server
/// that made its source before forking) parent and child would share the socket and read each
/// other's replies, so a process never uses a connection it did not open: dropping the inherited
/// one only closes this process's copy of the descriptor.
struct Conn {
    con: Connection,
    pid: u32,
}

impl Conn {
    fn ours(&self) -> bool {
        self.pid == std::process::id()
    }
}

/// Takes `timeout_ms=N` out of the URL's query (the Redis client does not know it).
fn split_options(url: &str) -> Result<(String, Duration), Error> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => return Ok((url.to_string(), DEFAULT_TIMEOUT)),
    };
    let mut timeout = DEFAULT_TIMEOUT;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("timeout_ms=") {
            Some(ms) => {
                let ms: u64 = ms.parse().ok().filter(|&ms| ms > 0).ok_or(Error::RedisUrl)?;
                timeout = Duration::from_millis(ms);
            }
            None => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, timeout))
}

/// The URL without its password (user info and `pass=`), for logs and Debug.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "<invalid>".into() };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<&str> = query
                .split('&')
                .map(|p| if p.starts_with("pass=") || p.starts_with("password=") { "pass=***" } else { p })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Which of restsign's errors a client error is.
fn classify(e: &RedisError) -> Error {
    if e.is_timeout() {
        return Error::RedisTimeout;
    }
    match e.code() {
        Some("WRONGPASS" | "NOAUTH" | "NOPERM") => return Error::RedisAuth,
        Some("RESTSIGN_VALUE") => return Error::RedisBadValue,
        Some("RESTSIGN_UNIT") => return Error::RedisUnitMismatch,
        Some("RESTSIGN_EXHAUSTED") => return Error::NonceExhausted,
        // What a failing script (or a command inside it) answers.
        Some("ERR" | "WRONGTYPE") => return Error::RedisScript,
        _ => {}
    }
    match e.kind() {
        ErrorKind::AuthenticationFailed => Error::RedisAuth,
        ErrorKind::Io => Error::RedisUnavailable,
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => Error::RedisBadValue,
        ErrorKind::InvalidClientConfig => Error::RedisUrl,
        // Read-only replica, loading, out of memory, busy, …: the server refused.
        ErrorKind::Server(_) | ErrorKind::Extension => Error::RedisServer,
        _ => Error::RedisUnavailable,
    }
}

/// A reply that should be a nonce: a decimal string (or integer) from 0 to 2^63 − 1.
fn nonce_value(value: &Value) -> Result<u64, Error> {
    let text = match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).map_err(|_| Error::RedisBadValue)?,
        Value::SimpleString(s) => s.as_str(),
        Value::Int(n) => return u64::try_from(*n).map_err(|_| Error::RedisBadValue),
        _ => return Err(Error::RedisBadValue),
    };
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::RedisBadValue);
    }
    text.parse::<u64>().ok().filter(|&n| n <= MAX_NONCE).ok_or(Error::RedisBadValue)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unit_name(unit: NonceUnit) -> &'static str {
    match unit {
        NonceUnit::Seconds => "s",
        NonceUnit::Millis => "ms",
        NonceUnit::Micros => "us",
        NonceUnit::TenMicros => "10us",
    }
}

/// The Redis key of `key`'s nonce counter: `<prefix>nonce:` and the hash that also names its
/// default state file (`nonce-<hash>`, see [`crate::nonce::default_state_path`]).
pub fn nonce_key_name(prefix: &str, key: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"restsign nonce state v1\0");
    hash.update(key);
    format!("{prefix}nonce:{}", hex(&hash.finalize()[..16]))
}

/// Nonces for one API key drawn from Redis: the one source to use when several hosts share a key.
///
/// Draws through one handle are serialised on its connection, so they leave in the order Redis
/// made them; each handle also refuses a value not above the last one it gave
/// ([`Error::NonceNotIncreasing`]: Redis lost its data and the clock is behind what it had).
pub struct RedisNonce {
    link: Link,
    // Scripts are held per handle, not in statics, so that nothing is left allocated at exit
    // (valgrind's leak check on C programs counts what statics hold).
    draw: Script,
    name: String,
    unit: NonceUnit,
    state: Mutex<Drawn>,
}

struct Drawn {
    con: Option<Conn>,
    last: u64,
}

impl RedisNonce {
    /// Nonces for `key` in `unit` through the server at `url`, under [`DEFAULT_PREFIX`]. Only the
    /// URL is checked here; the first draw connects.
    pub fn new(url: &str, key: &[u8], unit: NonceUnit) -> Result<RedisNonce, Error> {
        RedisNonce::with_prefix(url, DEFAULT_PREFIX, key, unit)
    }

    /// As [`RedisNonce::new`], with the key names under `prefix`.
    pub fn with_prefix(url: &str, prefix: &str, key: &[u8], unit: NonceUnit) -> Result<RedisNonce, Error> {
        Ok(RedisNonce {
            link: Link::open(url)?,
            draw: Script::new(DRAW),
            name: nonce_key_name(prefix, key),
            unit,
            state: Mutex::new(Drawn { con: None, last: 0 }),
        })
    }

    /// The Redis key holding the counter.
    pub fn key_name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for RedisNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisNonce").field("url", &self.link.shown).field("key", &self.name).finish_non_exhaustive()
    }
}

impl NonceSource for RedisNonce {
    fn next(&self) -> Result<u64, Error> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.con.as_ref().is_some_and(|c| !c.ours()) {
            state.con = None;
        }
        let con = match &mut state.con {
            Some(con) => con,
            empty => empty.insert(self.link.connect()?),
        };
        let reply: Result<Value, RedisError> = self.draw.key(&self.name).arg(unit_name(self.unit)).invoke(&mut con.con);
        // Any failure drops the connection (a timed-out reply may still arrive on it): the next
        // draw connects afresh.
        let value = match reply.map_err(|e| classify(&e)).and_then(|v| nonce_value(&v)) {
            Ok(value) => value,
            Err(e) => {
                state.con = None;
                return Err(e);
            }
        };
        if value <= state.last {
            return Err(Error::NonceNotIncreasing);
        }
        state.last = value;
        Ok(value)
    }
}

/// A verifier's replay state in Redis, shared by every server process on every host that uses the
/// same server and prefix. Any number of threads may use it at once (each check takes a
/// connection of its own).
pub struct RedisReplay {
    link: Link,
    accept: Script,
    prefix: String,
    idle: Mutex<Vec<Conn>>,
}

impl fmt::Debug for RedisReplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplay")
            .field("url", &self.link.shown)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl PartialEq for RedisReplay {
    fn eq(&self, other: &RedisReplay) -> bool {
        self.link.url == other.link.url && self.prefix == other.prefix
    }
}

impl Eq for RedisReplay {}

/// What [`RedisReplay::accept`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// The nonce was above the last one and is now the last.
    Yes,
    /// Not above `last`, the last accepted one (a replay).
    Stale { last: u64 },
}

impl RedisReplay {
    /// Replay state through the server at `url`, keys under `prefix` ([`DEFAULT_PREFIX`] if
    /// `None`). Only the URL is checked here: see [`RedisReplay::ping`].
    pub fn open(url: &str, prefix: Option<&str>) -> Result<RedisReplay, Error> {
        Ok(RedisReplay {
            link: Link::open(url)?,
            accept: Script::new(ACCEPT),
            prefix: prefix.unwrap_or(DEFAULT_PREFIX).to_string(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Runs `f` on an idle connection (or a new one); the connection goes back only on success.
    fn run<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, RedisError>) -> Result<T, Error> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            idle.retain(Conn::ours);
            idle.pop()
        };
        let mut con = match idle {
            Some(con) => con,
            None => self.link.connect()?,
        };
        let result = f(&mut con.con).map_err(|e| classify(&e))?;
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(con);
        }
        Ok(result)
    }

    /// Connects and asks the server for `PING`: for a server that wants to fail at start-up.
    pub fn ping(&self) -> Result<(), Error> {
        self.run(|con| ::redis::cmd("PING").query::<String>(con)).map(drop)
    }

    /// The Redis key of the replay state `name` (a verifier's state name of a key).
    pub fn key_name(&self, name: &str) -> String {
        format!("{}verify:{name}", self.prefix)
    }

    /// Check-and-set in one step: records `nonce` for `name` if it is above the last one.
    pub fn accept(&self, name: &str, nonce: u64) -> Result<Accepted, Error> {
        let key = self.key_name(name);
        let reply: Value = self.run(|con| self.accept.key(&key).arg(nonce.to_string()).invoke(con))?;
        match reply {
            Value::Array(items) if items.len() == 2 => match (&items[0], nonce_value(&items[1])?) {
                (Value::Int(1), _) => Ok(Accepted::Yes),
                (Value::Int(0), last) => Ok(Accepted::Stale { last }),
                _ => Err(Error::RedisBadValue),
            },
            _ => Err(Error::RedisBadValue),
        }
    }

    /// The last nonce accepted for `name` (0 if none).
    pub fn last(&self, name: &str) -> Result<u64, Error> {
        let key = self.key_name(name);
        match self.run(|con| ::redis::cmd("GET").arg(&key).query::<Value>(con))? {
            Value::Nil => Ok(0),
            value => nonce_value(&value),
        }
    }

    /// The hook for timestamp recipes, which carry no increasing nonce: records a signature
    /// `digest` (e.g. SHA-256 of the signature text) for `window`, and says whether it is new,
    /// i.e. not seen by any server sharing this state within the window. One `SET NX PX`, so two
    /// servers receiving the same request at once cannot both get `true`.
    pub fn first_seen(&self, digest: &[u8], window: Duration) -> Result<bool, Error> {
        let key = format!("{}seen:{}", self.prefix, hex(digest));
        let ms = window.as_millis().clamp(1, i64::MAX as u128) as u64;
        let reply =
            self.run(|con| ::redis::cmd("SET").arg(&key).arg(1).arg("NX").arg("PX").arg(ms).query::<Value>(con))?;
        Ok(!matches!(reply, Value::Nil))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_options_taken_out() {
        assert_eq!(
            split_options("redis://h:1/0?timeout_ms=250").unwrap(),
            ("redis://h:1/0".into(), Duration::from_millis(250))
        );
        assert_eq!(
            split_options("unix:///s?db=2&timeout_ms=5").unwrap(),
            ("unix:///s?db=2".into(), Duration::from_millis(5))
        );
        assert_eq!(split_options("redis://h").unwrap().1, DEFAULT_TIMEOUT);
        assert_eq!(split_options("redis://h?timeout_ms=x").err(), Some(Error::RedisUrl));
        assert_eq!(Link::open("rediss://h:6380").err(), Some(Error::RedisTlsUnsupported));
        assert_eq!(Link::open("http://h").err(), Some(Error::RedisUrl));
        assert_eq!(Link::open("no scheme").err(), Some(Error::RedisUrl));
        assert_eq!(Link::open("redis://127.0.0.1:6379/notanumber").err(), Some(Error::RedisUrl));
        for ok in [
            "redis://127.0.0.1:6379/0",
            "redis://u:p@127.0.0.1:1/3",
            "redis+unix:///tmp/r.sock",
            "unix:///tmp/r.sock?db=1",
        ] {
            assert!(Link::open(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("redis://user:secret@h:1/0"), "redis://***@h:1/0");
        assert_eq!(redact("unix:///s?db=1&pass=secret"), "unix:///s?db=1&pass=***");
        let n = RedisNonce::new("redis://:secret@127.0.0.1:1", b"k", NonceUnit::Millis).unwrap();
        assert!(!format!("{n:?}").contains("secret"));
    }

    #[test]
    fn key_names_hide_the_key() {
        let name = nonce_key_name("p:", b"my-api-key");
        assert!(name.starts_with("p:nonce:") && name.len() == "p:nonce:".len() + 32, "{name}");
        assert!(!name.contains("my-api-key"));
        // The same digits as the key's default state file.
        let file = crate::nonce::default_state_path(b"my-api-key", NonceUnit::Millis);
        assert!(file.to_str().unwrap().ends_with(&format!("nonce-{}-ms", &name["p:nonce:".len()..])));
    }

    #[test]
    fn replies_must_be_nonces() {
        assert_eq!(nonce_value(&Value::BulkString(b"1700000000123".to_vec())), Ok(1_700_000_000_123));
        assert_eq!(nonce_value(&Value::BulkString(b"9223372036854775807".to_vec())), Ok(MAX_NONCE));
        for bad in [&b"9223372036854775808"[..], b"", b"12a", b"-1", b" 1"] {
            assert_eq!(nonce_value(&Value::BulkString(bad.to_vec())), Err(Error::RedisBadValue), "{bad:?}");
        }
        assert_eq!(nonce_value(&Value::Nil), Err(Error::RedisBadValue));
    }
}
