//! The signing engine: one keyed HMAC per credential, following a [`Recipe`].

use crate::encode::{self, decimal};
use crate::error::Error;
use crate::mac::KeyedMac;
use crate::nonce::{self, MAX_NONCE, NonceSource};
use crate::recipe::{Credentials, Expr, KeyFormat, Recipe, Scope, SecretFormat};
use std::sync::{Arc, OnceLock};
use zeroize::Zeroizing;

/// Bytes in a UUID key (`mtgox-stream`).
pub const UUID_LEN: usize = 16;

/// The request facts a low-level signature covers. Borrowed; nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// HTTP method (`"GET"`, `"POST"`, …).
    pub method: &'a str,
    /// Endpoint path as the recipe signs it (`{path}`: e.g. `/api/wallet/`, or `BTCUSD/money/order/add`).
    pub path: &'a [u8],
    /// The exact bytes sent: the query string (without `?`) for query methods, else the body.
    pub payload: &'a [u8],
    /// The nonce, for recipes that sign it outside the payload (`apiauth`).
    pub nonce: u64,
}

/// What a signer is made with besides its recipe, key and secret.
#[derive(Clone, Default)]
pub struct SignerOptions {
    /// The passphrase of recipes that need one (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin).
    pub passphrase: Option<Zeroizing<Vec<u8>>>,
    /// Where request nonces come from (default: the per-key shared source).
    pub nonce: Option<Arc<dyn NonceSource>>,
    /// Replaces the recipe's `base_url` (a testnet, a local exchange).
    pub base_url: Option<String>,
}

/// One credential (recipe, key, secret, passphrase), ready to sign. Immutable after creation, so
/// one signer may be shared by any number of threads. Secrets and keyed state are wiped on drop.
#[derive(Clone)]
pub struct Signer {
    recipe: Arc<Recipe>,
    credentials: Credentials,
    nonce: OnceLock<Arc<dyn NonceSource>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("recipe", &self.recipe.name).finish_non_exhaustive()
    }
}

/// The longest signature text that fits on the stack while headers are written.
const STACK_SIGNATURE: usize = 256;

impl Signer {
    /// A signer for the preset called `scheme` (see [`crate::presets`]).
    pub fn new(scheme: &str, key: &[u8], secret: &[u8]) -> Result<Signer, Error> {
        let recipe = Recipe::preset(scheme).ok_or(Error::UnknownScheme)?;
        Signer::with_recipe(recipe, key, secret, SignerOptions::default())
    }

    /// A signer for any recipe, built in or parsed.
    pub fn with_recipe(
        recipe: Arc<Recipe>,
        key: &[u8],
        secret: &[u8],
        options: SignerOptions,
    ) -> Result<Signer, Error> {
        if secret.is_empty() {
            return Err(Error::EmptySecret);
        }
        let mut key_uuid = [0; UUID_LEN];
        match recipe.key {
            KeyFormat::Text => check_text(key).map_err(|_| Error::InvalidKey)?,
            KeyFormat::Uuid => key_uuid = parse_uuid(key).ok_or(Error::KeyNotUuid)?,
        }
        let passphrase = match (recipe.needs_passphrase, options.passphrase) {
            (true, None) => return Err(Error::PassphraseMissing),
            (true, Some(p)) => {
                check_text(&p).map_err(|_| Error::InvalidPassphrase)?;
                p
            }
            (false, _) => Zeroizing::new(Vec::new()),
        };
        let mac = match recipe.secret {
            SecretFormat::AsGiven => KeyedMac::new(recipe.hash, secret),
            SecretFormat::Base64 => {
                // Non-empty base64 text never decodes to nothing, so the key is never empty.
                let decoded = Zeroizing::new(encode::decode_base64(secret).ok_or(Error::SecretNotBase64)?);
                KeyedMac::new(recipe.hash, &decoded)
            }
        };
        let (base_url, host) = match options.base_url {
            Some(url) => {
                let host = crate::recipe::base_url_host(&url).ok_or(Error::InvalidBaseUrl)?.to_owned();
                (url, host)
            }
            None => (recipe.base_url.clone(), recipe.host.clone()),
        };
        let nonce = options.nonce.map_or_else(OnceLock::new, OnceLock::from);
        let space = recipe.space;
        let credentials =
            Credentials { key: Zeroizing::new(key.to_vec()), key_uuid, passphrase, mac, base_url, host, space };
        Ok(Signer { recipe, credentials, nonce })
    }

    /// This signer drawing its request nonces from `source` (for example a shared state file).
    pub fn with_nonce_source(mut self, source: Arc<dyn NonceSource>) -> Signer {
        self.nonce = OnceLock::from(source);
        self
    }

    /// The next nonce for a request: from the source given to [`Signer::with_nonce_source`], or
    /// else from this key's state file in the default state directory ([`nonce::default_source`]:
    /// never repeated across threads, processes and restarts). A state file refused or unusable is
    /// an error here, at each draw until it is fixed.
    pub fn next_nonce(&self) -> Result<u64, Error> {
        if let Some(source) = self.nonce.get() {
            return source.next();
        }
        let source = nonce::default_source(&self.credentials.key, self.recipe.nonce_unit)?;
        self.nonce.get_or_init(|| source).next()
    }

    pub fn recipe(&self) -> &Arc<Recipe> {
        &self.recipe
    }

    /// The API key as given.
    pub fn key(&self) -> &[u8] {
        &self.credentials.key
    }

    /// This signer with no passphrase, for a verifier that takes the one each request carries.
    pub(crate) fn forget_passphrase(mut self) -> Signer {
        self.credentials.passphrase = Zeroizing::new(Vec::new());
        self
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.credentials.base_url
    }

    /// Length of the low-level signature text for a payload of `payload_len` bytes (no NUL).
    pub fn signature_len(&self, payload_len: usize) -> Result<usize, Error> {
        if !self.recipe.signs_payload_only() {
            return Err(Error::NeedsRequest);
        }
        self.recipe.signature_len(payload_len).ok_or(Error::TooLong)
    }

    /// Writes the signature text (for `mtgox-stream`, the whole signed call) into the front of
    /// `out` and returns its length. Allocates nothing for recipes whose parts are plain. If `out`
    /// is too short nothing is written and [`Error::BufferTooSmall`] says how long the text is.
    /// Recipes that sign a clock, a UUID or the parameters themselves need the request builder
    /// ([`Error::NeedsRequest`]).
    pub fn sign_into(&self, msg: &Message<'_>, out: &mut [u8]) -> Result<usize, Error> {
        self.check_message(msg)?;
        let len = self.signature_len(msg.payload.len())?;
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall { needed: len })?;
        let mut digits = [0; 20];
        let nonce = self.nonce_text(msg.nonce, &mut digits);
        let values = self.values(msg, nonce);
        let mut scope = self.low_level_scope(msg, nonce, &values);
        let tag = self.tag(&scope);
        scope.tag = tag.as_bytes();
        let written = self.write_signature(&scope, out);
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

    /// The exact bytes the HMAC covers for `msg` (allocates; for showing a verifier's expectation).
    pub fn signed_message(&self, msg: &Message<'_>) -> Vec<u8> {
        let mut digits = [0; 20];
        let nonce = decimal(msg.nonce, &mut digits);
        let values = self.values(msg, nonce);
        self.recipe.message.eval(&self.low_level_scope(msg, nonce, &values))
    }

    /// Length of the header block [`Signer::headers_into`] writes (no NUL).
    pub fn headers_len(&self, msg: &Message<'_>) -> Result<usize, Error> {
        let mut len = 0;
        self.with_header_scope(msg, |scope, _| {
            self.header_lines(scope, msg.method, &mut |piece| len += piece.len());
            Ok(())
        })?;
        Ok(len)
    }

    /// Writes every header the recipe needs for this request as `Name: value\r\n` lines into the
    /// front of `out` and returns the length. Allocates nothing for the seed schemes. If `out` is
    /// too short nothing is written. Recipes that carry the signature in the call itself
    /// (`mtgox-stream`) have no headers: [`Error::NoHeaders`].
    pub fn headers_into(&self, msg: &Message<'_>, out: &mut [u8]) -> Result<usize, Error> {
        self.with_header_scope(msg, |scope, _| {
            let mut needed = 0;
            self.header_lines(scope, msg.method, &mut |piece| needed += piece.len());
            let out = out.get_mut(..needed).ok_or(Error::BufferTooSmall { needed })?;
            let mut rest = &mut out[..];
            self.header_lines(scope, msg.method, &mut |piece| put(&mut rest, piece));
            Ok(needed)
        })
    }

    /// Runs `write` with the scope of a low-level request whose signature is made.
    fn with_header_scope<T>(
        &self,
        msg: &Message<'_>,
        write: impl FnOnce(&Scope<'_>, usize) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if !self.recipe.has_headers() {
            self.check_message(msg)?;
            return Err(Error::NoHeaders);
        }
        let len = self.signature_len(msg.payload.len())?;
        self.check_message(msg)?;
        let mut digits = [0; 20];
        let nonce = self.nonce_text(msg.nonce, &mut digits);
        let values = self.values(msg, nonce);
        let scope = self.low_level_scope(msg, nonce, &values);
        let tag = self.tag(&scope);
        let scope = Scope { tag: tag.as_bytes(), ..scope };
        let mut stack = [0u8; STACK_SIGNATURE];
        let mut heap = Vec::new();
        let signature: &mut [u8] = if len <= STACK_SIGNATURE {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        self.write_signature(&scope, signature);
        let scope = Scope { signature, ..scope };
        write(&scope, len)
    }

    /// The header lines, piece by piece, then Content-Type when the recipe sends one.
    pub(crate) fn header_lines(&self, scope: &Scope<'_>, method: &str, sink: &mut impl FnMut(&[u8])) {
        for (name, value) in &self.recipe.headers {
            sink(name.as_bytes());
            sink(b": ");
            value.feed(scope, sink);
            sink(b"\r\n");
        }
        let named = |h: &str| self.recipe.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(h));
        if let Some(content_type) = self.recipe.content_type(method).filter(|_| !named("Content-Type")) {
            sink(b"Content-Type: ");
            sink(content_type.as_bytes());
            sink(b"\r\n");
        }
    }

    /// The nonce in decimal, for recipes that sign or send it outside the payload (else empty: the
    /// payload already holds it, and writing digits nobody reads costs as much as the rest).
    fn nonce_text<'d>(&self, nonce: u64, digits: &'d mut [u8; 20]) -> &'d [u8] {
        if self.recipe.signs_nonce_outside_params() { decimal(nonce, digits) } else { &[] }
    }

    /// The recipe's values, in order (allocates only when the recipe has any).
    fn values(&self, msg: &Message<'_>, nonce: &[u8]) -> Vec<Vec<u8>> {
        let mut values = Vec::new();
        if self.recipe.values.is_empty() {
            return values;
        }
        for (_, expr) in &self.recipe.values {
            let scope = self.low_level_scope(msg, nonce, &values);
            let value = expr.eval(&scope);
            values.push(value);
        }
        values
    }

    fn low_level_scope<'s>(&'s self, msg: &Message<'s>, nonce: &'s [u8], values: &'s [Vec<u8>]) -> Scope<'s> {
        let in_query = self.recipe.uses_query(msg.method);
        let (query, body): (&[u8], &[u8]) = if in_query { (msg.payload, b"") } else { (b"", msg.payload) };
        self.scope(msg.method, msg.path, msg.path, query, body, nonce, b"", b"", values, &[], &[])
    }

    /// A scope over this signer's credentials and one request's facts.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn scope<'s>(
        &'s self,
        method: &'s str,
        path: &'s [u8],
        full_path: &'s [u8],
        query: &'s [u8],
        body: &'s [u8],
        nonce: &'s [u8],
        ts: &'s [u8],
        uuid: &'s [u8],
        values: &'s [Vec<u8>],
        params: &'s [(&'s [u8], &'s [u8])],
        query_params: &'s [(&'s [u8], &'s [u8])],
    ) -> Scope<'s> {
        let in_query = self.recipe.uses_query(method);
        Scope {
            credentials: &self.credentials,
            method,
            path,
            full_path,
            query,
            body,
            payload: if in_query { query } else { body },
            ts,
            nonce,
            uuid,
            tag: b"",
            signature: b"",
            values,
            params,
            query_params,
            in_query,
        }
    }

    /// The binary HMAC over the recipe's message, streamed.
    pub(crate) fn tag(&self, scope: &Scope<'_>) -> crate::mac::Tag {
        // Most messages are a few literals and tokens: hashed as they are, the hash type chosen once.
        let mut pieces: [&[u8]; 8] = [&[]; 8];
        if let Some(n) = self.recipe.message.plain_pieces(scope, &mut pieces) {
            return self.credentials.mac.tag_pieces(&pieces[..n]);
        }
        let mut running = self.credentials.mac.start();
        self.recipe.message.feed(scope, &mut |piece| running.update(piece));
        running.finish()
    }

    /// The binary HMAC of bytes already assembled.
    pub(crate) fn tag_of(&self, message: &[u8]) -> crate::mac::Tag {
        self.credentials.mac.tag(message)
    }

    /// Writes the signature text into `out`, sized by [`Recipe::signature_len`].
    fn write_signature(&self, scope: &Scope<'_>, out: &mut [u8]) -> usize {
        if let Expr::Encode(encoding, inner) = &self.recipe.signature {
            let mut pieces: [&[u8]; 8] = [&[]; 8];
            if let Some(n) = inner.plain_pieces(scope, &mut pieces) {
                return encode::encode_pieces(*encoding, &pieces[..n], out);
            }
        }
        let text = self.recipe.signature.eval(scope);
        out[..text.len()].copy_from_slice(&text);
        text.len()
    }

    /// The signature text of a request whose tag is in `scope` (allocates).
    pub(crate) fn signature_text(&self, scope: &Scope<'_>) -> Vec<u8> {
        self.recipe.signature.eval(scope)
    }
}

/// Copies `bytes` to the front of `rest` and moves past them.
fn put(rest: &mut &mut [u8], bytes: &[u8]) {
    let (head, tail) = std::mem::take(rest).split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    *rest = tail;
}

impl Signer {
    fn check_message(&self, msg: &Message<'_>) -> Result<(), Error> {
        check_method(msg.method)?;
        check_path(msg.path)?;
        // Every verifier refuses nonces outside 1..2^63-1; a signer must not make what they refuse.
        // Recipes whose nonce travels in the payload ignore `msg.nonce` (0 there means "none").
        let signed = self.recipe.signs_nonce_outside_params();
        if msg.nonce > MAX_NONCE || (signed && msg.nonce == 0) {
            return Err(Error::NonceOutOfRange);
        }
        Ok(())
    }
}

pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    // An HTTP token (RFC 9110): what a header block or a request line can carry.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(token) {
        return Err(Error::InvalidMethod);
    }
    Ok(())
}

/// A path goes into a request line and may be signed next to NUL-separated fields: control bytes,
/// spaces and DEL would split the line or blur the fields.
pub(crate) fn check_path(path: &[u8]) -> Result<(), Error> {
    if path.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(Error::InvalidPath);
    }
    Ok(())
}

/// Text that goes into a header line or a form field: control bytes would split or corrupt it.
fn check_text(text: &[u8]) -> Result<(), ()> {
    if text.is_empty() || text.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(());
    }
    Ok(())
}

/// `12345678-abcd-1234-abcd-50286e649d5c` (either case) as 16 bytes.
pub(crate) fn parse_uuid(text: &[u8]) -> Option<[u8; UUID_LEN]> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_a_path_is_refused_so_fields_cannot_shift() {
        // mtgox-v2 signs path NUL body: "P\0x" + "nonce=1" would sign the same bytes as "P" + "x\0nonce=1".
        let s = Signer::new("mtgox-v2", b"k", b"c2VjcmV0").unwrap();
        let msg = Message { method: "POST", path: b"P\0x", payload: b"nonce=1", nonce: 0 };
        assert_eq!(s.sign(&msg), Err(Error::InvalidPath));
        for bad in [&b"/a b"[..], b"/a\r\n", b"/a\x7f", b"/\t"] {
            assert_eq!(check_path(bad), Err(Error::InvalidPath), "{bad:?}");
        }
    }

    #[test]
    fn apiauth_refuses_nonces_verifiers_refuse() {
        let s = Signer::new("apiauth", b"k", b"s").unwrap();
        let msg = Message { method: "GET", path: b"/x", payload: b"", nonce: MAX_NONCE + 1 };
        assert_eq!(s.sign(&msg), Err(Error::NonceOutOfRange));
    }

    #[test]
    fn base_urls_are_http_with_a_host_and_a_valid_port() {
        for good in ["https://api.example.com", "http://127.0.0.1:8080", "http://[::1]:9", "https://x"] {
            assert!(crate::recipe::base_url_host(good).is_some(), "{good}");
        }
        for bad in ["ftp://x", "http://", "http://x:99999", "http://x:0", "http://x:", "https://x/p", "http://u@x", "x"]
        {
            assert_eq!(crate::recipe::base_url_host(bad), None, "{bad}");
            let options = SignerOptions { base_url: Some(bad.into()), ..Default::default() };
            let recipe = Recipe::preset("poloniex").unwrap();
            assert_eq!(Signer::with_recipe(recipe, b"k", b"s", options).unwrap_err(), Error::InvalidBaseUrl, "{bad}");
        }
    }

    #[test]
    fn a_passphrase_recipe_needs_one() {
        let recipe = Arc::new(
            Recipe::parse("name='p'\nhash='sha256'\nmessage='{passphrase}'\nheaders={S='{signature}'}").unwrap(),
        );
        let err = Signer::with_recipe(recipe.clone(), b"k", b"s", SignerOptions::default()).unwrap_err();
        assert_eq!(err, Error::PassphraseMissing);
        let options = SignerOptions { passphrase: Some(Zeroizing::new(b"a\nb".to_vec())), ..Default::default() };
        assert_eq!(Signer::with_recipe(recipe, b"k", b"s", options).unwrap_err(), Error::InvalidPassphrase);
    }
}
