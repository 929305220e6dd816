//! Nonces under real concurrency: threads, processes, a process killed mid-draw, damaged state.
//!
//! Child processes are this same test binary re-run with `RESTSIGN_NONCE_CHILD` set: it then
//! draws from the state file named there and prints each value on its own line.

use restsign::Error;
use restsign::nonce::{ClockNonce, Counter, NonceSource};
use restsign::recipe::NonceUnit;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

const KEY: &[u8] = b"nonce-test-key";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("restsign-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The child side: draw `count` values (0: until killed) and print them, flushing each.
#[test]
fn child_draws_when_asked() {
    let Ok(spec) = std::env::var("RESTSIGN_NONCE_CHILD") else { return };
    let (path, count) = spec.split_once('|').unwrap();
    let count: u64 = count.parse().unwrap();
    let source = ClockNonce::shared_file(Path::new(path), KEY, NonceUnit::Millis).unwrap();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut drawn = 0;
    while count == 0 || drawn < count {
        let v = source.next().unwrap();
        writeln!(out, "{v}").unwrap();
        if count == 0 {
            out.flush().unwrap(); // each value seen by the parent was handed out
        }
        drawn += 1;
    }
}

/// The child side of the default-signer test: `RESTSIGN_NONCE_DEFAULT_CHILD=count` draws that many
/// nonces from a signer made the way the README's quick start makes one (no source given).
#[test]
fn default_signer_child_draws_when_asked() {
    let Ok(count) = std::env::var("RESTSIGN_NONCE_DEFAULT_CHILD") else { return };
    let signer = restsign::Signer::new("poloniex", KEY, b"secret").unwrap();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count.parse::<u64>().unwrap() {
        writeln!(out, "{}", signer.next_nonce().unwrap()).unwrap();
    }
}

fn child(path: &Path, count: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_draws_when_asked", "--nocapture", "--test-threads=1", "-q"])
        .env("RESTSIGN_NONCE_CHILD", format!("{}|{count}", path.display()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Values printed by a child (the test harness adds its own lines, which are not numbers).
fn values(text: &str) -> Vec<u64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[test]
fn two_threads_a_million_draws_each_never_collide() {
    let source = Arc::new(ClockNonce::in_memory(NonceUnit::Millis));
    let per_thread = 1_000_000;
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let source = source.clone();
            std::thread::spawn(move || (0..per_thread).map(|_| source.next().unwrap()).collect::<Vec<u64>>())
        })
        .collect();
    let mut all = HashSet::new();
    for handle in handles {
        let values = handle.join().unwrap();
        assert!(values.windows(2).all(|w| w[0] < w[1]), "a thread's values must strictly increase");
        all.extend(values);
    }
    assert_eq!(all.len(), 2 * per_thread, "every value unique across threads");
}

#[test]
fn four_processes_share_one_sequence_through_the_state_file() {
    let dir = temp_dir("procs");
    let path = dir.join("state");
    let per_process = 200_000;
    let children: Vec<_> = (0..4).map(|_| child(&path, per_process)).collect();
    let mut all = HashSet::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        let v = values(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(v.len() as u64, per_process);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        all.extend(v);
    }
    assert_eq!(all.len() as u64, 4 * per_process, "every value unique across processes");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_process_killed_mid_draw_does_not_lose_the_sequence() {
    let dir = temp_dir("kill");
    let path = dir.join("state");
    // Push the sequence far ahead of the clock so a restart could only pass it by remembering.
    let seed = Counter::open_file(&path, KEY, NonceUnit::Millis).unwrap();
    seed.advance(u64::MAX / 4).unwrap();
    drop(seed);

    let mut victim = child(&path, 0);
    let mut lines = BufReader::new(victim.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while seen.len() < 50_000 {
        if let Ok(v) = lines.next().unwrap().unwrap().trim().parse::<u64>() {
            seen.push(v);
        }
    }
    // SIGKILL while it is still drawing.
    victim.kill().unwrap();
    victim.wait().unwrap();
    seen.extend(lines.map_while(Result::ok).filter_map(|l| l.trim().parse::<u64>().ok()));
    let highest = *seen.iter().max().unwrap();
    assert!(highest > u64::MAX / 4);

    let fresh = child(&path, 1).wait_with_output().unwrap();
    let first = values(&String::from_utf8(fresh.stdout).unwrap())[0];
    assert!(first > highest, "after kill -9 the next process starts above every value seen ({first} <= {highest})");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn damaged_state_files_are_errors_never_resets() {
    let dir = temp_dir("damaged");
    let good = dir.join("good");
    let counter = Counter::open_file(&good, KEY, NonceUnit::Millis).unwrap();
    counter.advance(1_000).unwrap();
    drop(counter);
    let bytes = std::fs::read(&good).unwrap();
    assert_eq!(bytes.len(), 64);

    let write = |name: &str, data: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let open = |p: &Path| Counter::open_file(p, KEY, NonceUnit::Millis).err();

    assert_eq!(open(&write("empty", b"")), Some(Error::NonceStateTruncated));
    assert_eq!(open(&write("cut", &bytes[..40])), Some(Error::NonceStateTruncated));
    assert_eq!(open(&write("text", b"hello, this is not a nonce file\n")), Some(Error::NonceStateForeign));
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"trailing");
    assert_eq!(open(&write("long", &longer)), Some(Error::NonceStateForeign));
    // Another key's (or unit's) state is consistent but not ours.
    assert_eq!(Counter::open_file(&good, b"other-key", NonceUnit::Millis).err(), Some(Error::NonceStateForeign));
    assert_eq!(Counter::open_file(&good, KEY, NonceUnit::Micros).err(), Some(Error::NonceStateForeign));
    // A flipped bit in the recorded key, or a last value beyond 2^63 - 1, is damage.
    let mut flipped = bytes.clone();
    flipped[20] ^= 1;
    assert_eq!(open(&write("flipped", &flipped)), Some(Error::NonceStateCorrupt));
    let mut huge = bytes.clone();
    huge[48..56].copy_from_slice(&u64::MAX.to_ne_bytes());
    assert_eq!(open(&write("huge", &huge)), Some(Error::NonceStateCorrupt));
    // None of that touched the good file, which still remembers its value.
    let again = Counter::open_file(&good, KEY, NonceUnit::Millis).unwrap();
    assert_eq!(again.last(), Ok(1_000));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unwritable_location_is_an_io_error() {
    let err = Counter::open_file(Path::new("/proc/restsign-cannot-be-here/state"), KEY, NonceUnit::Millis).err();
    assert!(matches!(err, Some(Error::NonceStateIo { .. })), "{err:?}");
}

/// Two processes with the default signer at once, then a restart: the README's promise.
#[test]
fn default_signers_in_two_processes_and_a_restart_never_repeat() {
    let dir = temp_dir("default");
    let run = |count: u64| {
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "default_signer_child_draws_when_asked", "--nocapture", "--test-threads=1", "-q"])
            .env("RESTSIGN_NONCE_DEFAULT_CHILD", count.to_string())
            .env("XDG_STATE_HOME", &dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let per_process = 20_000;
    let mut all = Vec::new();
    for c in [run(per_process), run(per_process)] {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        let v = values(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(v.len() as u64, per_process);
        all.extend(v);
    }
    let highest = *all.iter().max().unwrap();
    // Draws in ms far outpace the clock, so a restart that forgot would start below `highest`.
    let restarted = values(&String::from_utf8(run(1000).wait_with_output().unwrap().stdout).unwrap());
    assert!(restarted[0] > highest, "after a restart {} <= {highest}", restarted[0]);
    all.extend(restarted);
    let unique: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "{} repeats", all.len() - unique.len());
    // The state is where the documentation says.
    assert!(
        dir.join("restsign").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_str()
            .unwrap()
            .starts_with("nonce-"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A drawing child and the thread collecting its values.
struct Drawer {
    child: std::process::Child,
    reader: std::thread::JoinHandle<Vec<u64>>,
}

fn drawer(path: &Path, total: &Arc<std::sync::atomic::AtomicUsize>) -> Drawer {
    use std::sync::atomic::Ordering;
    let mut child = child(path, 0);
    let stdout = child.stdout.take().unwrap();
    let total = total.clone();
    let reader = std::thread::spawn(move || {
        let mut values = Vec::new();
        for line in BufReader::with_capacity(1 << 16, stdout).lines().map_while(Result::ok) {
            if let Ok(v) = line.trim().parse::<u64>() {
                values.push(v);
                total.fetch_add(1, Ordering::Relaxed);
            }
        }
        values
    });
    Drawer { child, reader }
}

/// The state file deleted again and again while four processes draw, some killed with SIGKILL and
/// restarted: over more than a million draws, no value is handed out twice.
#[test]
fn deleting_the_state_file_while_four_processes_draw_repeats_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    let dir = temp_dir("delete");
    let path = dir.join("state");
    let total = Arc::new(AtomicUsize::new(0));
    let mut drawers: Vec<Drawer> = (0..4).map(|_| drawer(&path, &total)).collect();
    let mut done: Vec<Vec<u64>> = Vec::new();
    let (mut deletions, mut kills, mut round) = (0, 0, 0usize);
    let start = Instant::now();
    while total.load(Ordering::Relaxed) < 1_100_000 {
        assert!(start.elapsed() < Duration::from_secs(300), "too slow: {} draws", total.load(Ordering::Relaxed));
        std::thread::sleep(Duration::from_millis(20));
        if std::fs::remove_file(&path).is_ok() {
            deletions += 1;
        }
        if round % 3 == 0 {
            // SIGKILL one or two of them (never all), and start new ones in their place.
            for slot in [round % 4, (round + 2) % 4].into_iter().take(1 + round % 2) {
                let Drawer { mut child, reader, .. } = drawers.swap_remove(slot.min(drawers.len() - 1));
                child.kill().unwrap();
                child.wait().unwrap();
                done.push(reader.join().unwrap());
                kills += 1;
            }
            // Restarted at once: the next deletion may come before they have opened the file.
            while drawers.len() < 4 {
                drawers.push(drawer(&path, &total));
            }
        }
        round += 1;
    }
    for Drawer { mut child, reader, .. } in drawers {
        child.kill().unwrap();
        child.wait().unwrap();
        done.push(reader.join().unwrap());
    }
    let mut all = Vec::new();
    for values in &done {
        assert!(values.windows(2).all(|w| w[0] < w[1]), "a process's values must strictly increase");
        all.extend_from_slice(values);
    }
    let unique: HashSet<u64> = all.iter().copied().collect();
    eprintln!("{} draws by {} processes, {deletions} deletions, {kills} kills", all.len(), done.len());
    if unique.len() != all.len() {
        let mut seen = std::collections::HashMap::new();
        let mut shown = 0;
        for (p, values) in done.iter().enumerate() {
            for (i, v) in values.iter().enumerate() {
                if let Some((p0, i0)) = seen.insert(*v, (p, i)) {
                    if shown < 12 {
                        eprintln!(
                            "repeat {v}: process {p0} draw {i0}/{} and process {p} draw {i}/{}",
                            done[p0].len(),
                            values.len()
                        );
                        shown += 1;
                    }
                }
            }
        }
    }
    assert!(all.len() >= 1_000_000);
    assert!(deletions >= 10 && kills >= 5, "{deletions} deletions, {kills} kills");
    assert_eq!(unique.len(), all.len(), "{} values handed out twice", all.len() - unique.len());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A verifier's replay state survives its file being deleted: while a verifier holds it (both
/// names deleted), and with no verifier running (the state file's name deleted, its kept name left).
#[test]
fn a_verifiers_deleted_replay_state_still_refuses_the_replay() {
    use restsign::{Received, Recipe, Request, Signer, Verdict, Verifier};
    let dir = temp_dir("verify-delete");
    let secret = b"verify-secret";
    let request = |nonce: u64| {
        let signer = Signer::new("poloniex", KEY, secret).unwrap();
        let mut request = Request::new("POST", "/tradingApi");
        request.param("command", "returnBalances");
        signer.sign_request_with_nonce(&request, nonce).unwrap()
    };
    let check = |v: &Verifier, nonce: u64| {
        let signed = request(nonce);
        let scheme = &*Recipe::preset("poloniex").unwrap();
        let received = Received::new("POST", b"/tradingApi", &signed.body)
            .with_header_block(scheme, &signed.header_block)
            .unwrap();
        match v.check(&received).unwrap() {
            Verdict::Valid { .. } => "valid",
            Verdict::StaleNonce { .. } => "stale",
            other => panic!("{other:?}"),
        }
    };
    let verifier = || {
        let v = Verifier::new("poloniex").unwrap().shared_state(&dir).unwrap();
        v.add_key(KEY, secret).unwrap();
        v
    };
    let running = verifier();
    assert_eq!(check(&running, 1000), "valid");
    let state = running.state_path(KEY).unwrap();
    let name = state.file_name().unwrap().to_str().unwrap().to_owned();
    let kept = dir.join(format!(".{name}.keep"));
    // Both names deleted while it runs: it carries 1000 into the new file.
    std::fs::remove_file(&state).unwrap();
    std::fs::remove_file(&kept).unwrap();
    assert_eq!(check(&running, 1000), "stale", "the running verifier accepted a replay");
    assert_eq!(check(&verifier(), 1000), "stale", "a new verifier accepted a replay");
    drop(running);
    // No verifier running, the file's name deleted: the kept name still refuses the replay.
    std::fs::remove_file(&state).unwrap();
    assert_eq!(check(&verifier(), 1000), "stale", "a restarted verifier accepted a replay");
    assert!(state.exists(), "the state file is linked back under its name");
    assert_eq!(check(&verifier(), 1001), "valid");
    std::fs::remove_dir_all(dir).unwrap();
}
