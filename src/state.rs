//! State files (a signer's last nonce, a verifier's last accepted nonce): where they live, who may
//! touch them, and one read-modify-write under a lock per draw.
//!
//! Where: `$XDG_STATE_HOME/restsign` (default `~/.local/state/restsign`), never a runtime or temp
//! directory, which logind and tmp cleaners empty. Who: before use the directory and the file are
//! checked with `fstat` on descriptors opened without following symlinks: owned by the effective
//! user, not writable by others, and not writable by the group unless the directory was given
//! explicitly for sharing (setgid, its group one of the caller's groups: then files there may
//! belong to other members of that group). Anything else is refused with an error of its own, and
//! nothing is repaired.
//!
//! Why `pread`/`pwrite` under `flock` and not a shared mapping: a mapping of a file someone
//! truncates kills the process with SIGBUS on the next touch, and checking the size first leaves a
//! window. A short `pread` is just an error. Each draw also `fstat`s the descriptor: a file that
//! lost one of its two names (it has a second, kept name: see `keep_name`) was deleted or renamed
//! over, and the draw moves to the state now at the path, carrying the old file's last value into
//! it, before it hands anything out. The guarantee and its limits are stated at `restsign_nonce`
//! (`src/ffi/nonce.rs`).

use crate::error::Error;
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{DirBuilderExt as _, FileExt as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Size of a state record (see `nonce.rs` for its layout).
pub(crate) const STATE_LEN: usize = 64;
/// Offset of the last value in the record.
pub(crate) const LAST_AT: usize = 48;

/// The directory of the default state files: `$XDG_STATE_HOME/restsign` if that is an absolute
/// path, else `$HOME/.local/state/restsign` (the home from the password database when `$HOME` is
/// unset). `Err(StateNoHome)` when neither is known.
pub fn default_state_dir() -> Result<PathBuf, Error> {
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(state.join("restsign"));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).filter(|p| p.is_absolute()).or_else(passwd_home);
    home.map(|h| h.join(".local/state/restsign")).ok_or(Error::StateNoHome)
}

fn passwd_home() -> Option<PathBuf> {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: all-zero is a valid passwd; getpwuid_r writes only within `pwd` and `buf`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: pointers valid for the call; `buf.len()` is its size.
    let rc = unsafe { libc::getpwuid_r(libc::geteuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_dir.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r set pw_dir to a NUL-terminated string inside `buf`.
    let dir = unsafe { std::ffi::CStr::from_ptr(pwd.pw_dir) };
    Some(PathBuf::from(OsStr::from_bytes(dir.to_bytes()))).filter(|p| p.is_absolute())
}

fn last_os_error() -> Error {
    errno_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn errno_error(errno: i32) -> Error {
    Error::NonceStateIo { errno }
}

fn cstr(bytes: &[u8]) -> Result<CString, Error> {
    CString::new(bytes).map_err(|_| errno_error(libc::EINVAL))
}

fn fstat(fd: RawFd) -> Result<libc::stat, Error> {
    // SAFETY: all-zero is a valid stat; fstat writes it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is writable; a bad fd is an error, not UB.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(last_os_error());
    }
    Ok(st)
}

/// Is `gid` the caller's effective group or one of its supplementary groups?
fn caller_in_group(gid: libc::gid_t) -> bool {
    // SAFETY: getegid cannot fail.
    if unsafe { libc::getegid() } == gid {
        return true;
    }
    let mut groups = vec![0 as libc::gid_t; 1024];
    // SAFETY: the buffer holds `groups.len()` entries.
    let n = unsafe { libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr()) };
    n > 0 && groups[..n as usize].contains(&gid)
}

/// A checked state directory, held open so that files are opened relative to what was checked.
struct Dir {
    fd: OwnedFd,
    /// The group of a directory set up for sharing (setgid, one of the caller's groups).
    shared_gid: Option<libc::gid_t>,
}

impl Dir {
    /// Opens `path` (created 0700, with missing parents, if it does not exist) and checks it.
    /// `may_share`: the caller named this directory itself (the default one is never shared).
    fn open(path: &Path, may_share: bool) -> Result<Dir, Error> {
        if path.starts_with(crate::nonce::NO_HOME) {
            return Err(Error::StateNoHome);
        }
        if std::fs::symlink_metadata(path).is_err() {
            // Racing creators are fine: create_dir_all accepts a directory that appears meanwhile.
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(|e| io_error(&e))?;
        }
        let c_path = cstr(path.as_os_str().as_bytes())?;
        // SAFETY: a NUL-terminated path; the result is checked.
        let fd = unsafe {
            libc::open(c_path.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        };
        if fd < 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            // O_NOFOLLOW|O_DIRECTORY on a symlink: ELOOP, or ENOTDIR on some kernels; tell them apart.
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            return Err(match errno {
                _ if is_link => Error::StateSymlink,
                libc::ENOTDIR => Error::StateNotRegular,
                _ => errno_error(errno),
            });
        }
        // SAFETY: a descriptor we just opened and own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let st = fstat(fd.as_raw_fd())?;
        if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return Err(Error::StateNotRegular);
        }
        let shared = may_share && st.st_mode & libc::S_ISGID != 0 && caller_in_group(st.st_gid);
        // SAFETY: geteuid cannot fail.
        if st.st_uid != unsafe { libc::geteuid() } && !shared {
            return Err(Error::StateNotOwned);
        }
        if st.st_mode & 0o002 != 0 {
            return Err(Error::StateWritableByOthers);
        }
        if st.st_mode & 0o020 != 0 && !shared {
            return Err(Error::StateGroupWritable);
        }
        Ok(Dir { fd, shared_gid: shared.then_some(st.st_gid) })
    }

    /// The owner and mode checks of a state file in this directory.
    fn check_file(&self, st: &libc::stat) -> Result<(), Error> {
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(Error::StateNotRegular);
        }
        let group_shared = self.shared_gid == Some(st.st_gid);
        // SAFETY: geteuid cannot fail.
        if st.st_uid != unsafe { libc::geteuid() } && !group_shared {
            return Err(Error::StateNotOwned);
        }
        if st.st_mode & 0o002 != 0 {
            return Err(Error::StateWritableByOthers);
        }
        if st.st_mode & 0o020 != 0 && !group_shared {
            return Err(Error::StateGroupWritable);
        }
        Ok(())
    }

    /// Opens `name` here for reading and writing; `Ok(None)` if it does not exist.
    fn open_file(&self, name: &CString) -> Result<Option<File>, Error> {
        // O_NOFOLLOW: a symlink is refused; O_NONBLOCK: a FIFO never blocks the open or a read.
        let flags = libc::O_RDWR | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
        // SAFETY: a live directory descriptor and a NUL-terminated name.
        let fd = unsafe { libc::openat(self.fd.as_raw_fd(), name.as_ptr(), flags) };
        if fd >= 0 {
            // SAFETY: a descriptor we just opened and own.
            let file = unsafe { File::from_raw_fd(fd) };
            self.check_file(&fstat(file.as_raw_fd())?)?;
            return Ok(Some(file));
        }
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        match errno {
            libc::ENOENT => Ok(None),
            libc::ELOOP => Err(Error::StateSymlink),
            // A directory, or a socket (which cannot be opened).
            libc::EISDIR | libc::ENXIO => Err(Error::StateNotRegular),
            // Not ours to open: say whose it is rather than "permission denied".
            _ => Err(self.stat_at(name).and_then(|st| self.check_file(&st)).err().unwrap_or(errno_error(errno))),
        }
    }

    /// The highest last value in deleted copies of `name` that this user's running processes still
    /// hold open (found through `/proc/PID/fd`, whose links read `<path> (deleted)`), 0 if none.
    /// Without this, a process started after the file was deleted, and before any holder drew again
    /// (a holder that is idle, or blocked writing its output), would start again from the clock.
    /// Only when a file is created, so its cost (a walk of /proc) is paid once per file.
    fn deleted_but_held(&self, name: &CString, header: &[u8; STATE_LEN], validate: Validate) -> u64 {
        let Ok(dir) = std::fs::read_link(format!("/proc/self/fd/{}", self.fd.as_raw_fd())) else { return 0 };
        let mut wanted = dir.join(OsStr::from_bytes(name.as_bytes())).into_os_string();
        wanted.push(" (deleted)");
        let Ok(procs) = std::fs::read_dir("/proc") else { return 0 };
        let mut highest = 0;
        for proc in procs.flatten() {
            if !proc.file_name().as_bytes().iter().all(u8::is_ascii_digit) {
                continue;
            }
            let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else { continue }; // not ours
            for fd in fds.flatten() {
                if std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == wanted) {
                    highest = highest.max(self.held_value(&fd.path(), header, validate).unwrap_or(0));
                }
            }
        }
        highest
    }

    /// The last value of a held copy, reopened through its /proc link and checked like any file.
    fn held_value(&self, link: &Path, header: &[u8; STATE_LEN], validate: Validate) -> Option<u64> {
        let file = std::fs::OpenOptions::new().read(true).write(true).open(link).ok()?;
        self.check_file(&fstat(file.as_raw_fd()).ok()?).ok()?;
        let _lock = Flock::exclusive(&file).ok()?;
        validate_file(&file, header, validate).ok()
    }

    /// Gives `file` the name `name` (`EEXIST` is fine: someone else did).
    fn link(&self, file: &File, name: &CString) -> Result<(), Error> {
        let proc_path = cstr(format!("/proc/self/fd/{}", file.as_raw_fd()).as_bytes())?;
        // SAFETY: NUL-terminated paths and a live directory descriptor.
        let rc = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                proc_path.as_ptr(),
                self.fd.as_raw_fd(),
                name.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        match rc {
            0 => Ok(()),
            _ if std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) => Ok(()),
            _ => Err(last_os_error()),
        }
    }

    /// Makes `keep` a second name of `file` (replacing a kept name of an older file) and returns the
    /// link count. Best effort: where it cannot (no /proc, no hard links), the file has one name.
    fn keep(&self, file: &File, keep: &CString) -> libc::nlink_t {
        let links = |file: &File| fstat(file.as_raw_fd()).map_or(1, |st| st.st_nlink);
        if links(file) >= 2 {
            return links(file);
        }
        let Ok(tmp) = cstr(format!(".restsign-{:016x}.tmp", random_u64()).as_bytes()) else { return 1 };
        let dirfd = self.fd.as_raw_fd();
        // Linked under a temporary name, then renamed over any older kept name in one step.
        if self.link(file, &tmp).is_ok() {
            // SAFETY: live directory descriptor, NUL-terminated names.
            if unsafe { libc::renameat(dirfd, tmp.as_ptr(), dirfd, keep.as_ptr()) } != 0 {
                // SAFETY: as above.
                unsafe { libc::unlinkat(dirfd, tmp.as_ptr(), 0) };
            }
        }
        links(file)
    }

    /// An exclusive `flock` on the directory itself, held while a file is created and released
    /// when the returned descriptor is closed (`None` if the directory cannot be opened for it;
    /// creation then goes on unserialised).
    fn lock_for_creation(&self) -> Option<File> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        // SAFETY: live directory descriptor, NUL-terminated ".".
        let fd = unsafe { libc::openat(self.fd.as_raw_fd(), c".".as_ptr(), flags) };
        if fd < 0 {
            return None;
        }
        // SAFETY: a descriptor we just opened and own.
        let dir = unsafe { File::from_raw_fd(fd) };
        loop {
            // SAFETY: a live descriptor.
            if unsafe { libc::flock(dir.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Some(dir);
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return None;
            }
        }
    }

    fn stat_at(&self, name: &CString) -> Result<libc::stat, Error> {
        // SAFETY: all-zero is a valid stat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: live descriptor, NUL-terminated name, writable `st`.
        let rc = unsafe { libc::fstatat(self.fd.as_raw_fd(), name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
        if rc != 0 { Err(last_os_error()) } else { Ok(st) }
    }

    /// Creates `name` holding `record`, whole or not at all, and returns it; `Ok(None)` if another
    /// process created it first. Written to an unnamed file (`O_TMPFILE`) then linked into place,
    /// so a creator killed at any point leaves nothing behind; where `O_TMPFILE` or `/proc` is
    /// missing, a randomly named temporary file, removed at once (so a stale one never matters).
    fn create_file(&self, name: &CString, record: &[u8; STATE_LEN]) -> Result<Option<File>, Error> {
        let mode: libc::mode_t = if self.shared_gid.is_some() { 0o660 } else { 0o600 };
        let dirfd = self.fd.as_raw_fd();
        // SAFETY: live directory descriptor, NUL-terminated ".".
        let fd = unsafe { libc::openat(dirfd, c".".as_ptr(), libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC, mode) };
        if fd >= 0 {
            // SAFETY: a descriptor we just opened and own.
            let file = unsafe { File::from_raw_fd(fd) };
            fill(&file, mode, record)?;
            let proc_path = cstr(format!("/proc/self/fd/{fd}").as_bytes())?;
            // SAFETY: NUL-terminated paths and a live directory descriptor.
            let rc = unsafe {
                libc::linkat(libc::AT_FDCWD, proc_path.as_ptr(), dirfd, name.as_ptr(), libc::AT_SYMLINK_FOLLOW)
            };
            if rc == 0 {
                return Ok(Some(file));
            }
            match std::io::Error::last_os_error().raw_os_error().unwrap_or(0) {
                libc::EEXIST => return Ok(None),
                libc::ENOENT => {} // no /proc: fall back below
                errno => return Err(errno_error(errno)),
            }
        }
        let tmp = cstr(format!(".restsign-{:016x}.tmp", random_u64()).as_bytes())?;
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: live directory descriptor, NUL-terminated name.
        let fd = unsafe { libc::openat(dirfd, tmp.as_ptr(), flags, mode as libc::c_uint) };
        if fd < 0 {
            return Err(last_os_error());
        }
        // SAFETY: a descriptor we just opened and own.
        let file = unsafe { File::from_raw_fd(fd) };
        let linked = fill(&file, mode, record).and_then(|()| {
            // SAFETY: live directory descriptor, NUL-terminated names.
            match unsafe { libc::linkat(dirfd, tmp.as_ptr(), dirfd, name.as_ptr(), 0) } {
                0 => Ok(true),
                _ if std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) => Ok(false),
                _ => Err(last_os_error()),
            }
        });
        // SAFETY: live directory descriptor, NUL-terminated name.
        unsafe { libc::unlinkat(dirfd, tmp.as_ptr(), 0) };
        Ok(linked?.then_some(file))
    }
}

/// Writes a new file's record with its final mode (whatever the umask) and flushes it to disk.
fn fill(file: &File, mode: libc::mode_t, record: &[u8; STATE_LEN]) -> Result<(), Error> {
    // SAFETY: a live descriptor.
    if unsafe { libc::fchmod(file.as_raw_fd(), mode) } != 0 {
        return Err(last_os_error());
    }
    file.write_all_at(record, 0).map_err(|e| io_error(&e))?;
    file.sync_all().map_err(|e| io_error(&e))
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // SAFETY: the buffer is writable for its length.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        // Unique enough without the kernel's randomness: the temporary file is O_EXCL anyway.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        return t.as_nanos() as u64 ^ (u64::from(std::process::id()) << 32);
    }
    u64::from_ne_bytes(bytes)
}

pub(crate) fn io_error(e: &std::io::Error) -> Error {
    errno_error(e.raw_os_error().unwrap_or(0))
}

/// What a record's bytes say, checked against the expected header.
pub(crate) type Validate = fn(&[u8], &[u8; STATE_LEN]) -> Result<u64, Error>;

/// One state file in use: the path it was opened at (to follow it when it is replaced) and the
/// open file, behind a lock so the threads of this process take turns (`flock` is per open file,
/// shared by all of them).
pub(crate) struct StateFile {
    dir: PathBuf,
    may_share: bool,
    name: CString,
    /// The file's second name (see `keep_name`).
    keep: CString,
    /// The record a new file starts with (last value 0).
    header: [u8; STATE_LEN],
    validate: Validate,
    /// The open file and the number of names it had when opened (2 with its kept name): fewer
    /// means one was deleted or renamed over.
    file: Mutex<(File, libc::nlink_t)>,
}

/// Every state file has a second name, `.<name>.keep`, so that deleting the state file (by hand,
/// by a cleaner) does not lose the sequence even when no process has it open: the next use links
/// the state back under its name. Only deleting both loses it.
fn keep_name(name: &CString) -> Result<CString, Error> {
    let mut keep = b".".to_vec();
    keep.extend_from_slice(name.as_bytes());
    keep.extend_from_slice(b".keep");
    cstr(&keep)
}

impl StateFile {
    /// Opens (or creates) the state file `name` in `dir` after checking both.
    pub(crate) fn open(
        dir: &Path,
        name: &OsStr,
        may_share: bool,
        header: [u8; STATE_LEN],
        validate: Validate,
    ) -> Result<StateFile, Error> {
        let name = cstr(name.as_bytes())?;
        let keep = keep_name(&name)?;
        let file = open_or_create(dir, may_share, &name, &keep, &header, 0, validate)?;
        Ok(StateFile { dir: dir.to_owned(), may_share, name, keep, header, validate, file: Mutex::new(file) })
    }

    /// Runs `change(last)` on the file's last value under an exclusive lock, writes back the new
    /// value it returns (if different) and returns its answer. The value is handed out only after
    /// the write, and only if the file still has all its names: if one was deleted or renamed
    /// over, this moves to the state at the path now, carrying the old file's last value into it.
    pub(crate) fn update<R>(&self, mut change: impl FnMut(u64) -> Result<(u64, R), Error>) -> Result<R, Error> {
        let mut guard = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (file, links) = &mut *guard;
        let mut carry = 0;
        loop {
            let lock = Flock::exclusive(file)?;
            let (stored, now_links) = self.read(file)?;
            if now_links < *links {
                // A name deleted or renamed over: every draw from this file happened before (they
                // all hold this lock and see the link count), so `stored` is the highest value it
                // handed out.
                drop(lock);
                carry = carry.max(stored);
                (*file, *links) = open_or_create(
                    &self.dir,
                    self.may_share,
                    &self.name,
                    &self.keep,
                    &self.header,
                    carry,
                    self.validate,
                )?;
                continue;
            }
            let last = stored.max(carry);
            let (next, answer) = change(last)?;
            if next != stored {
                file.write_all_at(&next.to_ne_bytes(), LAST_AT as u64).map_err(|e| io_error(&e))?;
            }
            drop(lock);
            return Ok(answer);
        }
    }

    /// The last value and the file's link count. A file cut short or rewritten while in use is
    /// `StateChanged`.
    fn read(&self, file: &File) -> Result<(u64, libc::nlink_t), Error> {
        let mut record = [0u8; STATE_LEN];
        let n = file.read_at(&mut record, 0).map_err(|e| io_error(&e))?;
        let st = fstat(file.as_raw_fd())?;
        if n != STATE_LEN || st.st_size != STATE_LEN as libc::off_t {
            return Err(Error::StateChanged);
        }
        let last = (self.validate)(&record, &self.header).map_err(|e| match e {
            Error::NonceStateCorrupt | Error::NonceStateForeign | Error::NonceStateTruncated => Error::StateChanged,
            other => other,
        })?;
        Ok((last, st.st_nlink))
    }
}

/// Opens `name` in `dir` (checked), or relinks it from its kept name, or creates it with last
/// value `seed`; returns the file and its link count once its kept name is in place.
fn open_or_create(
    dir: &Path,
    may_share: bool,
    name: &CString,
    keep: &CString,
    header: &[u8; STATE_LEN],
    seed: u64,
    validate: Validate,
) -> Result<(File, libc::nlink_t), Error> {
    let dir = Dir::open(dir, may_share)?;
    loop {
        if let Some(file) = dir.open_file(name)? {
            validate_file(&file, header, validate)?;
            let links = dir.keep(&file, keep);
            return Ok((file, links));
        }
        // Creators take turns, so that what one finds (below) cannot grow stale before it links
        // its file: a file that appears meanwhile was made by a creator holding this lock.
        let _creating = dir.lock_for_creation();
        if dir.open_file(name)?.is_some() {
            continue;
        }
        // The state file was deleted: its kept name still holds the sequence.
        if let Some(kept) = dir.open_file(keep)? {
            validate_file(&kept, header, validate)?;
            dir.link(&kept, name)?;
            continue;
        }
        // Both names gone. Processes may still hold it open: start above them.
        let seed = seed.max(dir.deleted_but_held(name, header, validate));
        let mut record = *header;
        record[LAST_AT..LAST_AT + 8].copy_from_slice(&seed.to_ne_bytes());
        // Then opened by its name like any (the loop), never used through the descriptor that
        // made it: /proc shows an O_TMPFILE descriptor as `#inode`, which the search above for
        // held copies would not recognise once the file is deleted.
        drop(dir.create_file(name, &record)?);
    }
}

/// Reads and checks a freshly opened file's record (its size first: a FIFO or a short file never
/// reaches `validate`).
fn validate_file(file: &File, header: &[u8; STATE_LEN], validate: Validate) -> Result<u64, Error> {
    let st = fstat(file.as_raw_fd())?;
    let mut record = vec![0u8; (st.st_size.max(0) as usize).min(STATE_LEN + 1)];
    let n = file.read_at(&mut record, 0).map_err(|e| io_error(&e))?;
    validate(&record[..n], header)
}

/// An exclusive `flock` on an open file, released on drop (or when the process dies).
struct Flock<'a>(&'a File);

impl<'a> Flock<'a> {
    fn exclusive(file: &'a File) -> Result<Flock<'a>, Error> {
        loop {
            // SAFETY: a live descriptor.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(Flock(file));
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(io_error(&err));
            }
        }
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        // SAFETY: a live descriptor.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Splits a state file path into its directory (`.` if none) and file name.
pub(crate) fn split(path: &Path) -> Result<(PathBuf, OsString), Error> {
    let name = path.file_name().ok_or(errno_error(libc::EISDIR))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((dir.to_owned(), name.to_owned()))
}

/// Whether a directory the caller named may be group-shared: any but the default one.
pub(crate) fn may_share(dir: &Path) -> bool {
    default_state_dir().map_or(true, |default| default != dir)
}

/// Checks (creating it 0700 if missing) a directory for state files.
pub(crate) fn check_dir(dir: &Path) -> Result<(), Error> {
    Dir::open(dir, may_share(dir)).map(drop)
}
