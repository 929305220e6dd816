//! Generates the C header from `src/ffi/` into `OUT_DIR/restsign.h`, and gives the shared library a
//! versioned SONAME. The committed copy in `include/` is checked against this one by
//! `tests/header.rs`; `scripts/update-header` refreshes it.

use std::{env, path::PathBuf};

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("restsign.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut header = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut header);
    // cbindgen closes its C++ guards with `// comments`, which C89 does not have: the header is
    // promised to compile as -std=c89 -pedantic (tests/c/header_c89.c), so they become /* */.
    let header = String::from_utf8(header).expect("cbindgen writes UTF-8")
        .replace("#endif // __cplusplus", "#endif /* __cplusplus */")
        .replace("#endif  // __cplusplus", "#endif /* __cplusplus */")
        .replace("}  // extern \"C\"", "} /* extern \"C\" */");
    assert!(!header.lines().any(|l| l.trim_start().starts_with('#') && l.contains("//")), "a // comment cbindgen added");
    std::fs::write(&out, header).expect("write restsign.h");

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
