//! Replay protection for recipes that sign a timestamp (or a random UUID) instead of a counter:
//! a request is good only near the server's clock, and only once.
//!
//! A timestamp alone does not stop a replay: the same request sent again a second later carries
//! the same, still fresh, timestamp. So the verifier also remembers every request it accepted (a
//! 16-byte digest of its key and tag) until the request's timestamp leaves the window; after that,
//! the timestamp check refuses it anyway. Memory is therefore bounded by the rate of accepted
//! requests times the window, and a hard cap ([`SeenSet::with_capacity`]) turns a flood beyond it
//! into an error ("cannot check now") instead of unbounded growth or silently dropped protection.

use crate::Error;
use crate::recipe::TimeFormat;
use std::collections::{HashSet, VecDeque};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Requests remembered at most by default: at 100,000 accepted requests a second, ten seconds'
/// worth (about 31 MB: `cargo bench --bench verify`).
pub const DEFAULT_SEEN_CAPACITY: usize = 1_000_000;

/// The digests of accepted requests, each kept until its expiry (in milliseconds since the epoch).
///
/// Entries are filed in buckets of one second of expiry, oldest first, so forgetting the expired
/// ones is dropping whole buckets from the front.
#[derive(Debug)]
pub struct SeenSet {
    inner: Mutex<Buckets>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Buckets {
    /// (expiry second, digests expiring in it), in increasing order of second.
    buckets: VecDeque<(u64, HashSet<u128>)>,
    len: usize,
}

/// What [`SeenSet::insert`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Not seen before: now remembered.
    First,
    /// Seen before (and not yet expired).
    Again,
    /// Not seen, but the set is full: the request cannot be checked now.
    Full,
}

impl Default for SeenSet {
    fn default() -> SeenSet {
        SeenSet::with_capacity(DEFAULT_SEEN_CAPACITY)
    }
}

impl SeenSet {
    /// A set that remembers at most `capacity` unexpired requests.
    pub fn with_capacity(capacity: usize) -> SeenSet {
        SeenSet { inner: Mutex::default(), capacity }
    }

    /// Remembers `digest` until `expires_ms` unless it is already remembered; `now_ms` drops the
    /// entries that have expired first.
    pub fn insert(&self, digest: u128, expires_ms: u64, now_ms: u64) -> Seen {
        // A panic while the lock is held leaves at worst one digest unrecorded: still usable.
        let mut b = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now_s = now_ms / 1000;
        while b.buckets.front().is_some_and(|(second, _)| *second < now_s) {
            let (_, gone) = b.buckets.pop_front().expect("checked");
            b.len -= gone.len();
        }
        if b.buckets.iter().any(|(_, set)| set.contains(&digest)) {
            return Seen::Again;
        }
        if b.len >= self.capacity {
            return Seen::Full;
        }
        let second = expires_ms.div_ceil(1000).max(now_s);
        let at = b.buckets.partition_point(|(s, _)| *s < second);
        if b.buckets.get(at).is_none_or(|(s, _)| *s != second) {
            b.buckets.insert(at, (second, HashSet::new()));
        }
        b.buckets[at].1.insert(digest);
        b.len += 1;
        Seen::First
    }

    /// How many requests are remembered now (expired ones included until the next insert).
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the set's tables hold now (capacity, not just entries): what the window costs.
    pub fn table_bytes(&self) -> usize {
        let b = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // hashbrown: one 16-byte slot and one control byte per bucket of capacity.
        b.buckets.iter().map(|(_, set)| set.capacity() * (size_of::<u128>() + 1)).sum()
    }
}

/// The same set kept in a shared state directory, so that every process using the directory
/// (php-fpm workers, several `restsign serve`) refuses a request any of them accepted: one empty
/// file `seen/<expiry second>/<digest>` per request. Creating it with `O_EXCL` is the atomic
/// test-and-set, so of two processes racing with one request exactly one accepts it, and a process
/// killed at any point leaves either the file (the request counts as seen) or nothing.
#[derive(Debug)]
pub(crate) struct SeenDir {
    root: PathBuf,
}

impl SeenDir {
    pub fn new(state_dir: &Path) -> SeenDir {
        SeenDir { root: state_dir.join("seen") }
    }

    pub fn insert(&self, digest: u128, expires_ms: u64, now_ms: u64) -> Result<Seen, Error> {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
        let io = |e: std::io::Error| crate::state::io_error(&e);
        let now_s = now_ms / 1000;
        let second = expires_ms.div_ceil(1000).max(now_s);
        let name = format!("{digest:032x}");
        let mut builder = std::fs::DirBuilder::new();
        builder.mode(0o700).recursive(true);
        builder.create(&self.root).map_err(io)?;
        // Forget the seconds that have passed (another process may be at it too), and look for
        // the request in the seconds still remembered.
        for entry in std::fs::read_dir(&self.root).map_err(io)? {
            let entry = entry.map_err(io)?;
            let Some(bucket) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) else { continue };
            if bucket < now_s {
                match std::fs::remove_dir_all(entry.path()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::DirectoryNotEmpty => {}
                    Err(e) => return Err(io(e)),
                }
            } else if bucket != second && entry.path().join(&name).exists() {
                return Ok(Seen::Again);
            }
        }
        let bucket = self.root.join(second.to_string());
        builder.create(&bucket).map_err(io)?;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(bucket.join(&name));
        match created {
            Ok(_) => Ok(Seen::First),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(Seen::Again),
            Err(e) => Err(io(e)),
        }
    }
}

/// A received timestamp in the recipe's clock format, as milliseconds since the epoch (the
/// recipe's `clock_offset` taken back off, so an expiry stamp gives the time of signing).
pub(crate) fn parse_timestamp(format: TimeFormat, offset_s: i64, text: &[u8]) -> Option<u64> {
    let ms = match format {
        TimeFormat::Millis => decimal(text)?,
        TimeFormat::Seconds => seconds_with_fraction(text)?,
        TimeFormat::Micros => decimal(text)? / 1000,
        TimeFormat::Iso8601 => {
            let rest = text.strip_suffix(b"Z")?;
            let (whole, millis) = match rest.iter().position(|&b| b == b'.') {
                Some(dot) => (&rest[..dot], fraction_ms(&rest[dot + 1..])?),
                None => (rest, 0),
            };
            date_time_s(whole)?.checked_mul(1000)?.checked_add(millis)?
        }
        TimeFormat::Ymdhms => date_time_s(text)?.checked_mul(1000)?,
    };
    let offset_ms = offset_s.checked_mul(1000)?;
    u64::try_from(i64::try_from(ms).ok()?.checked_sub(offset_ms)?).ok()
}

/// 1 to 19 ASCII digits.
pub(crate) fn decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// Seconds, optionally with a decimal fraction (`1700000000` or `1700000000.123`), in milliseconds.
fn seconds_with_fraction(text: &[u8]) -> Option<u64> {
    let (whole, millis) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], fraction_ms(&text[dot + 1..])?),
        None => (text, 0),
    };
    decimal(whole)?.checked_mul(1000)?.checked_add(millis)
}

/// The milliseconds of a decimal fraction's digits (`5` → 500, `123456` → 123).
fn fraction_ms(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut padded = [b'0'; 3];
    for (slot, d) in padded.iter_mut().zip(digits) {
        *slot = *d;
    }
    decimal(&padded)
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) as seconds since the epoch.
fn date_time_s(text: &[u8]) -> Option<u64> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1] = *text else {
        return None;
    };
    let num = |digits: &[u8]| decimal(digits);
    let (year, month, day) = (num(&[y0, y1, y2, y3])?, num(&[m0, m1])?, num(&[d0, d1])?);
    let (hour, minute, second) = (num(&[h0, h1])?, num(&[n0, n1])?, num(&[s0, s1])?);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn days_in(year: u64, month: u64) -> u64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back_in_every_clock_format() {
        // 2023-11-14T22:13:20.456Z is 1700000000456 ms (the `date -u -d @1700000000` of coreutils).
        let ms = 1_700_000_000_456;
        assert_eq!(parse_timestamp(TimeFormat::Millis, 0, b"1700000000456"), Some(ms));
        assert_eq!(parse_timestamp(TimeFormat::Seconds, 0, b"1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp(TimeFormat::Seconds, 0, b"1700000000.456"), Some(ms));
        assert_eq!(parse_timestamp(TimeFormat::Micros, 0, b"1700000000456789"), Some(ms));
        assert_eq!(parse_timestamp(TimeFormat::Iso8601, 0, b"2023-11-14T22:13:20.456Z"), Some(ms));
        assert_eq!(parse_timestamp(TimeFormat::Iso8601, 0, b"2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp(TimeFormat::Ymdhms, 0, b"2023-11-14T22:13:20"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp(TimeFormat::Seconds, 60, b"1700000060"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp(TimeFormat::Ymdhms, 0, b"2024-02-29T00:00:00"), Some(1_709_164_800_000));
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for bad in [&b""[..], b"-1", b"1e9", b" 1700000000", b"17000000000000000000000"] {
            assert_eq!(parse_timestamp(TimeFormat::Millis, 0, bad), None, "{bad:?}");
        }
        for bad in [
            &b"2023-11-14T22:13:20"[..],
            b"2023-11-14 22:13:20.456Z",
            b"2023-13-14T22:13:20Z",
            b"2023-02-29T22:13:20Z",
            b"2023-11-14T24:00:00Z",
            b"2023-11-14T22:13:20.Z",
        ] {
            assert_eq!(parse_timestamp(TimeFormat::Iso8601, 0, bad), None, "{bad:?}");
        }
        assert_eq!(parse_timestamp(TimeFormat::Seconds, 10, b"5"), None, "before the epoch");
    }

    #[test]
    fn a_digest_is_refused_until_it_expires_and_then_forgotten() {
        let seen = SeenSet::with_capacity(2);
        assert_eq!(seen.insert(1, 10_000, 5_000), Seen::First);
        assert_eq!(seen.insert(1, 10_000, 9_999), Seen::Again);
        assert_eq!(seen.insert(2, 12_000, 9_999), Seen::First);
        assert_eq!(seen.insert(3, 12_000, 9_999), Seen::Full);
        // At 11 s the first bucket (expiring at 10 s) is gone: room again, and 1 is new again.
        assert_eq!(seen.insert(1, 20_000, 11_000), Seen::First);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen.insert(2, 12_000, 11_000), Seen::Again);
    }
}
