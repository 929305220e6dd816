"""Whole requests built and signed by the library, checked with urllib and hmac."""

import json
import urllib.parse

import pytest
import reference
from reference import credential

import restsign


def test_poloniex_body_headers_nonce():
    key, secret = credential("poloniex")
    signer = restsign.Signer("poloniex", key, secret, restsign.Nonce.memory(restsign.NonceUnit.MILLIS))
    req = signer.request("POST", "/tradingApi").param("command", "returnBalances").sign()
    n = req.nonce()
    body = f"command=returnBalances&nonce={n}".encode()
    assert req.body() == body
    assert req.query() == ""
    assert req.target() == "/tradingApi"
    sig = reference.sign("poloniex", key, secret, b"", body, 0)
    assert req.signature() == sig
    assert req.headers() == reference.headers("poloniex", "POST", key, 0, sig)
    assert req.header_dict() == {"Key": key.decode(), "Sign": sig}
    assert req.header_block() == "".join(line + "\r\n" for line in req.headers())
    # Signing again draws a new, larger nonce.
    assert req.sign().nonce() > n


def test_form_encoding_matches_urllib():
    key, secret = credential("poloniex")
    params = [("a b", "c&d=e"), ("é", "~-._*/+"), ("n", 42), (b"\x00\xff", b"\x01")]
    req = restsign.Signer("poloniex", key, secret).request("POST", "/tradingApi")
    for name, value in params:
        req.param(name, value)
    req.sign_with_nonce(7)
    encoded = [(n if isinstance(n, bytes) else str(n).encode(), v if isinstance(v, bytes) else str(v).encode()) for n, v in params]
    assert req.body() == urllib.parse.urlencode(encoded + [(b"nonce", b"7")]).encode()


def test_get_query_apiauth():
    key, secret = credential("apiauth")
    req = restsign.Signer("apiauth", key, secret).request("GET", "/api/wallet/").param("currency", "BTC").sign_with_nonce(99)
    assert req.body() == b""
    assert req.query() == "currency=BTC"
    assert req.target() == "/api/wallet/?currency=BTC"
    sig = reference.sign("apiauth", key, secret, b"/api/wallet/", b"currency=BTC", 99)
    assert req.headers() == reference.headers("apiauth", "GET", key, 99, sig)


def test_json_viabtc_and_raw_body():
    key, secret = credential("viabtc")
    signer = restsign.Signer("viabtc", key, secret)
    req = signer.request("POST", "/res/openapi/v1/order").set_json('{"coin": "BTC"}').sign_with_nonce(1513746038205)
    body = req.body()
    assert json.loads(body) == {"coin": "BTC", "tonce": 1513746038205}
    assert req.signature() == reference.sign("viabtc", key, secret, b"", body, 0)
    raw = signer.request("POST", "/x").set_body(b'{"tonce": 5}').sign()
    assert raw.body() == b'{"tonce": 5}'
    with pytest.raises(restsign.RestsignError) as e:
        raw.nonce()
    assert e.value.status == restsign.Status.ERR_NO_NONCE


def test_mtgox_v2_signs_the_path_after_api_2():
    key, secret = credential("mtgox-v2")
    req = restsign.Signer("mtgox-v2", key, secret).request("POST", "/api/2/BTCUSD/money/info").sign_with_nonce(1)
    assert req.body() == b"nonce=1"
    assert req.signature() == reference.sign("mtgox-v2", key, secret, b"BTCUSD/money/info", b"nonce=1", 0)


def test_request_outlives_its_signer():
    key, secret = credential("poloniex")
    signer = restsign.Signer("poloniex", key, secret)
    req = signer.request("POST", "/tradingApi")
    signer.close()
    del signer
    assert req.sign_with_nonce(3).body() == b"nonce=3"
