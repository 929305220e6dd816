//! Generates the C header from `src/ffi/` into `OUT_DIR/restsign.h`, and gives the shared library a
//! versioned SONAME. The committed copy in `include/` is checked against this one by
//! `tests/header.rs`; `scripts/update-header` refreshes it.

use std::{env, path::PathBuf};

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("restsign.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write_to_file(&out);

    // librestsign.so.MAJOR: the soname changes only when the C ABI breaks.
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    // Before 1.0, a minor release may break the ABI (Cargo's rule), so it is part of the soname.
    let soname = if major == "0" { format!("librestsign.so.0.{minor}") } else { format!("librestsign.so.{major}") };
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rustc-env=RESTSIGN_SONAME={soname}");
    println!("cargo:rustc-env=RESTSIGN_TARGET={}", env::var("TARGET").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
}
