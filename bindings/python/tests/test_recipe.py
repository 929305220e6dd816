"""Recipes from Python: presets, recipes a user writes (and the parser's errors for bad ones),
signers from recipes with a passphrase, a nonce source and a base URL, and the request's fixed
time, UUID and URL. Every signature is recomputed here with Python's hmac and base64 over the
message the recipe documents, from what the request sends: never compared with restsign's own."""

import base64
import hashlib
import hmac
import json
import os
from urllib.parse import parse_qsl

import pytest

import restsign
from restsign import Recipe, RecipeError, RestsignError, Signer, Status

# KuCoin's scheme (API key version 2) as a user would write it: the passphrase HMAC-ed too.
PASSPHRASED = """\
name = "kc-style"
hash = "sha256"
passphrase = true
query_methods = ["GET", "DELETE"]
body = "json"
message = "{ts}{method}{path}{?query}{body}"
signature = "base64"

[values]
signed_passphrase = { base64 = { hmac = "{passphrase}" } }

[headers]
KC-API-KEY = "{key}"
KC-API-SIGN = "{signature}"
KC-API-TIMESTAMP = "{ts}"
KC-API-PASSPHRASE = "{signed_passphrase}"
KC-API-KEY-VERSION = "2"
"""

TIME = 1_700_000_000_123
OK = 'name = "x"\nhash = "sha256"\n'


def b64_hmac(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize("method, params", [
    ("GET", [("currency", "USDT"), ("note", "a b&c")]),
    ("POST", [("clientOid", "o1"), ("side", "buy"), ("size", "0.1")]),
    ("DELETE", [("orderId", "5c35c02703aa673ceec2a168")]),
])
def test_a_passphrase_recipe_signs_as_documented(method, params):
    secret = os.urandom(16).hex().encode()
    passphrase = "my passphrase"
    signer = Signer.from_recipe(Recipe.parse(PASSPHRASED), "kc-key", secret, passphrase=passphrase, base_url="http://127.0.0.1:8123")
    req = signer.request(method, "/api/v1/orders")
    for name, value in params:
        req.param(name, value)
    req.set_time(TIME).sign()
    query, body = req.query(), req.body()
    if method == "POST":
        assert query == "" and json.loads(body) == dict(params)
    else:
        assert body == b"" and parse_qsl(query) == params
    target = "/api/v1/orders" + (f"?{query}" if query else "")
    assert req.url() == "http://127.0.0.1:8123" + target
    message = f"{TIME}{method}{target}".encode() + body
    headers = req.header_dict()
    assert headers["KC-API-KEY"] == "kc-key"
    assert headers["KC-API-TIMESTAMP"] == str(TIME)
    assert headers["KC-API-SIGN"] == b64_hmac(secret, message)
    assert headers["KC-API-PASSPHRASE"] == b64_hmac(secret, passphrase.encode())
    assert headers["KC-API-KEY-VERSION"] == "2"

    # Another fixed time signs that time.
    req.set_time(TIME + 1000).sign()
    headers = req.header_dict()
    assert headers["KC-API-TIMESTAMP"] == str(TIME + 1000)
    assert headers["KC-API-SIGN"] == b64_hmac(secret, f"{TIME + 1000}{method}{target}".encode() + req.body())


def test_the_kucoin_preset_signs_its_passphrase():
    secret = b"kucoin secret"
    req = Signer.from_recipe("kucoin", "kc-key", secret, passphrase="pp").request("GET", "/api/v1/accounts").set_time(TIME).sign()
    headers = req.header_dict()
    assert headers["KC-API-SIGN"] == b64_hmac(secret, f"{TIME}GET/api/v1/accounts".encode())
    assert headers["KC-API-PASSPHRASE"] == b64_hmac(secret, b"pp")
    assert req.url().startswith("https://") and req.url().endswith("/api/v1/accounts")


def test_a_passphrase_recipe_without_one_is_refused():
    recipe = Recipe.parse(PASSPHRASED)
    for kwargs in ({}, {"nonce": restsign.Nonce.memory(restsign.NonceUnit.MILLIS)}, {"base_url": "http://127.0.0.1:1"}):
        with pytest.raises(RestsignError) as e:
            Signer.from_recipe(recipe, "k", "s", **kwargs)
        assert e.value.status == Status.ERR_PASSPHRASE_MISSING == 50
    for bad in ("", "two\nlines"):
        with pytest.raises(RestsignError) as e:
            Signer.from_recipe(recipe, "k", "s", passphrase=bad)
        assert e.value.status == Status.ERR_INVALID_PASSPHRASE


@pytest.mark.parametrize("text, line, column, names", [
    (OK + 'message = "{payload}"\n[headers]\nX-SIGN = "{sig}"\n', 5, 11, ["headers.X-SIGN", "{sig}"]),
    ('name = "x"\nhash = "md5"\nmessage = "{payload}"\n', 2, 8, ["md5", "sha256"]),
    (OK, 1, 1, ["missing field", "message"]),
    (OK + 'message = [{ md5 = "{body}" }]\n', 3, 14, ["message", "unknown function", "md5"]),
    (OK + 'message = "{payload}"\nsignature = "hexx"\n', 4, 14, ["signature", "hexx"]),
    (OK + 'message = "{payload\"\n', 3, 12, ["message", "not closed"]),
    ('name = "x"\nhash = sha256\nmessage = "{payload}"\n', 2, 8, ["quoted"]),
    ('{"name": "x", "hash": "sha256", "message": "{payload}", "bogus": 1}', 1, None, ["unknown field", "bogus"]),
])
def test_a_bad_recipe_is_refused_saying_where_and_what(text, line, column, names):
    with pytest.raises(RecipeError) as e:
        Recipe.parse(text)
    err = e.value
    assert err.status == Status.ERR_INVALID_RECIPE == 57 and isinstance(err, RestsignError)
    assert err.detail.startswith(f"line {line}, column "), err.detail
    assert err.line == line
    if column is not None:
        assert err.column == column, err.detail
    for name in names:
        assert name in err.detail
    assert str(err).endswith(err.detail), "the message carries the parser's"


def test_text_that_is_not_utf8_is_refused():
    with pytest.raises(RecipeError) as e:
        Recipe.parse(b'name = "\xff"\nhash = "sha256"\nmessage = "{payload}"\n')
    assert e.value.status == Status.ERR_INVALID_RECIPE


def test_presets_by_name():
    assert Recipe.preset("poloniex").name() == "poloniex"
    assert Recipe.parse(PASSPHRASED).name() == "kc-style"
    assert "kucoin" in Recipe.presets()
    with pytest.raises(RestsignError) as e:
        Recipe.preset("no-such-exchange")
    assert e.value.status == Status.ERR_UNKNOWN_SCHEME
    with pytest.raises(RestsignError) as e:
        Signer.from_recipe("no-such-exchange", "k", "s")
    assert e.value.status == Status.ERR_UNKNOWN_SCHEME
    with pytest.raises(TypeError):
        Signer.from_recipe(42, "k", "s")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Recipe()


def test_a_preset_signer_draws_from_the_given_source():
    source = restsign.Nonce.memory(restsign.NonceUnit.MILLIS)
    signer = Signer.from_recipe(Recipe.preset("poloniex"), "my-key", "s3", nonce=source)
    req = signer.request("POST", "/tradingApi").param("command", "returnBalances").sign()
    body = req.body()
    assert dict(parse_qsl(body.decode()))["nonce"] == str(req.nonce())
    assert req.header_dict()["Sign"] == hmac.new(b"s3", body, hashlib.sha512).hexdigest()
    assert source.next() > req.nonce()


def test_request_inputs_are_checked():
    req = Signer.from_recipe(Recipe.parse(PASSPHRASED), "k", "s", passphrase="p").request("GET", "/x")
    with pytest.raises(RestsignError) as e:
        req.url()
    assert e.value.status == Status.ERR_NOT_SIGNED
    with pytest.raises(RestsignError) as e:
        req.set_uuid("not-a-uuid")
    assert e.value.status == Status.ERR_INVALID_UUID
    assert req.set_uuid("0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e") is req
    for bad in (-1, 2**64):
        with pytest.raises(ValueError):
            req.set_time(bad)
    with pytest.raises(TypeError):
        req.set_time("1")  # type: ignore[arg-type]
    for url in ("http://host/path", "not a url"):
        with pytest.raises(RestsignError) as e:
            Signer.from_recipe("poloniex", "k", "s", base_url=url)
        assert e.value.status == Status.ERR_INVALID_BASE_URL, url
