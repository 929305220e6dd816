//! The C surface: status codes, the panic boundary and pointer checks, then one file per concept.
//!
//! Nothing in the core knows about C. Each exported function checks its pointers, turns them into
//! Rust values once, calls the core inside [`ffi_boundary!`] (so no panic unwinds into C), and
//! maps the result to a [`restsign_status`].
#![allow(non_camel_case_types)]

use crate::Error;
use std::ffi::{CStr, c_char};

mod handle;
mod nonce;
mod recipe;
mod request;
mod signer;
mod verify;
pub(crate) use handle::*;
pub use nonce::*;
pub use recipe::*;
pub use request::*;
pub use signer::*;
pub use verify::*;

/// Status of every fallible call: `RESTSIGN_OK` (0) or one of the `RESTSIGN_ERR_*` codes below.
/// Numbers are never reused; `restsign_strerror` describes any value.
pub type restsign_status = i32;

/// Success.
pub const RESTSIGN_OK: restsign_status = 0;
/// A required pointer argument (a name, a method, an out-pointer) is NULL.
pub const RESTSIGN_ERR_NULL_ARGUMENT: restsign_status = 1;
/// A data pointer is NULL but its length is not zero.
pub const RESTSIGN_ERR_NULL_WITH_LENGTH: restsign_status = 2;
/// The handle argument is NULL.
pub const RESTSIGN_ERR_NULL_HANDLE: restsign_status = 3;
/// The output buffer is too small (or this was a size query): nothing was written and `*out_len`
/// holds the capacity needed, terminating NUL included.
pub const RESTSIGN_ERR_BUFFER_TOO_SMALL: restsign_status = 4;
/// The scheme name is not one restsign knows.
pub const RESTSIGN_ERR_UNKNOWN_SCHEME: restsign_status = 5;
/// The secret is empty.
pub const RESTSIGN_ERR_EMPTY_SECRET: restsign_status = 6;
/// The scheme needs a base64 secret and this one is not valid base64.
pub const RESTSIGN_ERR_SECRET_NOT_BASE64: restsign_status = 7;
/// The scheme needs a UUID key (`mtgox-stream`) and this one is not.
pub const RESTSIGN_ERR_KEY_NOT_UUID: restsign_status = 8;
/// The key is empty or contains control characters.
pub const RESTSIGN_ERR_INVALID_KEY: restsign_status = 9;
/// The HTTP method is empty or not an HTTP token.
pub const RESTSIGN_ERR_INVALID_METHOD: restsign_status = 10;
/// The scheme sends no headers (`mtgox-stream`): use `restsign_signer_sign_into`.
pub const RESTSIGN_ERR_NO_HEADERS: restsign_status = 11;
/// An input is too long for its output to be sized.
pub const RESTSIGN_ERR_TOO_LONG: restsign_status = 12;
/// restsign hit an internal error (a bug); the call had no effect.
pub const RESTSIGN_ERR_INTERNAL: restsign_status = 13;
/// The next nonce would exceed 2^63 - 1.
pub const RESTSIGN_ERR_NONCE_EXHAUSTED: restsign_status = 14;
/// A caller-supplied nonce source gave a value not above its previous one.
pub const RESTSIGN_ERR_NONCE_NOT_INCREASING: restsign_status = 15;
/// The nonce state file is shorter than a state record.
pub const RESTSIGN_ERR_NONCE_STATE_TRUNCATED: restsign_status = 16;
/// The file is not a restsign nonce state, or was made for another key or unit.
pub const RESTSIGN_ERR_NONCE_STATE_FOREIGN: restsign_status = 17;
/// The nonce state file is damaged.
pub const RESTSIGN_ERR_NONCE_STATE_CORRUPT: restsign_status = 18;
/// The nonce state file could not be created, opened or mapped.
pub const RESTSIGN_ERR_NONCE_STATE_IO: restsign_status = 19;
/// A caller-supplied nonce callback reported failure.
pub const RESTSIGN_ERR_NONCE_CALLBACK_FAILED: restsign_status = 20;
/// A request was given both parameters and a body.
pub const RESTSIGN_ERR_PARAMS_AND_BODY: restsign_status = 21;
/// A JSON body is not a JSON object.
pub const RESTSIGN_ERR_JSON_NOT_OBJECT: restsign_status = 22;
/// A parameter of a JSON request is not UTF-8.
pub const RESTSIGN_ERR_JSON_NOT_UTF8: restsign_status = 23;
/// The request has not been signed yet (call restsign_request_sign first).
pub const RESTSIGN_ERR_NOT_SIGNED: restsign_status = 24;
/// The nonce unit is not one of the RESTSIGN_NONCE_UNIT_* values.
pub const RESTSIGN_ERR_INVALID_UNIT: restsign_status = 25;
/// An index is past the end.
pub const RESTSIGN_ERR_INDEX_OUT_OF_RANGE: restsign_status = 26;
/// The request carries the caller's own nonce (a raw body): restsign drew none.
pub const RESTSIGN_ERR_NO_NONCE: restsign_status = 27;
/// A nonce given by the caller is 0 or above 2^63 - 1.
pub const RESTSIGN_ERR_NONCE_OUT_OF_RANGE: restsign_status = 28;
/// A verifier's key lookup callback reported a failure: the request could not be checked.
pub const RESTSIGN_ERR_KEY_LOOKUP_FAILED: restsign_status = 29;

// Recipes (50 and up).
/// The recipe needs a passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin) and none was given.
pub const RESTSIGN_ERR_PASSPHRASE_MISSING: restsign_status = 50;
/// The passphrase is empty or contains control characters.
pub const RESTSIGN_ERR_INVALID_PASSPHRASE: restsign_status = 51;
/// A base URL is not `http(s)://host[:port]` without a path.
pub const RESTSIGN_ERR_INVALID_BASE_URL: restsign_status = 52;
/// The recipe signs a timestamp, a UUID or the parameters themselves: only the request builder
/// (`restsign_request_*`) can sign for it.
pub const RESTSIGN_ERR_NEEDS_REQUEST: restsign_status = 53;
/// A path contains a control character, a space or DEL.
pub const RESTSIGN_ERR_INVALID_PATH: restsign_status = 54;
/// A UUID is not 36 characters of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
pub const RESTSIGN_ERR_INVALID_UUID: restsign_status = 55;
/// A header value would contain a line break or another control character.
pub const RESTSIGN_ERR_INVALID_HEADER_VALUE: restsign_status = 56;
/// The recipe text was refused; `restsign_recipe_parse` wrote where and why into its error buffer.
pub const RESTSIGN_ERR_INVALID_RECIPE: restsign_status = 57;
/// `restsign_verifier_check` cannot follow this recipe (it signs a timestamp, a UUID or a JWT):
/// use `restsign_verifier_check_request`.
pub const RESTSIGN_ERR_VERIFY_UNSUPPORTED: restsign_status = 58;
/// The verifier remembers as many recent requests as it may (timestamp recipes): this one cannot
/// be checked for replay until some expire.
pub const RESTSIGN_ERR_REPLAY_MEMORY_FULL: restsign_status = 59;

// State directories and files refused before use (60-69). Nothing is repaired silently.
/// A state directory or file is not owned by the effective user (outside a directory set up for
/// group sharing): someone else could reset it. Remove it or use another directory.
pub const RESTSIGN_ERR_STATE_NOT_OWNED: restsign_status = 60;
/// A state directory or file is writable by others: remove it or `chmod o-w`.
pub const RESTSIGN_ERR_STATE_WRITABLE_BY_OTHERS: restsign_status = 61;
/// A state directory or file is group-writable outside a directory named by the caller that is
/// setgid with one of the caller's groups (the one way to share state between users).
pub const RESTSIGN_ERR_STATE_GROUP_WRITABLE: restsign_status = 62;
/// The state file or its directory is a symbolic link.
pub const RESTSIGN_ERR_STATE_SYMLINK: restsign_status = 63;
/// A FIFO, device, socket or directory is where the state file should be (or a file where the
/// state directory should be).
pub const RESTSIGN_ERR_STATE_NOT_REGULAR: restsign_status = 64;
/// The state file was truncated or overwritten while in use (draws stop until it is restored or
/// removed).
pub const RESTSIGN_ERR_STATE_CHANGED: restsign_status = 65;
/// No state directory: neither `$XDG_STATE_HOME` nor a home directory is known.
pub const RESTSIGN_ERR_STATE_NO_HOME: restsign_status = 66;

// Verdicts of restsign_verifier_check and restsign_verifier_check_request (40 to 49).
/// The signature does not match the request (the verdict holds what was expected).
pub const RESTSIGN_ERR_BAD_SIGNATURE: restsign_status = 40;
/// Correctly signed, but the nonce is not above the last one accepted for this key (a replay).
pub const RESTSIGN_ERR_STALE_NONCE: restsign_status = 41;
/// The request lacks a key, nonce or signature, or one cannot be parsed (the verdict says which).
pub const RESTSIGN_ERR_MALFORMED: restsign_status = 42;
/// The verifier knows no secret for the request's key.
pub const RESTSIGN_ERR_UNKNOWN_KEY: restsign_status = 43;
/// Only a verdict of `RESTSIGN_ERR_BAD_SIGNATURE` carries an expected message and signature.
pub const RESTSIGN_ERR_NO_EXPECTED: restsign_status = 44;
/// The verdict's request named no key (it was malformed, or the check did not run).
pub const RESTSIGN_ERR_NO_KEY: restsign_status = 45;
/// The verdict has not been through `restsign_verifier_check` or `_check_request` yet.
pub const RESTSIGN_ERR_NOT_CHECKED: restsign_status = 46;
/// Correctly signed, but the timestamp is outside the window around the server's clock.
pub const RESTSIGN_ERR_OUTSIDE_WINDOW: restsign_status = 47;
/// Correctly signed and inside its window, but this very request was accepted before (a replay).
pub const RESTSIGN_ERR_REPLAYED: restsign_status = 48;
/// The verdict names no part of the request (only a part missing, unreadable or not matching does).
pub const RESTSIGN_ERR_NO_PART: restsign_status = 49;

// Redis (70 to 79): nonces and replay state shared through a Redis server.
/// Redis could not be reached: connection refused or closed, socket missing, server gone.
pub const RESTSIGN_ERR_REDIS_UNAVAILABLE: restsign_status = 70;
/// Redis did not answer within the timeout (connect, read or write; 1 s unless the URL sets
/// `timeout_ms`).
pub const RESTSIGN_ERR_REDIS_TIMEOUT: restsign_status = 71;
/// Redis refused the credentials: wrong or missing password, unknown user, or no permission.
pub const RESTSIGN_ERR_REDIS_AUTH: restsign_status = 72;
/// restsign's Lua script failed on the Redis server.
pub const RESTSIGN_ERR_REDIS_SCRIPT: restsign_status = 73;
/// A value in Redis (or a reply) is not a decimal number from 0 to 2^63 - 1.
pub const RESTSIGN_ERR_REDIS_BAD_VALUE: restsign_status = 74;
/// The Redis URL is invalid, or its scheme is not redis, redis+unix or unix.
pub const RESTSIGN_ERR_REDIS_URL: restsign_status = 75;
/// A rediss URL (Redis over TLS): not supported by this build.
pub const RESTSIGN_ERR_REDIS_TLS_UNSUPPORTED: restsign_status = 76;
/// The key's nonce counter in Redis was made for another nonce unit.
pub const RESTSIGN_ERR_REDIS_UNIT_MISMATCH: restsign_status = 77;
/// This library was built without Redis support (cargo feature `redis`, CMake `RESTSIGN_REDIS`).
pub const RESTSIGN_ERR_REDIS_NOT_BUILT: restsign_status = 78;
/// The Redis server refused the command: read-only replica, loading, out of memory, busy.
pub const RESTSIGN_ERR_REDIS_SERVER: restsign_status = 79;

/// Compile-time bound on a header scheme's signature text (SHA-512 as hex), without the NUL.
pub const RESTSIGN_MAX_TAG_LEN: usize = 128;
const _: () = assert!(RESTSIGN_MAX_TAG_LEN == crate::MAX_TAG_TEXT_LEN);

/// The status of a core error. Exhaustive: a new core error does not compile until it has a code.
pub(crate) fn status_of(err: Error) -> restsign_status {
    match err {
        Error::UnknownScheme => RESTSIGN_ERR_UNKNOWN_SCHEME,
        Error::EmptySecret => RESTSIGN_ERR_EMPTY_SECRET,
        Error::SecretNotBase64 => RESTSIGN_ERR_SECRET_NOT_BASE64,
        Error::KeyNotUuid => RESTSIGN_ERR_KEY_NOT_UUID,
        Error::InvalidKey => RESTSIGN_ERR_INVALID_KEY,
        Error::InvalidMethod => RESTSIGN_ERR_INVALID_METHOD,
        Error::BufferTooSmall { .. } => RESTSIGN_ERR_BUFFER_TOO_SMALL,
        Error::NoHeaders => RESTSIGN_ERR_NO_HEADERS,
        Error::TooLong => RESTSIGN_ERR_TOO_LONG,
        Error::NonceExhausted => RESTSIGN_ERR_NONCE_EXHAUSTED,
        Error::NonceNotIncreasing => RESTSIGN_ERR_NONCE_NOT_INCREASING,
        Error::NonceStateTruncated => RESTSIGN_ERR_NONCE_STATE_TRUNCATED,
        Error::NonceStateForeign => RESTSIGN_ERR_NONCE_STATE_FOREIGN,
        Error::NonceStateCorrupt => RESTSIGN_ERR_NONCE_STATE_CORRUPT,
        Error::NonceStateIo { .. } => RESTSIGN_ERR_NONCE_STATE_IO,
        Error::NonceCallbackFailed => RESTSIGN_ERR_NONCE_CALLBACK_FAILED,
        Error::ParamsAndBody => RESTSIGN_ERR_PARAMS_AND_BODY,
        Error::JsonNotObject => RESTSIGN_ERR_JSON_NOT_OBJECT,
        Error::JsonNotUtf8 => RESTSIGN_ERR_JSON_NOT_UTF8,
        Error::NonceOutOfRange => RESTSIGN_ERR_NONCE_OUT_OF_RANGE,
        Error::KeyLookupFailed => RESTSIGN_ERR_KEY_LOOKUP_FAILED,
        Error::PassphraseMissing => RESTSIGN_ERR_PASSPHRASE_MISSING,
        Error::InvalidPassphrase => RESTSIGN_ERR_INVALID_PASSPHRASE,
        Error::InvalidBaseUrl => RESTSIGN_ERR_INVALID_BASE_URL,
        Error::NeedsRequest => RESTSIGN_ERR_NEEDS_REQUEST,
        Error::InvalidPath => RESTSIGN_ERR_INVALID_PATH,
        Error::InvalidUuid => RESTSIGN_ERR_INVALID_UUID,
        Error::InvalidHeaderValue => RESTSIGN_ERR_INVALID_HEADER_VALUE,
        Error::InvalidRecipe => RESTSIGN_ERR_INVALID_RECIPE,
        Error::VerifyUnsupported => RESTSIGN_ERR_VERIFY_UNSUPPORTED,
        Error::ReplayMemoryFull => RESTSIGN_ERR_REPLAY_MEMORY_FULL,
        Error::StateNotOwned => RESTSIGN_ERR_STATE_NOT_OWNED,
        Error::StateWritableByOthers => RESTSIGN_ERR_STATE_WRITABLE_BY_OTHERS,
        Error::StateGroupWritable => RESTSIGN_ERR_STATE_GROUP_WRITABLE,
        Error::StateSymlink => RESTSIGN_ERR_STATE_SYMLINK,
        Error::StateNotRegular => RESTSIGN_ERR_STATE_NOT_REGULAR,
        Error::StateChanged => RESTSIGN_ERR_STATE_CHANGED,
        Error::StateNoHome => RESTSIGN_ERR_STATE_NO_HOME,
        Error::RedisUnavailable => RESTSIGN_ERR_REDIS_UNAVAILABLE,
        Error::RedisTimeout => RESTSIGN_ERR_REDIS_TIMEOUT,
        Error::RedisAuth => RESTSIGN_ERR_REDIS_AUTH,
        Error::RedisScript => RESTSIGN_ERR_REDIS_SCRIPT,
        Error::RedisBadValue => RESTSIGN_ERR_REDIS_BAD_VALUE,
        Error::RedisUrl => RESTSIGN_ERR_REDIS_URL,
        Error::RedisTlsUnsupported => RESTSIGN_ERR_REDIS_TLS_UNSUPPORTED,
        Error::RedisUnitMismatch => RESTSIGN_ERR_REDIS_UNIT_MISMATCH,
        Error::RedisNotBuilt => RESTSIGN_ERR_REDIS_NOT_BUILT,
        Error::RedisServer => RESTSIGN_ERR_REDIS_SERVER,
        Error::Internal => RESTSIGN_ERR_INTERNAL,
    }
}

/// Every core error, for `restsign_strerror`'s reverse lookup (one value per variant).
const CORE_ERRORS: [Error; 49] = [
    Error::UnknownScheme,
    Error::EmptySecret,
    Error::SecretNotBase64,
    Error::KeyNotUuid,
    Error::InvalidKey,
    Error::InvalidMethod,
    Error::BufferTooSmall { needed: 0 },
    Error::NoHeaders,
    Error::TooLong,
    Error::NonceExhausted,
    Error::NonceNotIncreasing,
    Error::NonceStateTruncated,
    Error::NonceStateForeign,
    Error::NonceStateCorrupt,
    Error::NonceStateIo { errno: 0 },
    Error::NonceCallbackFailed,
    Error::ParamsAndBody,
    Error::JsonNotObject,
    Error::JsonNotUtf8,
    Error::NonceOutOfRange,
    Error::KeyLookupFailed,
    Error::PassphraseMissing,
    Error::InvalidPassphrase,
    Error::InvalidBaseUrl,
    Error::NeedsRequest,
    Error::InvalidPath,
    Error::InvalidUuid,
    Error::InvalidHeaderValue,
    Error::InvalidRecipe,
    Error::VerifyUnsupported,
    Error::ReplayMemoryFull,
    Error::StateNotOwned,
    Error::StateWritableByOthers,
    Error::StateGroupWritable,
    Error::StateSymlink,
    Error::StateNotRegular,
    Error::StateChanged,
    Error::StateNoHome,
    Error::RedisUnavailable,
    Error::RedisTimeout,
    Error::RedisAuth,
    Error::RedisScript,
    Error::RedisBadValue,
    Error::RedisUrl,
    Error::RedisTlsUnsupported,
    Error::RedisUnitMismatch,
    Error::RedisNotBuilt,
    Error::RedisServer,
    Error::Internal,
];

/// A static, NUL-terminated description of any status value, known or not. Never NULL; never freed.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_strerror(status: restsign_status) -> *const c_char {
    let text: &'static CStr = match status {
        RESTSIGN_OK => c"success",
        RESTSIGN_ERR_NULL_ARGUMENT => c"a required pointer argument is NULL",
        RESTSIGN_ERR_NULL_WITH_LENGTH => c"a data pointer is NULL but its length is not zero",
        RESTSIGN_ERR_NULL_HANDLE => c"the handle is NULL",
        RESTSIGN_ERR_BUFFER_TOO_SMALL => {
            c"the output buffer is too small; *out_len holds the capacity needed (NUL included)"
        }
        RESTSIGN_ERR_NOT_SIGNED => c"the request has not been signed yet (call restsign_request_sign first)",
        RESTSIGN_ERR_INVALID_UNIT => c"the nonce unit is not one of the RESTSIGN_NONCE_UNIT_* values",
        RESTSIGN_ERR_INDEX_OUT_OF_RANGE => c"the index is past the end",
        RESTSIGN_ERR_NO_NONCE => c"the request carries the caller's own nonce: restsign drew none",
        RESTSIGN_ERR_BAD_SIGNATURE => c"invalid signature: it does not match the request",
        RESTSIGN_ERR_STALE_NONCE => c"stale nonce: not greater than the last nonce accepted for this key (replay?)",
        RESTSIGN_ERR_MALFORMED => c"malformed request: a key, nonce or signature is missing or cannot be parsed",
        RESTSIGN_ERR_UNKNOWN_KEY => c"unknown API key",
        RESTSIGN_ERR_NO_EXPECTED => c"only a bad-signature verdict carries an expected message and signature",
        RESTSIGN_ERR_NO_KEY => c"the verdict's request named no key",
        RESTSIGN_ERR_NOT_CHECKED => {
            c"the verdict has not been through a check yet (restsign_verifier_check, _check_request)"
        }
        RESTSIGN_ERR_OUTSIDE_WINDOW => c"the request's timestamp is outside the window around the server's clock",
        RESTSIGN_ERR_REPLAYED => c"replayed request: this very request was accepted before",
        RESTSIGN_ERR_NO_PART => c"the verdict names no part of the request (only one about a single part does)",
        _ => match CORE_ERRORS.iter().find(|&&e| status_of(e) == status) {
            Some(err) => err.message(),
            None => c"unknown restsign status code",
        },
    };
    text.as_ptr()
}

/// The library version (`"MAJOR.MINOR.PATCH"`), static and NUL-terminated.
#[unsafe(no_mangle)]
pub extern "C" fn restsign_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Runs `body`, turning a panic into `RESTSIGN_ERR_INTERNAL` and `Err(status)` into that status.
macro_rules! ffi_boundary {
    ($body:block) => {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<(), $crate::ffi::restsign_status> {
            $body
        })) {
            Ok(Ok(())) => $crate::ffi::RESTSIGN_OK,
            Ok(Err(status)) => status,
            Err(_) => $crate::ffi::RESTSIGN_ERR_INTERNAL,
        }
    };
}
pub(crate) use ffi_boundary;

/// Gives back a handle made by `Box::into_raw`; NULL is a no-op. What every `_free` does.
///
/// # Safety
/// `handle` must be NULL or come from `Box::into_raw(Box<T>)`, and not be used again.
pub(crate) unsafe fn free_boxed<T>(handle: *mut T) {
    let _ = ffi_boundary!({
        if !handle.is_null() {
            // SAFETY: as the caller promised; ownership returns here once.
            drop(unsafe { Box::from_raw(handle) });
        }
        Ok(())
    });
}

/// `len` bytes at `ptr`; NULL is fine when `len` is 0.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(ptr: *const c_char, len: usize) -> Result<&'a [u8], restsign_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(RESTSIGN_ERR_NULL_WITH_LENGTH);
    }
    if len > isize::MAX as usize {
        return Err(RESTSIGN_ERR_TOO_LONG);
    }
    // SAFETY: non-NULL, length bounded, validity promised by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast(), len) })
}

/// `len` bytes at `ptr` that must be UTF-8 (`invalid` otherwise); NULL is fine when `len` is 0.
///
/// # Safety
/// As for [`bytes_arg`].
pub(crate) unsafe fn utf8_arg<'a>(
    ptr: *const c_char,
    len: usize,
    invalid: restsign_status,
) -> Result<&'a str, restsign_status> {
    std::str::from_utf8(unsafe { bytes_arg(ptr, len) }?).map_err(|_| invalid)
}

/// A NUL-terminated string argument; `invalid` is returned if it is not UTF-8.
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, invalid: restsign_status) -> Result<&'a str, restsign_status> {
    if ptr.is_null() {
        return Err(RESTSIGN_ERR_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL and NUL-terminated, as promised by the caller.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|_| invalid)
}

/// The caller's text buffer contract: `write` fills the front of a slice of `out_cap - 1` bytes
/// and returns the length; a NUL follows it and `*out_len` gets the length. If it does not fit,
/// nothing is written and `*out_len` gets the capacity needed (NUL included).
/// `out == NULL && out_cap == 0` is a size query.
///
/// # Safety
/// A non-NULL `out` must be valid for writes of `out_cap` bytes; a non-NULL `out_len` for one write.
pub(crate) unsafe fn text_out(
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
    write: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
) -> Result<(), restsign_status> {
    if out_len.is_null() {
        return Err(RESTSIGN_ERR_NULL_ARGUMENT);
    }
    // SAFETY: checked non-NULL above; validity promised by the caller.
    let out_len = unsafe { &mut *out_len };
    *out_len = 0;
    if out.is_null() && out_cap != 0 {
        return Err(RESTSIGN_ERR_NULL_WITH_LENGTH);
    }
    if out_cap > isize::MAX as usize {
        return Err(RESTSIGN_ERR_TOO_LONG);
    }
    let buf: &mut [u8] = if out.is_null() {
        &mut []
    } else {
        // SAFETY: non-NULL, length bounded, validity promised by the caller.
        unsafe { std::slice::from_raw_parts_mut(out.cast(), out_cap) }
    };
    let room = out_cap.saturating_sub(1);
    match write(&mut buf[..room]) {
        Ok(n) => {
            buf[n] = 0;
            *out_len = n;
            Ok(())
        }
        Err(Error::BufferTooSmall { needed }) => {
            *out_len = needed.checked_add(1).ok_or(RESTSIGN_ERR_TOO_LONG)?;
            Err(RESTSIGN_ERR_BUFFER_TOO_SMALL)
        }
        Err(other) => Err(status_of(other)),
    }
}
