//! The whole-request verifier (`Verifier::check_request`) on arbitrary requests for presets that
//! read a request in every way the recipes allow: a signature parameter and injected timestamp
//! (binance), a nonce and base64 secret (kraken), an ISO timestamp and passphrase (okx), a JWT
//! with a computed query hash (upbit), a base64 JSON payload header (gemini), a JSON envelope
//! (cryptocom) and a signed passphrase (kucoin). Two kinds of input: raw bytes split into method,
//! target, header block and body; and a request restsign signed for the known key, then edited
//! byte by byte (so the fuzzer starts deep inside every template, not at "missing header").
//!
//! Never a panic. And whenever a request is accepted, checking it again is a replay
//! (`StaleNonce` or `Replayed`), never a second `Valid`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use restsign::recipe::{KeyFormat, Recipe, SecretFormat};
use restsign::verify::{Incoming, Verdict, Verifier};
use restsign::{Request, Signer, SignerOptions};
use std::sync::Arc;

const PRESETS: [&str; 7] = ["binance", "kraken", "okx", "upbit", "gemini", "cryptocom", "kucoin"];
const NOW_MS: u64 = 1_700_000_000_000;
const PASSPHRASE: &[u8] = b"pass phrase";

#[derive(Arbitrary, Debug)]
struct Input {
    preset: u8,
    request: Shape,
}

#[derive(Arbitrary, Debug)]
enum Shape {
    /// Bytes as they come.
    Raw { method: String, target: Vec<u8>, headers: Vec<u8>, body: Vec<u8> },
    /// A correctly signed request (GET or POST, these parameters, this clock offset and nonce),
    /// then these edits.
    Signed { get: bool, params: Vec<(String, String)>, skew_ms: i32, nonce: u32, edits: Vec<Edit> },
}

#[derive(Arbitrary, Debug)]
struct Edit {
    /// 0: target, 1: header block, 2: body, else: method.
    part: u8,
    at: u16,
    /// 0: replace, 1: insert, 2: delete, 3: cut off here.
    op: u8,
    byte: u8,
}

fn credentials(recipe: &Recipe) -> (&'static [u8], &'static [u8]) {
    let key: &[u8] = match recipe.key {
        KeyFormat::Uuid => b"12345678-abcd-1234-abcd-50286e649d5c",
        KeyFormat::Text => b"fuzz-key",
    };
    let secret: &[u8] = match recipe.secret {
        SecretFormat::Base64 => b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        SecretFormat::AsGiven => b"fuzz-secret",
    };
    (key, secret)
}

/// What `Signed` sends: method, target, header block, body.
fn signed(recipe: &Arc<Recipe>, get: bool, params: &[(String, String)], skew_ms: i32, nonce: u32) -> Option<Sent> {
    let (key, secret) = credentials(recipe);
    let passphrase = recipe.needs_passphrase.then(|| zeroize::Zeroizing::new(PASSPHRASE.to_vec()));
    let signer = Signer::with_recipe(recipe.clone(), key, secret, SignerOptions { passphrase, ..Default::default() })
        .expect("the fuzz credentials suit every preset");
    let method = if get { "GET" } else { "POST" };
    let mut request = Request::new(method, "/api/v1/order");
    for (name, value) in params.iter().take(8) {
        request.param(name.as_bytes(), value.as_bytes());
    }
    request.time_ms(NOW_MS.saturating_add_signed(i64::from(skew_ms)));
    // Parameters the recipe refuses (a nonce name of its own, bytes a header cannot carry) are
    // errors, not requests.
    let signed = signer.sign_request_with_nonce(&request, u64::from(nonce).max(1)).ok()?;
    let mut headers = Vec::new();
    for (name, value) in signed.headers() {
        headers.extend_from_slice(name);
        headers.extend_from_slice(b": ");
        headers.extend_from_slice(value);
        headers.extend_from_slice(b"\r\n");
    }
    Some(Sent {
        method: method.as_bytes().to_vec(),
        target: signed.path_and_query(),
        headers,
        body: signed.body.clone(),
    })
}

struct Sent {
    method: Vec<u8>,
    target: Vec<u8>,
    headers: Vec<u8>,
    body: Vec<u8>,
}

impl Sent {
    fn edit(&mut self, edit: &Edit) {
        let text = match edit.part {
            0 => &mut self.target,
            1 => &mut self.headers,
            2 => &mut self.body,
            _ => &mut self.method,
        };
        let at = usize::from(edit.at) % (text.len() + 1);
        match edit.op % 4 {
            0 if at < text.len() => text[at] = edit.byte,
            1 => text.insert(at, edit.byte),
            2 if at < text.len() => {
                text.remove(at);
            }
            3 => text.truncate(at),
            _ => {}
        }
    }
}

fuzz_target!(|input: Input| {
    let name = PRESETS[usize::from(input.preset) % PRESETS.len()];
    let recipe = Recipe::preset(name).expect("a preset");
    let sent = match &input.request {
        Shape::Raw { method, target, headers, body } => Sent {
            method: method.as_bytes().to_vec(),
            target: target.clone(),
            headers: headers.clone(),
            body: body.clone(),
        },
        Shape::Signed { get, params, skew_ms, nonce, edits } => {
            let Some(mut sent) = signed(&recipe, *get, params, *skew_ms, *nonce) else { return };
            for edit in edits.iter().take(16) {
                sent.edit(edit);
            }
            sent
        }
    };

    let (key, secret) = credentials(&recipe);
    let verifier = Verifier::with_recipe(recipe.clone()).unwrap().with_clock(|| NOW_MS).with_seen_capacity(64);
    let passphrase: &[u8] = if recipe.needs_passphrase { PASSPHRASE } else { b"" };
    verifier.add_key_with_passphrase(key, secret, passphrase).unwrap();

    // The method is text for the verifier; an edit may have broken its UTF-8.
    let Ok(method) = std::str::from_utf8(&sent.method) else { return };
    let Ok(incoming) = Incoming::new(method, &sent.target, &sent.body).header_block(&sent.headers) else { return };
    let Ok(first) = verifier.check_request(&incoming) else { return };
    if first.is_valid() {
        let again = verifier.check_request(&incoming);
        assert!(
            matches!(again, Ok(Verdict::StaleNonce { .. } | Verdict::Replayed { .. })),
            "{name}: accepted twice: {first:?}, then {again:?}"
        );
    }
});
