//! The nonce state file parser on arbitrary file contents: a clear error or a usable counter,
//! never a panic, never a value above 2^63 - 1, and never a reset below what the file recorded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restsign::nonce::{Counter, MAX_NONCE};
use restsign::recipe::NonceUnit;
use restsign::Error;

fuzz_target!(|contents: &[u8]| {
    let dir = std::env::temp_dir().join(format!("restsign-fuzz-nonce-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state");
    std::fs::write(&path, contents).unwrap();
    match Counter::open_file(&path, b"fuzz-key", NonceUnit::Millis) {
        Ok(counter) => {
            let last = counter.last().unwrap();
            assert!(last <= MAX_NONCE);
            match counter.advance(0) {
                Ok(next) => assert!(next > last && next <= MAX_NONCE),
                Err(e) => assert_eq!(e, Error::NonceExhausted),
            }
        }
        Err(
            Error::NonceStateTruncated | Error::NonceStateForeign | Error::NonceStateCorrupt | Error::NonceStateIo { .. },
        ) => {}
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
