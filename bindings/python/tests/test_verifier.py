"""The server side: accepts, replays, forgeries, malformed requests, unknown keys."""

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
