"""The server side: accepts, replays, forgeries, malformed requests, unknown keys."""

import base64
import hashlib
import hmac
import multiprocessing

import pytest
import reference
from reference import credential

import restsign
from restsign import RejectedError, Status


def signed(scheme="poloniex", nonce=None):
    key, secret = credential(scheme)
    req = restsign.Signer(scheme, key, secret).request("POST", "/tradingApi").param("command", "returnBalances")
    req.sign() if nonce is None else req.sign_with_nonce(nonce)
    return key, secret, req


def test_accepts_then_refuses_the_replay():
    key, secret, req = signed()
    v = restsign.Verifier("poloniex", key, secret)
    verdict = v.check("POST", "/tradingApi", req.headers(), req.body())
    assert verdict.ok and verdict.key == key.decode() and verdict.nonce == req.nonce()
    assert verdict.expected_message is None
    with pytest.raises(RejectedError) as e:
        v.check("POST", "/tradingApi", req.header_block(), req.body())
    assert e.value.status == Status.ERR_STALE_NONCE and e.value.verdict.nonce == req.nonce()


def test_bad_signature_says_what_was_expected():
    key, secret, req = signed(nonce=5)
    v = restsign.Verifier("poloniex", key, secret)
    with pytest.raises(RejectedError) as e:
        v.check("POST", "/tradingApi", req.headers(), req.body() + b"&x=1")
    verdict = e.value.verdict
    assert verdict.status == Status.ERR_BAD_SIGNATURE and not verdict.ok
    assert verdict.expected_message == b"command=returnBalances&nonce=5&x=1"
    assert verdict.expected_signature == reference.sign("poloniex", key, secret, b"", verdict.expected_message, 0)
    # A forgery does not move the replay state: the genuine request is still accepted.
    assert v.check("POST", "/tradingApi", req.headers(), req.body()).nonce == 5


def test_malformed_and_unknown_key():
    key, secret, req = signed()
    v = restsign.Verifier("poloniex", key, secret)
    with pytest.raises(RejectedError) as e:
        v.check("POST", "/tradingApi", [], req.body())
    assert e.value.status == Status.ERR_MALFORMED and e.value.verdict.key is None and str(e.value)
    with pytest.raises(RejectedError) as e:
        v.check("POST\0", "/tradingApi", req.headers(), req.body())
    assert e.value.status == Status.ERR_MALFORMED
    other = restsign.Verifier("poloniex", "someone-else", "x")
    with pytest.raises(RejectedError) as e:
        other.check("POST", "/tradingApi", req.headers(), req.body())
    assert e.value.status == Status.ERR_UNKNOWN_KEY and e.value.verdict.key == key.decode()
    assert other.add_key(key, secret).check("POST", "/tradingApi", req.headers(), req.body()).ok


def test_argument_errors_are_not_verdicts(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(restsign.RestsignError) as e:
        restsign.Verifier.shared("poloniex", "k", "s", str(tmp_path / "file"))
    # A regular file where the state directory should be: refused as not a directory (hardening).
    assert e.value.status == Status.ERR_STATE_NOT_REGULAR and not isinstance(e.value, RejectedError)


def _check_in_child(state_dir, headers, body, out):
    key, secret = credential("poloniex")
    v = restsign.Verifier.shared("poloniex", key, secret, state_dir)
    try:
        v.check("POST", "/tradingApi", headers, body)
        out.put("accepted")
    except RejectedError as e:
        out.put(e.status.name)


def test_shared_replay_state_across_processes(tmp_path):
    key, secret, req = signed()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    for _ in range(2):
        p = ctx.Process(target=_check_in_child, args=(str(tmp_path), req.headers(), req.body(), out))
        p.start()
        p.join(timeout=60)
    assert [out.get(timeout=10), out.get(timeout=10)] == ["accepted", "ERR_STALE_NONCE"]


# ---- check_request: any recipe, the whole request as received ----

# Kraken's published example (docs.kraken.com, REST API "Authentication"): secret, request and
# API-Sign as Kraken gives them, checked here without restsign having signed anything.
KRAKEN_SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
KRAKEN_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
KRAKEN_SIGN = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="


def _rejected(status, check):
    with pytest.raises(RejectedError) as e:
        check()
    assert e.value.status == e.value.verdict.status == status and not e.value.verdict.ok
    return e.value.verdict


@pytest.mark.parametrize(
    "preset, path, removed, digest",
    [("binance", "/api/v3/order", "X-MBX-APIKEY", "hex"), ("okx", "/api/v5/trade/order", "OK-ACCESS-TIMESTAMP", "base64")],
)
def test_check_request_accepts_then_refuses_replays_changes_and_missing_headers(preset, path, removed, digest):
    key, secret = b"my-key", b"a secret of some length"
    passphrase = "okx passphrase" if preset == "okx" else None
    req = restsign.Signer.from_recipe(preset, key, secret, passphrase=passphrase).request("POST", path)
    (req.param("symbol", "BTCUSDT").param("side", "BUY") if preset == "binance" else req.set_json('{"instId":"BTC-USDT"}')).sign()
    v = restsign.Verifier(preset, key, secret)
    if passphrase:
        v.add_key_with_passphrase(key, secret, passphrase)

    verdict = v.check_request("POST", req.target(), req.header_dict(), req.body())
    assert verdict.ok and verdict.key == "my-key" and verdict.part is None
    _rejected(Status.ERR_REPLAYED, lambda: v.check_request("POST", req.target(), req.header_block(), req.body()))

    changed = req.body().replace(b"BTCUSDT", b"BTCUSDC").replace(b"BTC-USDT", b"BTC-USDC")
    bad = _rejected(Status.ERR_BAD_SIGNATURE, lambda: v.check_request("POST", req.target(), req.headers(), changed))
    assert bad.received_signature == req.signature()
    assert bad.expected_message is not None and b"BTCUSDC" in bad.expected_message or b"BTC-USDC" in bad.expected_message
    # What the verifier expected, recomputed with Python's hmac over the message it reports.
    tag = hmac.new(secret, bad.expected_message, hashlib.sha256).digest()
    assert bad.expected_signature == (tag.hex() if digest == "hex" else base64.b64encode(tag).decode())

    headers = [(n, x) for n, x in req.header_dict().items() if n != removed]
    malformed = _rejected(Status.ERR_MALFORMED, lambda: v.check_request("POST", req.target(), headers, req.body()))
    assert malformed.part == f"header {removed}" and malformed.reason


def test_check_request_kraken_published_example():
    def check(sign, headers=dict):
        v = restsign.Verifier("kraken", "kraken-key", KRAKEN_SECRET)  # fresh: the nonce is new to it
        return v.check_request("POST", "/0/private/AddOrder", headers({"API-Key": "kraken-key", "API-Sign": sign}), KRAKEN_BODY)

    assert check(KRAKEN_SIGN).nonce == 1616492376594
    # Wrapped as a folded header: unfolded to a space, which base64 decoding forgives.
    assert check(KRAKEN_SIGN[:76] + "\n " + KRAKEN_SIGN[76:], lambda h: list(h.items())).ok
    changed = KRAKEN_SIGN.replace("4/dp", "5/dp", 1)
    assert _rejected(Status.ERR_BAD_SIGNATURE, lambda: check(changed)).received_signature == changed


def test_check_request_arguments():
    v = restsign.Verifier("kraken", "k", KRAKEN_SECRET).set_window_ms(5000)
    with pytest.raises(ValueError):
        v.set_window_ms(-1)
    with pytest.raises(ValueError):
        v.check_request("POST", "/", [("API:Key", "k")], "")
    # Recipes check() cannot follow say so, and point to check_request().
    with pytest.raises(restsign.RestsignError) as e:
        restsign.Verifier("okx", "k", "s").check("POST", "/", [], "")
    assert e.value.status == Status.ERR_VERIFY_UNSUPPORTED and not isinstance(e.value, RejectedError)
