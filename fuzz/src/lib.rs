//! Reference implementations the fuzz targets hold restsign to. Written from the specifications
//! (RFC 4648, the form-encoding rule and ../shared/SCHEMES.md) in the plainest way, with OpenSSL
//! for HMAC and base64 output, so that they share no code with restsign.

use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};

/// Strict RFC 4648 base64 (standard alphabet, padded to a multiple of 4, unused bits zero).
pub fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let quads = text.len() / 4;
    let mut out = Vec::new();
    for (i, quad) in text.chunks(4).enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - pad] {
            bits = bits << 6 | value(c)?;
        }
        bits <<= 6 * pad;
        let bytes = &bits.to_be_bytes()[1..];
        let keep = 3 - pad;
        if bytes[keep..].iter().any(|&b| b != 0) {
            return None; // non-zero bits after the last byte: not the canonical encoding
        }
        out.extend_from_slice(&bytes[..keep]);
    }
    Some(out)
}

/// Padded standard base64, one line (OpenSSL's EVP_EncodeBlock).
pub fn base64_encode(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}

pub fn hex(bytes: &[u8], upper: bool) -> String {
    bytes.iter().map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") }).collect()
}

/// `application/x-www-form-urlencoded` as SCHEMES.md settles it: `A-Z a-z 0-9 - . _ ~` kept,
/// space as `+`, every other byte `%XX` in upper-case hex; pairs joined by `&`, in order.
pub fn form_encode(params: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    fn escape(bytes: &[u8]) -> String {
        let mut s = String::new();
        for &b in bytes {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                s.push(b as char);
            } else if b == b' ' {
                s.push('+');
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
        s
    }
    let pairs: Vec<String> = params.iter().map(|(n, v)| format!("{}={}", escape(n), escape(v))).collect();
    pairs.join("&").into_bytes()
}

pub fn hmac(sha512: bool, key: &[u8], message: &[u8]) -> Vec<u8> {
    let md = if sha512 { MessageDigest::sha512() } else { MessageDigest::sha256() };
    let key = PKey::hmac(key).unwrap();
    let mut signer = Signer::new(md, &key).unwrap();
    signer.update(message).unwrap();
    signer.sign_to_vec().unwrap()
}

/// `12345678-abcd-1234-abcd-50286e649d5c` (either case) as its 16 bytes.
pub fn parse_uuid(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    let groups: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lens != [8, 4, 4, 4, 12] || !groups.concat().bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digits = groups.concat();
    (0..16).map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()).collect()
}

/// What the caller of `restsign_signer_new` handed over, as the scheme reads it.
pub struct Credential<'a> {
    pub scheme: &'a str,
    pub key: &'a [u8],
    /// The HMAC key: the secret, or its base64 decoding for the MtGox schemes.
    pub hmac_key: Vec<u8>,
}

pub const SCHEME_NAMES: [&str; 7] =
    ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"];

/// Why `restsign_signer_new` must refuse these inputs (all reasons that apply), or the credential.
pub fn check_credential<'a>(
    scheme: &'a str,
    key: &'a [u8],
    secret: &[u8],
) -> Result<Credential<'a>, Vec<&'static str>> {
    if !SCHEME_NAMES.contains(&scheme) {
        return Err(vec!["unknown scheme"]);
    }
    let mut why = Vec::new();
    let mtgox = scheme.starts_with("mtgox-");
    if scheme == "mtgox-stream" {
        if parse_uuid(key).is_none() {
            why.push("key not uuid");
        }
    } else if key.is_empty() || key.iter().any(|&b| b < 0x20 || b == 0x7f) {
        why.push("invalid key");
    }
    let hmac_key = if mtgox { base64_decode(secret) } else { Some(secret.to_vec()) };
    match &hmac_key {
        _ if secret.is_empty() => why.push("empty secret"),
        None => why.push("secret not base64"),
        Some(k) if k.is_empty() => why.push("empty secret"),
        Some(_) => {}
    }
    if why.is_empty() { Ok(Credential { scheme, key, hmac_key: hmac_key.unwrap() }) } else { Err(why) }
}

/// An HTTP token (RFC 9110 `tchar`s), as a method must be.
pub fn is_token(method: &[u8]) -> bool {
    !method.is_empty() && method.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The signature text `restsign_signer_sign_into` must write, per SCHEMES.md.
pub fn signature(c: &Credential<'_>, path: &[u8], payload: &[u8], nonce: u64) -> String {
    let k = &c.hmac_key;
    match c.scheme {
        "apiauth" => {
            let message = [nonce.to_string().as_bytes(), c.key, path, payload].concat();
            hex(&hmac(false, k, &message), true)
        }
        "poloniex" | "coinpayments" => hex(&hmac(true, k, payload), false),
        "viabtc" => hex(&hmac(false, k, payload), false),
        "mtgox-v1" => base64_encode(&hmac(true, k, payload)),
        "mtgox-v2" => base64_encode(&hmac(true, k, &[path, b"\0", payload].concat())),
        "mtgox-stream" => {
            base64_encode(&[parse_uuid(c.key).unwrap(), hmac(true, k, payload), payload.to_vec()].concat())
        }
        other => unreachable!("{other}"),
    }
}

/// The header block `restsign_signer_headers_into` must write, or None for a scheme without headers.
pub fn headers(c: &Credential<'_>, method: &str, path: &[u8], payload: &[u8], nonce: u64) -> Option<Vec<u8>> {
    let sig = signature(c, path, payload, nonce);
    let mut lines: Vec<(&str, Vec<u8>)> = match c.scheme {
        "apiauth" => vec![
            ("Apiauth-Key", c.key.to_vec()),
            ("Apiauth-Nonce", nonce.to_string().into_bytes()),
            ("Apiauth-Signature", sig.into_bytes()),
        ],
        "poloniex" => vec![("Key", c.key.to_vec()), ("Sign", sig.into_bytes())],
        "mtgox-v1" | "mtgox-v2" => vec![("Rest-Key", c.key.to_vec()), ("Rest-Sign", sig.into_bytes())],
        "coinpayments" => vec![("HMAC", sig.into_bytes())],
        "viabtc" => vec![("X-API-KEY", c.key.to_vec()), ("X-SIGNATURE", sig.into_bytes())],
        "mtgox-stream" => return None,
        other => unreachable!("{other}"),
    };
    // viabtc sends JSON bodies, except for the methods whose parameters go in the query string.
    let query_method = ["GET", "HEAD", "DELETE"].iter().any(|m| m.eq_ignore_ascii_case(method));
    if c.scheme == "viabtc" && !query_method {
        lines.push(("Content-Type", b"application/json".to_vec()));
    }
    let mut block = Vec::new();
    for (name, value) in lines {
        block.extend_from_slice(name.as_bytes());
        block.extend_from_slice(b": ");
        block.extend_from_slice(&value);
        block.extend_from_slice(b"\r\n");
    }
    Some(block)
}
