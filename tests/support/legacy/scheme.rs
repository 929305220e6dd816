#![allow(dead_code)]
//! The signing recipes, as data.
//!
//! Every API restsign speaks is one [`Scheme`] value in [`SCHEMES`]: which bytes are signed, with
//! which HMAC, how the secret and key are decoded, how the tag is written, and where the key, nonce
//! and signature travel. The engine in [`crate::signer`] follows a recipe; it has no per-API code.
//! Adding an API is adding an entry here (see `../shared/SCHEMES.md` for the table these came from).

/// The hash under the HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    /// Length of the binary HMAC tag in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha512 => 64,
        }
    }
}

/// How the secret the user holds becomes the HMAC key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretFormat {
    /// The secret's bytes are the HMAC key.
    AsGiven,
    /// The secret is standard base64 (MtGox); its decoded bytes are the HMAC key.
    Base64,
}

/// What the API key must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// Any printable text (sent in a header or a body field).
    Text,
    /// A UUID such as `12345678-abcd-1234-abcd-50286e649d5c`, whose 16 bytes go into the signature.
    Uuid,
}

/// One piece of the signed message; a recipe lists them in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The nonce in decimal ASCII.
    Nonce,
    /// The API key as given.
    Key,
    /// The endpoint path, as the scheme signs it.
    Path,
    /// One NUL byte.
    Nul,
    /// The exact payload bytes sent (body, query string or JSON).
    Payload,
}

/// The bytes the signature text encodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Just the HMAC tag.
    Tag,
    /// The 16 key bytes, the binary tag, then the payload: MtGox's streaming "signed call".
    KeyTagPayload,
}

pub use restsign::encode::TextEncoding;

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

/// Where the nonce travels in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoncePlace {
    /// A parameter of the payload (form field, query field or JSON member).
    Field(&'static str),
    /// An HTTP header of its own.
    Header(&'static str),
}

/// How a request's parameters become the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// A JSON object; sent with `Content-Type: application/json`.
    Json,
}

/// Names of the HTTP headers a scheme sends (None: not sent as a header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderNames {
    pub key: Option<&'static str>,
    pub nonce: Option<&'static str>,
    pub signature: Option<&'static str>,
}

/// One API's recipe.
#[derive(Debug, PartialEq, Eq)]
pub struct Scheme {
    /// The name callers use (`"mtgox-v2"`).
    pub name: &'static str,
    /// The same name, NUL-terminated, for the C API's scheme list.
    pub c_name: &'static std::ffi::CStr,
    pub hash: Hash,
    pub secret: SecretFormat,
    pub key: KeyFormat,
    /// The signed message, piece by piece.
    pub message: &'static [Part],
    pub framing: Framing,
    pub encoding: TextEncoding,
    pub headers: HeaderNames,
    pub nonce_place: NoncePlace,
    pub nonce_unit: NonceUnit,
    /// Methods whose parameters go in the query string; all others send a body.
    pub query_methods: &'static [&'static str],
    pub body: BodyFormat,
    /// Stripped from the URL path to get the signed path (MtGox v2 signs what follows `/api/2/`).
    pub signed_path_prefix: &'static str,
    /// The payload field carrying the API key when no header does (CoinPayments' `key`).
    pub key_field: Option<&'static str>,
    /// The API documents the nonce as optional: a verifier accepts requests without one until the
    /// key first uses a nonce (CoinPayments).
    pub nonce_optional: bool,
}

const NO_HEADERS: HeaderNames = HeaderNames { key: None, nonce: None, signature: None };

/// Every scheme restsign speaks.
pub static SCHEMES: &[Scheme] = &[
    Scheme {
        name: "apiauth",
        c_name: c"apiauth",
        hash: Hash::Sha256,
        secret: SecretFormat::AsGiven,
        key: KeyFormat::Text,
        message: &[Part::Nonce, Part::Key, Part::Path, Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::HexUpper,
        headers: HeaderNames {
            key: Some("Apiauth-Key"),
            nonce: Some("Apiauth-Nonce"),
            signature: Some("Apiauth-Signature"),
        },
        nonce_place: NoncePlace::Header("Apiauth-Nonce"),
        nonce_unit: NonceUnit::Millis,
        query_methods: &["GET", "HEAD", "DELETE"],
        body: BodyFormat::Form,
        signed_path_prefix: "",
        key_field: None,
        nonce_optional: false,
    },
    Scheme {
        name: "poloniex",
        c_name: c"poloniex",
        hash: Hash::Sha512,
        secret: SecretFormat::AsGiven,
        key: KeyFormat::Text,
        message: &[Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::HexLower,
        headers: HeaderNames { key: Some("Key"), nonce: None, signature: Some("Sign") },
        nonce_place: NoncePlace::Field("nonce"),
        nonce_unit: NonceUnit::Millis,
        query_methods: &[],
        body: BodyFormat::Form,
        signed_path_prefix: "",
        key_field: None,
        nonce_optional: false,
    },
    Scheme {
        name: "mtgox-v1",
        c_name: c"mtgox-v1",
        hash: Hash::Sha512,
        secret: SecretFormat::Base64,
        key: KeyFormat::Text,
        message: &[Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::Base64,
        headers: HeaderNames { key: Some("Rest-Key"), nonce: None, signature: Some("Rest-Sign") },
        nonce_place: NoncePlace::Field("nonce"),
        nonce_unit: NonceUnit::Micros,
        query_methods: &[],
        body: BodyFormat::Form,
        signed_path_prefix: "",
        key_field: None,
        nonce_optional: false,
    },
    Scheme {
        name: "mtgox-v2",
        c_name: c"mtgox-v2",
        hash: Hash::Sha512,
        secret: SecretFormat::Base64,
        key: KeyFormat::Text,
        message: &[Part::Path, Part::Nul, Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::Base64,
        headers: HeaderNames { key: Some("Rest-Key"), nonce: None, signature: Some("Rest-Sign") },
        nonce_place: NoncePlace::Field("nonce"),
        nonce_unit: NonceUnit::Micros,
        query_methods: &[],
        body: BodyFormat::Form,
        signed_path_prefix: "/api/2/",
        key_field: None,
        nonce_optional: false,
    },
    Scheme {
        name: "mtgox-stream",
        c_name: c"mtgox-stream",
        hash: Hash::Sha512,
        secret: SecretFormat::Base64,
        key: KeyFormat::Uuid,
        message: &[Part::Payload],
        framing: Framing::KeyTagPayload,
        encoding: TextEncoding::Base64,
        headers: NO_HEADERS,
        nonce_place: NoncePlace::Field("nonce"),
        nonce_unit: NonceUnit::Micros,
        query_methods: &[],
        body: BodyFormat::Json,
        signed_path_prefix: "",
        key_field: None,
        nonce_optional: false,
    },
    Scheme {
        name: "coinpayments",
        c_name: c"coinpayments",
        hash: Hash::Sha512,
        secret: SecretFormat::AsGiven,
        key: KeyFormat::Text,
        message: &[Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::HexLower,
        // The public key travels in the body as `key`, not in a header.
        headers: HeaderNames { key: None, nonce: None, signature: Some("HMAC") },
        nonce_place: NoncePlace::Field("nonce"),
        nonce_unit: NonceUnit::Millis,
        query_methods: &[],
        body: BodyFormat::Form,
        signed_path_prefix: "",
        key_field: Some("key"),
        nonce_optional: true,
    },
    Scheme {
        name: "viabtc",
        c_name: c"viabtc",
        hash: Hash::Sha256,
        secret: SecretFormat::AsGiven,
        key: KeyFormat::Text,
        message: &[Part::Payload],
        framing: Framing::Tag,
        encoding: TextEncoding::HexLower,
        headers: HeaderNames { key: Some("X-API-KEY"), nonce: None, signature: Some("X-SIGNATURE") },
        nonce_place: NoncePlace::Field("tonce"),
        nonce_unit: NonceUnit::Millis,
        query_methods: &["GET", "HEAD", "DELETE"],
        body: BodyFormat::Json,
        signed_path_prefix: "",
        key_field: None,
        nonce_optional: false,
    },
];

impl Scheme {
    /// The scheme called `name`, if restsign knows it.
    pub fn by_name(name: &str) -> Option<&'static Scheme> {
        SCHEMES.iter().find(|s| s.name == name)
    }

    /// Whether a request with this method carries its parameters in the query string.
    pub fn uses_query(&self, method: &str) -> bool {
        self.query_methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    }

    /// The Content-Type a request with this method needs in its headers, if the scheme names one.
    pub fn content_type(&self, method: &str) -> Option<&'static str> {
        match self.body {
            BodyFormat::Json if !self.uses_query(method) && self.headers.signature.is_some() => {
                Some("application/json")
            }
            _ => None,
        }
    }

    /// Length of the binary data the signature text encodes, for a payload of `payload_len` bytes.
    pub const fn framed_len(&self, payload_len: usize) -> usize {
        match self.framing {
            Framing::Tag => self.hash.tag_len(),
            Framing::KeyTagPayload => restsign::UUID_LEN + self.hash.tag_len() + payload_len,
        }
    }

    /// Length of the signature text for a payload of `payload_len` bytes (no NUL), or None if it
    /// would not fit in `usize`.
    pub fn signature_len(&self, payload_len: usize) -> Option<usize> {
        if payload_len > usize::MAX / 2 {
            return None;
        }
        Some(restsign::encode::encoded_len(self.encoding, self.framed_len(payload_len)))
    }
}
