//! `restsign verify`: check one request given on the command line.

use crate::{Failure, VerifyArgs, usage};
use restsign::verify::{Received, Verdict, Verifier};
use std::process::ExitCode;

pub(crate) fn verify(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let scheme = args.recipe.load()?;
    let secret = zeroize::Zeroizing::new(args.secret.read()?);
    let mut verifier = Verifier::with_recipe(scheme.clone()).map_err(usage)?;
    if let Some(url) = &args.replay_redis {
        verifier = crate::with_redis_replay(verifier, url)?;
    }
    verifier.add_key(args.key.as_bytes(), &secret).map_err(usage)?;
    let (path, path_query) = match args.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (args.path.as_str(), None),
    };
    let body_file;
    let payload: &[u8] = match (&args.body, &args.body_file, &args.query) {
        (Some(body), _, _) => body.as_bytes(),
        (_, Some(file), _) => {
            body_file =
                std::fs::read(file).map_err(|e| Failure::Runtime(format!("cannot read {}: {e}", file.display())))?;
            &body_file
        }
        (_, _, Some(query)) => query.as_bytes(),
        _ if scheme.is_signed_call() => args.signature.as_deref().unwrap_or_default().as_bytes(),
        _ => path_query.unwrap_or_default().as_bytes(),
    };
    let mut lines = Vec::new();
    for header in &args.headers {
        let (name, value) =
            header.split_once(':').ok_or_else(|| usage(format!("--header {header:?} is not 'Name: value'")))?;
        lines.push((name.as_bytes(), value.as_bytes()));
    }
    let mut received = match Received::new(&args.method, path.as_bytes(), payload).with_headers(&scheme, lines) {
        Ok(received) => received,
        Err(malformed) => return Ok(report_verdict(&Verdict::Malformed(malformed))),
    };
    if scheme.header_carrying("key").is_some() && received.key.is_none() {
        received.key = Some(args.key.as_bytes());
    }
    if let (Some(signature), false) = (&args.signature, scheme.is_signed_call()) {
        if received.signature.is_some() {
            return Err(usage("the signature is given both as --signature and as a header"));
        }
        received.signature = Some(signature.as_bytes());
    }
    if let Some(nonce) = &args.nonce {
        if scheme.header_carrying("nonce").is_none() {
            return Err(usage(format!("{} carries the nonce in the payload, not in --nonce", scheme.name)));
        }
        if received.nonce.is_some() {
            return Err(usage("the nonce is given both as --nonce and as a header"));
        }
        received.nonce = Some(nonce.as_bytes());
    }
    let verdict = verifier.check(&received).map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(report_verdict(&verdict))
}

fn report_verdict(verdict: &Verdict) -> ExitCode {
    let show = |bytes: &[u8]| bytes.escape_ascii().to_string();
    match verdict {
        Verdict::Valid { key, nonce } => {
            match nonce {
                Some(n) => println!("valid: key {}, nonce {n}", show(key)),
                None => println!("valid: key {}, no nonce (no replay protection)", show(key)),
            }
            return ExitCode::SUCCESS;
        }
        Verdict::BadSignature { key, expected_message, expected_signature } => {
            println!("rejected: invalid signature for key {}", show(key));
            println!("expected message:   \"{}\"", show(expected_message));
            println!("expected signature: {expected_signature}");
        }
        Verdict::StaleNonce { key, nonce, last } => {
            println!("rejected: stale nonce {nonce} for key {}: the last accepted is {last}", show(key));
        }
        Verdict::Malformed(m) => println!("rejected: malformed request: {m}"),
        Verdict::UnknownKey { key } => println!("rejected: unknown key {}", show(key)),
    }
    ExitCode::from(1)
}
