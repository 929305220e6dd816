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
