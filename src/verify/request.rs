//! Checking a whole received request against any recipe.
//!
//! The verifier reads the recipe backwards. Every part the client sent that the recipe describes
//! (each header, each injected parameter, the signature parameter, the envelope, and inside them
//! the JWT of Upbit or the base64 JSON payload of Gemini) is matched against its template, which
//! gives back the key, passphrase, timestamp, nonce, UUID and signature the client used. Parts that
//! are computed rather than copied (a SHA-512 of the query, an HMAC of the passphrase) are noted
//! and recomputed at the end. The recipe's message is then evaluated over the bytes exactly as
//! received and signed with the key's secret, and the tags are compared, decoded, in constant time.
//!
//! So what is compared is what the HMAC covers, not how the client spelled it: hex in either case
//! and base64 with line breaks pass; a different, truncated or padded-out tag does not.

use super::window::{self, Seen};
use super::{Malformed, Rejection, Verdict, Verifier};
use crate::Error;
use crate::encode::{self, Space, TextEncoding};
use crate::recipe::{BodyFormat, Expr, Member, MemberValue, Placement, Recipe, Scope, Token};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};
use std::borrow::Cow;
use subtle::ConstantTimeEq as _;

/// A request exactly as a server received it.
#[derive(Clone, Debug)]
pub struct Incoming<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The URL path, without `?query`.
    pub path: &'a [u8],
    /// The query string, without `?` (empty when there is none).
    pub query: &'a [u8],
    /// Every header, (name, value) in the order received.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// The body (empty when there is none).
    pub body: &'a [u8],
}

impl<'a> Incoming<'a> {
    /// A request for `target` (the path, with `?query` if any) with no headers yet.
    pub fn new(method: &'a str, target: &'a [u8], body: &'a [u8]) -> Incoming<'a> {
        let (path, query) = match target.iter().position(|&b| b == b'?') {
            Some(at) => (&target[..at], &target[at + 1..]),
            None => (target, &[][..]),
        };
        Incoming { method, path, query, headers: Vec::new(), body }
    }

    /// Adds one header.
    pub fn header(mut self, name: &'a [u8], value: &'a [u8]) -> Incoming<'a> {
        self.headers.push((name, value));
        self
    }

    /// Adds the headers of a block of `Name: value` lines ending in `\r\n` or `\n`. A line that
    /// starts with a space or a tab continues the header before it (HTTP/1.1's obsolete line
    /// folding, which Perl's LWP still writes for a base64 value with a line break): the value then
    /// spans the break, which the signature's decoding skips as it skips any whitespace.
    pub fn header_block(mut self, block: &'a [u8]) -> Result<Incoming<'a>, Malformed> {
        // Where the value of the last header of this block starts, for a folded line to extend it.
        let mut last_value_start: Option<usize> = None;
        let mut at = 0;
        while at < block.len() {
            let end = block[at..].iter().position(|&b| b == b'\n').map_or(block.len(), |n| at + n);
            let line = &block[at..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line_start = at;
            at = end + 1;
            if line.is_empty() {
                continue;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                let start = last_value_start.ok_or(Malformed::HeaderLine)?;
                let (_, value) = self.headers.last_mut().expect("this block added it");
                *value = &block[start..line_start + line.len()];
                continue;
            }
            let colon = line.iter().position(|&b| b == b':').ok_or(Malformed::HeaderLine)?;
            self.headers.push((&line[..colon], &line[colon + 1..]));
            last_value_start = Some(line_start + colon + 1);
        }
        Ok(self)
    }

    /// The value of header `name` (any case), trimmed; a header given twice is refused.
    fn header_value(&self, name: &str) -> Result<Option<&'a [u8]>, Malformed> {
        let mut found = None;
        for (n, v) in &self.headers {
            if n.trim_ascii().eq_ignore_ascii_case(name.as_bytes()) && found.replace(v.trim_ascii()).is_some() {
                return Err(Malformed::Duplicate);
            }
        }
        Ok(found)
    }
}

/// One parameter as received, decoded.
pub(crate) type Pair = (Vec<u8>, Vec<u8>);

/// What the request says: the values the recipe's templates give back.
#[derive(Clone, Default)]
pub(crate) struct Found<'r> {
    pub key: Option<Vec<u8>>,
    pub passphrase: Option<Vec<u8>>,
    pub ts: Option<Vec<u8>>,
    pub nonce: Option<Vec<u8>>,
    pub uuid: Option<Vec<u8>>,
    pub signature: Option<Vec<u8>>,
    /// The recipe's values as received (Upbit's JWT signing input is signed as sent).
    pub values: Vec<Option<Vec<u8>>>,
    /// Computed parts, with what was received for them and where: recomputed at the end.
    pub checks: Vec<(&'r Expr, Vec<u8>, String)>,
    /// Parameters carried inside a signed part (Gemini's payload, Crypto.com's envelope).
    pub params: Option<Vec<Pair>>,
    /// How many more ways of splitting a part may be tried, shared by every trial copy: a header
    /// full of separators must not make the check slow.
    pub splits_left: std::rc::Rc<std::cell::Cell<u32>>,
}

/// Ways of splitting parts tried per request at most (a JWT needs three).
const MAX_SPLITS: u32 = 64;

impl<'r> Found<'r> {
    pub fn new(recipe: &Recipe) -> Found<'r> {
        let splits_left = std::rc::Rc::new(std::cell::Cell::new(MAX_SPLITS));
        Found { values: vec![None; recipe.values.len()], splits_left, ..Found::default() }
    }

    /// Matches `text` against the part `expr`, binding what it carries.
    pub fn unify(&mut self, recipe: &'r Recipe, expr: &'r Expr, text: &[u8], place: &str) -> Result<(), Rejection> {
        match expr {
            Expr::Lit(lit) if lit == text => Ok(()),
            Expr::Lit(_) => Err(Rejection::Part(place.to_owned(), Malformed::PartForm)),
            Expr::Token(token) => self.bind(recipe, expr, *token, text, place),
            Expr::Concat(parts) if splittable(parts) => self.unify_concat(recipe, parts, text, place),
            Expr::Encode(encoding @ (TextEncoding::Base64 | TextEncoding::Base64Url), inner)
                if matches!(**inner, Expr::Json(_) | Expr::Token(_) | Expr::Concat(_)) =>
            {
                let decoded = encode::decode_lenient(*encoding, text)
                    .ok_or_else(|| Rejection::Part(place.to_owned(), Malformed::PartEncoding))?;
                self.unify(recipe, inner, &decoded, place)
            }
            Expr::Json(members) => self.unify_json(recipe, members, text, place),
            computed => {
                self.checks.push((computed, text.to_vec(), place.to_owned()));
                Ok(())
            }
        }
    }

    fn bind(
        &mut self,
        recipe: &'r Recipe,
        expr: &'r Expr,
        token: Token,
        text: &[u8],
        place: &str,
    ) -> Result<(), Rejection> {
        let slot = match token {
            Token::Key => &mut self.key,
            Token::Passphrase => &mut self.passphrase,
            Token::Ts => &mut self.ts,
            Token::Nonce => &mut self.nonce,
            Token::Uuid => &mut self.uuid,
            Token::Signature => &mut self.signature,
            Token::Value(i) => {
                // Kept as received (it may be signed as such), and its definition matched too.
                bind_once(&mut self.values[i], text, place)?;
                return self.unify(recipe, &recipe.values[i].1, text, place);
            }
            // The method, path, query, body…: known already, so compared at the end.
            _ => {
                self.checks.push((expr, text.to_vec(), place.to_owned()));
                return Ok(());
            }
        };
        bind_once(slot, text, place)
    }

    /// Literals fix where each variable piece starts and ends. A literal may also occur inside the
    /// piece before it (the dots of a JWT inside Upbit's signing input): each occurrence is tried
    /// in turn, first to last, until the rest matches too.
    fn unify_concat(
        &mut self,
        recipe: &'r Recipe,
        parts: &'r [Expr],
        text: &[u8],
        place: &str,
    ) -> Result<(), Rejection> {
        let form = || Rejection::Part(place.to_owned(), Malformed::PartForm);
        let Some((first, rest)) = parts.split_first() else {
            return if text.is_empty() { Ok(()) } else { Err(form()) };
        };
        if let Expr::Lit(lit) = first {
            let after = text.strip_prefix(lit.as_slice()).ok_or_else(form)?;
            return self.unify_concat(recipe, rest, after, place);
        }
        let Some(Expr::Lit(next)) = rest.first() else {
            return self.unify(recipe, first, text, place);
        };
        let ends: Vec<usize> =
            (0..=text.len().saturating_sub(next.len())).filter(|&at| text[at..].starts_with(next)).collect();
        let mut outcome = Err(form());
        for (i, &end) in ends.iter().enumerate() {
            if self.splits_left.get() == 0 {
                return Err(form());
            }
            self.splits_left.set(self.splits_left.get() - 1);
            let mut trial = if i + 1 < ends.len() { self.clone() } else { std::mem::take(self) };
            outcome = trial
                .unify(recipe, first, &text[..end], place)
                .and_then(|()| trial.unify_concat(recipe, rest, &text[end..], place));
            if outcome.is_ok() || i + 1 == ends.len() {
                *self = trial;
            }
            if outcome.is_ok() {
                break;
            }
        }
        outcome
    }

    fn unify_json(
        &mut self,
        recipe: &'r Recipe,
        members: &'r [Member],
        text: &[u8],
        place: &str,
    ) -> Result<(), Rejection> {
        let object = json_object(text).map_err(|m| Rejection::Part(place.to_owned(), m))?;
        let named = |name: &str| members.iter().any(|m| m.name == name && m.value != MemberValue::SpreadParams);
        for member in members {
            let here = format!("{place}, member {}", member.name);
            if member.value == MemberValue::SpreadParams {
                let rest =
                    object.iter().filter(|(n, _)| !named(n)).map(|(n, v)| (n.as_bytes().to_vec(), member_text(v)));
                self.params = Some(rest.collect());
                continue;
            }
            let Some((_, raw)) = object.iter().find(|(n, _)| *n == member.name) else {
                if member.when_params {
                    continue;
                }
                return Err(Rejection::Missing(here));
            };
            match &member.value {
                MemberValue::Str(e) if raw.get().starts_with('"') => self.unify(recipe, e, &member_text(raw), &here)?,
                MemberValue::Str(_) => return Err(Rejection::Part(here, Malformed::PartForm)),
                MemberValue::Number(e) => self.unify(recipe, e, &member_text(raw), &here)?,
                MemberValue::Raw(e) => self.unify(recipe, e, raw.get().as_bytes(), &here)?,
                MemberValue::Bool(b) if raw.get() == if *b { "true" } else { "false" } => {}
                MemberValue::Bool(_) => return Err(Rejection::Part(here, Malformed::PartForm)),
                MemberValue::ParamsObject => {
                    let inner = json_object(raw.get().as_bytes()).map_err(|m| Rejection::Part(here, m))?;
                    self.params = Some(inner.iter().map(|(n, v)| (n.as_bytes().to_vec(), member_text(v))).collect());
                }
                MemberValue::SpreadParams => unreachable!("handled above"),
            }
        }
        Ok(())
    }
}

impl Verifier {
    /// Checks a whole received request against the verifier's recipe, any recipe: see the module
    /// documentation for how. `Err` only when the request could not be checked (the replay state
    /// or the key lookup failed, or the set of recent requests is full); every verdict about the
    /// request itself is an `Ok`.
    pub fn check_request(&self, incoming: &Incoming<'_>) -> Result<Verdict, Error> {
        let recipe = &*self.scheme;
        if recipe.is_signed_call() {
            // MtGox's streaming call is one base64 blob, not an HTTP request: the body is the call.
            return self.check(&super::Received::new(incoming.method, incoming.path, incoming.body));
        }
        match self.check_incoming(recipe, incoming) {
            Ok(verdict) => Ok(verdict),
            Err(Rejection::Malformed(m)) => Ok(Verdict::Malformed(m)),
            Err(Rejection::Part(part, problem)) => Ok(Verdict::Unreadable { part, problem }),
            Err(Rejection::Missing(part)) => Ok(Verdict::Unreadable { part, problem: Malformed::MissingPart }),
            Err(Rejection::Unchecked(e)) => Err(e),
        }
    }

    fn check_incoming(&self, recipe: &Recipe, incoming: &Incoming<'_>) -> Result<Verdict, Rejection> {
        let method = incoming.method;
        if crate::signer::check_method(method).is_err() {
            return Err(Malformed::InvalidMethod.into());
        }
        if crate::signer::check_path(incoming.path).is_err() {
            return Err(Malformed::InvalidPath.into());
        }
        let query_method = recipe.uses_query(method);
        let mut found = Found::new(recipe);

        // The signature parameter is cut out of the query or body: the rest is what was signed.
        let (mut query, mut body) = (Cow::Borrowed(incoming.query), Cow::Borrowed(incoming.body));
        if let Some(param) = &recipe.signature_param {
            let text = if in_query(param.into, query_method) { &mut query } else { &mut body };
            let (rest, value) = without_param(&text[..], &param.name, recipe.space)?;
            let value = value.ok_or_else(|| Rejection::Missing(format!("parameter {}", param.name)))?;
            *text = Cow::Owned(rest.into_owned());
            bind_once(&mut found.signature, &value, &format!("parameter {}", param.name))?;
        }

        for (name, expr) in &recipe.headers {
            // A header of literals only (`KC-API-KEY-VERSION: 2`) carries nothing to check.
            if !expr.any(&|e| !matches!(e, Expr::Lit(_) | Expr::Concat(_))) {
                continue;
            }
            let place = format!("header {name}");
            let value = incoming.header_value(name)?.ok_or_else(|| Rejection::Missing(place.clone()))?;
            found.unify(recipe, expr, value, &place)?;
        }
        if let Some(envelope) = &recipe.envelope {
            found.unify(recipe, envelope, &body, "body")?;
        }

        // The parameters as the recipe's parts see them: the body's, then the query's.
        let query_pairs = form_pairs(&query, recipe.space);
        let mut params: Vec<Pair> = match found.params.take() {
            Some(carried) => carried,
            None if query_method => Vec::new(),
            None => body_pairs(recipe, &body)?,
        };
        params.extend(query_pairs.iter().cloned());
        for inject in &recipe.inject {
            let place = format!("parameter {}", inject.name);
            let set = if in_query(inject.into, query_method) { &query_pairs } else { &params };
            let value = only_one(set, &inject.name)?.ok_or_else(|| Rejection::Missing(place.clone()))?;
            found.unify(recipe, &inject.value, value, &place)?;
        }
        if let Some(name) = &recipe.key_param
            && let Some(key) = only_one(&params, name)?
        {
            bind_once(&mut found.key, key, &format!("parameter {name}"))?;
        }

        let key = self.key_id(found.key.as_deref().filter(|k| !k.is_empty()).ok_or(Malformed::MissingKey)?);
        let Some(signer) = self.signer(&key)? else {
            return Ok(Verdict::UnknownKey { key });
        };
        let received_signature = found.signature.take().ok_or(Malformed::MissingSignature)?;

        // The key's passphrase when the table has one; else the one the request carries.
        let own = signer.credentials();
        let credentials = match (&found.passphrase, own.passphrase.is_empty()) {
            (Some(sent), false) if !bool::from(sent.ct_eq(&own.passphrase)) => {
                // Neither passphrase is shown: a near miss in a log would give most of it away.
                let (part, expected) = ("passphrase".to_owned(), b"(the key's passphrase)".to_vec());
                let received = format!("(a different passphrase, {} bytes)", sent.len()).into_bytes();
                return Ok(Verdict::Mismatch { key, part, expected, received });
            }
            (Some(sent), true) => {
                let mut with_sent = own.clone();
                with_sent.passphrase = zeroize::Zeroizing::new(sent.clone());
                Cow::Owned(with_sent)
            }
            _ => Cow::Borrowed(own),
        };

        let full_path = incoming.path;
        let path = full_path.strip_prefix(recipe.strip_prefix.as_bytes()).unwrap_or(full_path);
        let (all_params, query_params) = (pair_refs(&params), pair_refs(&query_pairs));
        let empty = Vec::new();
        let mut scope = Scope {
            credentials: &credentials,
            method,
            path,
            full_path,
            query: &query,
            body: &body,
            payload: if query_method { &query } else { &body },
            ts: found.ts.as_deref().unwrap_or_default(),
            nonce: found.nonce.as_deref().unwrap_or_default(),
            uuid: found.uuid.as_deref().unwrap_or_default(),
            tag: b"",
            signature: b"",
            values: &empty,
            params: &all_params,
            query_params: &query_params,
            in_query: query_method,
        };
        let mut values: Vec<Vec<u8>> = Vec::with_capacity(recipe.values.len());
        for (i, (_, definition)) in recipe.values.iter().enumerate() {
            let value = match &found.values[i] {
                Some(received) => received.clone(),
                None => definition.eval(&Scope { values: &values, ..scope }),
            };
            values.push(value);
        }
        scope.values = &values;

        let tag = signer.tag(&scope);
        let expected_signature = signer.signature_text(&Scope { tag: tag.as_bytes(), ..scope });
        let matches = match received_tag(&recipe.signature, &received_signature) {
            Some(Some(bytes)) => bool::from(bytes.ct_eq(tag.as_bytes())),
            Some(None) => false,
            None => bool::from(expected_signature.ct_eq(&received_signature)),
        };
        if !matches {
            return Ok(Verdict::BadSignature {
                key,
                expected_message: recipe.message.eval(&scope),
                expected_signature: String::from_utf8_lossy(&expected_signature).into_owned(),
                received_signature,
            });
        }
        let scope = Scope { tag: tag.as_bytes(), signature: &expected_signature, ..scope };
        for (expr, received, part) in &found.checks {
            let expected = expr.eval(&scope);
            if expected != *received {
                return Ok(Verdict::Mismatch { key, part: part.clone(), expected, received: received.clone() });
            }
        }

        // Signed by the key's owner: only now may the replay state move.
        let now_ms = (self.clock)();
        if recipe.uses_time() {
            let text = found.ts.as_deref().ok_or_else(|| Rejection::Missing("timestamp".to_owned()))?;
            let ts_ms = window::parse_timestamp(recipe.clock, recipe.clock_offset_s, text)
                .ok_or_else(|| Rejection::Part("timestamp".to_owned(), Malformed::BadTimestamp))?;
            let window_ms = self.window_for(recipe, &params, &values)?;
            if ts_ms.abs_diff(now_ms) > window_ms {
                return Ok(Verdict::OutsideWindow { key, timestamp_ms: ts_ms, now_ms, window_ms });
            }
            return self.first_time(key, tag.as_bytes(), ts_ms.saturating_add(window_ms), now_ms);
        }
        if let Some(text) = &found.nonce {
            let nonce = super::parse_nonce(text)?;
            let replay = self.replay(&key).map_err(Rejection::Unchecked)?;
            return match replay.accept(nonce).map_err(Rejection::Unchecked)? {
                None => Ok(Verdict::Valid { key, nonce: Some(nonce) }),
                Some(last) => Ok(Verdict::StaleNonce { key, nonce, last }),
            };
        }
        if recipe.nonce_optional {
            let replay = self.replay(&key).map_err(Rejection::Unchecked)?;
            return match replay.last().map_err(Rejection::Unchecked)? {
                0 => Ok(Verdict::Valid { key, nonce: None }),
                _ => Err(Malformed::NonceRequired.into()),
            };
        }
        // Nothing fresh is signed but a UUID, or nothing at all: the same request is refused for a
        // window after it was first accepted.
        let window_ms = self.window_ms.unwrap_or(window_defaults(recipe).0);
        self.first_time(key, tag.as_bytes(), now_ms.saturating_add(window_ms), now_ms)
    }

    /// The window for this request: the verifier's, else the one the client asks for in the
    /// recipe's `window_from` parameter or value (capped), else the recipe's.
    fn window_for(&self, recipe: &Recipe, params: &[Pair], values: &[Vec<u8>]) -> Result<u64, Rejection> {
        if let Some(ms) = self.window_ms {
            return Ok(ms);
        }
        let (window_ms, window_from, window_max_ms) = window_defaults(recipe);
        let Some(name) = window_from else { return Ok(window_ms) };
        let asked = params
            .iter()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, v)| v.as_slice())
            .or_else(|| recipe.values.iter().position(|(n, _)| n == name).map(|i| values[i].as_slice()));
        match asked {
            None => Ok(window_ms),
            Some(text) => match super::parse_nonce(text) {
                Ok(ms) => Ok(ms.min(window_max_ms)),
                Err(_) => Err(Rejection::Part(format!("window {name}"), Malformed::PartForm)),
            },
        }
    }

    /// Accepts a request signed with `tag` unless it was accepted before and is still remembered;
    /// it is remembered until `expires_ms`.
    fn first_time(&self, key: Vec<u8>, tag: &[u8], expires_ms: u64, now_ms: u64) -> Result<Verdict, Rejection> {
        let mut hash = Sha256::new();
        hash.update(self.state_name(&key).as_bytes());
        hash.update(tag);
        let digest = u128::from_be_bytes(hash.finalize()[..16].try_into().expect("16 bytes"));
        #[cfg(feature = "redis")]
        if let Some(redis) = self.redis_replay() {
            let remaining = std::time::Duration::from_millis(expires_ms.saturating_sub(now_ms).max(1));
            return match redis.first_seen(&digest.to_be_bytes(), remaining).map_err(Rejection::Unchecked)? {
                true => Ok(Verdict::Valid { key, nonce: None }),
                false => Ok(Verdict::Replayed { key }),
            };
        }
        if let super::ReplayState::Dir(dir) = &self.state {
            return match window::SeenDir::new(dir).insert(digest, expires_ms, now_ms).map_err(Rejection::Unchecked)? {
                Seen::First => Ok(Verdict::Valid { key, nonce: None }),
                _ => Ok(Verdict::Replayed { key }),
            };
        }
        match self.seen.insert(digest, expires_ms, now_ms) {
            Seen::First => Ok(Verdict::Valid { key, nonce: None }),
            Seen::Again => Ok(Verdict::Replayed { key }),
            Seen::Full => Err(Rejection::Unchecked(Error::ReplayMemoryFull)),
        }
    }
}

/// The recipe's window, the parameter or value a client may name its own in, and the cap on that.
fn window_defaults(recipe: &Recipe) -> (u64, Option<&str>, u64) {
    let server = &recipe.server;
    (server.window_ms, server.window_from.as_deref(), server.window_max_ms)
}

fn pair_refs(pairs: &[Pair]) -> Vec<(&[u8], &[u8])> {
    pairs.iter().map(|(n, v)| (&n[..], &v[..])).collect()
}

/// Binds a value found in the request; the same value found twice must agree.
fn bind_once(slot: &mut Option<Vec<u8>>, text: &[u8], place: &str) -> Result<(), Rejection> {
    match slot {
        Some(bound) if bound.as_slice() != text => Err(Rejection::Part(place.to_owned(), Malformed::Conflict)),
        Some(_) => Ok(()),
        None => {
            *slot = Some(text.to_vec());
            Ok(())
        }
    }
}

/// Whether literals separate every two variable pieces of a concatenation.
fn splittable(parts: &[Expr]) -> bool {
    parts.windows(2).all(|w| matches!(w[0], Expr::Lit(_)) || matches!(w[1], Expr::Lit(_)))
}

/// A JSON object's members in order, values unparsed; not an object, or a member twice: refused.
pub(crate) fn json_object(text: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, Malformed> {
    use serde::de::{Deserializer as _, MapAccess, Visitor};
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Box<RawValue>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(String, Box<RawValue>)> = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                if out.iter().any(|(n, _)| *n == name) {
                    return Err(serde::de::Error::custom("duplicate member"));
                }
                out.push((name, map.next_value()?));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    let members = de.deserialize_map(Members).map_err(|e| match e.to_string().starts_with("duplicate member") {
        true => Malformed::Duplicate,
        false => Malformed::NotJsonObject,
    })?;
    de.end().map_err(|_| Malformed::NotJsonObject)?;
    Ok(members)
}

/// A member's value as a parameter: a string's contents, or any other value's JSON text.
pub(crate) fn member_text(raw: &RawValue) -> Vec<u8> {
    match serde_json::from_str::<String>(raw.get()) {
        Ok(text) => text.into_bytes(),
        Err(_) => raw.get().as_bytes().to_vec(),
    }
}

/// The value of the one parameter called `name`, if any; a name given twice is ambiguous (servers
/// disagree on which wins), so it is refused.
pub(crate) fn only_one<'p>(pairs: &'p [Pair], name: &str) -> Result<Option<&'p [u8]>, Malformed> {
    let mut named = pairs.iter().filter(|(n, _)| n == name.as_bytes()).map(|(_, v)| v.as_slice());
    let first = named.next();
    if named.next().is_some() { Err(Malformed::Duplicate) } else { Ok(first) }
}

/// Form or query text as decoded (name, value) pairs.
pub(crate) fn form_pairs(text: &[u8], space: Space) -> Vec<Pair> {
    text.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (n, v) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            (encode::percent_decode(n, space), encode::percent_decode(v, space))
        })
        .collect()
}

/// Form text without one parameter, and that parameter's decoded value if it was there.
type Cut<'t> = (Cow<'t, [u8]>, Option<Vec<u8>>);

/// The form text without its parameter `name` (the other pairs kept byte for byte), and that
/// parameter's decoded value; a name given twice is refused.
pub(crate) fn without_param<'t>(text: &'t [u8], name: &str, space: Space) -> Result<Cut<'t>, Malformed> {
    let mut value = None;
    let mut kept: Vec<&[u8]> = Vec::new();
    for pair in text.split(|&b| b == b'&') {
        let (n, v) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        if encode::percent_decode(n, space) == name.as_bytes() {
            if value.replace(encode::percent_decode(v, space)).is_some() {
                return Err(Malformed::Duplicate);
            }
        } else {
            kept.push(pair);
        }
    }
    match value {
        None => Ok((Cow::Borrowed(text), None)),
        Some(v) => Ok((Cow::Owned(kept.join(&b'&')), Some(v))),
    }
}

/// The parameters of a body as received: form pairs, or a JSON object's members.
pub(crate) fn body_pairs(recipe: &Recipe, body: &[u8]) -> Result<Vec<Pair>, Malformed> {
    if body.is_empty() || body == recipe.empty_body.as_slice() {
        return Ok(Vec::new());
    }
    match recipe.body {
        BodyFormat::Form => Ok(form_pairs(body, recipe.space)),
        BodyFormat::Json => {
            Ok(json_object(body)?.iter().map(|(n, v)| (n.as_bytes().to_vec(), member_text(v))).collect())
        }
        BodyFormat::None => Ok(Vec::new()),
    }
}

/// Where an injected parameter travels for this request.
pub(crate) fn in_query(placement: Placement, query_method: bool) -> bool {
    placement == Placement::Query || query_method
}

/// The tag a received signature text stands for, when the recipe's signature is the tag under
/// one or more text encodings (`hex`, `base64`, `base64-hex`…); `None` for other signatures.
pub(crate) fn received_tag(signature: &Expr, text: &[u8]) -> Option<Option<Vec<u8>>> {
    let mut layers = Vec::new();
    let mut expr = signature;
    while let Expr::Encode(encoding, inner) = expr {
        layers.push(*encoding);
        expr = inner;
    }
    if *expr != Expr::Token(Token::Tag) || layers.is_empty() {
        return None;
    }
    let mut bytes = text.to_vec();
    for encoding in layers {
        match encode::decode_lenient(encoding, &bytes) {
            Some(decoded) => bytes = decoded,
            None => return Some(None),
        }
    }
    Some(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_parameter_is_cut_out_byte_for_byte() {
        let (rest, sig) = without_param(b"a=1%2B&signature=ab%2Bc&b=2", "signature", Space::Percent20).unwrap();
        assert_eq!((&*rest, sig.as_deref()), (&b"a=1%2B&b=2"[..], Some(&b"ab+c"[..])));
        let (rest, sig) = without_param(b"a=1", "signature", Space::Percent20).unwrap();
        assert_eq!((&*rest, sig), (&b"a=1"[..], None));
        assert_eq!(
            without_param(b"signature=1&signature=2", "signature", Space::Plus).err(),
            Some(Malformed::Duplicate)
        );
    }

    #[test]
    fn signatures_are_decoded_before_they_are_compared() {
        let hex = Expr::Encode(TextEncoding::HexLower, Box::new(Expr::Token(Token::Tag)));
        assert_eq!(received_tag(&hex, b"0aFF"), Some(Some(vec![0x0a, 0xff])));
        assert_eq!(received_tag(&hex, b"0aF"), Some(None));
        assert_eq!(received_tag(&hex, b"0aFG"), Some(None));
        let b64 = Expr::Encode(TextEncoding::Base64, Box::new(Expr::Token(Token::Tag)));
        assert_eq!(received_tag(&b64, b"aGVs\r\n bG8="), Some(Some(b"hello".to_vec())));
        assert_eq!(received_tag(&b64, b"aGVsbG8"), Some(Some(b"hello".to_vec())));
        assert_eq!(received_tag(&b64, b"aGVsbG9="), Some(None), "non-zero trailing bits");
        assert_eq!(received_tag(&b64, b"aGVsbG8=x"), Some(None), "trailing garbage");
        let b64_hex = Expr::Encode(TextEncoding::Base64, Box::new(hex));
        assert_eq!(received_tag(&b64_hex, b"MGFmZg=="), Some(Some(vec![0x0a, 0xff])));
        assert_eq!(received_tag(&Expr::Token(Token::Tag), b"x"), None);
    }

    #[test]
    fn json_members_keep_their_text() {
        let members = json_object(br#"{"a":"x\"y","n":1.50,"o":{"b":true}}"#).unwrap();
        let texts: Vec<Vec<u8>> = members.iter().map(|(_, v)| member_text(v)).collect();
        assert_eq!(texts, [b"x\"y".to_vec(), b"1.50".to_vec(), br#"{"b":true}"#.to_vec()]);
        assert_eq!(json_object(br#"{"a":1,"a":2}"#).err(), Some(Malformed::Duplicate));
        assert_eq!(json_object(b"[1]").err(), Some(Malformed::NotJsonObject));
    }

    #[test]
    fn a_header_full_of_separators_uses_up_the_split_budget_and_stops() {
        // Without a bound, each of 8,000 dots would be tried as the end of Upbit's signing input,
        // and for each the dots inside it as the end of the JWT header: 32 million trials.
        let recipe = Recipe::preset("upbit").unwrap();
        let (_, authorization) = recipe.headers.iter().find(|(n, _)| n == "Authorization").unwrap();
        let header = [&b"Bearer "[..], &b".".repeat(8000)].concat();
        let mut found = Found::new(&recipe);
        let outcome = found.unify(&recipe, authorization, &header, "header Authorization");
        assert!(matches!(outcome, Err(Rejection::Part(_, Malformed::PartForm))));
        assert_eq!(found.splits_left.get(), 0);
    }

    #[test]
    fn a_folded_header_line_continues_the_value_before_it() {
        let block = b"Rest-Key: k\r\nRest-Sign: aGVs\r\n bG8=\r\nOther: x\r\n";
        let incoming = Incoming::new("POST", b"/", b"").header_block(block).unwrap();
        assert_eq!(incoming.header_value("Rest-Sign").unwrap(), Some(&b"aGVs\r\n bG8="[..]));
        assert_eq!(incoming.header_value("Other").unwrap(), Some(&b"x"[..]));
        let sign = Expr::Encode(TextEncoding::Base64, Box::new(Expr::Token(Token::Tag)));
        assert_eq!(received_tag(&sign, b"aGVs\r\n bG8="), Some(Some(b"hello".to_vec())));
        assert_eq!(
            Incoming::new("POST", b"/", b"").header_block(b" starts folded\r\n").err(),
            Some(Malformed::HeaderLine)
        );
    }
}
