"""Signatures and header lines against the published vectors and Python's own hmac."""

import random

import pytest
import reference
from reference import SCHEMES, credential

import restsign


def test_published_vectors(vectors):
    assert len(vectors) >= 3
    for v in vectors:
        signer = restsign.Signer(v["scheme"], v["key"], v["secret"])
        sig = signer.sign(v["method"], v["path"], v["payload"], v["nonce"])
        assert sig == v["signature"], v["source"]
        # The reference agrees too, so it can be trusted for the random cases below.
        assert reference.sign(v["scheme"], v["key"].encode(), v["secret"].encode(), v["path"].encode(), v["payload"].encode(), v["nonce"]) == sig


def random_bytes(rng, n):
    if rng.random() < 0.5:
        return bytes(rng.randrange(256) for _ in range(n))
    return "".join(rng.choice("abcdef=&%+ é\0") for _ in range(n)).encode()[:n]


# Paths with control bytes, spaces or DEL are refused (RESTSIGN_ERR_INVALID_PATH): random paths
# draw from every other byte.
PATH_BYTES = bytes(b for b in range(256) if b > 0x20 and b != 0x7F)


def random_path(rng, n):
    if rng.random() < 0.5:
        return bytes(rng.choice(PATH_BYTES) for _ in range(n))
    return "".join(rng.choice("abcdef=&%+/é") for _ in range(n)).encode()[:n]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_random_requests_agree_with_hmac(scheme):
    rng = random.Random(20130427)
    for i in range(150):
        key, secret = credential(scheme)
        if scheme not in reference.BASE64_SECRET:
            secret = bytes(rng.randrange(1, 256) for _ in range(rng.choice([1, 20, 64, 128, 200])))
        path = random_path(rng, rng.randrange(0, 40))
        payload = random_bytes(rng, rng.choice([0, 1, 55, 56, 111, 112, 113, 500, rng.randrange(2000)]))
        # apiauth signs its nonce and refuses 0 (see test_apiauth_refuses_nonce_zero); the others ignore it.
        lowest = 1 if scheme == "apiauth" else 0
        nonce = rng.choice([lowest, 1, 2**63 - 1, rng.randrange(lowest, 2**63)])
        method = rng.choice(["GET", "POST", "PUT", "DELETE"])
        signer = restsign.Signer(scheme, key, secret)
        want = reference.sign(scheme, key, secret, path, payload, nonce)
        assert signer.sign(method, path, payload, nonce) == want, (scheme, i)
        if scheme != "mtgox-stream":
            assert signer.headers(method, path, payload, nonce) == reference.headers(scheme, method, key, nonce, want)
            assert signer.signature_length(len(payload)) == len(want)


def test_str_and_bytes_are_the_same_input():
    a = restsign.Signer("apiauth", "ключ", "sécret")
    b = restsign.Signer(b"apiauth", "ключ".encode(), bytearray("sécret".encode()))
    args = ("POST", "/api/wallet/", "amount=1&note=café", 5)
    assert a.sign(*args) == b.sign(b"POST", memoryview(b"/api/wallet/"), "amount=1&note=café".encode(), 5)
    assert a.sign(*args) == reference.sign("apiauth", "ключ".encode(), "sécret".encode(), b"/api/wallet/", "amount=1&note=café".encode(), 5)


def test_apiauth_refuses_nonce_zero():
    key, secret = credential("apiauth")
    signer = restsign.Signer("apiauth", key, secret)
    for fn in (signer.sign, signer.headers):
        with pytest.raises(restsign.RestsignError) as e:
            fn("GET", "/api/", b"", 0)
        assert e.value.status == restsign.Status.ERR_NONCE_OUT_OF_RANGE


def test_long_output_grows_the_buffer():
    key, secret = credential("mtgox-stream")
    payload = b'{"call":"private/info","nonce":1,"params":{"x":"' + b"y" * 5000 + b'"}}'
    s = restsign.Signer("mtgox-stream", key, secret)
    assert s.sign("GET", "", payload) == reference.sign("mtgox-stream", key, secret, b"", payload, 0)


def test_schemes_and_version(header_text):
    # The seven seed schemes come first, then the presets (recipes), each name once.
    schemes = restsign.Signer.schemes()
    assert schemes[:7] == ["apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"]
    assert len(schemes) > 7 and len(set(schemes)) == len(schemes)
    assert restsign.Signer.version().count(".") == 2
