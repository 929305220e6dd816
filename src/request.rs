//! Requests built and signed in one call: parameters in, the exact bytes to send out.
//!
//! A [`Request`] is plain data (method, path, parameters or a body). [`Signer::sign_request`]
//! draws what the recipe needs (nonce, clock, UUID), adds the recipe's parameters, encodes the
//! query and the body once, signs those very bytes and returns them in a [`SignedRequest`], so what
//! is sent is exactly what was signed.

use crate::encode::{self, decimal};
use crate::error::Error;
use crate::nonce::MAX_NONCE;
use crate::recipe::{BodyFormat, Inject, Placement, Sort, TimeFormat, Token, ValueType, json_string};
use crate::signer::{Signer, check_method, check_path, parse_uuid};
use std::borrow::Cow;

/// What a request carries besides its parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Body {
    /// Built from the parameters.
    #[default]
    FromParams,
    /// Sent and signed exactly as given; parameters the recipe would add to it are the caller's.
    Raw(Vec<u8>),
    /// A JSON object; the recipe's parameters are added as members unless present.
    JsonObject(Vec<u8>),
}

/// An unsigned request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    method: String,
    path: Vec<u8>,
    params: Vec<(Vec<u8>, Vec<u8>)>,
    body: Body,
    time_micros: Option<u64>,
    uuid: Option<[u8; 16]>,
}

impl Request {
    /// A request to `path` (the URL path, e.g. `/tradingApi` or `/api/2/BTCUSD/money/info`).
    pub fn new(method: &str, path: impl Into<Vec<u8>>) -> Request {
        Request {
            method: method.to_owned(),
            path: path.into(),
            params: Vec::new(),
            body: Body::FromParams,
            time_micros: None,
            uuid: None,
        }
    }

    /// Adds a parameter; parameters keep the order they are added in.
    pub fn param(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> &mut Request {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sends `body` exactly as given instead of building one from parameters. The caller places
    /// any nonce field itself; a header nonce (apiauth) is still drawn.
    pub fn raw_body(&mut self, body: impl Into<Vec<u8>>) -> &mut Request {
        self.body = Body::Raw(body.into());
        self
    }

    /// Sends a JSON object as the body; restsign adds the recipe's members (the nonce) unless present.
    pub fn json_body(&mut self, object: impl Into<Vec<u8>>) -> &mut Request {
        self.body = Body::JsonObject(object.into());
        self
    }

    /// Fixes the clock for this request (milliseconds since the epoch), for reproducing a request.
    pub fn time_ms(&mut self, ms: u64) -> &mut Request {
        self.time_micros = Some(ms.saturating_mul(1000));
        self
    }

    /// Fixes the random UUID of recipes that draw one (36-character text, either case).
    pub fn uuid(&mut self, text: &[u8]) -> Result<&mut Request, Error> {
        self.uuid = Some(parse_uuid(text).ok_or(Error::InvalidUuid)?);
        Ok(self)
    }
}

/// A signed request: send these bytes as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// The HTTP method.
    pub method: String,
    /// The URL path as given to [`Request::new`].
    pub path: Vec<u8>,
    /// The query string without `?` (empty when there is none).
    pub query: Vec<u8>,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
    /// The whole URL: the recipe's base URL, the path and `?query`.
    pub url: Vec<u8>,
    /// The nonce drawn for this request; `None` when the recipe signs none or the caller placed it.
    pub nonce: Option<u64>,
    /// The signature text (for `mtgox-stream`, the whole signed call).
    pub signature: String,
    /// Every header to send, as `Name: value\r\n` lines (empty for `mtgox-stream`).
    pub header_block: Vec<u8>,
    /// The bytes the HMAC covered (for showing what was signed).
    pub message: Vec<u8>,
}

impl SignedRequest {
    /// The header lines as `Name: value`, without line ends.
    pub fn header_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.header_block.split(|&b| b == b'\n').filter_map(|line| line.strip_suffix(b"\r"))
    }

    /// The headers as (name, value) pairs.
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.header_lines().filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some((&line[..colon], line[colon + 1..].trim_ascii_start()))
        })
    }

    /// The path with `?query` when there is one.
    pub fn path_and_query(&self) -> Vec<u8> {
        let mut target = self.path.clone();
        if !self.query.is_empty() {
            target.push(b'?');
            target.extend_from_slice(&self.query);
        }
        target
    }
}

/// One parameter on its way into the query or the body.
struct Param<'a> {
    name: Cow<'a, [u8]>,
    value: Cow<'a, [u8]>,
    value_type: ValueType,
}

impl Signer {
    /// Draws what the recipe needs (see [`Signer::next_nonce`]) and signs `request`.
    pub fn sign_request(&self, request: &Request) -> Result<SignedRequest, Error> {
        self.sign_request_inner(request, None)
    }

    /// Signs `request` with a nonce the caller chose (for replaying a known vector, or tests).
    pub fn sign_request_with_nonce(&self, request: &Request, nonce: u64) -> Result<SignedRequest, Error> {
        self.sign_request_inner(request, Some(nonce))
    }

    fn sign_request_inner<'r>(&'r self, request: &'r Request, fixed: Option<u64>) -> Result<SignedRequest, Error> {
        let recipe: &'r crate::recipe::Recipe = self.recipe();
        check_method(&request.method)?;
        check_path(&request.path)?;
        if !request.params.is_empty() && request.body != Body::FromParams {
            return Err(Error::ParamsAndBody);
        }
        let method = request.method.as_str();
        let in_query = recipe.uses_query(method);
        let full_path = &request.path[..];
        let path = full_path.strip_prefix(recipe.strip_prefix.as_bytes()).unwrap_or(full_path);
        let json_out = !in_query && recipe.body == BodyFormat::Json;
        if recipe.uses_json() || json_out {
            for (name, value) in &request.params {
                if std::str::from_utf8(name).is_err() || std::str::from_utf8(value).is_err() {
                    return Err(Error::JsonNotUtf8);
                }
            }
        }
        // The caller's JSON object, parsed once: validated here, its members consulted below.
        let members = match &request.body {
            Body::JsonObject(json) => Some(
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(json)
                    .map_err(|_| Error::JsonNotObject)?,
            ),
            _ => None,
        };
        // A parameter the recipe adds is dropped when the caller already gave it (a caller may
        // place its own nonce), or when the caller sends the body as raw bytes.
        let caller_has = |name: &str| match &request.body {
            Body::FromParams => request.params.iter().any(|(n, _)| n == name.as_bytes()),
            Body::Raw(_) => true,
            Body::JsonObject(_) => members.as_ref().is_some_and(|m| m.contains_key(name)),
        };
        let active: Vec<&'r Inject> =
            recipe.inject.iter().filter(|i| i.into == Placement::Query || !caller_has(&i.name)).collect();

        let need_nonce = recipe.signs_nonce_outside_params() || active.iter().any(|i| i.value.uses(Token::Nonce));
        let nonce = match (need_nonce, fixed) {
            (false, _) => None,
            (true, Some(n)) if n == 0 || n > MAX_NONCE => return Err(Error::NonceOutOfRange),
            (true, Some(n)) => Some(n),
            (true, None) => Some(self.next_nonce()?),
        };
        let mut digits = [0; 20];
        let nonce_text: &[u8] = match nonce {
            Some(n) => decimal(n, &mut digits),
            None => b"",
        };
        let ts = if recipe.uses_time() {
            let micros = request.time_micros.unwrap_or_else(now_micros);
            render_time(recipe.clock, micros, recipe.clock_offset_s)
        } else {
            Vec::new()
        };
        let uuid = if recipe.uses_uuid() { uuid_text(request.uuid.unwrap_or_else(random_uuid)) } else { Vec::new() };

        // The parameters in order: injected at the start, the caller's, injected at the end.
        let early =
            Facts { method, path, full_path, nonce: nonce_text, ts: &ts, uuid: &uuid, params: &[], query_params: &[] };
        let early = self.request_scope(early, b"", b"", &[]);
        let injected = |i: &&'r Inject| Param {
            name: Cow::Borrowed(i.name.as_bytes()),
            value: Cow::Owned(i.value.eval(&early)),
            value_type: i.value_type,
        };
        let into_params = |i: &&&Inject| i.into == Placement::Params;
        let mut params: Vec<Param<'_>> =
            active.iter().filter(into_params).filter(|i| i.at_start).map(injected).collect();
        params.extend(request.params.iter().map(|(n, v)| Param {
            name: Cow::Borrowed(&n[..]),
            value: Cow::Borrowed(&v[..]),
            value_type: ValueType::String,
        }));
        params.extend(active.iter().filter(into_params).filter(|i| !i.at_start).map(injected));
        let mut query_only: Vec<Param<'_>> =
            active.iter().filter(|i| i.into == Placement::Query).map(injected).collect();
        if recipe.sort == Sort::All || (recipe.sort == Sort::Query && in_query) {
            params.sort_by(|a, b| a.name.cmp(&b.name));
        }

        let (mut query_params, body_params) = if in_query { (params, Vec::new()) } else { (Vec::new(), params) };
        query_params.append(&mut query_only);
        if recipe.sort != Sort::None {
            query_params.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let mut query = encode::query_encode(query_params.iter().map(|p| (&p.name[..], &p.value[..])), recipe.space);
        let mut body = match &request.body {
            Body::Raw(bytes) if in_query => {
                query = bytes.clone();
                Vec::new()
            }
            Body::Raw(bytes) => bytes.clone(),
            // A caller's body is the payload, which for a query method is the query (as before recipes).
            Body::JsonObject(json) if in_query => {
                query = with_json_members(json, members.as_ref().is_some_and(|m| m.is_empty()), &active, &early);
                Vec::new()
            }
            Body::JsonObject(json) => {
                with_json_members(json, members.as_ref().is_some_and(|m| m.is_empty()), &active, &early)
            }
            Body::FromParams if in_query => Vec::new(),
            Body::FromParams if body_params.is_empty() => recipe.empty_body.clone(),
            Body::FromParams => match recipe.body {
                BodyFormat::Form => {
                    encode::query_encode(body_params.iter().map(|p| (&p.name[..], &p.value[..])), recipe.space)
                }
                BodyFormat::Json => json_body(&body_params),
                BodyFormat::None => Vec::new(),
            },
        };

        // The parameters themselves, for recipes whose parts read them (most read only query and body).
        let (all_params, query_pairs) = match recipe.reads_params() {
            true => (pairs(body_params.iter().chain(&query_params)), pairs(query_params.iter())),
            false => (Vec::new(), Vec::new()),
        };
        let facts = Facts {
            method,
            path,
            full_path,
            nonce: nonce_text,
            ts: &ts,
            uuid: &uuid,
            params: &all_params,
            query_params: &query_pairs,
        };
        let mut values: Vec<Vec<u8>> = Vec::new();
        for (_, expr) in &recipe.values {
            let value = expr.eval(&self.request_scope(facts, &query, &body, &values));
            values.push(value);
        }
        let scope = self.request_scope(facts, &query, &body, &values);
        let message = recipe.message.eval(&scope);
        let tag = self.tag_of(&message);
        let signature = self.signature_text(&crate::recipe::Scope { tag: tag.as_bytes(), ..scope });

        if let Some(param) = &recipe.signature_param {
            let target = if param.into == Placement::Query || in_query { &mut query } else { &mut body };
            if !in_query && param.into == Placement::Params && json_out {
                body = with_member(&body, param.name.as_bytes(), &signature);
            } else {
                if !target.is_empty() {
                    target.push(b'&');
                }
                encode::percent_escape_into(param.name.as_bytes(), recipe.space, target);
                target.push(b'=');
                encode::percent_escape_into(&signature, recipe.space, target);
            }
        }
        // The query or body may have gained the signature: the headers and envelope see them as sent.
        let scope = self.request_scope(facts, &query, &body, &values);
        let scope = crate::recipe::Scope { tag: tag.as_bytes(), signature: &signature, ..scope };
        let mut header_block = Vec::new();
        // A recipe without headers of its own still needs Content-Type for a body (HTX's auth is
        // all in the query); mtgox-stream, a signed call and not an HTTP request, has neither.
        if recipe.has_headers() || recipe.content_type(method).is_some() {
            self.header_lines(&scope, method, &mut |piece| header_block.extend_from_slice(piece));
        }
        if let Some(envelope) = &recipe.envelope {
            body = envelope.eval(&scope);
        }
        // A header value made from parameters must not split the header block.
        let lines = header_block.split(|&b| b == b'\n').filter(|l| !l.is_empty());
        if lines.clone().any(|l| l.strip_suffix(b"\r").is_none_or(|l| l.iter().any(|&b| b < 0x20 && b != b'\t'))) {
            return Err(Error::InvalidHeaderValue);
        }

        let mut url = self.base_url().as_bytes().to_vec();
        url.extend_from_slice(full_path);
        if !query.is_empty() {
            url.push(b'?');
            url.extend_from_slice(&query);
        }
        Ok(SignedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query,
            body,
            url,
            nonce,
            signature: String::from_utf8(signature).map_err(|_| Error::Internal)?,
            header_block,
            message,
        })
    }
}

/// What one request's parts may read besides the signer's credentials, the query and the body
/// (which change as the signature is placed).
#[derive(Clone, Copy)]
struct Facts<'a> {
    method: &'a str,
    path: &'a [u8],
    full_path: &'a [u8],
    nonce: &'a [u8],
    ts: &'a [u8],
    uuid: &'a [u8],
    params: &'a [(&'a [u8], &'a [u8])],
    query_params: &'a [(&'a [u8], &'a [u8])],
}

impl Signer {
    fn request_scope<'s>(
        &'s self,
        f: Facts<'s>,
        query: &'s [u8],
        body: &'s [u8],
        values: &'s [Vec<u8>],
    ) -> crate::recipe::Scope<'s> {
        let Facts { method, path, full_path, nonce, ts, uuid, params, query_params } = f;
        self.scope(method, path, full_path, query, body, nonce, ts, uuid, values, params, query_params)
    }
}

fn pairs<'p>(params: impl Iterator<Item = &'p Param<'p>>) -> Vec<(&'p [u8], &'p [u8])> {
    params.map(|p| (&p.name[..], &p.value[..])).collect()
}

/// `{"name":"value",…}`: parameters as JSON strings in order, typed injected ones as they are.
fn json_body(params: &[Param<'_>]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_string(&p.name, &mut out);
        out.push(b':');
        match p.value_type {
            ValueType::String => json_string(&p.value, &mut out),
            ValueType::Number | ValueType::Bool => out.extend_from_slice(&p.value),
        }
    }
    out.push(b'}');
    out
}

/// The caller's JSON object text (validated; `empty` if it has no members) with the recipe's
/// active parameters added: those `at_start` after `{`, the others before `}`. The caller's bytes
/// are kept as they are (no re-serialisation), so its formatting and member order survive.
fn with_json_members(json: &[u8], empty: bool, active: &[&Inject], scope: &crate::recipe::Scope<'_>) -> Vec<u8> {
    let member = |i: &Inject| {
        let mut m = Vec::new();
        json_string(i.name.as_bytes(), &mut m);
        m.push(b':');
        let value = i.value.eval(scope);
        match i.value_type {
            ValueType::String => json_string(&value, &mut m),
            ValueType::Number | ValueType::Bool => m.extend_from_slice(&value),
        }
        m
    };
    let params: Vec<&&Inject> = active.iter().filter(|i| i.into == Placement::Params).collect();
    let start: Vec<Vec<u8>> = params.iter().filter(|i| i.at_start).map(|i| member(i)).collect();
    let end: Vec<Vec<u8>> = params.iter().filter(|i| !i.at_start).map(|i| member(i)).collect();
    if start.is_empty() && end.is_empty() {
        return json.to_vec();
    }
    // A valid object starts, after whitespace (kept), with `{` and ends with `}`.
    let open = json.iter().position(|&b| b == b'{').expect("a validated object");
    let text = json[open..].trim_ascii_end();
    let inner = &text[1..text.len() - 1];
    let mut out = json[..=open].to_vec();
    let mut first = true;
    for m in &start {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(m);
        first = false;
    }
    if !empty {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(inner);
        first = false;
    } else if start.is_empty() {
        out.extend_from_slice(inner);
    }
    for m in &end {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(m);
        first = false;
    }
    out.push(b'}');
    out
}

/// A JSON object (ours, compact) with `"name":"value"` appended.
fn with_member(json: &[u8], name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = json[..json.len().saturating_sub(1)].to_vec();
    if out.is_empty() {
        out.push(b'{');
    }
    if out.len() > 1 {
        out.push(b',');
    }
    json_string(name, &mut out);
    out.push(b':');
    json_string(value, &mut out);
    out.push(b'}');
    out
}

fn now_micros() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// `{ts}` for a clock reading in microseconds, shifted by `offset_s` seconds.
pub(crate) fn render_time(format: TimeFormat, micros: u64, offset_s: i64) -> Vec<u8> {
    let micros = micros.saturating_add_signed(offset_s.saturating_mul(1_000_000));
    let ms = micros / 1000;
    match format {
        TimeFormat::Millis => ms.to_string().into_bytes(),
        TimeFormat::Seconds => (ms / 1000).to_string().into_bytes(),
        TimeFormat::Micros => micros.to_string().into_bytes(),
        TimeFormat::Iso8601 | TimeFormat::Ymdhms => {
            let secs = ms / 1000;
            let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
            let rem = secs % 86_400;
            let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
            let mut text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if format == TimeFormat::Iso8601 {
                text += &format!(".{:03}Z", ms % 1000);
            }
            text.into_bytes()
        }
    }
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A random (version 4) UUID's bytes, from the kernel's generator.
fn random_uuid() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let mut filled = 0;
    while filled < bytes.len() {
        // SAFETY: the pointer and length describe the unfilled tail of `bytes`.
        let n = unsafe { libc::getrandom(bytes[filled..].as_mut_ptr().cast(), bytes.len() - filled, 0) };
        if n > 0 {
            filled += n as usize;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower case.
pub(crate) fn uuid_text(bytes: [u8; 16]) -> Vec<u8> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(scheme: &str) -> Signer {
        let secret: &[u8] = if scheme.starts_with("mtgox") { b"c2VjcmV0" } else { b"secret" };
        let key: &[u8] = if scheme == "mtgox-stream" { b"12345678-abcd-1234-abcd-50286e649d5c" } else { b"key" };
        Signer::new(scheme, key, secret).unwrap()
    }

    #[test]
    fn form_body_gets_the_nonce_last() {
        let mut req = Request::new("POST", "/tradingApi");
        req.param("command", "returnBalances").param("a b", "x&y");
        let signed = signer("poloniex").sign_request_with_nonce(&req, 42).unwrap();
        assert_eq!(signed.body, b"command=returnBalances&a+b=x%26y&nonce=42");
        assert!(signed.query.is_empty());
        assert_eq!(signed.nonce, Some(42));
    }

    #[test]
    fn caller_placed_nonce_is_kept_and_none_drawn() {
        let mut req = Request::new("POST", "/tradingApi");
        req.param("nonce", "7").param("command", "x");
        let signed = signer("poloniex").sign_request(&req).unwrap();
        assert_eq!(signed.body, b"nonce=7&command=x");
        assert_eq!(signed.nonce, None);
    }

    #[test]
    fn json_body_keeps_caller_bytes_and_adds_the_nonce() {
        let s = signer("viabtc");
        let mut req = Request::new("POST", "/x");
        req.json_body(&br#"{"coin": "BTC", "n": {"a": [1, 2]}}  "#[..]);
        let signed = s.sign_request_with_nonce(&req, 5).unwrap();
        assert_eq!(signed.body, br#"{"coin": "BTC", "n": {"a": [1, 2]},"tonce":5}"#);
        req.json_body(&b"{}"[..]);
        assert_eq!(s.sign_request_with_nonce(&req, 5).unwrap().body, br#"{"tonce":5}"#);
        req.json_body(&br#"{"tonce": 3}"#[..]);
        let kept = s.sign_request(&req).unwrap();
        assert_eq!((kept.body.as_slice(), kept.nonce), (&br#"{"tonce": 3}"#[..], None));
        for bad in [&b"[1]"[..], b"{", b"", b"{\"a\":1} x"] {
            req.json_body(bad);
            assert_eq!(s.sign_request_with_nonce(&req, 1), Err(Error::JsonNotObject), "{bad:?}");
        }
    }

    #[test]
    fn times_render_in_every_format() {
        // 2023-11-14T22:13:20.456Z is 1700000000456 ms (date -u -d @1700000000).
        let micros = 1_700_000_000_456_789;
        assert_eq!(render_time(TimeFormat::Millis, micros, 0), b"1700000000456");
        assert_eq!(render_time(TimeFormat::Seconds, micros, 60), b"1700000060");
        assert_eq!(render_time(TimeFormat::Micros, micros, 0), b"1700000000456789");
        assert_eq!(render_time(TimeFormat::Iso8601, micros, 0), b"2023-11-14T22:13:20.456Z");
        assert_eq!(render_time(TimeFormat::Ymdhms, micros, 0), b"2023-11-14T22:13:20");
        assert_eq!(render_time(TimeFormat::Ymdhms, 951_782_400_000_000, 0), b"2000-02-29T00:00:00");
    }

    #[test]
    fn random_uuids_are_version_4() {
        let a = uuid_text(random_uuid());
        assert_eq!(a.len(), 36);
        assert_eq!(a[14], b'4');
        assert!(b"89ab".contains(&a[19]));
        assert_ne!(a, uuid_text(random_uuid()));
    }
}
