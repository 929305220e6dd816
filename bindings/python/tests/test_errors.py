"""Every way to call the binding wrongly ends in an exception that says why; none crashes."""

import copy
import os
import pickle
import subprocess
import sys

import pytest
from reference import UUID, credential

import restsign
from restsign import RestsignError, Status

BAD_CREDENTIALS = [
    ("nope", "k", "s", Status.ERR_UNKNOWN_SCHEME),
    ("MtGox-v1", "k", "czE=", Status.ERR_UNKNOWN_SCHEME),
    ("", "k", "s", Status.ERR_UNKNOWN_SCHEME),
    ("viabtc\0x", "k", "s", Status.ERR_UNKNOWN_SCHEME),
    ("poloniex", "k", "", Status.ERR_EMPTY_SECRET),
    ("poloniex", "", "s", Status.ERR_INVALID_KEY),
    ("apiauth", "a\nb", "s", Status.ERR_INVALID_KEY),
    ("viabtc", "a\0b", "s", Status.ERR_INVALID_KEY),
    ("mtgox-v1", "k", "not base64!", Status.ERR_SECRET_NOT_BASE64),
    ("mtgox-v2", "k", "YWI", Status.ERR_SECRET_NOT_BASE64),
    ("mtgox-stream", "k", "czE=", Status.ERR_KEY_NOT_UUID),
    ("mtgox-stream", UUID, "", Status.ERR_EMPTY_SECRET),
]


def raises(status, fn, *args):
    with pytest.raises(RestsignError) as e:
        fn(*args)
    assert e.value.status == status
    assert isinstance(e.value.status, Status)
    assert str(e.value) == restsign.errors.RestsignError.from_status(status).args[0] and str(e.value)
    return e.value


@pytest.mark.parametrize("scheme,key,secret,status", BAD_CREDENTIALS)
def test_bad_credentials(scheme, key, secret, status):
    raises(status, restsign.Signer, scheme, key, secret)
    raises(status, restsign.Verifier, scheme, key, secret)
    raises(status, restsign.Signer.shared, scheme, key, secret, "/nonexistent/never-created")


@pytest.mark.parametrize("method", ["", "GE T", "GET\0", "\0GET", "GET\r\n", "GÉT", "(GET)"])
def test_bad_methods(method):
    signer = restsign.Signer("poloniex", "k", "s")
    raises(Status.ERR_INVALID_METHOD, signer.sign, method, "", "x")
    raises(Status.ERR_INVALID_METHOD, signer.headers, method, "", "x")
    raises(Status.ERR_INVALID_METHOD, signer.request, method, "/x")


@pytest.mark.parametrize("nonce", [-1, 2**63, 2**64, 2**64 + 5])
def test_nonce_out_of_range_is_refused_not_wrapped(nonce):
    signer = restsign.Signer("apiauth", "k", "s")
    with pytest.raises(ValueError):
        signer.sign("GET", "/", "", nonce)
    with pytest.raises(ValueError):
        signer.request("GET", "/").sign_with_nonce(nonce)


def test_nonce_zero_for_a_request_is_the_library_s_error():
    raises(Status.ERR_NONCE_OUT_OF_RANGE, restsign.Signer("apiauth", "k", "s").request("GET", "/").sign_with_nonce, 0)


@pytest.mark.parametrize("value", ["1", 1.0, True, None])
def test_nonce_must_be_an_int(value):
    with pytest.raises(TypeError):
        restsign.Signer("apiauth", "k", "s").sign("GET", "/", "", value)


@pytest.mark.parametrize("value", [None, 5, 1.5, ["a"]])
def test_byte_arguments_must_be_str_or_bytes(value):
    with pytest.raises(TypeError):
        restsign.Signer("poloniex", "k", "s").sign("POST", "", value)
    with pytest.raises(TypeError):
        restsign.Signer("poloniex", value, "s")


def test_units():
    raises(Status.ERR_INVALID_UNIT, restsign.Nonce.memory, 0)
    raises(Status.ERR_INVALID_UNIT, restsign.Nonce.memory, 99)
    raises(Status.ERR_INVALID_UNIT, restsign.Nonce.memory, 2**32 + restsign.NonceUnit.MILLIS)  # not truncated to MILLIS
    raises(Status.ERR_INVALID_UNIT, restsign.Nonce.file, None, "k", -(2**31) - 1)
    raises(Status.ERR_UNKNOWN_SCHEME, restsign.Nonce.scheme_unit, "nope")
    with pytest.raises(TypeError):
        restsign.Nonce()


def test_request_errors():
    signer = restsign.Signer("poloniex", "k", "s")
    raises(Status.ERR_NOT_SIGNED, signer.request("POST", "/x").body)
    for view in ("body", "query", "target", "signature", "header_block", "headers", "nonce"):
        raises(Status.ERR_NOT_SIGNED, getattr(signer.request("POST", "/x"), view))
    raises(Status.ERR_PARAMS_AND_BODY, signer.request("POST", "/x").param("a", "b").set_body("c=d").sign)
    raises(Status.ERR_JSON_NOT_OBJECT, restsign.Signer("viabtc", "k", "s").request("POST", "/x").set_json("[1]").sign)
    raises(Status.ERR_JSON_NOT_UTF8, restsign.Signer("viabtc", "k", "s").request("POST", "/x").param("n", b"caf\xe9").sign)
    raises(Status.ERR_NO_HEADERS, restsign.Signer("mtgox-stream", *credential("mtgox-stream")).headers, "GET", "", "{}")
    signed = signer.request("POST", "/x").sign()
    signed.param("late", "1")
    raises(Status.ERR_NOT_SIGNED, signed.body)  # changing it unsigns it
    with pytest.raises(TypeError):
        restsign.Request("not a signer", "POST", "/x")


def test_closed_handles_raise_null_handle():
    signer = restsign.Signer("poloniex", "k", "s")
    signer.close()
    signer.close()  # idempotent
    raises(Status.ERR_NULL_HANDLE, signer.sign, "POST", "", "x")
    raises(Status.ERR_NULL_HANDLE, signer.next_nonce)
    raises(Status.ERR_NULL_HANDLE, signer.request, "POST", "/x")
    nonce = restsign.Nonce.memory(restsign.NonceUnit.MILLIS)
    nonce.close()
    raises(Status.ERR_NULL_HANDLE, nonce.next)
    raises(Status.ERR_NULL_HANDLE, restsign.Signer, "poloniex", "k", "s", nonce)
    with restsign.Verifier("poloniex", "k", "s") as v:
        pass
    raises(Status.ERR_NULL_HANDLE, v.check, "POST", "/x", [], "")
    with restsign.Signer("poloniex", "k", "s").request("POST", "/x") as req:
        pass
    raises(Status.ERR_NULL_HANDLE, req.sign)


@pytest.mark.parametrize("make", [
    lambda: restsign.Signer("poloniex", "k", "s"),
    lambda: restsign.Nonce.memory(2),
    lambda: restsign.Verifier("poloniex", "k", "s"),
    lambda: restsign.Signer("poloniex", "k", "s").request("POST", "/x"),
])
def test_handles_cannot_be_copied(make):
    obj = make()
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError):
            attempt(obj)


def test_state_file_errors(tmp_path):
    path = tmp_path / "nonce"
    restsign.Nonce.file(str(path), "k", restsign.NonceUnit.MILLIS).next()
    raises(Status.ERR_NONCE_STATE_FOREIGN, restsign.Nonce.file, str(path), "other key", restsign.NonceUnit.MILLIS)
    raises(Status.ERR_NONCE_STATE_FOREIGN, restsign.Nonce.file, str(path), "k", restsign.NonceUnit.SECONDS)
    short = tmp_path / "short"
    short.write_bytes(path.read_bytes()[:40])  # a state file cut short
    raises(Status.ERR_NONCE_STATE_TRUNCATED, restsign.Nonce.file, str(short), "k", restsign.NonceUnit.MILLIS)
    damaged = bytearray(path.read_bytes())
    damaged[20] ^= 1  # one bit of the key's fingerprint flipped
    (tmp_path / "damaged").write_bytes(bytes(damaged))
    raises(Status.ERR_NONCE_STATE_CORRUPT, restsign.Nonce.file, str(tmp_path / "damaged"), "k", restsign.NonceUnit.MILLIS)
    foreign = tmp_path / "foreign"
    foreign.write_bytes(b"not a nonce state file, not at all, long enough to be one" * 4)
    raises(Status.ERR_NONCE_STATE_FOREIGN, restsign.Nonce.file, str(foreign), "k", restsign.NonceUnit.MILLIS)
    (tmp_path / "dir").mkdir()
    raises(Status.ERR_STATE_NOT_REGULAR, restsign.Nonce.file, str(tmp_path / "dir"), "k", 2)  # a directory where the file should be
    raises(Status.ERR_NONCE_STATE_IO, restsign.Nonce.file, str(tmp_path) + "/a\0b", "k", 2)
    raises(Status.ERR_NONCE_STATE_IO, restsign.Signer.shared, "poloniex", "k", "s", "/proc/nope/x")
    raises(Status.ERR_NONCE_STATE_IO, restsign.Verifier.shared, "poloniex", "k", "s", tmp_path / "a\0b")
    with pytest.raises(TypeError):
        restsign.Nonce.file(42, "k", 2)


def test_redis_source_says_when_the_library_lacks_it():
    if restsign._ffi.has("restsign_nonce_new_redis"):
        pytest.skip("this library has a Redis source; its tests belong with it")
    with pytest.raises(NotImplementedError, match="Redis"):
        restsign.Nonce.redis("redis://127.0.0.1/", "k", restsign.NonceUnit.MILLIS)


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True)


def test_missing_library_is_a_clear_catchable_error():
    code = (
        "import restsign\n"  # importing never needs the library
        "try:\n    restsign.Signer('poloniex', 'k', 's')\n"
        "except restsign.LibraryNotFoundError as e:\n    print(e)\n"
    )
    out = run_python(code, RESTSIGN_LIB="/nonexistent/librestsign.so")
    assert out.returncode == 0, out.stderr
    assert "set RESTSIGN_LIB" in out.stdout and "/nonexistent/librestsign.so" in out.stdout


def test_loading_rules(tmp_path):
    assert restsign.library_candidates() == [os.environ["RESTSIGN_LIB"]] if os.environ.get("RESTSIGN_LIB") else True
    out = run_python("import restsign; print(restsign.library_candidates())", RESTSIGN_LIB="/x/librestsign.so")
    assert out.stdout.strip() == "['/x/librestsign.so']"
    env = {k: v for k, v in os.environ.items() if k != "RESTSIGN_LIB"}
    out = subprocess.run([sys.executable, "-c", "import restsign; print(restsign.library_candidates())"], env=env, capture_output=True, text=True)
    assert out.stdout.strip().endswith("'librestsign.so.0.1', 'librestsign.so']"), out
