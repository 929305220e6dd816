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
    BufferTooSmall { needed: usize },
    NoHeaders,
    /// An input so long that the output length would overflow.
    TooLong,
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
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.message().to_str().expect("messages are ASCII");
        match self {
            Error::BufferTooSmall { needed } => write!(f, "{text}: {needed} bytes needed"),
            _ => f.write_str(text),
        }
    }
}

impl std::error::Error for Error {}
