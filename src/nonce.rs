//! Nonces that never collide: one strictly increasing sequence per API key, across threads,
//! processes and restarts.
//!
//! Every source restsign ships is a [`Counter`] (the last value handed out, in memory or in a
//! memory-mapped state file) plus a clock: `next = max(now in the unit, last + 1)`, claimed with one
//! compare-and-swap. The clock only seeds the sequence; when it steps back the counter goes on from
//! `last + 1`. Values never exceed [`MAX_NONCE`] (2^63 − 1): past it a draw is an error, not a wrap.

use crate::error::Error;
use crate::recipe::NonceUnit;
use memmap2::MmapMut;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest nonce: the schemes' nonces are 63-bit positive integers.
pub const MAX_NONCE: u64 = i64::MAX as u64;

/// A source of nonces for one API key.
pub trait NonceSource: Send + Sync {
    /// A value greater than every value this source (and any source sharing its state) gave before.
    fn next(&self) -> Result<u64, Error>;
}

/// Wall-clock time, injectable so tests can step it back.
pub trait Clock: Send + Sync {
    /// Microseconds since the Unix epoch.
    fn now_micros(&self) -> u64;
}

/// The system's real-time clock (`clock_gettime`, served by the vDSO: no system call).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> u64 {
        // Before 1970 is treated as 0: the counter then carries on from its last value.
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
    }
}

impl NonceUnit {
    /// `micros` since the epoch expressed in this unit.
    pub const fn from_micros(self, micros: u64) -> u64 {
        match self {
            NonceUnit::Seconds => micros / 1_000_000,
            NonceUnit::Millis => micros / 1_000,
            // MtGox `microtime`: seconds then six digits of microseconds, which is micros itself.
            NonceUnit::Micros => micros,
            NonceUnit::TenMicros => micros / 10,
        }
    }
}

/// Where the last value lives: a plain atomic, or one inside a shared mapping.
enum Store {
    Memory(AtomicU64),
    File(StateFile),
}

/// The last nonce handed out (or, for a verifier, accepted) for one key.
pub struct Counter {
    store: Store,
}

impl Counter {
    /// A counter private to this process, starting at 0.
    pub fn in_memory() -> Counter {
        Counter { store: Store::Memory(AtomicU64::new(0)) }
    }

    /// The counter in the state file at `path`, created (mode 0600) if missing, shared by every
    /// process that opens it. `key` and `unit` are recorded at creation and must match later: a
    /// file made for another key or unit is [`Error::NonceStateForeign`].
    pub fn open_file(path: &Path, key: &[u8], unit: NonceUnit) -> Result<Counter, Error> {
        Ok(Counter { store: Store::File(StateFile::open(path, key, unit)?) })
    }

    fn cell(&self) -> &AtomicU64 {
        match &self.store {
            Store::Memory(cell) => cell,
            Store::File(file) => file.cell(),
        }
    }

    /// The last value handed out or accepted (0 if none).
    pub fn last(&self) -> Result<u64, Error> {
        checked(self.cell().load(Ordering::Acquire))
    }

    /// Claims and returns `max(now, last + 1)`.
    pub fn advance(&self, now: u64) -> Result<u64, Error> {
        let cell = self.cell();
        let mut last = checked(cell.load(Ordering::Acquire))?;
        loop {
            if last >= MAX_NONCE {
                return Err(Error::NonceExhausted);
            }
            let next = now.min(MAX_NONCE).max(last + 1);
            match cell.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(next),
                Err(actual) => last = checked(actual)?,
            }
        }
    }

    /// Records `nonce` if it is greater than the last value and says whether it was: the replay
    /// check of a verifier. A nonce at or below the last accepted one is refused.
    pub fn accept(&self, nonce: u64) -> Result<bool, Error> {
        if nonce > MAX_NONCE {
            return Ok(false);
        }
        let cell = self.cell();
        let mut last = checked(cell.load(Ordering::Acquire))?;
        loop {
            if nonce <= last {
                return Ok(false);
            }
            match cell.compare_exchange_weak(last, nonce, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(true),
                Err(actual) => last = checked(actual)?,
            }
        }
    }
}

/// A stored value above 2^63 − 1 was not written by restsign.
fn checked(last: u64) -> Result<u64, Error> {
    if last > MAX_NONCE { Err(Error::NonceStateCorrupt) } else { Ok(last) }
}

/// Clock-seeded nonces from a [`Counter`]: the source restsign uses unless told otherwise.
pub struct ClockNonce {
    counter: Counter,
    unit: NonceUnit,
    clock: Box<dyn Clock>,
}

impl ClockNonce {
    pub fn new(counter: Counter, unit: NonceUnit) -> ClockNonce {
        ClockNonce::with_clock(counter, unit, Box::new(SystemClock))
    }

    pub fn with_clock(counter: Counter, unit: NonceUnit, clock: Box<dyn Clock>) -> ClockNonce {
        ClockNonce { counter, unit, clock }
    }

    /// In-process nonces (lock-free; share the value between threads with an `Arc`).
    pub fn in_memory(unit: NonceUnit) -> ClockNonce {
        ClockNonce::new(Counter::in_memory(), unit)
    }

    /// Nonces shared by every process on the host through the state file at `path`
    /// (see [`default_state_path`] for the per-key default).
    pub fn shared_file(path: &Path, key: &[u8], unit: NonceUnit) -> Result<ClockNonce, Error> {
        Ok(ClockNonce::new(Counter::open_file(path, key, unit)?, unit))
    }

    pub fn counter(&self) -> &Counter {
        &self.counter
    }
}

impl NonceSource for ClockNonce {
    fn next(&self) -> Result<u64, Error> {
        self.counter.advance(self.unit.from_micros(self.clock.now_micros()))
    }
}

/// Nonces from a function restsign does not ship (a counter in Redis shared by several hosts, …).
/// Calls are serialised (the function never runs on two threads at once), so the values leave in
/// the order they were made; restsign still refuses one that does not increase, or one above
/// 2^63 − 1.
pub struct FnNonce<F> {
    /// The function and the last value it gave, under one lock.
    state: Mutex<(F, u64)>,
}

impl<F: FnMut() -> Result<u64, Error> + Send> FnNonce<F> {
    pub fn new(draw: F) -> FnNonce<F> {
        FnNonce { state: Mutex::new((draw, 0)) }
    }
}

impl<F: FnMut() -> Result<u64, Error> + Send> NonceSource for FnNonce<F> {
    fn next(&self) -> Result<u64, Error> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (draw, last) = &mut *state;
        let value = draw()?;
        if value > MAX_NONCE {
            return Err(Error::NonceExhausted);
        }
        if value <= *last {
            return Err(Error::NonceNotIncreasing);
        }
        *last = value;
        Ok(value)
    }
}

/// The process-wide in-memory source for `key`: every signer in this process that has no source
/// of its own draws from the same sequence for the same key (so two signers made for one key
/// cannot collide). Held weakly: it goes away when the last signer using it does.
pub fn process_source(key: &[u8], unit: NonceUnit) -> Arc<dyn NonceSource> {
    static SOURCES: Mutex<Vec<(Fingerprint, NonceUnit, Weak<ClockNonce>)>> = Mutex::new(Vec::new());
    let id = fingerprint(key);
    let mut sources = SOURCES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    sources.retain(|(_, _, weak)| weak.strong_count() > 0);
    if let Some(live) = sources.iter().find(|(f, u, _)| *f == id && *u == unit).and_then(|(_, _, w)| w.upgrade()) {
        return live;
    }
    let source = Arc::new(ClockNonce::in_memory(unit));
    sources.push((id, unit, Arc::downgrade(&source)));
    source
}

type Fingerprint = [u8; 32];

/// Identifies a key without revealing it (the secret is never involved).
fn fingerprint(key: &[u8]) -> Fingerprint {
    let mut hash = Sha256::new();
    hash.update(b"restsign nonce state v1\0");
    hash.update(key);
    hash.finalize().into()
}

/// The default state file for `key`: `$XDG_RUNTIME_DIR/restsign/nonce-<hash of the key>`, or
/// `/tmp/restsign-<uid>/…` when there is no runtime directory. The directory is made 0700.
pub fn default_state_path(key: &[u8]) -> PathBuf {
    let id = fingerprint(key);
    let name: String = id[..16].iter().map(|b| format!("{b:02x}")).collect();
    default_state_dir().join(format!("nonce-{name}"))
}

/// The directory of the default state files: `$XDG_RUNTIME_DIR/restsign`, or `/tmp/restsign-<uid>`.
pub fn default_state_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(runtime) if !runtime.is_empty() => PathBuf::from(runtime).join("restsign"),
        // SAFETY: getuid has no preconditions and cannot fail.
        _ => std::env::temp_dir().join(format!("restsign-{}", unsafe { libc::getuid() })),
    }
}

/// Layout of a state file: one 64-byte record, native byte order (the file never leaves the host).
///
/// | bytes | field |
/// |---|---|
/// | 0..8 | magic `RSNONCE1` |
/// | 8..12 | unit (0 s, 1 ms, 2 µs, 3 10µs) |
/// | 12..16 | zero |
/// | 16..48 | fingerprint of the key |
/// | 48..56 | the last value (an `AtomicU64`, 8-aligned as the mapping is page-aligned) |
/// | 56..64 | checksum of bytes 0..48 |
const MAGIC: &[u8; 8] = b"RSNONCE1";
const STATE_LEN: usize = 64;
const LAST_AT: usize = 48;

struct StateFile {
    map: MmapMut,
}

impl StateFile {
    fn open(path: &Path, key: &[u8], unit: NonceUnit) -> Result<StateFile, Error> {
        let header = header(key, unit);
        let file = match open_rw(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, &header)?,
            Err(e) => return Err(io_error(&e)),
        };
        let len = file.metadata().map_err(|e| io_error(&e))?.len();
        if len < STATE_LEN as u64 {
            // Short: a restsign file cut off (its bytes begin like ours), or someone else's file.
            let mut start = Vec::with_capacity(8);
            std::io::Read::read_to_end(&mut std::io::Read::take(&file, 8), &mut start).map_err(|e| io_error(&e))?;
            return Err(if MAGIC.starts_with(&start) { Error::NonceStateTruncated } else { Error::NonceStateForeign });
        }
        if len > STATE_LEN as u64 {
            return Err(Error::NonceStateForeign);
        }
        // SAFETY: the mapping is only read and written through `cell()` (an atomic) and by byte
        // comparisons below; other processes change only the atomic field.
        let map = unsafe { MmapMut::map_mut(&file) }.map_err(|e| io_error(&e))?;
        if &map[..8] != MAGIC {
            return Err(Error::NonceStateForeign);
        }
        if map[..LAST_AT] != header[..LAST_AT] {
            // Ours in shape: either damaged or made for another key or unit.
            return Err(if checksum(&map[..LAST_AT]) != map[56..64] {
                Error::NonceStateCorrupt
            } else {
                Error::NonceStateForeign
            });
        }
        if map[56..64] != header[56..64] {
            return Err(Error::NonceStateCorrupt);
        }
        let state = StateFile { map };
        checked(state.cell().load(Ordering::Acquire))?;
        Ok(state)
    }

    fn cell(&self) -> &AtomicU64 {
        let ptr = self.map[LAST_AT..LAST_AT + 8].as_ptr();
        debug_assert_eq!(ptr as usize % 8, 0);
        // SAFETY: in bounds, 8-aligned (the mapping is page-aligned and LAST_AT is a multiple of
        // 8), valid for the mapping's lifetime, and only ever accessed atomically.
        unsafe { AtomicU64::from_ptr(ptr as *mut u64) }
    }
}

fn header(key: &[u8], unit: NonceUnit) -> [u8; STATE_LEN] {
    let mut h = [0u8; STATE_LEN];
    h[..8].copy_from_slice(MAGIC);
    let unit_code: u32 = match unit {
        NonceUnit::Seconds => 0,
        NonceUnit::Millis => 1,
        NonceUnit::Micros => 2,
        NonceUnit::TenMicros => 3,
    };
    h[8..12].copy_from_slice(&unit_code.to_ne_bytes());
    h[16..48].copy_from_slice(&fingerprint(key));
    let sum = checksum(&h[..LAST_AT]);
    h[56..64].copy_from_slice(&sum);
    h
}

fn checksum(bytes: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(bytes);
    digest[..8].try_into().expect("8 bytes")
}

fn open_rw(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Creates `dir` (mode 0700) for state files if it is missing.
pub(crate) fn create_state_dir(dir: &Path) -> Result<(), Error> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(&e))?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Creates the state file whole or not at all: written under a private temporary name, then
/// hard-linked into place, which fails if another process got there first (then its file is used).
fn create(path: &Path, header: &[u8; STATE_LEN]) -> Result<File, Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_state_dir(dir)?;
    // Unique per process and call, so concurrent creators never share a temporary file.
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".restsign-nonce-{}-{call}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(header)?;
        file.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        open_rw(path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result.map_err(|e| io_error(&e))
}

fn io_error(e: &std::io::Error) -> Error {
    Error::NonceStateIo { errno: e.raw_os_error().unwrap_or(0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// A clock the test sets by hand.
    struct ManualClock(Arc<AtomicU64>);
    impl Clock for ManualClock {
        fn now_micros(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn manual(unit: NonceUnit, start: u64) -> (ClockNonce, Arc<AtomicU64>) {
        let time = Arc::new(AtomicU64::new(start));
        (ClockNonce::with_clock(Counter::in_memory(), unit, Box::new(ManualClock(time.clone()))), time)
    }

    #[test]
    fn follows_the_clock_in_its_unit() {
        let (source, time) = manual(NonceUnit::Millis, 1_700_000_000_123_456);
        assert_eq!(source.next(), Ok(1_700_000_000_123));
        time.store(1_700_000_000_999_000, Ordering::SeqCst);
        assert_eq!(source.next(), Ok(1_700_000_000_999));
    }

    #[test]
    fn same_instant_still_increases() {
        let (source, _) = manual(NonceUnit::Seconds, 5_000_000);
        assert_eq!(source.next(), Ok(5));
        assert_eq!(source.next(), Ok(6));
        assert_eq!(source.next(), Ok(7));
    }

    #[test]
    fn clock_stepped_back_keeps_increasing() {
        let (source, time) = manual(NonceUnit::Micros, 1_000_000_000);
        let mut last = source.next().unwrap();
        for step_back in [1, 500_000, 999_999_999, 1_000_000_000] {
            time.store(1_000_000_000 - step_back, Ordering::SeqCst);
            for _ in 0..3 {
                let v = source.next().unwrap();
                assert!(v > last, "{v} after {last}");
                last = v;
            }
        }
    }

    #[test]
    fn exhausted_at_2_pow_63_minus_1() {
        let (source, _) = manual(NonceUnit::Micros, u64::MAX);
        assert_eq!(source.next(), Ok(MAX_NONCE), "the clock is clamped to the largest nonce");
        assert_eq!(source.next(), Err(Error::NonceExhausted));
        assert_eq!(source.next(), Err(Error::NonceExhausted), "stays an error, never wraps");
    }

    #[test]
    fn accept_is_a_replay_check() {
        let counter = Counter::in_memory();
        assert_eq!(counter.accept(10), Ok(true));
        assert_eq!(counter.accept(10), Ok(false));
        assert_eq!(counter.accept(9), Ok(false));
        assert_eq!(counter.accept(11), Ok(true));
        assert_eq!(counter.accept(MAX_NONCE + 1), Ok(false));
    }

    #[test]
    fn fn_source_must_increase() {
        let mut values = vec![5u64, 7, 7, 3, MAX_NONCE + 1].into_iter();
        let source = FnNonce::new(move || Ok(values.next().unwrap()));
        assert_eq!(source.next(), Ok(5));
        assert_eq!(source.next(), Ok(7));
        assert_eq!(source.next(), Err(Error::NonceNotIncreasing));
        assert_eq!(source.next(), Err(Error::NonceNotIncreasing));
        assert_eq!(source.next(), Err(Error::NonceExhausted));
    }

    #[test]
    fn process_source_is_shared_per_key_and_unit() {
        let a = process_source(b"key-shared-test", NonceUnit::Millis);
        let b = process_source(b"key-shared-test", NonceUnit::Millis);
        let other = process_source(b"another-key", NonceUnit::Millis);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
    }

    #[test]
    fn default_path_names_a_hash_of_the_key_only() {
        let p = default_state_path(b"my-api-key");
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("nonce-") && name.len() == "nonce-".len() + 32, "{name}");
        assert!(!p.to_str().unwrap().contains("my-api-key"));
        assert_ne!(p, default_state_path(b"my-api-key2"));
    }
}
