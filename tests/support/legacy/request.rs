#![allow(dead_code)]
//! Requests built and signed in one call: parameters in, the exact bytes to send out.
//!
//! A [`Request`] is plain data (method, path, parameters or a body). [`Signer::sign_request`]
//! draws the nonce, puts it where the scheme wants it (a body or query field, a JSON member or a
//! header), builds the payload once, signs those very bytes and returns them in a
//! [`SignedRequest`], so what is sent is exactly what was signed.

use super::scheme::{BodyFormat, NoncePlace};
use super::signer::{Message, Signer};
use restsign::Error;
use restsign::encode::form_encode;
use restsign::nonce::MAX_NONCE;

/// What a request carries besides its parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Body {
    /// Built from the parameters.
    #[default]
    FromParams,
    /// Sent and signed exactly as given; a nonce field, if the scheme has one, is the caller's.
    Raw(Vec<u8>),
    /// A JSON object; the nonce member is added unless present.
    JsonObject(Vec<u8>),
}

/// An unsigned request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    method: String,
    path: Vec<u8>,
    params: Vec<(Vec<u8>, Vec<u8>)>,
    body: Body,
}

impl Request {
    /// A request to `path` (the URL path, e.g. `/tradingApi` or `/api/2/BTCUSD/money/info`).
    pub fn new(method: &str, path: impl Into<Vec<u8>>) -> Request {
        Request { method: method.to_owned(), path: path.into(), params: Vec::new(), body: Body::FromParams }
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

    /// Sends a JSON object as the body; restsign adds the scheme's nonce member unless present.
    pub fn json_body(&mut self, object: impl Into<Vec<u8>>) -> &mut Request {
        self.body = Body::JsonObject(object.into());
        self
    }
}

/// A signed request: send these bytes as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// The HTTP method.
    pub method: String,
    /// The URL path as given to [`Request::new`].
    pub path: Vec<u8>,
    /// The query string without `?` (empty when the parameters travel in the body).
    pub query: Vec<u8>,
    /// The body (empty for query-string methods).
    pub body: Vec<u8>,
    /// The nonce drawn for this request; `None` when the caller placed it in a raw body.
    pub nonce: Option<u64>,
    /// The signature text (for `mtgox-stream`, the whole signed call).
    pub signature: String,
    /// Every header to send, as `Name: value\r\n` lines (empty for `mtgox-stream`).
    pub header_block: Vec<u8>,
}

impl SignedRequest {
    /// The header lines as `Name: value`, without line ends.
    pub fn header_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.header_block.split(|&b| b == b'\n').filter_map(|line| line.strip_suffix(b"\r"))
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

impl Signer {
    /// Draws the next nonce (see [`Signer::next_nonce`]) and signs `request` with it.
    pub fn sign_request(&self, request: &Request) -> Result<SignedRequest, Error> {
        self.sign_request_inner(request, None)
    }

    /// Signs `request` with a nonce the caller chose (for replaying a known vector, or tests).
    pub fn sign_request_with_nonce(&self, request: &Request, nonce: u64) -> Result<SignedRequest, Error> {
        self.sign_request_inner(request, Some(nonce))
    }

    fn sign_request_inner(&self, request: &Request, fixed: Option<u64>) -> Result<SignedRequest, Error> {
        let scheme = self.scheme();
        if !request.params.is_empty() && request.body != Body::FromParams {
            return Err(Error::ParamsAndBody);
        }
        let in_query = scheme.uses_query(&request.method);
        let field = match scheme.nonce_place {
            NoncePlace::Field(name) => Some(name),
            NoncePlace::Header(_) => None,
        };
        // The caller's JSON object, parsed once: validated here, its members consulted below.
        let members = match &request.body {
            Body::JsonObject(json) => Some(
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(json)
                    .map_err(|_| Error::JsonNotObject)?,
            ),
            _ => None,
        };
        // A nonce is drawn unless the caller already put the scheme's nonce field in the payload.
        let caller_placed = match (&request.body, field) {
            (_, None) => false,
            (Body::Raw(_), Some(_)) => true,
            (Body::FromParams, Some(name)) => request.params.iter().any(|(n, _)| n == name.as_bytes()),
            (Body::JsonObject(_), Some(name)) => members.as_ref().is_some_and(|m| m.contains_key(name)),
        };
        let nonce = match (fixed, caller_placed) {
            (_, true) => None,
            (Some(n), false) if n == 0 || n > MAX_NONCE => return Err(Error::NonceOutOfRange),
            (Some(n), false) => Some(n),
            (None, false) => Some(self.next_nonce()?),
        };
        let mut digits = [0; 20];
        let nonce_text = nonce.map(|n| restsign::encode::decimal(n, &mut digits).to_vec());
        let nonce_field = field.zip(nonce_text.as_deref());

        let payload = match &request.body {
            Body::Raw(bytes) => bytes.clone(),
            Body::JsonObject(json) => with_json_member(json, members.is_some_and(|m| m.is_empty()), nonce_field),
            Body::FromParams if in_query || scheme.body == BodyFormat::Form => {
                let fields = request.params.iter().map(|(n, v)| (&n[..], &v[..]));
                form_encode(fields.chain(nonce_field.map(|(n, v)| (n.as_bytes(), v))))
            }
            Body::FromParams => json_from_params(&request.params, nonce_field)?,
        };

        let signed_path = request.path.strip_prefix(scheme.signed_path_prefix.as_bytes()).unwrap_or(&request.path);
        let msg = Message { method: &request.method, path: signed_path, payload: &payload, nonce: nonce.unwrap_or(0) };
        let signature = self.sign(&msg)?;
        let header_block = match self.header_block(&msg, &signature) {
            Ok(block) => block,
            Err(Error::NoHeaders) => Vec::new(),
            Err(e) => return Err(e),
        };
        let (query, body) = if in_query { (payload, Vec::new()) } else { (Vec::new(), payload) };
        Ok(SignedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query,
            body,
            nonce,
            signature,
            header_block,
        })
    }
}

/// The JSON object text (already validated; `empty` if it has no members) with `"name":value`
/// added before its closing brace. The caller's bytes are kept as they are (no re-serialisation),
/// so its formatting and member order survive.
fn with_json_member(json: &[u8], empty: bool, member: Option<(&str, &[u8])>) -> Vec<u8> {
    let Some((name, value)) = member else { return json.to_vec() };
    // A valid object ends, after trailing whitespace, in its closing brace.
    let text = json.trim_ascii_end();
    let mut out = text[..text.len() - 1].to_vec();
    push_member(&mut out, empty, name, value);
    out.push(b'}');
    out
}

/// `{"name":"value",…,"nonce":123}`: parameters as JSON strings in order, the nonce as a number.
fn json_from_params(params: &[(Vec<u8>, Vec<u8>)], nonce: Option<(&str, &[u8])>) -> Result<Vec<u8>, Error> {
    fn utf8(bytes: &[u8]) -> Result<&str, Error> {
        std::str::from_utf8(bytes).map_err(|_| Error::JsonNotUtf8)
    }
    let mut out = b"{".to_vec();
    for (i, (name, value)) in params.iter().enumerate() {
        let value = serde_json::to_string(utf8(value)?).expect("strings serialise");
        push_member(&mut out, i == 0, utf8(name)?, value.as_bytes());
    }
    if let Some((name, value)) = nonce {
        push_member(&mut out, params.is_empty(), name, value);
    }
    out.push(b'}');
    Ok(out)
}

/// Appends `"name":value` to an object being written, after a comma unless it is the `first`.
fn push_member(out: &mut Vec<u8>, first: bool, name: &str, value: &[u8]) {
    if !first {
        out.push(b',');
    }
    out.extend_from_slice(serde_json::to_string(name).expect("strings serialise").as_bytes());
    out.push(b':');
    out.extend_from_slice(value);
}
