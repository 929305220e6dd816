//! The committed C header must be exactly what cbindgen generates from the current source.
//! `scripts/update-header` (RESTSIGN_UPDATE_HEADER=1) refreshes it.

use std::path::Path;

#[test]
fn committed_header_matches_generated() {
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/restsign.h")).unwrap();
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/restsign.h");
    if std::env::var_os("RESTSIGN_UPDATE_HEADER").is_some() {
        std::fs::write(&committed_path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(committed == generated, "include/restsign.h is stale: run scripts/update-header and commit the result");
}
