//! State files against another local user, as two real users: `restsign-a` (the victim, who signs
//! and verifies) and `restsign-b` (the other user), created with `useradd` if missing. Needs root
//! (to create the users and switch to them with `setpriv`); skipped, saying so, otherwise.
//!
//! Each case runs the victim's side in a child process (this test binary re-run as `restsign-a`
//! with `RESTSIGN_STATE_CHILD` set), under a timeout, and checks that it was refused with the
//! expected error, accepted no replay, did not hang and was not killed by a signal.

use restsign::nonce::{self, ClockNonce, Counter, NonceSource};
use restsign::recipe::NonceUnit;
use restsign::{Received, Recipe, Request, Signer, Verdict, Verifier};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &[u8] = b"state-security-key";
const SECRET: &[u8] = b"state-security-secret";
const VICTIM: &str = "restsign-a";
const OTHER: &str = "restsign-b";

/// The victim's side: one action, its outcome printed as `RESULT <Debug>` (draws print values).
#[test]
fn child_acts_when_asked() {
    let Ok(spec) = std::env::var("RESTSIGN_STATE_CHILD") else { return };
    let args: Vec<&str> = spec.split('|').collect();
    let result = match args[0] {
        "open" => {
            format!("{:?}", Counter::open_file(Path::new(args[1]), KEY, NonceUnit::Millis).and_then(|c| c.last()))
        }
        "default" => format!("{:?}", nonce::default_source(KEY, NonceUnit::Millis).and_then(|s| s.next())),
        "verify" => {
            // A correctly signed request with nonce args[2], checked against state in args[1].
            let nonce: u64 = args[2].parse().unwrap();
            let outcome = Verifier::new("poloniex").and_then(|v| v.shared_state(args[1])).and_then(|v| {
                v.add_key(KEY, SECRET)?;
                let signer = Signer::new("poloniex", KEY, SECRET)?;
                let mut request = Request::new("POST", "/tradingApi");
                request.param("command", "returnBalances");
                let signed = signer.sign_request_with_nonce(&request, nonce)?;
                let scheme = &*Recipe::preset("poloniex").unwrap();
                let received = Received::new("POST", b"/tradingApi", &signed.body)
                    .with_header_block(scheme, &signed.header_block)
                    .unwrap();
                v.check(&received)
            });
            match outcome {
                Ok(Verdict::Valid { .. }) => "Valid".to_owned(),
                Ok(Verdict::StaleNonce { .. }) => "Stale".to_owned(),
                other => format!("{other:?}"),
            }
        }
        "draw" => {
            // Draw until an error, printing each value (flushed: the parent reads them as they come).
            let source = ClockNonce::shared_file(Path::new(args[1]), KEY, NonceUnit::Millis).unwrap();
            loop {
                match source.next() {
                    Ok(v) => println!("{v}"),
                    Err(e) => break format!("{:?}", Err::<u64, _>(e)),
                }
            }
        }
        other => panic!("unknown action {other}"),
    };
    println!("RESULT {result}");
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// (uid, gid) of `name`, created as a system user without a home if missing.
fn user(name: &str) -> (u32, u32) {
    // One useradd at a time: the tests run on parallel threads, and useradd fails on a locked passwd.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = CREATING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, name]).output().unwrap();
        out.status.success().then(|| String::from_utf8(out.stdout).unwrap().trim().parse::<u32>().unwrap())
    };
    if id("-u").is_none() {
        let status = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
            .status()
            .unwrap();
        assert!(status.success() || id("-u").is_some(), "useradd {name} failed");
    }
    (id("-u").unwrap(), id("-g").unwrap())
}

struct Env {
    base: PathBuf,
    victim: (u32, u32),
    other: (u32, u32),
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn setup(name: &str) -> Option<Env> {
    if !is_root() {
        eprintln!("SKIPPED: the two-user state tests need root (to create {VICTIM} and {OTHER} and switch to them)");
        return None;
    }
    let victim = user(VICTIM);
    let other = user(OTHER);
    // Like /tmp: anyone may create entries, only their owner may remove them.
    let base = std::env::temp_dir().join(format!("restsign-2u-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir(&base).unwrap();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o1777)).unwrap();
    Some(Env { base, victim, other })
}

fn chown(path: &Path, (uid, gid): (u32, u32)) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a shell command as `who`.
fn sh_as(who: (u32, u32), script: &str) {
    let status = Command::new("setpriv")
        .args([format!("--reuid={}", who.0), format!("--regid={}", who.1), "--clear-groups".into()])
        .args(["sh", "-c", script])
        .status()
        .unwrap();
    assert!(status.success(), "as {who:?}: {script}");
}

/// A directory owned by the victim, mode 0700, as restsign makes them.
fn victim_dir(env: &Env, name: &str) -> PathBuf {
    let dir = env.base.join(name);
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    chown(&dir, env.victim);
    dir
}

fn child_command(env: &Env, action: &str) -> Command {
    child_command_as(env, env.victim, None, action)
}

/// The child as `who`, with `group` as its one supplementary group (else none).
fn child_command_as(env: &Env, who: (u32, u32), group: Option<u32>, action: &str) -> Command {
    let groups = group.map_or("--clear-groups".to_owned(), |g| format!("--groups={g}"));
    let mut cmd = Command::new("setpriv");
    cmd.args([format!("--reuid={}", who.0), format!("--regid={}", who.1), groups])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "child_acts_when_asked", "--nocapture", "--test-threads=1", "-q"])
        .env("RESTSIGN_STATE_CHILD", action)
        .env("XDG_STATE_HOME", env.base.join("xdg"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the victim's `action` (under a 20 s timeout) and returns its RESULT.
fn as_victim(env: &Env, action: &str) -> String {
    run_child(child_command(env, action), action)
}

fn run_child(mut cmd: Command, action: &str) -> String {
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{action}: hung (killed after 20 s)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(status.signal(), None, "{action}: killed by a signal; stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(status.success(), "{action}: failed: {}", String::from_utf8_lossy(&out.stderr));
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| panic!("{action}: {stdout}"));
    result.to_owned()
}

/// A valid state file for KEY whose last value is `last`, made by this process.
fn state_file(path: &Path, last: u64) {
    let counter = Counter::open_file(path, KEY, NonceUnit::Millis).unwrap();
    if last > 0 {
        counter.advance(last).unwrap();
    }
}

#[test]
fn squatted_directories_are_refused() {
    let Some(env) = setup("squat") else { return };
    // The other user made the directory first (as /tmp/restsign-UID could be), world-writable.
    let squat = env.base.join("squat");
    sh_as(env.other, &format!("mkdir -m 0777 {0} && chmod 0777 {0}", squat.display()));
    assert_eq!(as_victim(&env, &format!("open|{}/state", squat.display())), "Err(StateNotOwned)");
    // Even if it looks private.
    sh_as(env.other, &format!("chmod 0700 {}", squat.display()));
    assert_eq!(as_victim(&env, &format!("open|{}/state", squat.display())), "Err(StateNotOwned)");
    // The default directory squatted: $XDG_STATE_HOME/restsign made by the other user.
    let xdg = env.base.join("xdg");
    std::fs::create_dir(&xdg).unwrap();
    chmod(&xdg, 0o755);
    chown(&xdg, env.victim);
    sh_as(env.victim, &format!("chmod 0777 {}", xdg.display()));
    sh_as(env.other, &format!("mkdir -m 0777 {0}/restsign && chmod 0777 {0}/restsign", xdg.display()));
    assert_eq!(as_victim(&env, "default"), "Err(StateNotOwned)");
    // A verifier's replay directory squatted, with a planted state file: refused, no request accepted.
    let planted = env.base.join("planted");
    sh_as(env.other, &format!("mkdir -m 0777 {0} && chmod 0777 {0}", planted.display()));
    assert_eq!(as_victim(&env, &format!("verify|{}|1000", planted.display())), "Err(StateNotOwned)");
}

#[test]
fn a_planted_or_loosened_state_file_is_refused_and_no_replay_is_accepted() {
    let Some(env) = setup("plant") else { return };
    let dir = victim_dir(&env, "v");
    let d = dir.display();
    // The victim's verifier accepts nonce 1000 once, and refuses it again.
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Valid");
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Stale");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("verify-"));
    let file = file.expect("the verifier's state file");
    // The other user's copy with the last nonce zeroed, 0666, in its place (the attack of issue 13).
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[48..56].copy_from_slice(&0u64.to_ne_bytes());
    let saved = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes).unwrap();
    chown(&file, env.other);
    chmod(&file, 0o666);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Err(StateNotOwned)", "the replay must not be accepted");
    // The victim's own file, loosened to 0666 or 0620: refused too, nothing repaired.
    chown(&file, env.victim);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Err(StateWritableByOthers)");
    chmod(&file, 0o620);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Err(StateGroupWritable)");
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o620, "nothing repaired silently");
    // Put right, the state still refuses the replay.
    std::fs::write(&file, &saved).unwrap();
    chmod(&file, 0o600);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1000")), "Stale");
    // A directory the victim made world- or group-writable is refused as well.
    chmod(&dir, 0o777);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1001")), "Err(StateWritableByOthers)");
    chmod(&dir, 0o770);
    assert_eq!(as_victim(&env, &format!("verify|{d}|1001")), "Err(StateGroupWritable)");
}

#[test]
fn symlinks_fifos_devices_directories_and_short_files_are_refused_without_hanging() {
    let Some(env) = setup("types") else { return };
    let dir = victim_dir(&env, "t");
    let open = |name: &str| as_victim(&env, &format!("open|{}", dir.join(name).display()));
    // A symlink to a valid state file of the other user's (or to anything).
    let theirs = env.base.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    state_file(&theirs.join("state"), 5);
    std::os::unix::fs::symlink(theirs.join("state"), dir.join("link")).unwrap();
    chown(&dir.join("link"), env.victim);
    assert_eq!(open("link"), "Err(StateSymlink)");
    // A symlinked directory.
    std::os::unix::fs::symlink(&dir, env.base.join("dirlink")).unwrap();
    assert_eq!(as_victim(&env, &format!("open|{}/state", env.base.join("dirlink").display())), "Err(StateSymlink)");
    // A FIFO: once hung restsign_nonce_new_file forever.
    sh_as(env.victim, &format!("mkfifo -m 0600 {}", dir.join("fifo").display()));
    assert_eq!(open("fifo"), "Err(StateNotRegular)");
    // A device (what /dev/null is), and a directory.
    let status = Command::new("mknod").args(["-m", "0600"]).arg(dir.join("dev")).args(["c", "1", "3"]).status();
    assert!(status.unwrap().success());
    chown(&dir.join("dev"), env.victim);
    assert_eq!(open("dev"), "Err(StateNotRegular)");
    sh_as(env.victim, &format!("mkdir -m 0700 {}", dir.join("subdir").display()));
    assert_eq!(open("subdir"), "Err(StateNotRegular)");
    // A truncated state file.
    sh_as(env.victim, &format!("head -c 20 /dev/zero > {0}; printf RSNONCE1 > {0}", dir.join("short").display()));
    assert_eq!(open("short"), "Err(NonceStateTruncated)");
    // None of them was touched.
    assert!(std::fs::symlink_metadata(dir.join("link")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(dir.join("short")).unwrap(), b"RSNONCE1");
}

#[test]
fn a_file_truncated_under_a_drawing_process_is_an_error_not_sigbus() {
    let Some(env) = setup("trunc") else { return };
    let dir = victim_dir(&env, "d");
    let path = dir.join("state");
    let mut child = child_command(&env, &format!("draw|{}", path.display())).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let start = Instant::now();
    while std::fs::metadata(&path).map_or(true, |m| m.len() != 64) {
        assert!(start.elapsed() < Duration::from_secs(20), "the drawing process never made its file");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the drawing process did not stop after its file was truncated");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), None, "killed by a signal (SIGBUS?)");
    let stdout = reader.join().unwrap();
    assert!(stdout.contains("RESULT Err(StateChanged)"), "{}", &stdout[stdout.len().saturating_sub(300)..]);
    assert_ne!(std::fs::metadata(&path).unwrap().len(), 64, "a truncated file is not repaired silently");
}

#[test]
fn a_replaced_file_is_followed_without_a_repeat_and_a_foreign_one_is_refused() {
    let Some(env) = setup("replace") else { return };
    let dir = victim_dir(&env, "r");
    let path = dir.join("state");
    let mut child = child_command(&env, &format!("draw|{}", path.display())).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let start = Instant::now();
    while std::fs::metadata(&path).map_or(true, |m| m.len() != 64) {
        assert!(start.elapsed() < Duration::from_secs(20), "the drawing process never made its file");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    // A valid file for the same key with a low last value, renamed over the one in use (made in a
    // directory of this process's own, as restsign refuses to work in the victim's as another user).
    let scratch = env.base.join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let fresh = scratch.join("fresh");
    state_file(&fresh, 1);
    chown(&fresh, env.victim);
    std::fs::rename(&fresh, &path).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // Then another key's file: the drawing process must stop, not reset.
    let foreign = scratch.join("foreign");
    Counter::open_file(&foreign, b"another-key", NonceUnit::Millis).unwrap();
    chown(&foreign, env.victim);
    std::fs::rename(&foreign, &path).unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the drawing process did not stop at a foreign file");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), None);
    let text = reader.join().unwrap();
    let values: Vec<u64> = text.lines().filter_map(|l| l.parse().ok()).collect();
    assert!(values.len() > 100, "drew {} values", values.len());
    assert!(values.windows(2).all(|w| w[0] < w[1]), "a value repeated or went back after the replacement");
    assert!(text.contains("RESULT Err(NonceStateForeign)"), "{}", &text[text.len().saturating_sub(300)..]);
}

#[test]
fn stale_temporary_files_do_not_matter_and_killed_creators_leave_none() {
    let Some(env) = setup("stale") else { return };
    let dir = victim_dir(&env, "s");
    // What older versions left behind (pid-named), and one in today's naming, even a FIFO.
    for name in [".restsign-nonce-1-0.tmp", ".restsign-nonce-2-0.tmp", ".restsign-0000000000000000.tmp"] {
        std::fs::write(dir.join(name), b"stale").unwrap();
        chown(&dir.join(name), env.victim);
    }
    sh_as(env.victim, &format!("mkfifo -m 0600 {}/.restsign-1111111111111111.tmp", dir.display()));
    let planted = 4;
    assert_eq!(as_victim(&env, &format!("open|{}/state", dir.display())), "Ok(0)");
    // Creators killed at random points while making the file leave nothing behind.
    for i in 0..20u64 {
        let path = dir.join(format!("killed-{i}"));
        let mut child = child_command(&env, &format!("open|{}", path.display())).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(500 * (i % 10)));
        let _ = child.kill();
        let _ = child.wait();
    }
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(left.len(), planted, "temporary files left behind: {left:?}");
}

/// The one way two users share a key's state: a directory they name, setgid, of a group both are
/// in. Both draw from one sequence; a third user outside the group is refused.
#[test]
fn two_users_share_state_through_a_setgid_group_directory() {
    let Some(env) = setup("share") else { return };
    let out = Command::new("getent").args(["group", "restsign-share"]).output().unwrap();
    if !out.status.success() {
        let _ = Command::new("groupadd").args(["--system", "restsign-share"]).status();
    }
    let out = Command::new("getent").args(["group", "restsign-share"]).output().unwrap();
    let gid: u32 = String::from_utf8(out.stdout).unwrap().split(':').nth(2).unwrap().trim().parse().unwrap();
    let dir = env.base.join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::lchown(&dir, Some(env.victim.0), Some(gid)).unwrap();
    chmod(&dir, 0o2770);
    let path = dir.join("state");
    let draw = |who, group| {
        let action = format!("open|{}", path.display());
        let result = run_child(child_command_as(&env, who, group, &action), &action);
        // `open` reports the last value; draw one to move it.
        let counter = result.strip_prefix("Ok(").and_then(|r| r.strip_suffix(')')).map(|v| v.parse::<u64>().unwrap());
        (result, counter)
    };
    // A makes the file (0660, the directory's group) and B, in the group, opens the same state.
    assert!(draw(env.victim, Some(gid)).1.is_some());
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.mode() & 0o777, meta.gid(), meta.uid()), (0o660, gid, env.victim.0));
    state_file_as_group(&path, 500);
    assert_eq!(draw(env.other, Some(gid)).1, Some(500), "both users see one sequence");
    // Without the group: refused, not reset.
    assert_eq!(draw(env.other, None).0, "Err(StateNotOwned)");
    // The same directory without setgid is no longer a sharing one.
    chmod(&dir, 0o0770);
    assert_eq!(draw(env.victim, Some(gid)).0, "Err(StateGroupWritable)");
}

/// Advances the shared file at `path` to `to` as root (who owns nothing there, but root's writes
/// stand in for either user's draws).
fn state_file_as_group(path: &Path, to: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[48..56].copy_from_slice(&to.to_ne_bytes());
    std::fs::write(path, bytes).unwrap();
}
