//! The C signing calls promise "Allocates nothing": checked here with a counting global allocator.
//! Signers are created outside the counted window (creating one copies the key); everything a
//! caller does per request (sign, headers, size query, too-small buffer, bad method) runs inside it.
//! Tests run on several threads, so only heap calls made on the current thread are counted.

mod support;

use restsign::ffi::*;
use restsign::recipe::{KeyFormat, Recipe, SecretFormat};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::{CStr, c_char};
use std::ptr;

struct Counting;

thread_local! {
    /// Heap calls seen on this thread while counting; None when not counting.
    static HEAP_CALLS: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note_heap_call() {
    // try_with: the allocator may run while this thread's locals are being torn down.
    let _ = HEAP_CALLS.try_with(|calls| calls.set(calls.get().map(|n| n + 1)));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_heap_call();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_heap_call();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_heap_call();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_heap_call();
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many times `f` allocated, reallocated or freed on this thread.
fn heap_calls_during(f: impl FnOnce()) -> usize {
    HEAP_CALLS.with(|calls| calls.set(Some(0)));
    f();
    HEAP_CALLS.with(|calls| calls.replace(None)).unwrap()
}

#[test]
fn the_counter_sees_heap_calls() {
    // Without this the test below could pass with a counter that counts nothing.
    let calls = heap_calls_during(|| drop(std::hint::black_box(vec![1u8; 100])));
    assert_eq!(calls, 2, "one allocation and one free");
}

const FORM_BODY: &[u8] = b"command=returnBalances&nonce=1700000000000000&account=all&extra=1234";

fn new_signer(name: &CStr) -> *mut restsign_signer {
    let scheme = Recipe::preset(name.to_str().unwrap()).unwrap();
    let key: &[u8] = match scheme.key {
        KeyFormat::Uuid => b"12345678-abcd-1234-abcd-50286e649d5c",
        KeyFormat::Text => b"K3Y0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY",
    };
    let secret: &[u8] = match scheme.secret {
        SecretFormat::Base64 => {
            b"czNjcjN0MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RVVg=="
        }
        SecretFormat::AsGiven => b"s3cr3t0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
    };
    let mut signer = ptr::null_mut();
    let status = unsafe {
        restsign_signer_new(
            name.as_ptr(),
            key.as_ptr().cast(),
            key.len(),
            secret.as_ptr().cast(),
            secret.len(),
            &mut signer,
        )
    };
    assert_eq!(status, RESTSIGN_OK, "{name:?}");
    signer
}

type SignFn = unsafe extern "C" fn(
    *const restsign_signer,
    *const c_char,
    *const c_char,
    usize,
    *const c_char,
    usize,
    u64,
    *mut c_char,
    usize,
    *mut usize,
) -> restsign_status;

/// Status and `*out_len` of one call on `payload` into `out` (NULL when `out` is None).
fn call(
    f: SignFn,
    signer: *const restsign_signer,
    method: &CStr,
    payload: &[u8],
    out: Option<&mut [u8]>,
) -> (restsign_status, usize) {
    let path = b"/api/wallet/";
    let (out_ptr, out_cap) = out.map_or((ptr::null_mut(), 0), |o| (o.as_mut_ptr().cast(), o.len()));
    let mut out_len = 0;
    let status = unsafe {
        f(
            signer,
            method.as_ptr(),
            path.as_ptr().cast(),
            path.len(),
            payload.as_ptr().cast(),
            payload.len(),
            1_700_000_000_000,
            out_ptr,
            out_cap,
            &mut out_len,
        )
    };
    (status, out_len)
}

#[test]
fn signing_calls_allocate_nothing() {
    let big_body: Vec<u8> = (0..65536u32).map(|i| b'a' + (i % 26) as u8).collect();
    // Large enough for mtgox-stream's base64 of UUID ‖ tag ‖ 64 KiB payload.
    let mut out = vec![0u8; 128 * 1024];
    let mut small = [0u8; 8];
    let count = restsign_scheme_count();
    assert!(count >= support::SEEDS.len());

    // The seed schemes sign without allocating; recipes with digests, JSON or clocks may allocate.
    for i in 0..support::SEEDS.len() {
        let name = unsafe { CStr::from_ptr(restsign_scheme_name(i)) };
        let has_headers = Recipe::preset(name.to_str().unwrap()).unwrap().has_headers();
        let signer = new_signer(name);
        for payload in [FORM_BODY, &big_body[..]] {
            let mut results = Vec::with_capacity(16); // filled inside the window: no growth allowed
            let calls = heap_calls_during(|| {
                for f in [restsign_signer_sign_into as SignFn, restsign_signer_headers_into] {
                    results.push(call(f, signer, c"POST", payload, Some(&mut out)));
                    results.push(call(f, signer, c"POST", payload, None)); // size query
                    results.push(call(f, signer, c"POST", payload, Some(&mut small)));
                    results.push(call(f, signer, c"PO ST", payload, Some(&mut out)));
                }
            });
            assert_eq!(calls, 0, "{name:?} with a {}-byte payload touched the heap", payload.len());

            // The calls did their work (so the window covered real signing).
            let headers = if has_headers { RESTSIGN_OK } else { RESTSIGN_ERR_NO_HEADERS };
            let too_small = if has_headers { RESTSIGN_ERR_BUFFER_TOO_SMALL } else { RESTSIGN_ERR_NO_HEADERS };
            let statuses: Vec<_> = results.iter().map(|r| r.0).collect();
            assert_eq!(
                statuses,
                [
                    RESTSIGN_OK,
                    RESTSIGN_ERR_BUFFER_TOO_SMALL,
                    RESTSIGN_ERR_BUFFER_TOO_SMALL,
                    RESTSIGN_ERR_INVALID_METHOD,
                    headers,
                    too_small,
                    too_small,
                    RESTSIGN_ERR_INVALID_METHOD,
                ],
                "{name:?}"
            );
            assert!(results[0].1 > 0 && results[1].1 == results[0].1 + 1, "{name:?}: {results:?}");
        }
        unsafe { restsign_signer_free(signer) };
    }
}
