//! Signing recipes, as data.
//!
//! Every API restsign speaks is a [`Recipe`]: which bytes go under the HMAC, how the secret becomes
//! the key, how the tag is written and where everything travels. The built-in presets are TOML files
//! in `src/recipe/presets/` compiled into the library; users load their own with [`Recipe::parse`].
//! The engine in [`crate::signer`] and [`crate::request`] follows a recipe; it has no per-API code.
//! `docs/RECIPES.md` is the format's reference.

mod expr;
mod parse;
mod server;

use crate::encode::{Space, TextEncoding};
pub use crate::mac::Hash;
pub(crate) use expr::{Credentials, Expr, Member, MemberValue, Scope, Token, json_string};
pub use parse::RecipeError;
pub use server::{Replies, Reply, ReplyVars, ServerSide};
use std::ffi::CString;
use std::sync::{Arc, OnceLock};

/// How the secret the user holds becomes the HMAC key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretFormat {
    /// The secret's bytes are the HMAC key.
    AsGiven,
    /// The secret is standard base64; its decoded bytes are the HMAC key.
    Base64,
}

/// What the API key must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// Any printable text (sent in a header or a parameter).
    Text,
    /// A UUID such as `12345678-abcd-1234-abcd-50286e649d5c`, whose 16 bytes a recipe may sign.
    Uuid,
}

/// The unit a clock-seeded nonce counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceUnit {
    Seconds,
    Millis,
    /// MtGox `microtime`: seconds followed by six digits of microseconds.
    Micros,
    /// The MtGox Python example's `int(time.time() * 100000)`.
    TenMicros,
}

/// How `{ts}` is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    Millis,
    Seconds,
    Micros,
    /// `2023-11-14T22:22:03.456Z`
    Iso8601,
    /// `2023-11-14T22:22:03` (UTC, no zone)
    Ymdhms,
}

/// How body parameters are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// A compact JSON object of strings, members in order.
    Json,
    /// No body: the parameters travel only inside signed parts (Gemini's payload).
    None,
}

/// Which parameters are sorted by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    None,
    /// The URL query's.
    Query,
    /// The query's and the body's.
    All,
}

/// Where an injected parameter or the signature parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// With the request's parameters (the query for query methods, else the body).
    Params,
    /// Always in the URL query.
    Query,
}

/// The JSON type of an injected parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    String,
    Number,
    Bool,
}

/// A parameter restsign adds to every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inject {
    pub name: String,
    pub(crate) value: Expr,
    pub value_type: ValueType,
    /// Before the caller's parameters (true) or after them.
    pub at_start: bool,
    pub into: Placement,
}

impl Inject {
    /// Whether this parameter carries the nonce and nothing else.
    pub fn is_nonce(&self) -> bool {
        self.value == Expr::Token(Token::Nonce)
    }
}

/// The signature also sent as a parameter, last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureParam {
    pub name: String,
    pub into: Placement,
}

/// Which methods send their parameters in the URL query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Methods {
    All,
    Only(Vec<String>),
}

/// One API's recipe. Immutable once built; shared between signers with an `Arc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    pub name: String,
    /// The same name, NUL-terminated, for the C API.
    pub c_name: CString,
    pub aliases: Vec<String>,
    /// Aliases that send to another host (binanceusdm): each becomes a preset of its own.
    pub variants: Vec<Variant>,
    pub about: String,
    pub hash: Hash,
    pub secret: SecretFormat,
    pub key: KeyFormat,
    pub needs_passphrase: bool,
    pub base_url: String,
    /// `base_url`'s host (and port), for `{host}`.
    pub host: String,
    pub strip_prefix: String,
    pub query_methods: Methods,
    pub body: BodyFormat,
    pub empty_body: Vec<u8>,
    pub space: Space,
    pub sort: Sort,
    pub content_type: bool,
    pub clock: TimeFormat,
    pub clock_offset_s: i64,
    pub nonce_unit: NonceUnit,
    pub inject: Vec<Inject>,
    pub(crate) values: Vec<(String, Expr)>,
    pub(crate) message: Expr,
    pub(crate) signature: Expr,
    pub signature_param: Option<SignatureParam>,
    pub(crate) headers: Vec<(String, Expr)>,
    pub(crate) envelope: Option<Expr>,
    pub key_param: Option<String>,
    pub nonce_optional: bool,
    /// What a server verifying these requests needs: the timestamp window and the exchange's
    /// replies (the `[server]` table).
    pub server: ServerSide,
    /// What the parts use, worked out once when the recipe is built (signing asks on every call).
    pub(crate) traits: Traits,
}

/// An alias of a recipe whose requests go to another host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub base_url: String,
    pub host: String,
}

/// Facts about a recipe's parts that signing needs on every call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Traits {
    pub uses_nonce: bool,
    pub uses_time: bool,
    pub uses_uuid: bool,
    pub uses_json: bool,
    pub signs_nonce_outside_params: bool,
    pub signs_payload_only: bool,
    /// Whether the values or the message read the parameters themselves (not only query or body).
    pub reads_params: bool,
    pub signed_call: bool,
}

impl Recipe {
    /// Parses a recipe from TOML or JSON text (JSON when it starts with `{`).
    pub fn parse(text: &str) -> Result<Recipe, RecipeError> {
        parse::parse(text)
    }

    /// The built-in preset called `name` (or one of its aliases).
    pub fn preset(name: &str) -> Option<Arc<Recipe>> {
        presets().iter().find(|r| r.name == name || r.aliases.iter().any(|a| a == name)).cloned()
    }

    /// Whether a request with this method carries its parameters in the query string.
    pub fn uses_query(&self, method: &str) -> bool {
        match &self.query_methods {
            Methods::All => true,
            Methods::Only(list) => list.iter().any(|m| m.eq_ignore_ascii_case(method)),
        }
    }

    /// The Content-Type header a body method sends, if any.
    pub fn content_type(&self, method: &str) -> Option<&'static str> {
        if !self.content_type || self.uses_query(method) {
            return None;
        }
        match self.body {
            BodyFormat::Json => Some("application/json"),
            BodyFormat::Form => Some("application/x-www-form-urlencoded"),
            BodyFormat::None => None,
        }
    }

    /// Whether any part of the recipe reads `token`.
    pub(crate) fn uses(&self, token: Token) -> bool {
        self.all_parts().any(|e| e.uses(token))
    }

    /// Works out the recipe's [`Traits`] (once, when it is built).
    pub(crate) fn compute_traits(&self) -> Traits {
        let reads_params = self.all_parts().any(Expr::reads_params);
        let (uses_time, uses_uuid) = (self.uses(Token::Ts), self.uses(Token::Uuid));
        Traits {
            uses_nonce: self.uses(Token::Nonce),
            uses_time,
            uses_uuid,
            uses_json: self.all_parts().any(|e| e.any(&|x| matches!(x, Expr::Json(_)))),
            signs_nonce_outside_params: self.nonce_outside_params(),
            signs_payload_only: !uses_time && !uses_uuid && !reads_params && self.inject.iter().all(Inject::is_nonce),
            reads_params,
            signed_call: self.compute_signed_call(),
        }
    }

    /// Whether the nonce is signed or sent other than as an injected parameter (apiauth's header).
    pub fn signs_nonce_outside_params(&self) -> bool {
        self.traits.signs_nonce_outside_params
    }

    fn nonce_outside_params(&self) -> bool {
        self.parts_but_inject().any(|e| e.uses(Token::Nonce))
    }

    /// Every part of the recipe but its injected parameters.
    fn parts_but_inject(&self) -> impl Iterator<Item = &Expr> {
        [&self.message, &self.signature]
            .into_iter()
            .chain(self.values.iter().map(|(_, e)| e))
            .chain(self.headers.iter().map(|(_, e)| e))
            .chain(self.envelope.as_ref())
    }

    /// Every part of the recipe.
    fn all_parts(&self) -> impl Iterator<Item = &Expr> {
        self.parts_but_inject().chain(self.inject.iter().map(|i| &i.value))
    }

    /// Whether any part builds JSON (whose strings must be UTF-8).
    pub(crate) fn uses_json(&self) -> bool {
        self.traits.uses_json
    }

    /// Whether any part signs the UUID key's bytes.
    pub(crate) fn uses_key_uuid(&self) -> bool {
        self.all_parts().any(|e| e.any(&|x| matches!(x, Expr::KeyUuid)))
    }

    /// Whether the recipe draws a nonce.
    pub fn uses_nonce(&self) -> bool {
        self.traits.uses_nonce
    }

    /// Whether the recipe reads the clock.
    pub fn uses_time(&self) -> bool {
        self.traits.uses_time
    }

    /// Whether the recipe draws a random UUID.
    pub fn uses_uuid(&self) -> bool {
        self.traits.uses_uuid
    }

    /// Whether a signature can be made from a method, path and payload alone (the low-level
    /// `sign_into`): no clock, UUID, injected or signature parameters, and nothing read from the
    /// parameters themselves.
    pub fn signs_payload_only(&self) -> bool {
        self.traits.signs_payload_only
    }

    /// Whether the values or the message read the parameters themselves.
    pub(crate) fn reads_params(&self) -> bool {
        self.traits.reads_params
    }

    /// The header whose value is exactly `{token}` (the key, nonce or signature header), for the
    /// verifier.
    pub fn header_carrying(&self, token: &str) -> Option<&str> {
        let want = Token::BUILT_IN.iter().find(|(n, _)| *n == token)?.1;
        self.headers.iter().find(|(_, e)| *e == Expr::Token(want)).map(|(n, _)| n.as_str())
    }

    /// The parameter the nonce travels in, if the recipe injects it as one.
    pub fn nonce_param(&self) -> Option<&Inject> {
        self.inject.iter().find(|i| i.is_nonce())
    }

    /// Whether the signature is the encoding of one binary HMAC tag (and not, say, a whole signed
    /// call), and which encoding.
    pub fn tag_encoding(&self) -> Option<TextEncoding> {
        match &self.signature {
            Expr::Encode(encoding, inner) if **inner == Expr::Token(Token::Tag) => Some(*encoding),
            _ => None,
        }
    }

    /// Whether the signature is MtGox's streaming "signed call": base64(key bytes, tag, payload).
    pub fn is_signed_call(&self) -> bool {
        self.traits.signed_call
    }

    fn compute_signed_call(&self) -> bool {
        match &self.signature {
            Expr::Encode(TextEncoding::Base64, inner) => matches!(
                &**inner,
                Expr::Concat(parts) if matches!(
                    parts.as_slice(),
                    [Expr::KeyUuid, Expr::Token(Token::Tag), Expr::Token(Token::Payload)]
                )
            ),
            _ => false,
        }
    }

    /// The headers whose value includes the signature.
    pub fn signature_headers(&self) -> Vec<&str> {
        self.headers.iter().filter(|(_, e)| e.uses(Token::Signature)).map(|(n, _)| n.as_str()).collect()
    }

    /// Whether the recipe sends any header.
    pub fn has_headers(&self) -> bool {
        !self.headers.is_empty()
    }

    /// The signature text's length for a payload of `payload_len` bytes, when that does not depend
    /// on anything else.
    pub fn signature_len(&self, payload_len: usize) -> Option<usize> {
        if payload_len > usize::MAX / 2 {
            return None;
        }
        let tag = self.hash.tag_len();
        match &self.signature {
            Expr::Encode(encoding, inner) => {
                let raw = match &**inner {
                    Expr::Token(Token::Tag) => tag,
                    Expr::Encode(inner_encoding, tag_only) if **tag_only == Expr::Token(Token::Tag) => {
                        crate::encode::encoded_len(*inner_encoding, tag)
                    }
                    _ if self.is_signed_call() => crate::UUID_LEN + tag + payload_len,
                    _ => return None,
                };
                Some(crate::encode::encoded_len(*encoding, raw))
            }
            _ => None,
        }
    }
}

/// The host (and port) of a base URL `http(s)://host[:port]` with no path, query or user part;
/// None for anything else.
pub(crate) fn base_url_host(url: &str) -> Option<&str> {
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let name_ok =
        |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._[]:".contains(&b));
    // A port, when there is one, is 1 to 65535 (an IPv6 literal keeps its colons inside brackets).
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0) && p.bytes().all(|b| b.is_ascii_digit()));
    (name_ok(name) && port_ok).then_some(host)
}

/// The built-in presets, parsed once on first use.
// Never inlined: the table lives as long as the process, and valgrind's suppression for it
// (tests/c/valgrind.supp) finds it by this function's name, in optimised builds too.
#[inline(never)]
pub fn presets() -> &'static [Arc<Recipe>] {
    static PRESETS: OnceLock<Vec<Arc<Recipe>>> = OnceLock::new();
    PRESETS.get_or_init(|| {
        let mut list = Vec::new();
        for (file, text) in PRESET_SOURCES {
            let recipe = Recipe::parse(text).unwrap_or_else(|e| panic!("preset {file}: {e}"));
            // Each alias on another host is the same recipe under its own name and base URL.
            for variant in &recipe.variants {
                let mut other = recipe.clone();
                other.c_name = CString::new(variant.name.clone()).expect("checked: no NUL in a name");
                other.name = variant.name.clone();
                other.about = format!("{} (as {}, on {})", recipe.about, recipe.name, variant.host);
                (other.base_url, other.host) = (variant.base_url.clone(), variant.host.clone());
                (other.aliases, other.variants) = (Vec::new(), Vec::new());
                list.push(Arc::new(other));
            }
            list.insert(list.len() - recipe.variants.len(), Arc::new(recipe));
        }
        list
    })
}

// The seed schemes first, in the order the C API has always listed them.
include!(concat!(env!("OUT_DIR"), "/presets.rs"));
