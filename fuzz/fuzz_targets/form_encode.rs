//! The form encoder against the plainest reading of its rule (see oracle::form_encode).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|params: Vec<(Vec<u8>, Vec<u8>)>| {
    let got = restsign::encode::form_encode(params.iter().map(|(n, v)| (&n[..], &v[..])));
    assert_eq!(got, oracle::form_encode(&params));
});
