//! The parts of a recipe: templates and functions, compiled once, evaluated per request.
//!
//! Evaluation streams: a message made only of literals and tokens is fed to the HMAC piece by
//! piece and never assembled, so the seed schemes sign without allocating.

use crate::encode::{self, Space, TextEncoding};
use crate::mac::{Hash, KeyedMac};

/// A named value a template can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Method,
    Path,
    FullPath,
    Host,
    BaseUrl,
    Query,
    QueryRaw,
    Body,
    Payload,
    Key,
    Passphrase,
    Ts,
    Nonce,
    Uuid,
    Tag,
    Signature,
    /// The recipe's `values` entry at this index.
    Value(usize),
}

impl Token {
    pub(crate) const BUILT_IN: [(&'static str, Token); 16] = [
        ("method", Token::Method),
        ("path", Token::Path),
        ("full_path", Token::FullPath),
        ("host", Token::Host),
        ("base_url", Token::BaseUrl),
        ("query", Token::Query),
        ("query_raw", Token::QueryRaw),
        ("body", Token::Body),
        ("payload", Token::Payload),
        ("key", Token::Key),
        ("passphrase", Token::Passphrase),
        ("ts", Token::Ts),
        ("nonce", Token::Nonce),
        ("uuid", Token::Uuid),
        ("tag", Token::Tag),
        ("signature", Token::Signature),
    ];
}

/// When an `if` takes its `then` branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    /// The query string is not empty.
    Query,
    /// The body is not empty.
    Body,
    /// The request has parameters.
    Params,
    /// The method sends its parameters in the query.
    QueryMethod,
}

/// Which parameters a `form` or `json` function reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamSet {
    /// Every parameter of the request (caller's and injected), wherever it travels.
    Params,
    /// Those in the URL query.
    Query,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MemberValue {
    Str(Expr),
    Number(Expr),
    Bool(bool),
    /// JSON text inserted as it is.
    Raw(Expr),
    /// The parameters as a nested object of strings.
    ParamsObject,
    /// The parameters as members of this object.
    SpreadParams,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub name: String,
    pub value: MemberValue,
    /// Only when the request has parameters.
    pub when_params: bool,
}

/// One compiled part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    Concat(Vec<Expr>),
    Lit(Vec<u8>),
    Token(Token),
    /// `{?name}`: `?` and the value when the value is not empty.
    QueryMark(Token),
    Digest(Hash, Box<Expr>),
    Hmac(Box<Expr>),
    Encode(TextEncoding, Box<Expr>),
    If(Cond, Box<Expr>, Box<Expr>),
    Form {
        of: ParamSet,
        sort: bool,
        raw: bool,
        extra: Vec<(Vec<u8>, Expr)>,
    },
    Json(Vec<Member>),
    ParamsConcat,
    KeyUuid,
}

/// What a signer brings to every request: its credentials, where it sends, how it encodes.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub key: zeroize::Zeroizing<Vec<u8>>,
    /// The key's 16 bytes when the recipe wants a UUID key.
    pub key_uuid: [u8; 16],
    pub passphrase: zeroize::Zeroizing<Vec<u8>>,
    pub mac: KeyedMac,
    pub base_url: String,
    pub host: String,
    pub space: Space,
}

/// Everything a part can read while one request is signed.
pub(crate) struct Scope<'a> {
    pub credentials: &'a Credentials,
    pub method: &'a str,
    pub path: &'a [u8],
    pub full_path: &'a [u8],
    pub query: &'a [u8],
    pub body: &'a [u8],
    pub payload: &'a [u8],
    pub ts: &'a [u8],
    pub nonce: &'a [u8],
    pub uuid: &'a [u8],
    pub tag: &'a [u8],
    pub signature: &'a [u8],
    pub values: &'a [Vec<u8>],
    pub params: &'a [(&'a [u8], &'a [u8])],
    pub query_params: &'a [(&'a [u8], &'a [u8])],
    pub in_query: bool,
}

impl Scope<'_> {
    fn token(&self, token: Token) -> &[u8] {
        match token {
            Token::Method => self.method.as_bytes(),
            Token::Path => self.path,
            Token::FullPath => self.full_path,
            Token::Host => self.credentials.host.as_bytes(),
            Token::BaseUrl => self.credentials.base_url.as_bytes(),
            Token::Query => self.query,
            Token::QueryRaw => unreachable!("query_raw is decoded where it is used"),
            Token::Body => self.body,
            Token::Payload => self.payload,
            Token::Key => &self.credentials.key,
            Token::Passphrase => &self.credentials.passphrase,
            Token::Ts => self.ts,
            Token::Nonce => self.nonce,
            Token::Uuid => self.uuid,
            Token::Tag => self.tag,
            Token::Signature => self.signature,
            Token::Value(i) => &self.values[i],
        }
    }
}

impl Expr {
    /// Feeds the part's bytes to `sink`, piece by piece.
    pub(crate) fn feed<F: FnMut(&[u8])>(&self, scope: &Scope<'_>, sink: &mut F) {
        match self {
            Expr::Concat(parts) => parts.iter().for_each(|p| p.feed(scope, sink)),
            Expr::Lit(bytes) => sink(bytes),
            Expr::Token(Token::QueryRaw) => sink(&encode::percent_decode(scope.query, scope.credentials.space)),
            Expr::Token(t) => sink(scope.token(*t)),
            Expr::QueryMark(Token::QueryRaw) => {
                if !scope.query.is_empty() {
                    sink(b"?");
                    sink(&encode::percent_decode(scope.query, scope.credentials.space));
                }
            }
            Expr::QueryMark(t) => {
                let value = scope.token(*t);
                if !value.is_empty() {
                    sink(b"?");
                    sink(value);
                }
            }
            Expr::If(cond, then, other) => {
                let taken = match cond {
                    Cond::Query => !scope.query.is_empty(),
                    Cond::Body => !scope.body.is_empty(),
                    Cond::Params => !scope.params.is_empty(),
                    Cond::QueryMethod => scope.in_query,
                };
                if taken { then.feed(scope, sink) } else { other.feed(scope, sink) }
            }
            Expr::KeyUuid => sink(&scope.credentials.key_uuid),
            other => sink(&other.eval(scope)),
        }
    }

    /// The part's bytes, assembled.
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Vec<u8> {
        match self {
            Expr::Digest(hash, inner) => hash.digest(&inner.eval(scope)),
            Expr::Hmac(inner) => scope.credentials.mac.tag(&inner.eval(scope)).as_bytes().to_vec(),
            Expr::Encode(encoding, inner) => encode::encode_to_vec(*encoding, &inner.eval(scope)),
            Expr::Form { of, sort, raw, extra } => {
                let extra: Vec<(Vec<u8>, Vec<u8>)> = extra.iter().map(|(n, v)| (n.clone(), v.eval(scope))).collect();
                let set = match of {
                    ParamSet::Params => scope.params,
                    ParamSet::Query => scope.query_params,
                };
                let mut all: Vec<(&[u8], &[u8])> = extra.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                all.extend_from_slice(set);
                if *sort {
                    all.sort_by(|a, b| a.0.cmp(b.0));
                }
                if *raw { raw_query(&all) } else { encode::query_encode(all, scope.credentials.space) }
            }
            Expr::Json(members) => json_object(members, scope),
            Expr::ParamsConcat => {
                let mut sorted = scope.params.to_vec();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                sorted.iter().flat_map(|(n, v)| [*n, *v]).collect::<Vec<_>>().concat()
            }
            streamed => {
                let mut out = Vec::new();
                streamed.feed(scope, &mut |piece| out.extend_from_slice(piece));
                out
            }
        }
    }

    /// Whether this part or any part inside it satisfies `pred`.
    pub(crate) fn any(&self, pred: &dyn Fn(&Expr) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        match self {
            Expr::Concat(parts) => parts.iter().any(|p| p.any(pred)),
            Expr::Digest(_, inner) | Expr::Hmac(inner) | Expr::Encode(_, inner) => inner.any(pred),
            Expr::If(_, then, other) => then.any(pred) || other.any(pred),
            Expr::Form { extra, .. } => extra.iter().any(|(_, v)| v.any(pred)),
            Expr::Json(members) => members.iter().any(|m| match &m.value {
                MemberValue::Str(e) | MemberValue::Number(e) | MemberValue::Raw(e) => e.any(pred),
                _ => false,
            }),
            Expr::Lit(_) | Expr::Token(_) | Expr::QueryMark(_) | Expr::ParamsConcat | Expr::KeyUuid => false,
        }
    }

    /// Whether the part reads `token` anywhere.
    pub(crate) fn uses(&self, token: Token) -> bool {
        self.any(&|e| matches!(e, Expr::Token(t) | Expr::QueryMark(t) if *t == token))
    }

    /// Whether the part reads the request's parameters themselves (not only the encoded query or body).
    pub(crate) fn reads_params(&self) -> bool {
        match self {
            Expr::Concat(parts) => parts.iter().any(Expr::reads_params),
            Expr::Digest(_, inner) | Expr::Hmac(inner) | Expr::Encode(_, inner) => inner.reads_params(),
            Expr::If(Cond::Params, ..) | Expr::Form { .. } | Expr::ParamsConcat => true,
            Expr::If(_, then, other) => then.reads_params() || other.reads_params(),
            Expr::Json(members) => members.iter().any(|m| {
                m.when_params
                    || match &m.value {
                        MemberValue::Str(e) | MemberValue::Number(e) | MemberValue::Raw(e) => e.reads_params(),
                        MemberValue::ParamsObject | MemberValue::SpreadParams => true,
                        MemberValue::Bool(_) => false,
                    }
            }),
            Expr::Lit(_) | Expr::Token(_) | Expr::QueryMark(_) | Expr::KeyUuid => false,
        }
    }

    /// When the part is a concatenation of plain pieces (literals, tokens other than `query_raw`,
    /// the UUID key), those pieces: they can be fed or encoded without assembling them.
    pub(crate) fn plain_pieces<'s>(&'s self, scope: &'s Scope<'_>, out: &mut [&'s [u8]; 8]) -> Option<usize> {
        let mut n = 0;
        let mut push = |piece: &'s [u8]| -> Option<()> {
            *out.get_mut(n)? = piece;
            n += 1;
            Some(())
        };
        match self {
            Expr::Concat(parts) => {
                for part in parts {
                    match part {
                        Expr::Lit(bytes) => push(bytes)?,
                        Expr::Token(t) if *t != Token::QueryRaw => push(scope.token(*t))?,
                        Expr::KeyUuid => push(&scope.credentials.key_uuid)?,
                        _ => return None,
                    }
                }
            }
            Expr::Lit(bytes) => push(bytes)?,
            Expr::Token(t) if *t != Token::QueryRaw => push(scope.token(*t))?,
            Expr::KeyUuid => push(&scope.credentials.key_uuid)?,
            _ => return None,
        }
        Some(n)
    }
}

/// `name=value&…` with no escaping at all (what some exchanges sign).
fn raw_query(params: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(name);
        out.push(b'=');
        out.extend_from_slice(value);
    }
    out
}

/// A JSON string of `bytes` (UTF-8 checked before signing starts; lossy only as a last resort).
pub(crate) fn json_string(bytes: &[u8], out: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(bytes);
    out.extend_from_slice(serde_json::to_string(&*text).expect("strings serialise").as_bytes());
}

/// A compact JSON object of the parameters, values as strings, in order.
pub(crate) fn json_params(params: &[(&[u8], &[u8])], out: &mut Vec<u8>) {
    out.push(b'{');
    push_params(params, out, true);
    out.push(b'}');
}

/// The parameters as `"name":"value"` members, comma-separated; returns whether none were written.
fn push_params(params: &[(&[u8], &[u8])], out: &mut Vec<u8>, mut first: bool) -> bool {
    for (name, value) in params {
        if !first {
            out.push(b',');
        }
        first = false;
        json_string(name, out);
        out.push(b':');
        json_string(value, out);
    }
    first
}

fn json_object(members: &[Member], scope: &Scope<'_>) -> Vec<u8> {
    let mut out = b"{".to_vec();
    let mut first = true;
    for member in members {
        if member.when_params && scope.params.is_empty() {
            continue;
        }
        if let MemberValue::SpreadParams = member.value {
            first = push_params(scope.params, &mut out, first);
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        json_string(member.name.as_bytes(), &mut out);
        out.push(b':');
        match &member.value {
            MemberValue::Str(e) => json_string(&e.eval(scope), &mut out),
            MemberValue::Number(e) | MemberValue::Raw(e) => e.feed(scope, &mut |p| out.extend_from_slice(p)),
            MemberValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            MemberValue::ParamsObject => json_params(scope.params, &mut out),
            MemberValue::SpreadParams => unreachable!("handled above"),
        }
    }
    out.push(b'}');
    out
}

/// A template string compiled: literals and tokens. `lookup` resolves names other than the
/// built-in tokens (the recipe's values); it returns None for an unknown name. An error says what,
/// and which part of the text.
pub(crate) fn compile_template(text: &str, lookup: &dyn Fn(&str) -> Option<Token>) -> Result<Expr, (String, String)> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                lit.push(b'{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                lit.push(b'}');
                i += 2;
            }
            b'{' => {
                let close = text[i..].find('}').ok_or_else(|| {
                    (format!("`{{` at byte {i} is not closed (write `{{{{` for a literal brace)"), text[i..].to_owned())
                })?;
                let inner = &text[i + 1..i + close];
                let (mark, name) = match inner.strip_prefix('?') {
                    Some(name) => (true, name),
                    None => (false, inner),
                };
                let token = Token::BUILT_IN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| *t)
                    .or_else(|| lookup(name))
                    .ok_or_else(|| {
                        (format!("unknown name `{{{inner}}}` (known: {})", known_names()), format!("{{{inner}}}"))
                    })?;
                if !lit.is_empty() {
                    parts.push(Expr::Lit(std::mem::take(&mut lit)));
                }
                parts.push(if mark { Expr::QueryMark(token) } else { Expr::Token(token) });
                i += close + 1;
            }
            b'}' => {
                return Err((
                    format!("`}}` at byte {i} has no `{{` (write `}}}}` for a literal brace)"),
                    text.to_owned(),
                ));
            }
            b => {
                lit.push(b);
                i += 1;
            }
        }
    }
    if !lit.is_empty() {
        parts.push(Expr::Lit(lit));
    }
    Ok(match parts.len() {
        1 => parts.pop().expect("one part"),
        _ => Expr::Concat(parts),
    })
}

fn known_names() -> String {
    let names: Vec<&str> = Token::BUILT_IN.iter().map(|(n, _)| *n).collect();
    format!("{} and the recipe's values", names.join(", "))
}
