//! The server side: is this received request signed by a key we know, and is it fresh?
//!
//! A [`Verifier`] holds one recipe and the secrets of its keys (a table, a lookup function, or
//! both). [`Verifier::check_request`] takes a whole request as received ([`Incoming`]: method,
//! path, query, headers, body) for any recipe and answers a [`Verdict`]; `request.rs` says how it
//! reads the recipe backwards, `window.rs` how timestamp recipes are kept from replays
//! (docs/VERIFYING.md has both). The lower-level [`Verifier::check`] below takes the pieces
//! already picked out ([`Received`]: method, URL path, the exact payload bytes, and the key, nonce
//! and signature headers) for the recipes that sign only the payload (the seed schemes). Both
//! follow the same recipe as the signer ([`crate::recipe`]), so what one signs the other accepts.
//!
//! Order of the checks, each stopping at the first failure: the request's shape ([`Malformed`]),
//! the key ([`Verdict::UnknownKey`]), the signature ([`Verdict::BadSignature`], compared in constant
//! time), then the nonce ([`Verdict::StaleNonce`]). The nonce is recorded only after the signature
//! has matched, so a forged request cannot advance the replay state.
//!
//! Replay rule: per key, a nonce is accepted only if it is greater than the last accepted one
//! (a [`Counter`], in memory or in a shared state file so that several worker processes of one
//! server agree). Clients must therefore not have two calls with the same key in flight at once,
//! which every one of these APIs already demands.
//!
//! Where each piece is found:
//! - key: its header (apiauth, poloniex, mtgox-v1/v2, viabtc); the form field `key` of the body
//!   (CoinPayments sends the public key there); the first 16 bytes of the signed call (mtgox-stream).
//! - nonce: the `Apiauth-Nonce` header; else the scheme's field (`nonce`, viabtc `tonce`) in the
//!   form body or query string, or the member of the JSON body (a JSON number or a decimal string).
//! - signature: its header; for mtgox-stream the payload is the base64 signed call itself
//!   (16 key bytes ‖ 64-byte tag ‖ JSON), which is decoded here.
//!
//! ```
//! use restsign::{Received, Verdict, Verifier};
//! let v = Verifier::new("viabtc").unwrap();
//! v.add_key(b"16289e05354c3c3814b8f3045950395f",
//!     b"d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0").unwrap();
//! // ViaBTC's published GET example, as a server receives it.
//! let headers = b"X-API-KEY: 16289e05354c3c3814b8f3045950395f\r\n\
//!     X-SIGNATURE: 4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59\r\n";
//! let received = Received::new("GET", b"/res/openapi/v1/hashrate", b"coin=BTC&amount=1.0&tonce=1513746038205")
//!     .with_header_block(v.scheme(), headers).unwrap();
//! let key = b"16289e05354c3c3814b8f3045950395f".to_vec();
//! assert_eq!(v.check(&received).unwrap(), Verdict::Valid { key: key.clone(), nonce: Some(1513746038205) });
//! // The same request again is a replay.
//! assert!(matches!(v.check(&received).unwrap(), Verdict::StaleNonce { .. }));
//! ```
//!
//! CoinPayments documents its nonce as optional ("once used with a particular key it must always be
//! used with that key from then on"). The verifier does exactly that: a CoinPayments request without
//! a `nonce` field is accepted (with no replay protection) only while no nonce has ever been
//! accepted for its key; afterwards it is [`Malformed::NonceRequired`]. Every other scheme requires
//! its nonce.

mod request;
mod window;

pub use request::Incoming;
pub use window::{DEFAULT_SEEN_CAPACITY, Seen, SeenSet};

use crate::Error;
use crate::encode::decode_base64;
use crate::nonce::{Counter, MAX_NONCE};
use crate::recipe::{BodyFormat, KeyFormat, Recipe};
use crate::signer::{Message, Signer, UUID_LEN};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ffi::CStr;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

/// What a request that cannot be checked lacks or gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The method is empty or not an HTTP token.
    InvalidMethod,
    /// A header line has no `:`.
    HeaderLine,
    /// A key, nonce or signature header, or a key or nonce field, appears more than once.
    Duplicate,
    /// No key (header, body field or signed call).
    MissingKey,
    /// No signature header.
    MissingSignature,
    /// No nonce (header, field or JSON member) where the scheme requires one.
    MissingNonce,
    /// The nonce is not a decimal integer of at most 2^63 − 1.
    BadNonce,
    /// The body of a JSON scheme is not a JSON object.
    NotJsonObject,
    /// The path contains a control byte, a space or DEL.
    InvalidPath,
    /// The mtgox-stream signed call is not base64.
    CallNotBase64,
    /// The mtgox-stream signed call is shorter than its key and tag.
    CallTooShort,
    /// A CoinPayments request without a nonce, for a key that has used nonces before.
    NonceRequired,
    /// A header, parameter or JSON member the recipe needs is missing.
    MissingPart,
    /// A part does not have the form the recipe gives it (another prefix, separator or literal).
    PartForm,
    /// A part the recipe encodes (base64, a JWT segment) does not decode.
    PartEncoding,
    /// One value (the nonce, the timestamp, the key) appears twice, with different contents.
    Conflict,
    /// The timestamp is not written in the recipe's clock format.
    BadTimestamp,
}

impl Malformed {
    pub const fn message(&self) -> &'static CStr {
        match self {
            Malformed::InvalidMethod => c"the HTTP method is empty or not an HTTP token",
            Malformed::HeaderLine => c"a header line has no ':'",
            Malformed::Duplicate => c"the key, nonce or signature is given more than once",
            Malformed::MissingKey => c"the request carries no API key",
            Malformed::MissingSignature => c"the request carries no signature header",
            Malformed::MissingNonce => c"the request carries no nonce",
            Malformed::BadNonce => c"the nonce is not a decimal integer between 0 and 2^63-1",
            Malformed::NotJsonObject => c"the body is not a JSON object, so its nonce member cannot be read",
            Malformed::InvalidPath => c"the path contains a control character, a space or DEL",
            Malformed::CallNotBase64 => c"the signed call is not valid base64",
            Malformed::CallTooShort => c"the signed call is shorter than a key and a tag",
            Malformed::NonceRequired => c"a nonce is required: this key has sent nonces before (CoinPayments rule)",
            Malformed::MissingPart => c"a header, parameter or JSON member the recipe needs is missing",
            Malformed::PartForm => c"a part of the request does not have the form the recipe gives it",
            Malformed::PartEncoding => c"a part of the request does not decode as the recipe encodes it",
            Malformed::Conflict => c"one value (nonce, timestamp, key) appears twice with different contents",
            Malformed::BadTimestamp => c"the timestamp is not written in the recipe's clock format",
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message().to_str().expect("messages are ASCII"))
    }
}

/// The answer about one request.
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by `key` and fresh; `nonce` is now the last accepted for it (`None` only for a
    /// CoinPayments request without a nonce).
    Valid { key: Vec<u8>, nonce: Option<u64> },
    /// The signature does not match. For debugging on the server side only: `expected_message` is
    /// the exact byte string the client should have signed and `expected_signature` the text it
    /// should have sent. Never send these back to the client (that would sign for it).
    BadSignature { key: Vec<u8>, expected_message: Vec<u8>, expected_signature: String, received_signature: Vec<u8> },
    /// Correctly signed, but `nonce` is not above `last`, the last nonce accepted for this key.
    StaleNonce { key: Vec<u8>, nonce: u64, last: u64 },
    /// The request cannot be checked.
    Malformed(Malformed),
    /// No secret is known for this key.
    UnknownKey { key: Vec<u8> },
    /// A part of the request ([`Verifier::check_request`]) cannot be read as the recipe describes
    /// it: `part` says which (`header OK-ACCESS-TIMESTAMP`, `parameter nonce`), `problem` how.
    Unreadable { part: String, problem: Malformed },
    /// The signature matches, but a part computed from the request (Upbit's query hash, KuCoin's
    /// signed passphrase, Gemini's payload against the body) is not what the key's owner would
    /// send. For the server's log only, as for [`Verdict::BadSignature`].
    Mismatch { key: Vec<u8>, part: String, expected: Vec<u8>, received: Vec<u8> },
    /// Correctly signed, but the timestamp is more than `window_ms` away from the server's clock
    /// (either way).
    OutsideWindow { key: Vec<u8>, timestamp_ms: u64, now_ms: u64, window_ms: u64 },
    /// Correctly signed and inside its window, but this very request was accepted before.
    Replayed { key: Vec<u8> },
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

/// A received request, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct Received<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The URL path, without `?query` (mtgox-v2's `/api/2/` prefix is removed here, as the signer does).
    pub path: &'a [u8],
    /// The exact payload: the body, or the query string without `?` for the scheme's query
    /// methods; for mtgox-stream, the base64 signed call.
    pub payload: &'a [u8],
    /// The value of the scheme's key header (schemes that send the key in a header).
    pub key: Option<&'a [u8]>,
    /// The value of the scheme's nonce header (apiauth).
    pub nonce: Option<&'a [u8]>,
    /// The value of the scheme's signature header.
    pub signature: Option<&'a [u8]>,
}

impl<'a> Received<'a> {
    pub fn new(method: &'a str, path: &'a [u8], payload: &'a [u8]) -> Received<'a> {
        Received { method, path, payload, key: None, nonce: None, signature: None }
    }

    /// Takes the key, nonce and signature from `headers` (name, value) by the scheme's header names,
    /// compared without regard to case; values are trimmed. Other headers are ignored.
    pub fn with_headers<I>(mut self, scheme: &Recipe, headers: I) -> Result<Received<'a>, Malformed>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let (key, nonce, signature) =
            (scheme.header_carrying("key"), scheme.header_carrying("nonce"), scheme.header_carrying("signature"));
        for (name, value) in headers {
            let name = name.trim_ascii();
            let is = |wanted: Option<&str>| wanted.is_some_and(|w| w.as_bytes().eq_ignore_ascii_case(name));
            let slot = if is(key) {
                &mut self.key
            } else if is(nonce) {
                &mut self.nonce
            } else if is(signature) {
                &mut self.signature
            } else {
                continue;
            };
            if slot.replace(value.trim_ascii()).is_some() {
                return Err(Malformed::Duplicate);
            }
        }
        Ok(self)
    }

    /// Like [`Received::with_headers`], from `Name: value` lines ending in `\r\n` or `\n` (what
    /// `Signer::headers_into` writes).
    pub fn with_header_block(self, scheme: &Recipe, block: &'a [u8]) -> Result<Received<'a>, Malformed> {
        let lines = Incoming::new(self.method, b"", b"").header_block(block)?.headers;
        self.with_headers(scheme, lines)
    }
}

/// Where the nonce replay state lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayState {
    /// In this process only.
    Memory,
    /// One state file per key in this directory, shared by every process that uses it
    /// (see [`Verifier::state_path`]).
    Dir(PathBuf),
    /// In a Redis server, shared by every process on every host that uses it
    /// (see [`Verifier::replay_redis`]).
    #[cfg(feature = "redis")]
    Redis(Arc<crate::redis::RedisReplay>),
}

/// What a key lookup answers: the key's secret, `Ok(None)` for a key it does not know, or
/// `Err(KeyLookupFailed)` when it could not tell (its database is down, …).
pub type LookupResult = Result<Option<Zeroizing<Vec<u8>>>, KeyLookupFailed>;

/// A key lookup's failure to answer. [`Verifier::check`] then returns [`Error::KeyLookupFailed`]
/// instead of a verdict, so that a server can tell "try again later" from "unknown key".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyLookupFailed;

type Lookup = dyn Fn(&[u8]) -> LookupResult + Send + Sync;

/// Checks requests for one scheme. Any number of threads may check at once; keys may be added
/// while others check.
pub struct Verifier {
    scheme: Arc<Recipe>,
    state: ReplayState,
    signers: RwLock<HashMap<Vec<u8>, Arc<Signer>>>,
    lookup: Option<Box<Lookup>>,
    counters: RwLock<HashMap<Vec<u8>, Arc<Counter>>>,
    /// The requests accepted inside their window (recipes without a nonce).
    seen: SeenSet,
    /// Replaces the recipe's window when set.
    window_ms: Option<u64>,
    /// Milliseconds since the epoch (the system clock unless a test or caller gives another).
    clock: Arc<Clock>,
}

type Clock = dyn Fn() -> u64 + Send + Sync;

fn system_clock_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme.name)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for the scheme called `scheme`, with no keys yet and in-memory replay state.
    pub fn new(scheme: &str) -> Result<Verifier, Error> {
        Verifier::with_recipe(Recipe::preset(scheme).ok_or(Error::UnknownScheme)?)
    }

    /// A verifier for any recipe, built in or parsed. [`Verifier::check_request`] follows every
    /// recipe; the lower-level [`Verifier::check`] only those whose signature is a tag over the
    /// payload (the seed schemes), and says [`Error::VerifyUnsupported`] for the others.
    pub fn with_recipe(scheme: Arc<Recipe>) -> Result<Verifier, Error> {
        Ok(Verifier {
            scheme,
            state: ReplayState::Memory,
            signers: RwLock::default(),
            lookup: None,
            counters: RwLock::default(),
            seen: SeenSet::default(),
            window_ms: None,
            clock: Arc::new(system_clock_ms),
        })
    }

    /// Whether [`Verifier::check`] (method, path, payload and three header values) can follow the
    /// recipe: a tag in a header or a signed call, over the payload, with a header or parameter nonce.
    fn follows_payload_only(scheme: &Recipe) -> bool {
        let tag_in_header = scheme.tag_encoding().is_some() && scheme.header_carrying("signature").is_some();
        (tag_in_header || scheme.is_signed_call())
            && scheme.signs_payload_only()
            && (scheme.nonce_param().is_some() || scheme.header_carrying("nonce").is_some())
    }

    /// Uses `window_ms` for every timestamp instead of the recipe's window (and of the one a client
    /// may ask for); also how long a request without a timestamp is remembered.
    pub fn with_window_ms(mut self, window_ms: u64) -> Verifier {
        self.window_ms = Some(window_ms);
        self
    }

    /// [`Verifier::with_window_ms`] in place (for the C API, whose handle is already made).
    pub fn set_window_ms(&mut self, window_ms: u64) {
        self.window_ms = Some(window_ms);
    }

    /// Reads the time (milliseconds since the epoch) from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Verifier {
        self.clock = Arc::new(clock);
        self
    }

    /// Remembers at most `capacity` recent requests (default [`DEFAULT_SEEN_CAPACITY`]); past it,
    /// [`Verifier::check_request`] answers [`Error::ReplayMemoryFull`] until some expire.
    pub fn with_seen_capacity(mut self, capacity: usize) -> Verifier {
        self.seen = SeenSet::with_capacity(capacity);
        self
    }

    /// The recent requests remembered in memory (for measuring what the window costs).
    pub fn seen(&self) -> &SeenSet {
        &self.seen
    }

    /// Keeps the replay state in `dir` (created 0700 if missing, and checked now as
    /// [`Counter::open_file`] checks state, so that an unusable or unsafe directory shows here),
    /// shared with other processes. Keys added before move to their state
    /// files there (opened now, so errors show here too).
    pub fn shared_state(mut self, dir: impl Into<PathBuf>) -> Result<Verifier, Error> {
        let dir = dir.into();
        crate::state::check_dir(&dir)?;
        self.state = ReplayState::Dir(dir);
        let counters = self.counters.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        let keys: Vec<Vec<u8>> = counters.drain().map(|(key, _)| key).collect();
        for key in keys {
            self.counter(&key)?;
        }
        Ok(self)
    }

    /// Keeps the replay state in the Redis server at `url` (see [`crate::redis`] for URLs and key
    /// names; `prefix` defaults to `restsign:`), shared by every verifier on every host that uses
    /// it: each check-and-set is one atomic script on the server. Only the URL is checked here
    /// ([`crate::redis::RedisReplay::ping`] tries the connection); a check that cannot reach Redis
    /// is an `Err` (one of the `Error::Redis*`), never a verdict.
    #[cfg(feature = "redis")]
    pub fn replay_redis(mut self, url: &str, prefix: Option<&str>) -> Result<Verifier, Error> {
        self.set_replay_redis(url, prefix)?;
        Ok(self)
    }

    /// [`Verifier::replay_redis`] in place (for the C API, whose handle is already made). While
    /// the state is in Redis, counters given to [`Verifier::add_key_with_counter`] are not used.
    #[cfg(feature = "redis")]
    pub fn set_replay_redis(&mut self, url: &str, prefix: Option<&str>) -> Result<(), Error> {
        self.state = ReplayState::Redis(Arc::new(crate::redis::RedisReplay::open(url, prefix)?));
        Ok(())
    }

    /// The Redis replay state, if the verifier keeps it there: timestamp recipes record the
    /// signatures seen inside their window through [`crate::redis::RedisReplay::first_seen`].
    #[cfg(feature = "redis")]
    pub fn redis_replay(&self) -> Option<&crate::redis::RedisReplay> {
        match &self.state {
            ReplayState::Redis(redis) => Some(redis),
            _ => None,
        }
    }

    /// Asks `lookup(key)` for the secret of a key not in the table (a database, a vault…). It is
    /// called for every request with such a key, from the checking thread (so possibly from several
    /// threads at once); see [`LookupResult`].
    pub fn with_lookup(mut self, lookup: impl Fn(&[u8]) -> LookupResult + Send + Sync + 'static) -> Verifier {
        self.lookup = Some(Box::new(lookup));
        self
    }

    pub fn scheme(&self) -> &Recipe {
        &self.scheme
    }

    /// Adds (or replaces the secret of) a key. With shared state its state file is opened now,
    /// so a bad state directory is reported here rather than on the first request.
    pub fn add_key(&self, key: &[u8], secret: &[u8]) -> Result<(), Error> {
        self.add_key_with_passphrase(key, secret, b"")
    }

    /// Adds a key with its passphrase (OKX, KuCoin…): requests must then carry that passphrase
    /// (KuCoin signs it). Without one ([`Verifier::add_key`]), the passphrase a request carries
    /// is taken as it is.
    pub fn add_key_with_passphrase(&self, key: &[u8], secret: &[u8], passphrase: &[u8]) -> Result<(), Error> {
        let signer = self.make_signer(key, secret, passphrase)?;
        let id = self.key_id(key);
        self.counter(&id)?;
        write(&self.signers).insert(id, Arc::new(signer));
        Ok(())
    }

    /// Adds a key whose replay state is `counter` (for example `Counter::open_file` on a path of
    /// the caller's choosing). Replaces any state the key had.
    pub fn add_key_with_counter(&self, key: &[u8], secret: &[u8], counter: Counter) -> Result<(), Error> {
        let signer = self.make_signer(key, secret, b"")?;
        let id = self.key_id(key);
        write(&self.counters).insert(id.clone(), Arc::new(counter));
        write(&self.signers).insert(id, Arc::new(signer));
        Ok(())
    }

    /// A signer for checking `key`'s requests; an empty passphrase stands for "not known".
    fn make_signer(&self, key: &[u8], secret: &[u8], passphrase: &[u8]) -> Result<Signer, Error> {
        let known = !passphrase.is_empty();
        // A stand-in passes the signer's check of the passphrase and is forgotten at once.
        let given: &[u8] = if known { passphrase } else { b"-" };
        let passphrase = self.scheme.needs_passphrase.then(|| Zeroizing::new(given.to_vec()));
        let signer = Signer::with_recipe(
            self.scheme.clone(),
            key,
            secret,
            crate::SignerOptions { passphrase, ..Default::default() },
        )?;
        Ok(if known { signer } else { signer.forget_passphrase() })
    }

    /// The state file of `key` when the state is shared: `<dir>/verify-<hash of scheme and key>`.
    /// Distinct from a signer's nonce file, so a client and a server on one host never share one.
    pub fn state_path(&self, key: &[u8]) -> Option<PathBuf> {
        let ReplayState::Dir(dir) = &self.state else { return None };
        Some(dir.join(format!("verify-{}", self.state_name(key))))
    }

    /// What names `key`'s replay state, in a file or in Redis: a hash of scheme and key.
    fn state_name(&self, key: &[u8]) -> String {
        let mut hash = Sha256::new();
        hash.update(b"restsign verifier state v1\0");
        hash.update(self.scheme.name.as_bytes());
        hash.update(b"\0");
        hash.update(self.key_id(key));
        hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks one request. `Err` only when the request could not be checked: the replay state
    /// cannot be read or written (a state file or Redis error) or the key lookup failed
    /// ([`Error::KeyLookupFailed`]); every verdict about the request itself is an `Ok`.
    pub fn check(&self, received: &Received<'_>) -> Result<Verdict, Error> {
        if !Verifier::follows_payload_only(&self.scheme) {
            return Err(Error::VerifyUnsupported);
        }
        match self.check_inner(received) {
            Ok(verdict) => Ok(verdict),
            Err(Rejection::Malformed(m)) => Ok(Verdict::Malformed(m)),
            Err(Rejection::Part(_, m)) => Ok(Verdict::Malformed(m)),
            Err(Rejection::Missing(_)) => Ok(Verdict::Malformed(Malformed::MissingPart)),
            Err(Rejection::Unchecked(e)) => Err(e),
        }
    }

    fn check_inner(&self, received: &Received<'_>) -> Result<Verdict, Rejection> {
        let scheme = &*self.scheme;
        if crate::signer::check_method(received.method).is_err() {
            return Err(Malformed::InvalidMethod.into());
        }
        // The key, the payload the HMAC covers, and the signature text to compare.
        let stream_call;
        let (key, payload, signature): (Vec<u8>, &[u8], &[u8]) = match scheme.is_signed_call() {
            true => {
                let text = received.payload.trim_ascii();
                stream_call = decode_base64(text).ok_or(Malformed::CallNotBase64)?;
                if stream_call.len() < UUID_LEN + scheme.hash.tag_len() {
                    return Err(Malformed::CallTooShort.into());
                }
                let uuid = crate::request::uuid_text(stream_call[..UUID_LEN].try_into().expect("16 bytes"));
                (uuid, &stream_call[UUID_LEN + scheme.hash.tag_len()..], text)
            }
            false => {
                let key = match &scheme.key_param {
                    None => received.key.map(<[u8]>::to_vec),
                    Some(field) => form_field(received.payload, field)?,
                };
                let key = key.filter(|k| !k.is_empty()).ok_or(Malformed::MissingKey)?;
                (key, received.payload, received.signature.ok_or(Malformed::MissingSignature)?)
            }
        };
        let key = self.key_id(&key);
        let Some(signer) = self.signer(&key)? else {
            return Ok(Verdict::UnknownKey { key });
        };

        let header_nonce = match scheme.header_carrying("nonce") {
            Some(_) => Some(parse_nonce(received.nonce.ok_or(Malformed::MissingNonce)?)?),
            None => None,
        };
        let path = received.path.strip_prefix(scheme.strip_prefix.as_bytes()).unwrap_or(received.path);
        let msg = Message { method: received.method, path, payload, nonce: header_nonce.unwrap_or(0) };
        let expected = signer.sign(&msg).map_err(|e| match e {
            Error::InvalidPath => Malformed::InvalidPath,
            Error::NonceOutOfRange => Malformed::BadNonce,
            _ => Malformed::InvalidMethod,
        })?;
        if !same_signature(scheme, expected.as_bytes(), signature) {
            let expected_message = signer.signed_message(&msg);
            let received_signature = signature.to_vec();
            return Ok(Verdict::BadSignature {
                key,
                expected_message,
                expected_signature: expected,
                received_signature,
            });
        }

        // Signed by the key's owner: only now may the replay state move.
        let nonce = match (scheme.nonce_param(), header_nonce) {
            (_, Some(n)) => Some(n),
            (Some(field), None) => self.field_nonce(received.method, payload, &field.name)?,
            (None, None) => unreachable!("a verifier's recipe has a nonce header or parameter"),
        };
        let replay = self.replay(&key).map_err(Rejection::Unchecked)?;
        let Some(nonce) = nonce else {
            if scheme.nonce_optional {
                return match replay.last().map_err(Rejection::Unchecked)? {
                    0 => Ok(Verdict::Valid { key, nonce: None }),
                    _ => Err(Malformed::NonceRequired.into()),
                };
            }
            return Err(Malformed::MissingNonce.into());
        };
        match replay.accept(nonce).map_err(Rejection::Unchecked)? {
            None => Ok(Verdict::Valid { key, nonce: Some(nonce) }),
            Some(last) => Ok(Verdict::StaleNonce { key, nonce, last }),
        }
    }

    /// Where `key`'s last accepted nonce lives.
    fn replay(&self, key: &[u8]) -> Result<KeyReplay, Error> {
        #[cfg(feature = "redis")]
        if let ReplayState::Redis(redis) = &self.state {
            return Ok(KeyReplay::Redis(redis.clone(), self.state_name(key)));
        }
        self.counter(key).map(KeyReplay::Local)
    }

    /// The nonce in the payload's field or JSON member, if there is one.
    fn field_nonce(&self, method: &str, payload: &[u8], field: &str) -> Result<Option<u64>, Malformed> {
        let json = self.scheme.body == BodyFormat::Json && !self.scheme.uses_query(method);
        if json {
            match json_member(payload, field)? {
                None => Ok(None),
                Some(serde_json::Value::Number(n)) => {
                    n.as_u64().filter(|&n| n <= MAX_NONCE).map(Some).ok_or(Malformed::BadNonce)
                }
                Some(serde_json::Value::String(s)) => parse_nonce(s.as_bytes()).map(Some),
                Some(_) => Err(Malformed::BadNonce),
            }
        } else {
            form_field(payload, field)?.map(|v| parse_nonce(&v)).transpose()
        }
    }

    /// How a key is filed: as given, or for UUID keys in lower case (so either case matches).
    fn key_id(&self, key: &[u8]) -> Vec<u8> {
        match self.scheme.key {
            KeyFormat::Text => key.to_vec(),
            KeyFormat::Uuid => key.to_ascii_lowercase(),
        }
    }

    /// The signer of `key`: from the table, else from the lookup (called without any lock held).
    fn signer(&self, key: &[u8]) -> Result<Option<Arc<Signer>>, KeyLookupFailed> {
        if let Some(signer) = read(&self.signers).get(key) {
            return Ok(Some(signer.clone()));
        }
        let Some(lookup) = &self.lookup else { return Ok(None) };
        let Some(secret) = lookup(key)? else { return Ok(None) };
        // A secret the lookup gives but the scheme refuses (empty, not base64) is no key at all.
        Ok(self.make_signer(key, &secret, b"").ok().map(Arc::new))
    }

    /// The replay state of `key`, made on first use.
    fn counter(&self, key: &[u8]) -> Result<Arc<Counter>, Error> {
        if let Some(counter) = read(&self.counters).get(key) {
            return Ok(counter.clone());
        }
        let mut counters = write(&self.counters);
        if let Some(counter) = counters.get(key) {
            return Ok(counter.clone());
        }
        let counter = Arc::new(match self.state_path(key) {
            None => Counter::in_memory(),
            Some(path) => Counter::open_file(&path, key, self.scheme.nonce_unit)?,
        });
        counters.insert(key.to_vec(), counter.clone());
        Ok(counter)
    }
}

/// One key's replay state: a [`Counter`] (memory or state file), or a key in Redis.
enum KeyReplay {
    Local(Arc<Counter>),
    #[cfg(feature = "redis")]
    Redis(Arc<crate::redis::RedisReplay>, String),
}

impl KeyReplay {
    fn last(&self) -> Result<u64, Error> {
        match self {
            KeyReplay::Local(counter) => counter.last(),
            #[cfg(feature = "redis")]
            KeyReplay::Redis(redis, name) => redis.last(name),
        }
    }

    /// Records `nonce` if fresh (`None`); else `Some(last accepted)`.
    fn accept(&self, nonce: u64) -> Result<Option<u64>, Error> {
        match self {
            KeyReplay::Local(counter) => match counter.accept(nonce)? {
                true => Ok(None),
                false => counter.last().map(Some),
            },
            #[cfg(feature = "redis")]
            KeyReplay::Redis(redis, name) => match redis.accept(name, nonce)? {
                crate::redis::Accepted::Yes => Ok(None),
                crate::redis::Accepted::Stale { last } => Ok(Some(last)),
            },
        }
    }
}

/// Why `check_inner` stopped early.
enum Rejection {
    Malformed(Malformed),
    /// A named part of the request is unreadable.
    Part(String, Malformed),
    /// A named part of the request is missing.
    Missing(String),
    /// Not a verdict: the state file or the key lookup failed.
    Unchecked(Error),
}

impl From<KeyLookupFailed> for Rejection {
    fn from(_: KeyLookupFailed) -> Rejection {
        Rejection::Unchecked(Error::KeyLookupFailed)
    }
}

impl From<Malformed> for Rejection {
    fn from(m: Malformed) -> Rejection {
        Rejection::Malformed(m)
    }
}

// A panic elsewhere cannot leave these maps half-updated (each change is one insert), so a
// poisoned lock is still safe to use.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Compares the expected signature with the received one in constant time, decoded when the
/// signature is an encoded tag (hex in either case, base64 with line breaks: see
/// [`request::received_tag`]); the signed call of mtgox-stream is compared as text.
fn same_signature(scheme: &Recipe, expected: &[u8], received: &[u8]) -> bool {
    match (request::received_tag(&scheme.signature, expected), request::received_tag(&scheme.signature, received)) {
        (Some(Some(want)), Some(Some(got))) => want.ct_eq(&got).into(),
        (Some(_), Some(None)) => false,
        _ => expected.ct_eq(received).into(),
    }
}

/// A nonce in decimal ASCII: 1 to 19 digits, at most 2^63 − 1.
fn parse_nonce(text: &[u8]) -> Result<u64, Malformed> {
    window::decimal(text).filter(|&n| n <= MAX_NONCE).ok_or(Malformed::BadNonce)
}

/// The decoded value of form field `name` in `application/x-www-form-urlencoded` text (a body or a
/// query string); `None` if absent. A name given twice is ambiguous (servers disagree on which
/// wins), so it is refused.
fn form_field(form: &[u8], name: &str) -> Result<Option<Vec<u8>>, Malformed> {
    let pairs = request::form_pairs(form, crate::encode::Space::Plus);
    request::only_one(&pairs, name).map(|v| v.map(<[u8]>::to_vec))
}

/// Member `name` of the JSON object `json`, if present. Not an object, or a member twice: malformed.
fn json_member(json: &[u8], name: &str) -> Result<Option<serde_json::Value>, Malformed> {
    let members = request::json_object(json)?;
    let Some((_, raw)) = members.iter().find(|(n, _)| n == name) else { return Ok(None) };
    serde_json::from_str(raw.get()).map(Some).map_err(|_| Malformed::NotJsonObject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded_and_duplicates_refused() {
        assert_eq!(form_field(b"a=1&nonce=42&b", "nonce"), Ok(Some(b"42".to_vec())));
        assert_eq!(form_field(b"a=1&b=2", "nonce"), Ok(None));
        assert_eq!(form_field(b"non%63e=7", "nonce"), Ok(Some(b"7".to_vec())));
        assert_eq!(form_field(b"key=a+b%2Fc%zz%4", "key"), Ok(Some(b"a b/c%zz%4".to_vec())));
        assert_eq!(form_field(b"nonce=1&nonce=2", "nonce"), Err(Malformed::Duplicate));
    }

    #[test]
    fn nonces_are_plain_decimal_within_63_bits() {
        assert_eq!(parse_nonce(b"9223372036854775807"), Ok(MAX_NONCE));
        for bad in [&b""[..], b"9223372036854775808", b"-1", b"1e3", b" 1", b"99999999999999999999"] {
            assert_eq!(parse_nonce(bad), Err(Malformed::BadNonce), "{bad:?}");
        }
    }

    #[test]
    fn json_members_are_found_once() {
        assert_eq!(json_member(br#"{"a":{"tonce":1},"tonce":5}"#, "tonce"), Ok(Some(5.into())));
        assert_eq!(json_member(br#"{"a":1}"#, "tonce"), Ok(None));
        assert_eq!(json_member(br#"{"tonce":1,"tonce":2}"#, "tonce"), Err(Malformed::Duplicate));
        for bad in [&b"[1]"[..], b"{", b"{} x", br#"{"coin": "BTC", tonce: 1}"#] {
            assert_eq!(json_member(bad, "tonce"), Err(Malformed::NotJsonObject), "{bad:?}");
        }
    }

    #[test]
    fn uuid_text_round_trips() {
        let bytes = [0x12, 0x34, 0x56, 0x78, 0xab, 0xcd, 0x12, 0x34, 0xab, 0xcd, 0x50, 0x28, 0x6e, 0x64, 0x9d, 0x5c];
        assert_eq!(crate::request::uuid_text(bytes), b"12345678-abcd-1234-abcd-50286e649d5c");
    }

    #[test]
    fn header_block_lines_need_a_colon() {
        let scheme = &*Recipe::preset("poloniex").unwrap();
        let r = Received::new("POST", b"/", b"").with_header_block(scheme, b"key: k \r\nSIGN:s\nOther: x\r\n").unwrap();
        assert_eq!((r.key, r.signature), (Some(&b"k"[..]), Some(&b"s"[..])));
        assert_eq!(
            Received::new("POST", b"/", b"").with_header_block(scheme, b"Key k\r\n").err(),
            Some(Malformed::HeaderLine)
        );
        assert_eq!(
            Received::new("POST", b"/", b"").with_header_block(scheme, b"Key: a\r\nkey: b\r\n").err(),
            Some(Malformed::Duplicate)
        );
    }
}
