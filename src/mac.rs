//! The keyed HMAC (one per credential) and the plain digests recipes use.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The hash under the HMAC (and of a recipe's digest functions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// Length of the binary digest (and HMAC tag) in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// The plain digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(bytes).to_vec(),
            Hash::Sha384 => Sha384::digest(bytes).to_vec(),
            Hash::Sha512 => Sha512::digest(bytes).to_vec(),
        }
    }
}

/// A binary tag, long enough for SHA-512.
pub(crate) struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// HMAC state already keyed with the secret; cloned per signature so the key schedule (two hash
/// compressions) is paid once per credential, not once per request.
#[derive(Clone)]
pub(crate) enum KeyedMac {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

// Secrets must not outlive the signer. The keyed HMAC state is two hash states (key ^ ipad and
// key ^ opad already compressed); with sha2's `zeroize` feature each wipes itself when dropped.
// Checked here so a dependency update that loses this fails to build.
const _: fn() = || {
    fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wipes_on_drop::<<Sha256 as hmac::EagerHash>::Core>();
    wipes_on_drop::<<Sha384 as hmac::EagerHash>::Core>();
    wipes_on_drop::<<Sha512 as hmac::EagerHash>::Core>();
};

/// A running HMAC over one message, fed piece by piece.
pub(crate) struct Running(KeyedMac);

impl KeyedMac {
    pub(crate) fn new(hash: Hash, key: &[u8]) -> KeyedMac {
        // HMAC accepts keys of any length, so these cannot fail.
        match hash {
            Hash::Sha256 => KeyedMac::Sha256(Hmac::new_from_slice(key).expect("any key length")),
            Hash::Sha384 => KeyedMac::Sha384(Hmac::new_from_slice(key).expect("any key length")),
            Hash::Sha512 => KeyedMac::Sha512(Hmac::new_from_slice(key).expect("any key length")),
        }
    }

    pub(crate) fn start(&self) -> Running {
        Running(self.clone())
    }

    /// The tag of the concatenation of `pieces`, the hash chosen once for all of them.
    pub(crate) fn tag_pieces(&self, pieces: &[&[u8]]) -> Tag {
        fn run<M: Mac + Clone>(keyed: &M, pieces: &[&[u8]]) -> Tag {
            let mut mac = keyed.clone();
            for piece in pieces {
                mac.update(piece);
            }
            let out = mac.finalize().into_bytes();
            let mut tag = Tag { bytes: [0; 64], len: out.len() };
            tag.bytes[..out.len()].copy_from_slice(&out);
            tag
        }
        match self {
            KeyedMac::Sha256(m) => run(m, pieces),
            KeyedMac::Sha384(m) => run(m, pieces),
            KeyedMac::Sha512(m) => run(m, pieces),
        }
    }

    /// The tag of `bytes` in one call.
    pub(crate) fn tag(&self, bytes: &[u8]) -> Tag {
        let mut running = self.start();
        running.update(bytes);
        running.finish()
    }
}

impl Running {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            KeyedMac::Sha256(m) => m.update(bytes),
            KeyedMac::Sha384(m) => m.update(bytes),
            KeyedMac::Sha512(m) => m.update(bytes),
        }
    }

    pub(crate) fn finish(self) -> Tag {
        fn copy(out: &[u8]) -> Tag {
            let mut tag = Tag { bytes: [0; 64], len: out.len() };
            tag.bytes[..out.len()].copy_from_slice(out);
            tag
        }
        match self.0 {
            KeyedMac::Sha256(m) => copy(&m.finalize().into_bytes()),
            KeyedMac::Sha384(m) => copy(&m.finalize().into_bytes()),
            KeyedMac::Sha512(m) => copy(&m.finalize().into_bytes()),
        }
    }
}
