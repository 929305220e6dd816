//! `restsign_recipe_*` and `restsign_signer_options_*`: recipes as data, and signers made from them.

use super::*;
use crate::recipe::Recipe;
use crate::{Signer, SignerOptions};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A signing recipe: a built-in preset or one parsed from TOML or JSON text (see
/// `docs/RECIPES.md`). Opaque and immutable: any number of threads may use one at once, and
/// signers keep their own reference, so a recipe may be freed as soon as its signers are made.
pub struct restsign_recipe {
    _private: [u8; 0],
}

impl ArcHandle for restsign_recipe {
    type Target = Recipe;
}

/// The built-in preset called `name` (`name_len` bytes, e.g. `"okx"`; see `restsign_scheme_name`;
/// aliases such as `"binanceus"` are accepted) into `*out`, to be released with
/// `restsign_recipe_free`. `RESTSIGN_ERR_UNKNOWN_SCHEME` if there is none.
///
/// # Safety
/// `name` valid for `name_len` bytes (or NULL with 0); `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_recipe_preset(
    name: *const c_char,
    name_len: usize,
    out: *mut *mut restsign_recipe,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let name = unsafe { bytes_arg(name, name_len) }?;
        let name = std::str::from_utf8(name).map_err(|_| RESTSIGN_ERR_UNKNOWN_SCHEME)?;
        let recipe = Recipe::preset(name).ok_or(RESTSIGN_ERR_UNKNOWN_SCHEME)?;
        unsafe { restsign_recipe::give(recipe, out) };
        Ok(())
    })
}

/// Parses a recipe from `text` (`text_len` bytes of TOML, or JSON when it starts with `{`) into
/// `*out`, to be released with `restsign_recipe_free`.
///
/// If the text is refused the status is `RESTSIGN_ERR_INVALID_RECIPE`, `*out` is NULL, and when
/// `err` is not NULL a NUL-terminated message saying where and what (`line 3, column 11:
/// headers.X-SIGN: unknown name {sig} ...`) is written into `err` (`err_cap` bytes, cut short if it
/// does not fit), its length (without NUL) in `*err_len` when `err_len` is not NULL. Text that is
/// not UTF-8 is refused the same way. On success `*err_len` is 0.
///
/// # Safety
/// `text` valid for `text_len` bytes (or NULL with 0); `err` valid for `err_cap` bytes or NULL;
/// `err_len` NULL or writable; `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_recipe_parse(
    text: *const c_char,
    text_len: usize,
    out: *mut *mut restsign_recipe,
    err: *mut c_char,
    err_cap: usize,
    err_len: *mut usize,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        if err.is_null() && err_cap != 0 {
            return Err(RESTSIGN_ERR_NULL_WITH_LENGTH);
        }
        // SAFETY: NULL or writable, as promised.
        let mut err_len = unsafe { err_len.as_mut() };
        if let Some(n) = err_len.as_deref_mut() {
            *n = 0;
        }
        let text = unsafe { bytes_arg(text, text_len) }?;
        let parsed = match std::str::from_utf8(text) {
            Ok(text) => Recipe::parse(text).map_err(|e| e.to_string()),
            Err(e) => Err(format!("the recipe is not UTF-8 (byte {})", e.valid_up_to())),
        };
        match parsed {
            Ok(recipe) => {
                unsafe { restsign_recipe::give(Arc::new(recipe), out) };
                Ok(())
            }
            Err(message) => {
                if !err.is_null() && err_cap > 0 {
                    // Cut on a character boundary so the message stays UTF-8.
                    let mut n = message.len().min(err_cap - 1);
                    while !message.is_char_boundary(n) {
                        n -= 1;
                    }
                    // SAFETY: `err` is valid for `err_cap` bytes and n < err_cap.
                    let buf = unsafe { std::slice::from_raw_parts_mut(err.cast::<u8>(), err_cap) };
                    buf[..n].copy_from_slice(&message.as_bytes()[..n]);
                    buf[n] = 0;
                    if let Some(len) = err_len {
                        *len = n;
                    }
                }
                Err(RESTSIGN_ERR_INVALID_RECIPE)
            }
        }
    })
}

/// The recipe's name, static for the recipe's lifetime and NUL-terminated; NULL for a NULL recipe.
///
/// # Safety
/// `recipe` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_recipe_name(recipe: *const restsign_recipe) -> *const c_char {
    match unsafe { restsign_recipe::borrow(recipe) } {
        Ok(recipe) => recipe.c_name.as_ptr(),
        Err(_) => std::ptr::null(),
    }
}

/// Releases a recipe (signers made from it keep their own reference). NULL is a no-op.
///
/// # Safety
/// `recipe` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_recipe_free(recipe: *mut restsign_recipe) {
    let _ = ffi_boundary!({
        unsafe { restsign_recipe::free(recipe) };
        Ok(())
    });
}

/// Options for `restsign_signer_new_recipe`: a passphrase, a nonce source, a base URL. Opaque; one
/// thread at a time. Everything set is copied (or referenced) by the signer, so options may be
/// freed or reused as soon as the signer is made. The passphrase is wiped when the options are freed.
pub struct restsign_signer_options {
    _private: [u8; 0],
}

impl BoxHandle for restsign_signer_options {
    type Target = SignerOptions;
}

/// New, empty options into `*out` (no passphrase; the default nonce source; the recipe's base
/// URL), to be released with `restsign_signer_options_free`.
///
/// # Safety
/// `out` NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_options_new(out: *mut *mut restsign_signer_options) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        unsafe { restsign_signer_options::give(SignerOptions::default(), out) };
        Ok(())
    })
}

/// Sets the passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), `len` bytes, copied.
///
/// # Safety
/// `options` NULL or live; `passphrase` valid for `len` bytes (or NULL with 0).
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_options_set_passphrase(
    options: *mut restsign_signer_options,
    passphrase: *const c_char,
    len: usize,
) -> restsign_status {
    ffi_boundary!({
        let options = unsafe { restsign_signer_options::borrow_mut(options) }?;
        let passphrase = unsafe { bytes_arg(passphrase, len) }?;
        options.passphrase = Some(Zeroizing::new(passphrase.to_vec()));
        Ok(())
    })
}

/// Makes signers draw request nonces from `nonce` (see `restsign_nonce_new_file` and friends; the
/// options keep their own reference, so `nonce` may be freed afterwards). NULL restores the default.
///
/// # Safety
/// `options` NULL or live; `nonce` NULL or live.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_options_set_nonce(
    options: *mut restsign_signer_options,
    nonce: *const restsign_nonce,
) -> restsign_status {
    ffi_boundary!({
        let options = unsafe { restsign_signer_options::borrow_mut(options) }?;
        options.nonce = unsafe { nonce_ref(nonce) }.cloned();
        Ok(())
    })
}

/// Sends requests to `url` (`http(s)://host[:port]`, `len` bytes; a testnet, a local exchange)
/// instead of the recipe's base URL; `{host}` follows it.
///
/// # Safety
/// `options` NULL or live; `url` valid for `len` bytes (or NULL with 0).
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_options_set_base_url(
    options: *mut restsign_signer_options,
    url: *const c_char,
    len: usize,
) -> restsign_status {
    ffi_boundary!({
        let options = unsafe { restsign_signer_options::borrow_mut(options) }?;
        let url = std::str::from_utf8(unsafe { bytes_arg(url, len) }?).map_err(|_| RESTSIGN_ERR_INVALID_BASE_URL)?;
        options.base_url = Some(url.to_owned());
        Ok(())
    })
}

/// Releases options (wiping the passphrase). NULL is a no-op.
///
/// # Safety
/// `options` NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_options_free(options: *mut restsign_signer_options) {
    let _ = ffi_boundary!({
        unsafe { restsign_signer_options::free(options) };
        Ok(())
    });
}

/// Creates a signer for any recipe with the API key and secret as the API gave them (`options` may
/// be NULL for the defaults; a recipe that needs a passphrase gives
/// `RESTSIGN_ERR_PASSPHRASE_MISSING` without one). Key, secret and options are copied. Errors as
/// for `restsign_signer_new`, plus `RESTSIGN_ERR_PASSPHRASE_MISSING`,
/// `RESTSIGN_ERR_INVALID_PASSPHRASE` and `RESTSIGN_ERR_INVALID_BASE_URL`.
///
/// # Safety
/// `recipe` NULL or live; `key`/`secret` valid for their lengths; `options` NULL or live; `out`
/// NULL or writable.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn restsign_signer_new_recipe(
    recipe: *const restsign_recipe,
    key: *const c_char,
    key_len: usize,
    secret: *const c_char,
    secret_len: usize,
    options: *const restsign_signer_options,
    out: *mut *mut restsign_signer,
) -> restsign_status {
    ffi_boundary!({
        unsafe { clear_out(out) }?;
        let recipe = unsafe { restsign_recipe::share(recipe) }?;
        let key = unsafe { bytes_arg(key, key_len) }?;
        let secret = unsafe { bytes_arg(secret, secret_len) }?;
        let options = match options.is_null() {
            true => SignerOptions::default(),
            false => unsafe { restsign_signer_options::borrow(options) }?.clone(),
        };
        let signer = Signer::with_recipe(recipe, key, secret, options).map_err(status_of)?;
        unsafe { restsign_signer::give(Arc::new(signer), out) };
        Ok(())
    })
}
