//! Base64 secrets (the MtGox schemes): restsign's decoder against a strict RFC 4648 decoder, and
//! signer creation accepting exactly the secrets that decode to at least one byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restsign::{Error, Signer};

fuzz_target!(|text: &[u8]| {
    let want = oracle::base64_decode(text);
    let got = restsign::encode::decode_base64(text);
    assert_eq!(got, want, "decode_base64({:?})", String::from_utf8_lossy(text));
    if let Some(bytes) = &got {
        // Canonical: only the one encoding of these bytes is accepted.
        assert_eq!(oracle::base64_encode(bytes).as_bytes(), text);
    }
    for scheme in ["mtgox-v1", "mtgox-v2"] {
        let created = Signer::new(scheme, b"key", text).map(|_| ());
        let expected = match &want {
            None if !text.is_empty() => Err(Error::SecretNotBase64),
            Some(bytes) if !bytes.is_empty() => Ok(()),
            _ => Err(Error::EmptySecret),
        };
        assert_eq!(created, expected, "{scheme} with secret {:?}", String::from_utf8_lossy(text));
    }
});
