//! Property tests: the encoders and the signer against references written here from the
//! definitions (RFC 2104 HMAC over the bare SHA-2 hash, RFC 4648 base64, the form-encoding table),
//! on inputs proptest chooses.

mod support;

use proptest::prelude::*;
use restsign::encode::TextEncoding;
use restsign::encode::{encode_pieces, encoded_len, form_escape_into};
use restsign::recipe::{Hash, Recipe};
use restsign::{Message, Received, Request, Signer, Verdict, Verifier};
use sha2::{Digest, Sha256, Sha384, Sha512};
use support::SEEDS;

/// HMAC as RFC 2104 defines it: H((K ^ opad) || H((K ^ ipad) || m)), K hashed if longer than a block.
fn textbook_hmac(hash: Hash, key: &[u8], msg: &[u8]) -> Vec<u8> {
    fn run<D: Digest>(block: usize, key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut k = if key.len() > block { D::digest(key).to_vec() } else { key.to_vec() };
        k.resize(block, 0);
        let inner = D::new().chain_update(k.iter().map(|b| b ^ 0x36).collect::<Vec<_>>()).chain_update(msg).finalize();
        D::new().chain_update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<_>>()).chain_update(inner).finalize().to_vec()
    }
    match hash {
        Hash::Sha256 => run::<Sha256>(64, key, msg),
        Hash::Sha384 => run::<Sha384>(128, key, msg),
        Hash::Sha512 => run::<Sha512>(128, key, msg),
    }
}

/// RFC 4648 base64, padded, written out longhand.
fn textbook_base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn textbook_hex(data: &[u8], upper: bool) -> String {
    data.iter().map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") }).collect()
}

fn uuid_text(bytes: &[u8; 16]) -> String {
    let h = textbook_hex(bytes, false);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn base64_of_pieces_is_base64_of_their_concatenation(a in any::<Vec<u8>>(), b in any::<Vec<u8>>(), c in any::<Vec<u8>>()) {
        let whole: Vec<u8> = [&a[..], &b[..], &c[..]].concat();
        let mut out = vec![0; encoded_len(TextEncoding::Base64, whole.len())];
        let n = encode_pieces(TextEncoding::Base64, &[&a, &b, &c], &mut out);
        prop_assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), textbook_base64(&whole));
    }

    #[test]
    fn hex_matches_the_textbook(data in any::<Vec<u8>>(), upper in any::<bool>()) {
        let encoding = if upper { TextEncoding::HexUpper } else { TextEncoding::HexLower };
        let mut out = vec![0; encoded_len(encoding, data.len())];
        let n = encode_pieces(encoding, &[&data], &mut out);
        prop_assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), textbook_hex(&data, upper));
    }

    #[test]
    fn form_escape_follows_the_table(data in any::<Vec<u8>>()) {
        let mut got = Vec::new();
        form_escape_into(&data, &mut got);
        let want: String = data.iter().map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        }).collect();
        prop_assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn every_scheme_signs_as_its_recipe_says(
        scheme_index in 0..SEEDS.len(),
        key_bytes in any::<[u8; 16]>(),
        key_text in "[!-~]{1,80}",
        secret in proptest::collection::vec(any::<u8>(), 1..300),
        // Paths are refused when they hold control bytes, spaces or DEL (they would split the request line).
        path in proptest::collection::vec(0x21u8..0x7f, 0..60),
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        nonce in 1..=i64::MAX as u64,
    ) {
        let scheme = &*Recipe::preset(SEEDS[scheme_index]).unwrap();
        let key = if scheme.name.as_str() == "mtgox-stream" { uuid_text(&key_bytes) } else { key_text };
        let base64_secret = scheme.name.starts_with("mtgox");
        let given_secret = if base64_secret { textbook_base64(&secret).into_bytes() } else { secret.clone() };
        let signer = Signer::new(&scheme.name, key.as_bytes(), &given_secret).unwrap();
        let sig = signer.sign(&Message { method: "POST", path: &path, payload: &payload, nonce }).unwrap();

        // The recipe, spelled out per scheme as SCHEMES.md states it.
        let msg: Vec<u8> = match scheme.name.as_str() {
            "apiauth" => [nonce.to_string().as_bytes(), key.as_bytes(), &path, &payload].concat(),
            "mtgox-v2" => [&path[..], b"\0", &payload].concat(),
            _ => payload.clone(),
        };
        let tag = textbook_hmac(scheme.hash, &secret, &msg);
        let want = match scheme.name.as_str() {
            "apiauth" => textbook_hex(&tag, true),
            "mtgox-v1" | "mtgox-v2" => textbook_base64(&tag),
            "mtgox-stream" => textbook_base64(&[&key_bytes[..], &tag, &payload].concat()),
            _ => textbook_hex(&tag, false),
        };
        prop_assert_eq!(sig, want);
    }

    #[test]
    fn the_verifier_never_accepts_a_changed_request(
        scheme_index in 0..SEEDS.len(),
        params in proptest::collection::vec(("[a-z]{1,6}", "[ -~]{0,12}"), 0..4),
        nonce in 1..i64::MAX as u64,
        target in 0..3usize,
        position in any::<proptest::sample::Index>(),
        flip in 1..=255u8,
    ) {
        let scheme = &*Recipe::preset(SEEDS[scheme_index]).unwrap();
        let key: &[u8] = if scheme.name.as_str() == "mtgox-stream" { b"12345678-abcd-1234-abcd-50286e649d5c" } else { b"prop-key" };
        let secret: &[u8] = if scheme.name.starts_with("mtgox") { b"c2VjcmV0IGtleSBmb3IgcHJvcHM=" } else { b"secret key for props" };
        let signer = Signer::new(&scheme.name, key, secret).unwrap();
        let method = if scheme.uses_query("GET") { "GET" } else { "POST" };
        let path: &[u8] = if scheme.name.as_str() == "mtgox-v2" { b"/api/2/BTCUSD/money/info" } else { b"/api/x/" };
        let mut request = Request::new(method, path);
        if let Some(field) = &scheme.key_param {
            request.param(field.as_bytes(), key);
        }
        for (name, value) in &params {
            prop_assume!(!["nonce", "tonce", "key"].contains(&name.as_str()));
            request.param(name.as_bytes(), value.as_bytes());
        }
        let signed = signer.sign_request_with_nonce(&request, nonce).unwrap();
        let payload = match scheme.name.as_str() {
            "mtgox-stream" => signed.signature.as_bytes().to_vec(),
            _ if signed.query.is_empty() => signed.body.clone(),
            _ => signed.query.clone(),
        };
        let verdict = |path: &[u8], payload: &[u8], headers: &[u8]| {
            let verifier = Verifier::new(&scheme.name).unwrap();
            verifier.add_key(key, secret).unwrap();
            Received::new(method, path, payload)
                .with_header_block(scheme, headers)
                .map(|received| verifier.check(&received).unwrap())
        };
        let original = verdict(path, &payload, &signed.header_block);
        prop_assert!(original.as_ref().is_ok_and(Verdict::is_valid), "refused the signed request: {:?}", original);

        // Change one byte of the payload, the signature, or a signed path. (Header framing is not
        // fair game: a tab for the space after a colon is the same header in HTTP.)
        let (mut path, mut payload, mut signature) = (path.to_vec(), payload, signed.signature.clone().into_bytes());
        let path_signed = matches!(scheme.name.as_str(), "apiauth" | "mtgox-v2");
        let has_headers = !signed.header_block.is_empty();
        let is_signature = match target {
            0 if !payload.is_empty() => false,
            2 if path_signed => false,
            _ => has_headers,
        };
        let victim: &mut Vec<u8> = match target {
            0 if !payload.is_empty() => &mut payload,
            2 if path_signed => &mut path,
            _ if has_headers => &mut signature,
            _ => &mut payload, // mtgox-stream: no headers, the signed call is the payload
        };
        let at = position.index(victim.len());
        let before = victim[at];
        victim[at] ^= flip;
        // A hex tag is accepted in either case, so a change of letter case alone is no change.
        let case_only = victim[at].eq_ignore_ascii_case(&before) && victim[at].is_ascii_alphabetic();
        prop_assume!(!case_only);
        // Nor, in a base64 tag, is a space or line break, or its padding: the tag decodes the same.
        let base64 = matches!(scheme.tag_encoding(), Some(TextEncoding::Base64 | TextEncoding::Base64Url));
        prop_assume!(!(is_signature && base64 && (victim[at].is_ascii_whitespace() || before == b'=')));
        let headers = String::from_utf8_lossy(&signed.header_block)
            .replace(&signed.signature, &String::from_utf8_lossy(&signature))
            .into_bytes();
        let changed = verdict(&path, &payload, &headers);
        prop_assert!(!changed.as_ref().is_ok_and(Verdict::is_valid), "accepted a changed request: {:?}", changed);
    }
}
