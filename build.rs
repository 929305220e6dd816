//! Generates the C header from `src/ffi/` into `OUT_DIR/restsign.h`, and gives the shared library a
//! versioned SONAME. The committed copy in `include/` is checked against this one by
//! `tests/header.rs`; `scripts/update-header` refreshes it. Also lists the preset recipes in
//! `src/recipe/presets/` for the library to embed.

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
    let header = String::from_utf8(header)
        .expect("cbindgen writes UTF-8")
        .replace("#endif // __cplusplus", "#endif /* __cplusplus */")
        .replace("#endif  // __cplusplus", "#endif /* __cplusplus */")
        .replace("}  // extern \"C\"", "} /* extern \"C\" */");
    assert!(
        !header.lines().any(|l| l.trim_start().starts_with('#') && l.contains("//")),
        "a // comment cbindgen added"
    );
    std::fs::write(&out, header).expect("write restsign.h");

    write_preset_list(&crate_dir);

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

/// `OUT_DIR/presets.rs`: every `src/recipe/presets/*.toml`, embedded. The seed schemes come first,
/// in the order the C API's scheme list has always had; the rest by file name.
fn write_preset_list(crate_dir: &std::path::Path) {
    const SEEDS: [&str; 7] = ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"];
    let dir = crate_dir.join("src/recipe/presets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/recipe/presets")
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".toml").map(str::to_owned))
        .collect();
    names.sort_by_key(|n| (SEEDS.iter().position(|s| s == n).unwrap_or(SEEDS.len()), n.clone()));
    let mut code = String::from("static PRESET_SOURCES: &[(&str, &str)] = &[\n");
    for name in names {
        let path = dir.join(format!("{name}.toml"));
        code += &format!("    ({:?}, include_str!({:?})),\n", format!("{name}.toml"), path.display().to_string());
    }
    code += "];\n";
    std::fs::write(PathBuf::from(env::var("OUT_DIR").unwrap()).join("presets.rs"), code).unwrap();
}
