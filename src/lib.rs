//! restsign: sign requests to crypto-exchange and payment APIs, correctly and fast.
//!
//! A safe Rust core (this crate's public API) and a C ABI in [`ffi`] (see `include/restsign.h`).
//! A [`Signer`] holds one credential for one [`Recipe`]; it keys its HMAC once and signs any
//! number of requests from any number of threads without allocating.
//!
//! ```
//! use restsign::{Message, Signer};
//! let signer = Signer::new("viabtc", b"16289e05354c3c3814b8f3045950395f",
//!     b"d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0").unwrap();
//! let sig = signer.sign(&Message { method: "GET", path: b"/res/openapi/v1/hashrate",
//!     payload: b"coin=BTC&amount=1.0&tonce=1513746038205", nonce: 1513746038205 }).unwrap();
//! // The value published in ViaBTC's documentation.
//! assert_eq!(sig, "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59");
//! ```

pub mod encode;
mod error;
pub mod ffi;
mod mac;
pub mod nonce;
pub mod recipe;
#[cfg(feature = "redis")]
pub mod redis;
mod request;
mod signer;
mod state;
pub mod verify;

pub use error::Error;
pub use nonce::{ClockNonce, Counter, FnNonce, NonceSource};
pub use recipe::{Recipe, RecipeError, presets};
pub use request::{Request, SignedRequest};
pub use signer::{Message, Signer, SignerOptions, UUID_LEN};
pub use verify::{KeyLookupFailed, LookupResult, Received, Verdict, Verifier};

/// The longest signature text any header-based scheme writes: SHA-512 in hex.
pub const MAX_TAG_TEXT_LEN: usize = 128;

/// The crate version, as `restsign_version()` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
