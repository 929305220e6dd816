#![allow(dead_code)]
//! The signing engine as it was before recipes became data, frozen as a reference.
//! The signing engine: one keyed HMAC per credential, following a [`Scheme`] recipe.

use restsign::Error;
use restsign::encode::{self, decimal};

use super::scheme::{Framing, Hash, KeyFormat, Part, Scheme, SecretFormat};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

/// Bytes in a UUID key (`mtgox-stream`).
pub const UUID_LEN: usize = 16;

/// The request facts a signature covers. Borrowed; nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// HTTP method (`"GET"`, `"POST"`, …).
    pub method: &'a str,
    /// Endpoint path as the scheme signs it (e.g. `/api/wallet/`, or `BTCUSD/money/order/add`).
    pub path: &'a [u8],
    /// The exact bytes sent: body, query string (without `?`) or JSON.
    pub payload: &'a [u8],
    /// The nonce, for schemes that sign it outside the payload (`apiauth`).
    pub nonce: u64,
}

/// HMAC state already keyed with the secret; cloned per signature so the key schedule (two hash
/// compressions) is paid once per credential, not once per request.
#[derive(Clone)]
enum KeyedMac {
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

// Secrets must not outlive the signer. The keyed HMAC state is two hash states (key ^ ipad and
// key ^ opad already compressed); with sha2's `zeroize` feature each wipes itself when dropped.
// Checked here so a dependency update that loses this fails to build.
const _: fn() = || {
    fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wipes_on_drop::<<Sha256 as hmac::EagerHash>::Core>();
    wipes_on_drop::<<Sha512 as hmac::EagerHash>::Core>();
};

/// A binary tag, long enough for SHA-512.
struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl KeyedMac {
    fn new(hash: Hash, key: &[u8]) -> KeyedMac {
        // HMAC accepts keys of any length, so these cannot fail.
        match hash {
            Hash::Sha256 => KeyedMac::Sha256(Hmac::new_from_slice(key).expect("any key length")),
            Hash::Sha512 => KeyedMac::Sha512(Hmac::new_from_slice(key).expect("any key length")),
        }
    }

    fn tag(&self, pieces: &[&[u8]]) -> Tag {
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
            KeyedMac::Sha512(m) => run(m, pieces),
        }
    }
}

/// One credential (scheme, key, secret), ready to sign. Immutable after creation, so one signer may
/// be shared by any number of threads. The secret and keyed state are wiped when it is dropped.
#[derive(Clone)]
pub struct Signer {
    scheme: &'static Scheme,
    key: Zeroizing<Vec<u8>>,
    /// The key's 16 bytes when the scheme wants a UUID key.
    key_id: [u8; UUID_LEN],
    mac: KeyedMac,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("scheme", &self.scheme.name).finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for the scheme called `scheme` (see [`crate::SCHEMES`]).
    pub fn new(scheme: &str, key: &[u8], secret: &[u8]) -> Result<Signer, Error> {
        let scheme = Scheme::by_name(scheme).ok_or(Error::UnknownScheme)?;
        Signer::with_scheme(scheme, key, secret)
    }

    /// A signer for a scheme value (for callers holding a `&'static Scheme`).
    pub fn with_scheme(scheme: &'static Scheme, key: &[u8], secret: &[u8]) -> Result<Signer, Error> {
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        let mut key_id = [0; UUID_LEN];
        match scheme.key {
            KeyFormat::Text => check_key_text(key)?,
            KeyFormat::Uuid => key_id = parse_uuid(key).ok_or(Error::KeyNotUuid)?,
        }
        let mac = match scheme.secret {
            SecretFormat::AsGiven => KeyedMac::new(scheme.hash, secret),
            SecretFormat::Base64 => {
                // Non-empty base64 text never decodes to nothing, so the key is never empty.
                let decoded = Zeroizing::new(encode::decode_base64(secret).ok_or(Error::SecretNotBase64)?);
                KeyedMac::new(scheme.hash, &decoded)
            }
        };
        Ok(Signer { scheme, key: Zeroizing::new(key.to_vec()), key_id, mac })
    }

    /// The frozen reference draws no nonces: the equivalence test always fixes them.
    pub fn next_nonce(&self) -> Result<u64, Error> {
        Err(Error::NonceExhausted)
    }

    pub fn scheme(&self) -> &'static Scheme {
        self.scheme
    }

    /// The API key as given.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// Length of the signature text for a payload of `payload_len` bytes (no NUL).
    pub fn signature_len(&self, payload_len: usize) -> Result<usize, Error> {
        self.scheme.signature_len(payload_len).ok_or(Error::TooLong)
    }

    /// Writes the signature text (for `mtgox-stream`, the whole signed call) into the front of
    /// `out` and returns its length. Allocates nothing. If `out` is too short nothing is written
    /// and [`Error::BufferTooSmall`] says how long the text is.
    pub fn sign_into(&self, msg: &Message<'_>, out: &mut [u8]) -> Result<usize, Error> {
        check_method(msg.method)?;
        let len = self.signature_len(msg.payload.len())?;
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall { needed: len })?;
        let tag = self.tag(msg);
        let written = match self.scheme.framing {
            Framing::Tag => encode::encode_pieces(self.scheme.encoding, &[tag.as_bytes()], out),
            Framing::KeyTagPayload => {
                encode::encode_pieces(self.scheme.encoding, &[&self.key_id, tag.as_bytes(), msg.payload], out)
            }
        };
        debug_assert_eq!(written, len);
        Ok(len)
    }

    /// The signature text as a `String` (allocates; for Rust callers who do not mind).
    pub fn sign(&self, msg: &Message<'_>) -> Result<String, Error> {
        let mut out = vec![0; self.signature_len(msg.payload.len())?];
        let n = self.sign_into(msg, &mut out)?;
        out.truncate(n);
        Ok(String::from_utf8(out).expect("hex and base64 are ASCII"))
    }

    /// The binary HMAC over the scheme's message.
    fn tag(&self, msg: &Message<'_>) -> Tag {
        let mut digits = [0; 20];
        let pieces = self.pieces(msg, &mut digits);
        self.mac.tag(&pieces[..self.scheme.message.len()])
    }

    /// The exact bytes the HMAC covers for `msg` (allocates; for showing a verifier's expectation).
    pub fn signed_message(&self, msg: &Message<'_>) -> Vec<u8> {
        let mut digits = [0; 20];
        self.pieces(msg, &mut digits)[..self.scheme.message.len()].concat()
    }

    /// The scheme's message, piece by piece (the first `scheme.message.len()` entries).
    fn pieces<'s>(&'s self, msg: &Message<'s>, digits: &'s mut [u8; 20]) -> [&'s [u8]; 8] {
        let nonce = decimal(msg.nonce, digits);
        let mut pieces: [&[u8]; 8] = [&[]; 8];
        for (slot, part) in pieces.iter_mut().zip(self.scheme.message) {
            *slot = match part {
                Part::Nonce => nonce,
                Part::Key => &self.key,
                Part::Path => msg.path,
                Part::Nul => b"\0",
                Part::Payload => msg.payload,
            };
        }
        pieces
    }

    /// Length of the header block [`Signer::headers_into`] writes (no NUL).
    pub fn headers_len(&self, msg: &Message<'_>) -> Result<usize, Error> {
        let mut digits = [0; 20];
        let mut len = 0;
        for (name, value) in self.header_lines(msg, &mut digits)? {
            let value_len = match value {
                HeaderValue::Text(text) => text.len(),
                HeaderValue::Signature => self.signature_len(msg.payload.len())?,
            };
            len += name.len() + ": ".len() + value_len + "\r\n".len();
        }
        Ok(len)
    }

    /// Writes every header the scheme needs for this request as `Name: value\r\n` lines into the
    /// front of `out` and returns the length. Allocates nothing. If `out` is too short nothing is
    /// written. Schemes that carry the signature in the call itself (`mtgox-stream`) have no
    /// headers: [`Error::NoHeaders`].
    pub fn headers_into(&self, msg: &Message<'_>, out: &mut [u8]) -> Result<usize, Error> {
        self.write_headers(msg, out, |buf| self.sign_into(msg, buf))
    }

    /// The header block of a request whose signature text is already made (no second HMAC).
    pub(crate) fn header_block(&self, msg: &Message<'_>, signature: &str) -> Result<Vec<u8>, Error> {
        let mut block = vec![0; self.headers_len(msg)?];
        self.write_headers(msg, &mut block, |buf| {
            put(&mut &mut buf[..], signature.as_bytes());
            Ok(signature.len())
        })?;
        Ok(block)
    }

    /// The header lines into `out`, the signature's value written by `signature`.
    fn write_headers(
        &self,
        msg: &Message<'_>,
        out: &mut [u8],
        signature: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
    ) -> Result<usize, Error> {
        let needed = self.headers_len(msg)?;
        let out = out.get_mut(..needed).ok_or(Error::BufferTooSmall { needed })?;
        let mut digits = [0; 20];
        let mut rest = &mut out[..];
        let mut signature = Some(signature);
        for (name, value) in self.header_lines(msg, &mut digits)? {
            put(&mut rest, name.as_bytes());
            put(&mut rest, b": ");
            match value {
                HeaderValue::Text(text) => put(&mut rest, text),
                HeaderValue::Signature => {
                    let write = signature.take().expect("one signature header");
                    let n = write(rest)?;
                    rest = &mut std::mem::take(&mut rest)[n..];
                }
            }
            put(&mut rest, b"\r\n");
        }
        debug_assert!(rest.is_empty());
        Ok(needed)
    }

    /// The scheme's headers for this request, in a fixed order: key, nonce, signature, content type.
    fn header_lines<'s>(
        &'s self,
        msg: &Message<'_>,
        digits: &'s mut [u8; 20],
    ) -> Result<impl Iterator<Item = (&'static str, HeaderValue<'s>)>, Error> {
        check_method(msg.method)?;
        let names = self.scheme.headers;
        if names.signature.is_none() {
            return Err(Error::NoHeaders);
        }
        let nonce = decimal(msg.nonce, digits);
        let lines = [
            names.key.map(|n| (n, HeaderValue::Text(&self.key[..]))),
            names.nonce.map(|n| (n, HeaderValue::Text(nonce))),
            names.signature.map(|n| (n, HeaderValue::Signature)),
            self.scheme.content_type(msg.method).map(|t| ("Content-Type", HeaderValue::Text(t.as_bytes()))),
        ];
        Ok(lines.into_iter().flatten())
    }
}

/// A header's value: known bytes, or the signature, which is written straight into the output.
enum HeaderValue<'a> {
    Text(&'a [u8]),
    Signature,
}

/// Copies `bytes` to the front of `rest` and moves past them.
fn put(rest: &mut &mut [u8], bytes: &[u8]) {
    let (head, tail) = std::mem::take(rest).split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    *rest = tail;
}

pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    // An HTTP token (RFC 9110): what a header block or a request line can carry.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(token) {
        return Err(Error::InvalidMethod);
    }
    Ok(())
}

fn check_key_text(key: &[u8]) -> Result<(), Error> {
    // The key goes into a header line or a form field: control bytes would split or corrupt it.
    if key.is_empty() || key.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(Error::InvalidKey);
    }
    Ok(())
}

/// `12345678-abcd-1234-abcd-50286e649d5c` (either case) as 16 bytes.
fn parse_uuid(text: &[u8]) -> Option<[u8; UUID_LEN]> {
    if text.len() != 36 {
        return None;
    }
    let mut out = [0; UUID_LEN];
    let mut nibbles = 0;
    for (i, &c) in text.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = (c as char).to_digit(16)? as u8;
        out[nibbles / 2] |= if nibbles % 2 == 0 { v << 4 } else { v };
        nibbles += 1;
    }
    Some(out)
}
