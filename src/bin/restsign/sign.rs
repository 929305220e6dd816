//! `restsign sign`: build and sign a request, print it as text, a curl command line or JSON.

use crate::{Failure, Format, SignArgs, usage};
use restsign::nonce::{self, ClockNonce};
use restsign::recipe::Recipe;
use restsign::{Request, SignedRequest, Signer, SignerOptions};
use serde_json::{Value, json};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use zeroize::Zeroizing;

pub(crate) fn sign(args: SignArgs) -> Result<ExitCode, Failure> {
    let recipe = args.recipe.load()?;
    let secret = Zeroizing::new(args.secret.read()?);
    let passphrase = args.passphrase.read()?.map(Zeroizing::new);
    let key = args.key.as_bytes();
    // Recipes without a base URL of their own (the seed schemes) go to the local exchange.
    let base_url = args.base_url.clone().or_else(|| recipe.base_url.is_empty().then(|| LOCAL_EXCHANGE.to_owned()));
    let options = SignerOptions { passphrase, nonce: None, base_url };
    let mut signer = Signer::with_recipe(recipe.clone(), key, &secret, options).map_err(usage)?;
    let mut request = Request::new(&args.method, args.path.as_bytes());
    for param in &args.params {
        let (name, value) =
            param.split_once('=').ok_or_else(|| usage(format!("--param {param:?} is not NAME=VALUE")))?;
        request.param(name, value);
    }
    if let Some(body) = &args.body {
        request.raw_body(body.as_bytes());
    }
    if let Some(json) = &args.json {
        request.json_body(json.as_bytes());
    }
    if let Some(ms) = args.time {
        request.time_ms(ms);
    }
    if let Some(uuid) = &args.uuid {
        request.uuid(uuid.as_bytes()).map_err(|e| usage(format!("--uuid {uuid:?}: {e}")))?;
    }
    let signed = match args.nonce {
        Some(n) => signer.sign_request_with_nonce(&request, n).map_err(usage)?,
        None if args.nonce_redis.is_some() && recipe.uses_nonce() => {
            let url = args.nonce_redis.as_deref().unwrap_or_default();
            signer = signer.with_nonce_source(crate::redis_nonce(url, key, recipe.nonce_unit)?);
            signer.sign_request(&request).map_err(|e| match e {
                e if crate::is_redis(e) => Failure::Runtime(format!("--nonce-redis: {e}")),
                e => usage(e),
            })?
        }
        None => {
            // Each run is a new process: only the shared state file keeps two runs in one
            // millisecond from drawing the same nonce.
            if recipe.uses_nonce() {
                let path = args.nonce_file.clone().unwrap_or_else(|| nonce::default_state_path(key, recipe.nonce_unit));
                let source = ClockNonce::shared_file(&path, key, recipe.nonce_unit)
                    .map_err(|e| Failure::Runtime(format!("nonce state {}: {e}", path.display())))?;
                signer = signer.with_nonce_source(Arc::new(source));
            }
            signer.sign_request(&request).map_err(usage)?
        }
    };
    let out = match args.format {
        Format::Text => text_form(&recipe, &signed),
        Format::Curl => curl_form(&recipe, &signed)?,
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&json_form(&recipe, &signed)).expect("JSON");
            text.push('\n');
            text.into_bytes()
        }
    };
    std::io::stdout().write_all(&out).map_err(|e| Failure::Runtime(format!("stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Where requests of recipes without a base URL go: `restsign serve`'s default address.
const LOCAL_EXCHANGE: &str = "http://127.0.0.1:8080";

/// What goes on the wire as the body: the signed call for mtgox-stream, else the body.
fn wire_body<'a>(scheme: &Recipe, signed: &'a SignedRequest) -> &'a [u8] {
    if scheme.is_signed_call() { signed.signature.as_bytes() } else { &signed.body }
}

fn text_form(scheme: &Recipe, signed: &SignedRequest) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(signed.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(&signed.path_and_query());
    out.push(b'\n');
    for line in signed.header_lines() {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(wire_body(scheme, signed));
    out.push(b'\n');
    out
}

/// `text` quoted for sh: inside single quotes everything is literal except `'` itself.
fn sh_quote(text: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in text {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

fn curl_form(scheme: &Recipe, signed: &SignedRequest) -> Result<Vec<u8>, Failure> {
    let body = wire_body(scheme, signed);
    if body.contains(&0) || signed.header_block.contains(&0) {
        return Err(usage("the request contains a NUL byte, which a command line cannot carry: use --format json"));
    }
    // -g: no URL globbing ([ ] { } are literal); --path-as-is: no /../ squashing.
    let mut out = b"curl -sS -g --path-as-is -X ".to_vec();
    out.extend_from_slice(&sh_quote(signed.method.as_bytes()));
    for line in signed.header_lines() {
        out.extend_from_slice(b" -H ");
        out.extend_from_slice(&sh_quote(line));
    }
    if !body.is_empty() {
        // --data-binary sends the bytes exactly (-d would strip newlines).
        out.extend_from_slice(b" --data-binary ");
        out.extend_from_slice(&sh_quote(body));
    }
    out.push(b' ');
    out.extend_from_slice(&sh_quote(&signed.url));
    out.push(b'\n');
    Ok(out)
}

fn json_form(scheme: &Recipe, signed: &SignedRequest) -> Value {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let headers: Vec<Value> = signed
        .header_lines()
        .map(|line| {
            let line = text(line);
            let (name, value) = line.split_once(": ").unwrap_or((&line, ""));
            json!([name, value])
        })
        .collect();
    let body = wire_body(scheme, signed);
    let mut out = json!({
        "method": signed.method,
        "url": text(&signed.url),
        "path": text(&signed.path),
        "query": text(&signed.query),
        "headers": headers,
        "nonce": signed.nonce,
        "signature": signed.signature,
    });
    match std::str::from_utf8(body) {
        Ok(body) => out["body"] = json!(body),
        Err(_) => {
            use base64::Engine as _;
            out["body_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
        }
    }
    out
}
