//! The C test programs of `tests/c/`, built with the platform C compiler (found by the `cc` crate,
//! with `-Wall -Wextra -Wpedantic -Werror`) against the library cargo built for this very run,
//! and run: `test_api`, `test_errors` and `test_request` (both also under valgrind when it is
//! installed; `test_request` through the Python re-derivation `tests/request_crosscheck.py`),
//! `test_nonce`, `test_verify`, `test_verify_request` and `test_recipe` (also under valgrind), `header_cxx` (the header as C++11) and the
//! Python cross-check `tests/crosscheck.py`. CMake builds and runs the same programs (see CMakeLists.txt).
//!
//! Linking is static, against `librestsign.a`: cargo builds the staticlib and the cdylib in the
//! same rustc run as the rlib this test depends on, so it is always fresh and sits next to this
//! test's executable in `target/<profile>/deps/`. The shared library would need more: its SONAME
//! (`librestsign.so.0.1`) names a file that cargo does not create, so a dynamically linked program
//! would need a symlink made here plus an rpath. The CMake build and its install test cover the
//! shared library and its SONAME links instead.
#![cfg(unix)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `target/<profile>/deps`, where cargo put this test and the library it was built with.
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    exe.parent().expect("deps directory").to_path_buf()
}

/// Native libraries the Rust standard library in `librestsign.a` needs
/// (`rustc --print native-static-libs`).
fn native_libs() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["-lSystem", "-lc", "-lm"]
    } else {
        &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]
    }
}

/// Compiles and links `tests/c/<source>` into an executable and returns its path.
fn build(source: &str) -> PathBuf {
    build_with(source, &[])
}

/// As [`build`], with extra compiler flags (`-pthread`).
fn build_with(source: &str, flags: &[&str]) -> PathBuf {
    let deps = deps_dir();
    let lib = deps.join("librestsign.a");
    assert!(lib.is_file(), "{} is missing: cargo builds it with the lib target (crate-type staticlib)", lib.display());
    let profile = deps.parent().and_then(Path::file_name).expect("profile directory");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-suite").join(profile);
    std::fs::create_dir_all(&out_dir).unwrap();
    let source = Path::new(ROOT).join("tests/c").join(source);
    let exe = out_dir.join(source.file_stem().unwrap());

    let cpp = source.extension().is_some_and(|e| e == "cpp");
    let compiler = cc::Build::new()
        .target(env!("RESTSIGN_TARGET"))
        // These programs run here, so host and target are the same machine.
        .host(env!("RESTSIGN_TARGET"))
        .opt_level(0)
        .debug(true)
        .cargo_metadata(false)
        // Its compiler probes go here, not into the build script's OUT_DIR.
        .out_dir(&out_dir)
        .cpp(cpp)
        .std(if cpp { "c++11" } else { "c99" })
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .flag("-Wpedantic")
        .get_compiler();
    let mut cmd = compiler.to_command();
    cmd.arg("-I").arg(Path::new(ROOT).join("include"));
    cmd.arg(format!("-DRESTSIGN_EXPECTED_VERSION=\"{}\"", env!("CARGO_PKG_VERSION")));
    cmd.args(flags).arg(&source).arg("-o").arg(&exe).arg(&lib).args(native_libs());
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run the C compiler {cmd:?}: {e}"));
    assert!(output.status.success(), "compiling {} failed: {cmd:?}\n{}", source.display(), text(&output));
    exe
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs `cmd`, prints its output (shown by `cargo test -- --nocapture` or on failure), and fails
/// the test if it fails.
fn run(mut cmd: Command) -> Output {
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    print!("{}", text(&output));
    assert!(output.status.success(), "{cmd:?} failed ({})\n{}", output.status, text(&output));
    output
}

/// Says something even when the harness captures output (a skipped check must be visible).
fn notice(message: &str) {
    let _ = writeln!(std::io::stderr(), "c_suite: {message}");
}

fn found(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn test_api() {
    run(Command::new(build("test_api.c")));
}

/// Runs `exe` under valgrind (any error or leak of any kind fails it), or says it was skipped.
fn under_valgrind(exe: &Path) {
    if !found("valgrind") {
        // CI sets RESTSIGN_REQUIRE_VALGRIND=1 so that a missing valgrind cannot pass silently.
        assert!(std::env::var_os("RESTSIGN_REQUIRE_VALGRIND").is_none(), "valgrind is required but not on PATH");
        notice(&format!("SKIPPED {} under valgrind: valgrind is not on PATH", exe.display()));
        return;
    }
    let mut cmd = Command::new("valgrind");
    cmd.args(VALGRIND_ARGS).arg(format!("--suppressions={ROOT}/tests/c/valgrind.supp")).arg(exe);
    run(cmd);
}

/// Any error or leak of any kind fails; deep stacks so the suppressions can see whose memory it is.
const VALGRIND_ARGS: [&str; 5] =
    ["-q", "--leak-check=full", "--errors-for-leak-kinds=all", "--num-callers=50", "--error-exitcode=99"];

#[test]
fn test_errors_and_under_valgrind() {
    let exe = build("test_errors.c");
    run(Command::new(&exe));
    under_valgrind(&exe);
}

/// The request API: the C program's own checks, every request it signed re-derived by
/// tests/request_crosscheck.py (Python hmac/base64/urllib/json), and the program under valgrind.
#[test]
fn test_request_crosschecked_and_under_valgrind() {
    let exe = build("test_request.c");
    assert!(found("python3"), "python3 (standard library only) is needed for the request cross-check");
    let mut cmd = Command::new("python3");
    cmd.arg(Path::new(ROOT).join("tests/request_crosscheck.py")).arg(&exe);
    let output = run(cmd);
    assert!(String::from_utf8_lossy(&output.stdout).contains(", 0 failed, 7 schemes"));
    under_valgrind(&exe);
}

/// Nonce sources: files, callbacks, two threads and two processes on one source. Not under
/// valgrind here (7 s there); CTest runs it under valgrind and the sanitizers.
#[test]
fn test_nonce() {
    run(Command::new(build_with("test_nonce.c", &["-pthread"])));
}

/// The verifier with its keys behind a C lookup callback, four threads checking at once; and the
/// program under valgrind.
#[test]
fn test_verify_and_under_valgrind() {
    let exe = build_with("test_verify.c", &["-pthread"]);
    run(Command::new(&exe));
    under_valgrind(&exe);
}

/// The whole-request verifier from C: four presets signed and checked (valid, replayed, changed,
/// incomplete, unknown key), Kraken's published example, NULL and empty arguments; under valgrind.
#[test]
fn test_verify_request_and_under_valgrind() {
    let exe = build("test_verify_request.c");
    run(Command::new(&exe));
    under_valgrind(&exe);
}

/// Recipes from C: presets, parse errors, signer options, a fixed clock and UUID; under valgrind.
#[test]
fn test_recipe_and_under_valgrind() {
    let exe = build("test_recipe.c");
    run(Command::new(&exe));
    under_valgrind(&exe);
}

#[test]
fn header_compiles_as_cxx11() {
    run(Command::new(build("header_cxx.cpp")));
}

#[test]
fn crosscheck_with_python() {
    let exe = build("crosscheck.c");
    assert!(found("python3"), "python3 (standard library only) is needed for the cross-check");
    let mut cmd = Command::new("python3");
    cmd.arg(Path::new(ROOT).join("tests/crosscheck.py")).arg(&exe);
    let output = run(cmd);
    assert!(String::from_utf8_lossy(&output.stdout).contains(" 0 failed"));
}

/// The Redis calls (`restsign_nonce_new_redis`, `restsign_verifier_set_replay_redis`) against a
/// real redis-server that tests/c/with-redis starts for the program; and under valgrind.
#[cfg(feature = "redis")]
#[test]
fn test_redis_and_under_valgrind() {
    #[path = "support/redis_server.rs"]
    mod redis_server;
    if !redis_server::available() {
        return;
    }
    let exe = build("test_redis.c");
    let with_redis = || Command::new(Path::new(ROOT).join("tests/c/with-redis"));
    let mut cmd = with_redis();
    cmd.arg(&exe);
    run(cmd);
    if !found("valgrind") {
        assert!(std::env::var_os("RESTSIGN_REQUIRE_VALGRIND").is_none(), "valgrind is required but not on PATH");
        notice("SKIPPED test_redis under valgrind: valgrind is not on PATH");
        return;
    }
    let mut cmd = with_redis();
    cmd.arg("valgrind").args(VALGRIND_ARGS).arg(format!("--suppressions={ROOT}/tests/c/valgrind.supp")).arg(&exe);
    run(cmd);
}
