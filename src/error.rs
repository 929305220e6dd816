//! The one error type of the Rust core.

use std::ffi::CStr;
use std::fmt;

/// Everything that can go wrong in the core. The C layer maps each to its own status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    UnknownScheme,
    EmptySecret,
    SecretNotBase64,
    KeyNotUuid,
    InvalidKey,
    InvalidMethod,
    /// The output does not fit; `needed` is the length of the text (without any NUL).
    BufferTooSmall {
        needed: usize,
    },
    NoHeaders,
    /// An input so long that the output length would overflow.
    TooLong,
    /// The next nonce would exceed 2^63 − 1.
    NonceExhausted,
    /// A caller-supplied nonce source gave a value not above its last one.
    NonceNotIncreasing,
    /// The nonce state file is shorter than a state record.
    NonceStateTruncated,
    /// The file is not a restsign nonce state, or belongs to another key or unit.
    NonceStateForeign,
    /// The nonce state file is damaged.
    NonceStateCorrupt,
    /// The nonce state file could not be created, opened or mapped (`errno` from the OS).
    NonceStateIo {
        errno: i32,
    },
    /// A caller-supplied nonce callback reported failure.
    NonceCallbackFailed,
    /// A request was given both parameters and a body.
    ParamsAndBody,
    /// A JSON body is not a JSON object.
    JsonNotObject,
    /// A nonce given by the caller is 0 or above 2^63 − 1 (nonces are 63-bit positive integers).
    NonceOutOfRange,
    /// A parameter of a JSON request is not UTF-8.
    JsonNotUtf8,
    /// A verifier's key lookup reported a failure (its store could not be read), so the request
    /// could not be checked. Not a verdict: an unknown key is `Verdict::UnknownKey`.
    KeyLookupFailed,
    /// The recipe needs a passphrase and none was given.
    PassphraseMissing,
    /// The passphrase is empty or contains control characters.
    InvalidPassphrase,
    /// A base URL is not `http(s)://host[:port]`.
    InvalidBaseUrl,
    /// The recipe signs a clock, a UUID or the parameters themselves: only the request builder
    /// can sign for it.
    NeedsRequest,
    /// A path contains a control byte, a space or DEL.
    InvalidPath,
    /// A UUID is not 36 characters of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
    InvalidUuid,
    /// A header value would contain a line break or another control byte.
    InvalidHeaderValue,
    /// restsign hit an internal error (a bug).
    Internal,
    /// A recipe was refused (the parse error says where and what).
    InvalidRecipe,
    /// The low-level check (method, path, payload, three header values) cannot follow this recipe:
    /// check the whole request instead.
    VerifyUnsupported,
    /// The verifier remembers as many recent requests as it may: this one cannot be checked for
    /// replay until some expire.
    ReplayMemoryFull,
    /// A state directory or file is not owned by the effective user (and is not in a directory set
    /// up for group sharing): someone else could rewrite it.
    StateNotOwned,
    /// A state directory or file is writable by others.
    StateWritableByOthers,
    /// A state directory or file is writable by its group, outside a directory set up for sharing
    /// (setgid, its group one of the caller's groups).
    StateGroupWritable,
    /// The state file (or its directory) is a symbolic link.
    StateSymlink,
    /// A FIFO, device, socket or directory where a state file should be (or a file where the
    /// state directory should be).
    StateNotRegular,
    /// The state file was cut short or rewritten while in use.
    StateChanged,
    /// No state directory: neither `$XDG_STATE_HOME` nor a home directory is known.
    StateNoHome,
    /// Redis could not be reached: connection refused or closed, socket missing, server gone.
    RedisUnavailable,
    /// Redis did not answer within the timeout (connect, read or write).
    RedisTimeout,
    /// Redis refused the credentials (wrong password or user, none given, or no permission).
    RedisAuth,
    /// restsign's Lua script failed on the Redis server.
    RedisScript,
    /// A value in Redis (or a reply) is not the decimal number restsign stores.
    RedisBadValue,
    /// The Redis URL is not valid (or not one of redis://, redis+unix://, unix://).
    RedisUrl,
    /// `rediss://` (TLS) is not supported by this build.
    RedisTlsUnsupported,
    /// The key's counter in Redis was made for another nonce unit.
    RedisUnitMismatch,
    /// This library was built without Redis support (cargo feature `redis`).
    RedisNotBuilt,
    /// The Redis server refused the command (read-only replica, loading, out of memory, busy, …).
    RedisServer,
}

impl Error {
    /// A static description; the C API's `restsign_strerror` gives the same text.
    pub const fn message(&self) -> &'static CStr {
        match self {
            Error::UnknownScheme => c"unknown scheme name (restsign_scheme_name lists them)",
            Error::EmptySecret => c"the secret is empty",
            Error::SecretNotBase64 => c"the secret is not valid base64, which this scheme requires",
            Error::KeyNotUuid => {
                c"the key is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), which this scheme requires"
            }
            Error::InvalidKey => c"the key is empty or contains control characters",
            Error::InvalidMethod => c"the HTTP method is empty or not an HTTP token",
            Error::BufferTooSmall { .. } => c"the output buffer is too small",
            Error::NoHeaders => c"this scheme sends no headers: the signed call carries everything",
            Error::TooLong => c"an input is too long",
            Error::NonceExhausted => c"nonce exhausted: the next value would exceed 2^63-1",
            Error::NonceNotIncreasing => c"the nonce source returned a value not greater than its previous one",
            Error::NonceStateTruncated => c"the nonce state file is truncated",
            Error::NonceStateForeign => c"the file is not a restsign nonce state for this key and unit (foreign file)",
            Error::NonceStateCorrupt => c"the nonce state file is corrupt (checksum or value out of range)",
            Error::NonceStateIo { .. } => c"the nonce state file could not be created, opened or mapped",
            Error::NonceCallbackFailed => c"the nonce callback reported failure",
            Error::ParamsAndBody => c"a request has either parameters or a body, not both",
            Error::JsonNotObject => c"the JSON body is not a JSON object",
            Error::NonceOutOfRange => c"the nonce must be between 1 and 2^63-1",
            Error::JsonNotUtf8 => c"a parameter of a JSON request is not valid UTF-8",
            Error::KeyLookupFailed => c"the key lookup reported a failure: the request could not be checked",
            Error::PassphraseMissing => c"this recipe needs a passphrase (OKX, KuCoin, Coinbase Exchange, ...) and none was given",
            Error::InvalidPassphrase => c"the passphrase is empty or contains control characters",
            Error::InvalidBaseUrl => c"the base URL is not http(s)://host[:port] without a path",
            Error::NeedsRequest => {
                c"this recipe signs a timestamp, a UUID or the parameters themselves: use the request builder (restsign_request_*)"
            }
            Error::InvalidPath => c"the path contains a control character, a space or DEL",
            Error::InvalidUuid => c"the UUID is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            Error::InvalidHeaderValue => c"a header value would contain a line break or another control character",
            Error::Internal => c"internal error in restsign (a bug; please report it)",
            Error::InvalidRecipe => c"the recipe is invalid (the parse error says where and what)",
            Error::VerifyUnsupported => {
                c"this recipe signs more than the payload (a timestamp, a UUID, a JWT): check the whole request (restsign_verifier_check_request)"
            }
            Error::ReplayMemoryFull => {
                c"the verifier remembers as many recent requests as it may: this one cannot be checked for replay now (raise the capacity or shorten the window)"
            }
            Error::StateNotOwned => {
                c"the state directory or file is not owned by you, so someone else could reset it: remove it (or use another directory); to share state between users, use a setgid directory of a group you are in"
            }
            Error::StateWritableByOthers => {
                c"the state directory or file is writable by others, who could reset it: remove it or chmod o-w"
            }
            Error::StateGroupWritable => {
                c"the state directory or file is group-writable outside a shared directory: chmod g-w, or to share it use a directory you named, setgid (chmod g+s) and of a group you are in"
            }
            Error::StateSymlink => c"the state file or directory is a symbolic link, which is refused: replace it with the real one",
            Error::StateNotRegular => {
                c"a FIFO, device, socket or directory is where the state file should be (or a file where its directory should be): remove it"
            }
            Error::StateChanged => {
                c"the state file was truncated or overwritten while in use; restsign will not reset it: restore or remove it"
            }
            Error::StateNoHome => {
                c"no state directory: set $XDG_STATE_HOME or $HOME, or give a state file path"
            }
            Error::RedisUnavailable => c"Redis is unreachable: connection refused or closed (server down?)",
            Error::RedisTimeout => c"Redis did not answer within the timeout",
            Error::RedisAuth => c"Redis refused the credentials (wrong or missing password, or no permission)",
            Error::RedisScript => c"restsign's Lua script failed on the Redis server",
            Error::RedisBadValue => {
                c"Redis holds or returned a value that is not a nonce (a decimal number up to 2^63-1)"
            }
            Error::RedisUrl => {
                c"invalid Redis URL (redis://[user:password@]host:port/db, redis+unix:///path or unix:///path)"
            }
            Error::RedisTlsUnsupported => c"rediss:// (TLS) is not supported by this build of restsign",
            Error::RedisUnitMismatch => c"the key's nonce counter in Redis was made for another nonce unit",
            Error::RedisNotBuilt => c"this restsign was built without Redis support (cargo feature redis)",
            Error::RedisServer => c"the Redis server refused the command (read-only, loading, out of memory or busy)",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.message().to_str().expect("messages are ASCII");
        match self {
            Error::BufferTooSmall { needed } => write!(f, "{text}: {needed} bytes needed"),
            Error::NonceStateIo { errno } => {
                write!(f, "{text}: {}", std::io::Error::from_raw_os_error(*errno))
            }
            _ => f.write_str(text),
        }
    }
}

impl std::error::Error for Error {}
