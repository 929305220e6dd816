//! The engine restsign had before recipes became data (scheme.rs, signer.rs, request.rs as of
//! 39107d3), frozen: `tests/legacy_equivalence.rs` checks that the recipe engine signs exactly as
//! this code did.
pub mod request;
pub mod scheme;
pub mod signer;
