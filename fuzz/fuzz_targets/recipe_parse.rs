//! Recipe text from anywhere: parsing never panics, an error always says something, and a recipe
//! that parses can sign a request (or refuse it with an error) without panicking, through Rust
//! and through the C API with a small error buffer. The corpus is seeded with the presets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restsign::ffi::*;
use restsign::{Recipe, Request, Signer, SignerOptions};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    // C: the error message fits any buffer, cut at a character boundary, NUL-terminated.
    let mut recipe = std::ptr::null_mut();
    let mut err = [0u8; 24];
    let mut err_len = 0usize;
    let status = unsafe {
        restsign_recipe_parse(data.as_ptr().cast(), data.len(), &mut recipe, err.as_mut_ptr().cast(), err.len(), &mut err_len)
    };
    assert!(err_len < err.len());
    assert_eq!(err[err_len], 0);
    assert!(std::str::from_utf8(&err[..err_len]).is_ok());
    match status {
        RESTSIGN_OK => assert!(!recipe.is_null() && err_len == 0),
        RESTSIGN_ERR_INVALID_RECIPE => assert!(recipe.is_null() && err_len > 0),
        other => panic!("unexpected status {other}"),
    }
    unsafe { restsign_recipe_free(recipe) };

    let Ok(text) = std::str::from_utf8(data) else { return };
    let recipe = match Recipe::parse(text) {
        Ok(recipe) => Arc::new(recipe),
        Err(e) => {
            assert!(!e.message.is_empty());
            return;
        }
    };
    let options = SignerOptions { passphrase: Some(b"pass".to_vec().into()), ..Default::default() };
    let key = if recipe.key == restsign::recipe::KeyFormat::Uuid { &b"12345678-abcd-1234-abcd-50286e649d5c"[..] } else { b"key" };
    let Ok(signer) = Signer::with_recipe(recipe, key, b"c2VjcmV0", options) else { return };
    for method in ["GET", "POST"] {
        let mut request = Request::new(method, &b"/api/v1/x"[..]);
        request.param("a b", "c&d").param("\u{20ac}", "").time_ms(1_700_000_000_123);
        let _ = signer.sign_request_with_nonce(&request, 42);
    }
});
