"""BitMEX and CoinEx are not in ccxt 4.5.90, so there is no oracle: these presets are checked against
their own documentation instead.

Two layers, both computed here with Python's hmac over the documented message (never from restsign):
  1. the documented message gives the documented signature (checks the reading of the documentation
     itself, where the documentation publishes a signature: BitMEX does, CoinEx does not);
  2. restsign, given the same request through its C API (preset by name, clock fixed with
     restsign_request_set_time), sends the headers the documentation asks for, carrying that
     signature.

Sources:
  BitMEX  https://www.bitmex.com/app/apiKeysUsage ("example calculations": key
          LAqUlngMIQkIUjXMUreyu3qn, secret chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO;
          signature = hex(HMAC_SHA256(secret, verb + path + expires + data)), path with its query)
  CoinEx  https://docs.coinex.com/api/v2/authorization (prepared_str = method + request_path (with
          the query string) + body (optional) + timestamp; hex lower-case HMAC-SHA256; headers
          X-COINEX-KEY, X-COINEX-SIGN, X-COINEX-TIMESTAMP). No signature is published, so layer 2
          uses a test secret.

Run: python3 tests/ccxt/doc_vectors.py (or under pytest) after `cargo build --release`;
RESTSIGN_LIB names another librestsign.so.
"""
import hashlib
import hmac
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

BITMEX_KEY = "LAqUlngMIQkIUjXMUreyu3qn"
BITMEX_SECRET = "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO"
BITMEX_ORDER = '{"symbol":"XBTM15","price":219.0,"clOrdID":"mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA","orderQty":98}'
# (verb, path with query, expires, data, documented signature)
BITMEX_DOCUMENTED = [
    ("GET", "/api/v1/instrument", 1518064236, "",
     "c7682d435d0cfe87c16098df34ef2eb5a549d4c5a3c2b1f0f77b8af73423bf00"),
    ("GET", "/api/v1/instrument?filter=%7B%22symbol%22%3A+%22XBTM15%22%7D", 1518064237, "",
     "e2f422547eecb5b3cb29ade2127e21b858b235b386bfa45e1c1756eb3383919f"),
    ("POST", "/api/v1/order", 1518064238, BITMEX_ORDER,
     "1749cd2ccae4aa49048ae09f0b95110cee706e0944e6a14ad0b3a8cb45bd336b"),
]
BITMEX_EXPIRES_AFTER = 5  # the preset's clock_offset: api-expires = now (s) + 5

COINEX_KEY = "4DA36FFC61334695A66F8D29020EB589"
COINEX_SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
COINEX_TS = 1700490703564
COINEX_GET_PATH = "/v2/spot/pending-order"
COINEX_GET_PARAMS = [("market", "BTCUSDT"), ("market_type", "SPOT"), ("side", "buy"), ("page", "1"), ("limit", "10")]
COINEX_GET_PREPARED = "GET" + "/v2/spot/pending-order?market=BTCUSDT&market_type=SPOT&side=buy&page=1&limit=10" + "1700490703564"
COINEX_POST_BODY = '{"market": "BTCUSDT", "type": "buy", "amount": "0.001", "price": "10000"}'


def hmac_hex(secret, message):
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def restsign(preset, method, path, key, secret, time_ms, params=(), body=None):
    """The signed request from restsign's C API (ctypes, restsign_c.py; RESTSIGN_LIB or
    target/release/librestsign.so), as {url, body, headers: {lower-case name: value}}. With `body`,
    the body is sent exactly as given (restsign_request_set_body) instead of parameters."""
    import ctypes
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from restsign_c import Restsign
    rs = _LIB.get("rs") or _LIB.setdefault("rs", Restsign())
    lib = rs.lib
    recipe = rs.preset(preset)
    opts, signer, req = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    try:
        rs._check(lib.restsign_signer_options_new(ctypes.byref(opts)), "options_new")
        k, s = key.encode(), secret.encode()
        rs._check(lib.restsign_signer_new_recipe(recipe.handle, k, len(k), s, len(s), opts,
                                                 ctypes.byref(signer)), "signer_new_recipe")
        p = path.encode()
        rs._check(lib.restsign_request_new(signer, method.encode(), p, len(p), ctypes.byref(req)),
                  "request_new")
        for name, value in params:
            n, v = name.encode(), value.encode()
            rs._check(lib.restsign_request_add_param(req, n, len(n), v, len(v)), "add_param")
        if body is not None:
            b = body.encode()
            lib.restsign_request_set_body.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
            lib.restsign_request_set_body.restype = ctypes.c_int32
            rs._check(lib.restsign_request_set_body(req, b, len(b)), "set_body")
        rs._check(lib.restsign_request_set_time(req, time_ms), "set_time")
        rs._check(lib.restsign_request_sign_with_nonce(req, 1), "sign_with_nonce")
        url = rs._view(lib.restsign_request_url, req, "url").decode()
        sent = rs._view(lib.restsign_request_body, req, "body").decode()
        count = ctypes.c_size_t()
        rs._check(lib.restsign_request_header_count(req, ctypes.byref(count)), "header_count")
        headers = {}
        for i in range(count.value):
            line = rs._view(lib.restsign_request_header, req, "header", ctypes.c_size_t(i)).decode()
            name, _, value = line.partition(": ")
            headers[name.lower()] = value
        return {"url": url, "body": sent, "headers": headers}
    finally:
        lib.restsign_request_free(req)
        lib.restsign_signer_free(signer)
        lib.restsign_signer_options_free(opts)


_LIB = {}


def test_bitmex_documented_messages():
    for verb, path, expires, data, documented in BITMEX_DOCUMENTED:
        assert hmac_hex(BITMEX_SECRET, verb + path + str(expires) + data) == documented, path


def test_bitmex_restsign_get():
    verb, path, expires, _, documented = BITMEX_DOCUMENTED[0]
    got = restsign("bitmex", verb, path, BITMEX_KEY, BITMEX_SECRET, (expires - BITMEX_EXPIRES_AFTER) * 1000)
    assert got["url"] == "https://www.bitmex.com/api/v1/instrument"
    assert got["headers"]["api-key"] == BITMEX_KEY
    assert got["headers"]["api-expires"] == str(expires)
    assert got["headers"]["api-signature"] == documented
    assert got["body"] == ""


def test_bitmex_restsign_get_with_query():
    # The documentation's client wrote the space in {"symbol": "XBTM15"} as '+'; restsign writes %20.
    # The signature covers the query as sent, so the expected value is the documented message with
    # restsign's encoding of the same parameter.
    _, _, expires, _, _ = BITMEX_DOCUMENTED[1]
    query = "filter=%7B%22symbol%22%3A%20%22XBTM15%22%7D"
    got = restsign("bitmex", "GET", "/api/v1/instrument", BITMEX_KEY, BITMEX_SECRET,
                   (expires - BITMEX_EXPIRES_AFTER) * 1000, params=[("filter", '{"symbol": "XBTM15"}')])
    assert got["url"] == "https://www.bitmex.com/api/v1/instrument?" + query
    assert got["headers"]["api-signature"] == hmac_hex(BITMEX_SECRET, "GET/api/v1/instrument?" + query + str(expires))


def test_bitmex_restsign_post():
    verb, path, expires, data, documented = BITMEX_DOCUMENTED[2]
    got = restsign("bitmex", verb, path, BITMEX_KEY, BITMEX_SECRET, (expires - BITMEX_EXPIRES_AFTER) * 1000, body=data)
    assert got["url"] == "https://www.bitmex.com/api/v1/order"
    assert got["body"] == data
    assert got["headers"]["api-expires"] == str(expires)
    assert got["headers"]["api-signature"] == documented


def test_coinex_restsign_get():
    got = restsign("coinex", "GET", COINEX_GET_PATH, COINEX_KEY, COINEX_SECRET, COINEX_TS, params=COINEX_GET_PARAMS)
    assert got["url"] == "https://api.coinex.com/v2/spot/pending-order?market=BTCUSDT&market_type=SPOT&side=buy&page=1&limit=10"
    assert got["headers"]["x-coinex-key"] == COINEX_KEY
    assert got["headers"]["x-coinex-timestamp"] == str(COINEX_TS)
    assert got["headers"]["x-coinex-sign"] == hmac_hex(COINEX_SECRET, COINEX_GET_PREPARED)
    assert got["body"] == ""


def test_coinex_restsign_post():
    got = restsign("coinex", "POST", "/v2/spot/order", COINEX_KEY, COINEX_SECRET, COINEX_TS, body=COINEX_POST_BODY)
    assert got["url"] == "https://api.coinex.com/v2/spot/order"
    assert got["body"] == COINEX_POST_BODY
    assert got["headers"]["x-coinex-sign"] == hmac_hex(COINEX_SECRET, "POST" + "/v2/spot/order" + COINEX_POST_BODY + str(COINEX_TS))


def test_coinex_restsign_post_without_body():
    # "body (optional)": a POST without parameters sends and signs no body.
    got = restsign("coinex", "POST", "/v2/spot/cancel-all-order", COINEX_KEY, COINEX_SECRET, COINEX_TS)
    assert got["body"] == ""
    assert got["headers"]["x-coinex-sign"] == hmac_hex(COINEX_SECRET, "POST/v2/spot/cancel-all-order" + str(COINEX_TS))


def restsign_verify(*args):
    """`restsign verify` (the release build) -> (exit code, what it printed)."""
    import subprocess
    exe = os.path.join(ROOT, "target", "release", "restsign")
    done = subprocess.run([exe, "verify", *args], capture_output=True, text=True, timeout=30)
    return done.returncode, done.stdout + done.stderr


def test_bitmex_documented_requests_pass_the_verifier():
    # The documentation's three requests, with their published signatures, as a server receives
    # them; the server's clock at the time of signing (expires minus the preset's offset). The
    # query keeps the documentation client's '+' for the space: the verifier signs what was sent.
    for verb, path, expires, data, documented in BITMEX_DOCUMENTED:
        args = ["--scheme=bitmex", "--key=" + BITMEX_KEY, "--secret=" + BITMEX_SECRET, "--method=" + verb,
                "--path=" + path, "--header=api-key: " + BITMEX_KEY, "--header=api-expires: " + str(expires),
                "--header=api-signature: " + documented, "--now=" + str((expires - BITMEX_EXPIRES_AFTER) * 1000)]
        if data:
            args.append("--body=" + data)
        code, out = restsign_verify(*args)
        assert code == 0 and out.startswith("valid"), (path, out)
        # One digit of the signature changed: refused, with the message the server expected.
        bad = documented[:-1] + ("0" if documented[-1] != "0" else "1")
        code, out = restsign_verify(*[a if not a.startswith("--header=api-signature") else "--header=api-signature: " + bad for a in args])
        assert code == 1 and "invalid signature" in out, (path, out)
        # Past its expiry (plus the window): refused as outside the window.
        late = [a if not a.startswith("--now=") else "--now=" + str((expires + 60) * 1000) for a in args]
        code, out = restsign_verify(*late)
        assert code == 1 and "outside" in out, (path, out)


def test_coinex_documented_requests_pass_the_verifier():
    # CoinEx publishes the prepared string, not a signature: Python's hmac signs it here, and the
    # request goes to `restsign verify` as a server would receive it, at the documented time (the
    # signature in upper case: hex is compared decoded).
    query = "market=BTCUSDT&market_type=SPOT&side=buy&page=1&limit=10"
    cases = [
        ("GET", COINEX_GET_PATH + "?" + query, "", COINEX_GET_PREPARED),
        ("POST", "/v2/spot/order", COINEX_POST_BODY, "POST/v2/spot/order" + COINEX_POST_BODY + str(COINEX_TS)),
    ]
    for method, target, body, prepared in cases:
        sign = hmac_hex(COINEX_SECRET, prepared)
        args = ["--scheme=coinex", "--key=" + COINEX_KEY, "--secret=" + COINEX_SECRET, "--method=" + method,
                "--path=" + target, "--header=X-COINEX-KEY: " + COINEX_KEY,
                "--header=X-COINEX-TIMESTAMP: " + str(COINEX_TS), "--header=X-COINEX-SIGN: " + sign.upper(),
                "--now=" + str(COINEX_TS + 1000)]
        if body:
            args.append("--body=" + body)
        code, out = restsign_verify(*args)
        assert code == 0 and out.startswith("valid"), (target, out)
        # The body or the query changed by one character: refused, with the message expected.
        changed = [a.replace("BTCUSDT", "BTCUSDC") for a in args]
        code, out = restsign_verify(*changed)
        assert code == 1 and "invalid signature" in out and "BTCUSDC" in out, (target, out)


if __name__ == "__main__":
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every failure, then the count
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"doc_vectors: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
