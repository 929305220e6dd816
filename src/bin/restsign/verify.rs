//! `restsign verify`: check one received request given on the command line, for any recipe.

use crate::{Failure, VerifyArgs, usage};
use restsign::verify::{Incoming, Verdict, Verifier};
use std::process::ExitCode;

pub(crate) fn verify(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let scheme = args.recipe.load()?;
    let secret = zeroize::Zeroizing::new(args.secret.read()?);
    let mut verifier = Verifier::with_recipe(scheme.clone()).map_err(usage)?;
    if let Some(now) = args.now {
        verifier = verifier.with_clock(move || now);
    }
    if let Some(ms) = args.window_ms {
        verifier = verifier.with_window_ms(ms);
    }
    if let Some(url) = &args.replay_redis {
        verifier = crate::with_redis_replay(verifier, url)?;
    }
    if let Some(dir) = &args.state_dir {
        verifier = verifier
            .shared_state(dir)
            .map_err(|e| Failure::Runtime(format!("replay state in {}: {e}", dir.display())))?;
    }
    let passphrase = args.passphrase.as_deref().unwrap_or_default().as_bytes();
    verifier.add_key_with_passphrase(args.key.as_bytes(), &secret, passphrase).map_err(usage)?;

    let body_file;
    let mut body: &[u8] = match (&args.body, &args.body_file) {
        (Some(body), _) => body.as_bytes(),
        (_, Some(file)) => {
            body_file =
                std::fs::read(file).map_err(|e| Failure::Runtime(format!("cannot read {}: {e}", file.display())))?;
            &body_file
        }
        _ => b"",
    };
    let target = match (&args.query, args.path.contains('?')) {
        (Some(_), true) => return Err(usage("the query is given both in --path and as --query")),
        (Some(query), false) => format!("{}?{query}", args.path),
        (None, _) => args.path.clone(),
    };
    if scheme.is_signed_call() {
        // mtgox-stream: the signed call is the whole message.
        body = args.signature.as_deref().map_or(body, str::as_bytes);
    }
    let mut incoming = Incoming::new(&args.method, target.as_bytes(), body);
    for header in &args.headers {
        let (name, value) =
            header.split_once(':').ok_or_else(|| usage(format!("--header {header:?} is not 'Name: value'")))?;
        incoming = incoming.header(name.as_bytes(), value.as_bytes());
    }
    // The shortcuts: --key, --signature and --nonce stand for their headers when not given as such.
    let has = |incoming: &Incoming<'_>, name: &str| {
        incoming.headers.iter().any(|(n, _)| n.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
    };
    if let Some(name) = scheme.header_carrying("key").filter(|n| !has(&incoming, n)) {
        incoming = incoming.header(name.as_bytes(), args.key.as_bytes());
    }
    for (flag, value, token) in [("--signature", &args.signature, "signature"), ("--nonce", &args.nonce, "nonce")] {
        let Some(value) = value.as_deref() else { continue };
        if scheme.is_signed_call() && token == "signature" {
            continue;
        }
        match scheme.header_carrying(token) {
            Some(name) if has(&incoming, name) => {
                return Err(usage(format!("the {token} is given both as {flag} and as the {name} header")));
            }
            Some(name) => incoming = incoming.header(name.as_bytes(), value.as_bytes()),
            None => {
                return Err(usage(format!("{} carries the {token} in the request itself, not in {flag}", scheme.name)));
            }
        }
    }
    let verdict = verifier.check_request(&incoming).map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(report_verdict(&verdict))
}

fn report_verdict(verdict: &Verdict) -> ExitCode {
    let show = |bytes: &[u8]| bytes.escape_ascii().to_string();
    match verdict {
        Verdict::Valid { key, nonce } => {
            match nonce {
                Some(n) => println!("valid: key {}, nonce {n}", show(key)),
                None => println!("valid: key {}", show(key)),
            }
            return ExitCode::SUCCESS;
        }
        Verdict::BadSignature { key, expected_message, expected_signature, received_signature } => {
            println!("rejected: invalid signature for key {}", show(key));
            println!("expected message:   \"{}\"", show(expected_message));
            println!("expected signature: {expected_signature}");
            println!("received signature: {}", show(received_signature));
        }
        Verdict::Mismatch { key, part, expected, received } => {
            println!("rejected: the signature matches but {part} does not, for key {}", show(key));
            println!("expected: \"{}\"", show(expected));
            println!("received: \"{}\"", show(received));
        }
        Verdict::StaleNonce { key, nonce, last } => {
            println!("rejected: stale nonce {nonce} for key {}: the last accepted is {last}", show(key));
        }
        Verdict::OutsideWindow { key, timestamp_ms, now_ms, window_ms } => {
            let off = i128::from(*timestamp_ms) - i128::from(*now_ms);
            println!(
                "rejected: timestamp {timestamp_ms} is {off:+} ms from the clock {now_ms}, outside ±{window_ms} ms (key {})",
                show(key)
            );
        }
        Verdict::Replayed { key } => println!("rejected: a replay of a request already accepted (key {})", show(key)),
        Verdict::Malformed(m) => println!("rejected: malformed request: {m}"),
        Verdict::Unreadable { part, problem } => println!("rejected: malformed request: {part}: {problem}"),
        Verdict::UnknownKey { key } => println!("rejected: unknown key {}", show(key)),
    }
    ExitCode::from(1)
}
