//! `restsign schemes` and `restsign recipe check`: what the built-in recipes are, and whether a
//! recipe file is one.

use crate::Failure;
use restsign::recipe::{Placement, Recipe};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// A recipe file, parsed (its errors name the file, the line and the column).
pub(crate) fn load(path: &Path) -> Result<Arc<Recipe>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Runtime(format!("cannot read recipe {}: {e}", path.display())))?;
    Recipe::parse(&text).map(Arc::new).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// Where a recipe sends its signature, in a few words.
fn signature_place(recipe: &Recipe) -> String {
    let headers = recipe.signature_headers();
    if let Some(param) = &recipe.signature_param {
        let place = match param.into {
            Placement::Query => "query",
            Placement::Params => "query or body",
        };
        return format!("{place} parameter {}", param.name);
    }
    if !headers.is_empty() {
        return format!("header {}", headers.join(", "));
    }
    if recipe.is_signed_call() { "the signed call (body)".to_owned() } else { "the body".to_owned() }
}

pub(crate) fn list() -> Result<ExitCode, Failure> {
    let mut text = format!("{:<18} {:<7} {:<34} about\n", "scheme", "hash", "signature");
    for recipe in restsign::presets() {
        let hash = format!("{:?}", recipe.hash).to_lowercase();
        let mut about = recipe.about.clone();
        if !recipe.aliases.is_empty() {
            about += &format!(" (also: {})", recipe.aliases.join(", "));
        }
        text += &format!("{:<18} {hash:<7} {:<34} {about}\n", recipe.name, signature_place(recipe));
    }
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Runtime(format!("stdout: {e}"))),
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub(crate) fn check(path: &Path) -> Result<ExitCode, Failure> {
    let recipe = load(path)?;
    let mut uses = Vec::new();
    if recipe.uses_nonce() {
        uses.push("a nonce");
    }
    if recipe.uses_time() {
        uses.push("the clock");
    }
    if recipe.uses_uuid() {
        uses.push("a random UUID");
    }
    if recipe.needs_passphrase {
        uses.push("a passphrase");
    }
    let uses = if uses.is_empty() { "nothing else".to_owned() } else { uses.join(", ") };
    let hash = format!("{:?}", recipe.hash).to_lowercase();
    println!(
        "{}: recipe {:?} is valid: HMAC-{hash}, signature in {}; uses {uses}",
        path.display(),
        recipe.name,
        signature_place(&recipe)
    );
    Ok(ExitCode::SUCCESS)
}
