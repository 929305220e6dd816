//! Nonces that never collide: one strictly increasing sequence per API key, across threads,
//! processes and restarts.
//!
//! Every source restsign ships is a [`Counter`] (the last value handed out, in memory or in a
//! state file) plus a clock: `next = max(now in the unit, last + 1)`, claimed with one
//! compare-and-swap in memory, or one locked read-check-write of the file. The clock only seeds the
//! sequence; when it steps back the counter goes on from `last + 1`. Values never exceed
//! [`MAX_NONCE`] (2^63 − 1): past it a draw is an error, not a wrap.
//!
//! Signers draw from [`default_source`], the per-key state file: values never repeat across the
//! threads and processes of one user, restarts and `kill -9`. In-memory nonces
//! ([`ClockNonce::in_memory`], [`process_source`]) are what a caller asks for by name. Where state
//! files live and how they are checked: [`default_state_dir`] and `src/state.rs`.

use crate::error::Error;
use crate::recipe::NonceUnit;
use crate::state::{LAST_AT, STATE_LEN, StateFile};
use sha2::{Digest, Sha256};
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

/// Where the last value lives: a plain atomic, or a state file shared with other processes.
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

    /// The counter in the state file at `path`, shared by every process that opens it. The
    /// directory is created (0700) if missing and the file (0600, or 0660 in a directory set up for
    /// group sharing) if missing. Both are checked first (owner, mode, a regular file, not a
    /// symlink: the `Error::State*` errors) and nothing is repaired. `key` and `unit` are recorded at
    /// creation and must match later: a file made for another key or unit is
    /// [`Error::NonceStateForeign`].
    ///
    /// Every use reads and writes the file under an exclusive `flock` and checks that it still has
    /// a name: a file deleted or renamed over while in use is noticed at the next draw, which moves
    /// to the file then at the path (creating it if missing) and carries the old file's last value
    /// into it; a process creating the file starts above any deleted copy this user's running
    /// processes still hold. So no value is handed out twice while any process holds the file
    /// (the limits are stated at `restsign_nonce` in the C header).
    pub fn open_file(path: &Path, key: &[u8], unit: NonceUnit) -> Result<Counter, Error> {
        let (dir, name) = crate::state::split(path)?;
        let may_share = crate::state::may_share(&dir);
        Counter::open_in(&dir, &name, may_share, key, unit)
    }

    pub(crate) fn open_in(
        dir: &Path,
        name: &std::ffi::OsStr,
        may_share: bool,
        key: &[u8],
        unit: NonceUnit,
    ) -> Result<Counter, Error> {
        let file = StateFile::open(dir, name, may_share, header(key, unit), validate)?;
        Ok(Counter { store: Store::File(file) })
    }

    /// The last value handed out or accepted (0 if none).
    pub fn last(&self) -> Result<u64, Error> {
        match &self.store {
            Store::Memory(cell) => checked(cell.load(Ordering::Acquire)),
            Store::File(file) => file.update(|last| Ok((last, last))),
        }
    }

    /// Claims and returns `max(now, last + 1)`.
    pub fn advance(&self, now: u64) -> Result<u64, Error> {
        let step = |last: u64| {
            if last >= MAX_NONCE {
                return Err(Error::NonceExhausted);
            }
            Ok(now.min(MAX_NONCE).max(last + 1))
        };
        match &self.store {
            Store::Memory(cell) => {
                let mut last = checked(cell.load(Ordering::Acquire))?;
                loop {
                    let next = step(last)?;
                    match cell.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Acquire) {
                        Ok(_) => return Ok(next),
                        Err(actual) => last = checked(actual)?,
                    }
                }
            }
            Store::File(file) => file.update(|last| step(last).map(|next| (next, next))),
        }
    }

    /// Records `nonce` if it is greater than the last value and says whether it was: the replay
    /// check of a verifier. A nonce at or below the last accepted one is refused.
    pub fn accept(&self, nonce: u64) -> Result<bool, Error> {
        if nonce > MAX_NONCE {
            return Ok(false);
        }
        match &self.store {
            Store::Memory(cell) => {
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
            Store::File(file) => file.update(|last| Ok(if nonce <= last { (last, false) } else { (nonce, true) })),
        }
    }
}

/// A stored value above 2^63 − 1 was not written by restsign.
fn checked(last: u64) -> Result<u64, Error> {
    if last > MAX_NONCE { Err(Error::NonceStateCorrupt) } else { Ok(last) }
}

/// Clock-seeded nonces from a [`Counter`]: in memory, or in a state file (the default; see
/// [`default_source`]).
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

    /// In-process nonces (lock-free; share the value between threads with an `Arc`). They repeat
    /// across processes and restarts: for a caller who asks for them by name.
    pub fn in_memory(unit: NonceUnit) -> ClockNonce {
        ClockNonce::new(Counter::in_memory(), unit)
    }

    /// Nonces shared by every process on the host through the state file at `path`
    /// (see [`Counter::open_file`]; [`default_source`] for the per-key default).
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

/// The process-wide in-memory source for `key`, for a caller who asks for in-memory nonces by
/// name: every caller in this process gets the same sequence for the same key and unit. Values
/// repeat across processes and restarts; [`default_source`] is what signers use. Held weakly: it
/// goes away when the last user does.
pub fn process_source(key: &[u8], unit: NonceUnit) -> Arc<dyn NonceSource> {
    static SOURCES: Registry = Mutex::new(Vec::new());
    shared_per_process(&SOURCES, key, unit, || Ok(ClockNonce::in_memory(unit))).expect("in-memory sources cannot fail")
}

/// The default source of a signer: the per-key state file in the default state directory
/// ([`default_state_path`]), shared by every process of this user on the host and surviving
/// restarts and `kill -9`; one open file per key and unit in a process, shared by its signers.
/// Errors are those of [`Counter::open_file`] (an unsafe or damaged state file is refused).
pub fn default_source(key: &[u8], unit: NonceUnit) -> Result<Arc<dyn NonceSource>, Error> {
    static SOURCES: Registry = Mutex::new(Vec::new());
    shared_per_process(&SOURCES, key, unit, || {
        let dir = crate::state::default_state_dir()?;
        let counter = Counter::open_in(&dir, &state_file_name(key, unit), false, key, unit)?;
        Ok(ClockNonce::new(counter, unit))
    })
}

type Registry = Mutex<Vec<(Fingerprint, NonceUnit, Weak<ClockNonce>)>>;

/// The live source for (`key`, `unit`) in `registry`, or a new one from `make`.
fn shared_per_process(
    registry: &Registry,
    key: &[u8],
    unit: NonceUnit,
    make: impl FnOnce() -> Result<ClockNonce, Error>,
) -> Result<Arc<dyn NonceSource>, Error> {
    let id = fingerprint(key);
    let mut sources = registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    sources.retain(|(_, _, weak)| weak.strong_count() > 0);
    if let Some(live) = sources.iter().find(|(f, u, _)| *f == id && *u == unit).and_then(|(_, _, w)| w.upgrade()) {
        return Ok(live);
    }
    let source = Arc::new(make()?);
    sources.push((id, unit, Arc::downgrade(&source)));
    Ok(source)
}

type Fingerprint = [u8; 32];

/// Identifies a key without revealing it (the secret is never involved).
fn fingerprint(key: &[u8]) -> Fingerprint {
    let mut hash = Sha256::new();
    hash.update(b"restsign nonce state v1\0");
    hash.update(key);
    hash.finalize().into()
}

/// One file per key and unit: a key used by two schemes of different units (as tests do) keeps
/// two sequences rather than failing with a foreign file.
fn state_file_name(key: &[u8], unit: NonceUnit) -> std::ffi::OsString {
    let name: String = fingerprint(key)[..16].iter().map(|b| format!("{b:02x}")).collect();
    let unit = match unit {
        NonceUnit::Seconds => "s",
        NonceUnit::Millis => "ms",
        NonceUnit::Micros => "us",
        NonceUnit::TenMicros => "10us",
    };
    format!("nonce-{name}-{unit}").into()
}

/// The default state file for `key` and `unit`: `nonce-<hash of the key>-<unit>` in
/// [`default_state_dir`], the file [`default_source`] uses.
pub fn default_state_path(key: &[u8], unit: NonceUnit) -> PathBuf {
    default_state_dir().join(state_file_name(key, unit))
}

/// Stands for the default state directory when no home directory is known: opening anything under
/// it is [`Error::StateNoHome`].
pub(crate) const NO_HOME: &str = "/nonexistent/restsign: no $XDG_STATE_HOME or home directory";

/// The directory of the default state files: `$XDG_STATE_HOME/restsign`, else
/// `~/.local/state/restsign` (created 0700 on first use). Not a runtime or temp directory: those
/// are emptied at logout or by cleaners, and a state file deleted while in use is the one way to
/// lose the sequence. When no home directory is known, a path that every open refuses with
/// [`Error::StateNoHome`].
pub fn default_state_dir() -> PathBuf {
    crate::state::default_state_dir().unwrap_or_else(|_| PathBuf::from(NO_HOME))
}

/// Layout of a state file: one 64-byte record, native byte order (the file never leaves the host).
///
/// | bytes | field |
/// |---|---|
/// | 0..8 | magic `RSNONCE1` |
/// | 8..12 | unit (0 s, 1 ms, 2 µs, 3 10µs) |
/// | 12..16 | zero |
/// | 16..48 | fingerprint of the key |
/// | 48..56 | the last value |
/// | 56..64 | checksum of bytes 0..48 |
const MAGIC: &[u8; 8] = b"RSNONCE1";

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

/// The last value in `record` if it is a whole, undamaged record made like `header`.
fn validate(record: &[u8], header: &[u8; STATE_LEN]) -> Result<u64, Error> {
    if record.len() < STATE_LEN {
        // Short: a restsign file cut off (its bytes begin like ours), or someone else's file.
        let start = &record[..record.len().min(MAGIC.len())];
        return Err(if MAGIC.starts_with(start) { Error::NonceStateTruncated } else { Error::NonceStateForeign });
    }
    if record.len() > STATE_LEN || &record[..8] != MAGIC {
        return Err(Error::NonceStateForeign);
    }
    if record[..LAST_AT] != header[..LAST_AT] {
        // Ours in shape: either damaged or made for another key or unit.
        return Err(if checksum(&record[..LAST_AT]) != record[56..64] {
            Error::NonceStateCorrupt
        } else {
            Error::NonceStateForeign
        });
    }
    if record[56..64] != header[56..64] {
        return Err(Error::NonceStateCorrupt);
    }
    checked(u64::from_ne_bytes(record[LAST_AT..LAST_AT + 8].try_into().expect("8 bytes")))
}

fn checksum(bytes: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(bytes);
    digest[..8].try_into().expect("8 bytes")
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
        let p = default_state_path(b"my-api-key", NonceUnit::Millis);
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("nonce-") && name.len() == "nonce-".len() + 32 + "-ms".len(), "{name}");
        assert!(!p.to_str().unwrap().contains("my-api-key"));
        assert_ne!(p, default_state_path(b"my-api-key2", NonceUnit::Millis));
        assert_ne!(p, default_state_path(b"my-api-key", NonceUnit::Micros));
    }
}
