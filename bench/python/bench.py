"""A whole signed request from Python: restsign (ctypes) against ccxt 4.5.90's own sign().

The scheme is Poloniex's old tradingApi: a form-encoded POST body ending in a nonce, signed with
HMAC-SHA512 in lower-case hex, sent with `Key` and `Sign` headers. ccxt 4.5.90's `poloniex` signs
Poloniex's new API (HMAC-SHA256, base64, signTimestamp headers), so it is not this scheme. The
ccxt exchange whose private API uses exactly this scheme is `zaif` (body `method=...&nonce=...`,
`Key`, `Sign` = HMAC-SHA512 hex of the body): its sign() is what restsign is compared with. Both
produce the same things: the URL, the body with a fresh nonce, and the header dict. Each result is
checked with Python's hmac before timing. ccxt's poloniex (the new scheme) is timed too, for
reference only.

Interleaved rounds (each round times every candidate in turn): medians of the per-call times, and
the median of the per-round ratios to ccxt.
Usage: python bench.py [ROUNDS] [CALLS_PER_ROUND]
"""

import ctypes
import hashlib
import hmac
import statistics
import sys
import time
import urllib.parse
from ctypes import POINTER, byref, c_char, c_size_t, c_void_p

import ccxt
import restsign

KEY = "bench-api-key-0123456789"
SECRET = "bench-secret-" + "9f" * 40  # 93 bytes, as long as real Poloniex secrets
BASE = "https://poloniex.com"


def check_sha512_form(body: bytes, headers: dict, key_name: str, sign_name: str) -> None:
    want = hmac.new(SECRET.encode(), body, hashlib.sha512).hexdigest()
    assert headers[key_name] == KEY and headers[sign_name] == want, (body, headers)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 31
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000

    zaif = ccxt.zaif({"apiKey": KEY, "secret": SECRET})
    polo = ccxt.poloniex({"apiKey": KEY, "secret": SECRET})
    signer = restsign.Signer("poloniex", KEY, SECRET)
    shared = restsign.Signer.shared("poloniex", KEY, SECRET)  # nonces shared across processes

    def ccxt_zaif():
        return zaif.sign("get_info2", "private", "POST", {})

    def ccxt_poloniex_v3():
        return polo.sign("accounts/balances", "private", "GET", {})

    def restsign_request(s=signer):
        r = s.request("POST", "/tradingApi").param("command", "returnBalances").sign()
        return {"url": BASE + r.target(), "method": "POST", "body": r.body(), "headers": r.header_dict()}

    def restsign_request_shared():
        return restsign_request(shared)

    polling = signer.request("POST", "/tradingApi").param("command", "returnBalances")

    def restsign_request_reused():
        # The same request kept and signed again (a bot polling returnBalances): a new nonce, body
        # and signature each time, without building the request anew.
        r = polling.sign()
        return {"url": BASE + r.target(), "method": "POST", "body": r.body(), "headers": r.header_dict()}

    def restsign_headers():
        # The body built in Python around restsign's nonce; restsign signs it and writes the headers.
        body = "command=returnBalances&nonce=%d" % signer.next_nonce()
        lines = signer.headers("POST", "", body)
        return {"url": BASE + "/tradingApi", "method": "POST", "body": body, "headers": dict(line.split(": ", 1) for line in lines)}

    # Where the time goes: the same C calls as restsign_request, made directly, without the
    # binding's Python methods. First through the binding's declared functions (ctypes converts
    # each argument by its declared type), then through undeclared ones (arguments passed as
    # ready ctypes values): the floor of any ctypes binding making these calls.
    lib = restsign._ffi.lib()
    raw = ctypes.CDLL(lib._name)
    for name in ("restsign_request_new", "restsign_request_add_param", "restsign_request_sign", "restsign_request_body",
                 "restsign_request_target", "restsign_request_header_block"):
        getattr(raw, name).restype = ctypes.c_int32
    handle = signer._handle
    data, length = POINTER(c_char)(), c_size_t()
    out = (byref(data), byref(length))
    s7, s11, s14 = c_size_t(7), c_size_t(11), c_size_t(14)

    def calls_only(api, n7, n11, n14):
        h = c_void_p()
        api.restsign_request_new(handle, b"POST", b"/tradingApi", n11, byref(h))
        api.restsign_request_add_param(h, b"command", n7, b"returnBalances", n14)
        api.restsign_request_sign(h)
        api.restsign_request_body(h, *out)
        body = data[: length.value]
        api.restsign_request_target(h, *out)
        url = BASE + data[: length.value].decode()
        api.restsign_request_header_block(h, *out)
        headers = dict(line.split(": ", 1) for line in data[: length.value].decode().split("\r\n")[:-1])
        lib.restsign_request_free(h)
        return {"url": url, "method": "POST", "body": body, "headers": headers}

    def ctypes_declared():
        return calls_only(lib, 7, 11, 14)

    def ctypes_undeclared():
        return calls_only(raw, s7, s11, s14)

    # Each candidate's output is right before it is timed.
    z = ccxt_zaif()
    assert urllib.parse.parse_qs(z["body"]).keys() == {"method", "nonce"}
    check_sha512_form(z["body"].encode(), z["headers"], "Key", "Sign")
    for fn in (restsign_request, restsign_request_shared, restsign_request_reused, ctypes_declared, ctypes_undeclared):
        r = fn()
        check_sha512_form(r["body"], r["headers"], "Key", "Sign")
    h = restsign_headers()
    check_sha512_form(h["body"].encode(), h["headers"], "Key", "Sign")
    assert "signature" in ccxt_poloniex_v3()["headers"]

    candidates = {
        "ccxt zaif sign() (same scheme)": ccxt_zaif,
        "restsign Request (memory nonce)": restsign_request,
        "restsign Request (shared-file nonce)": restsign_request_shared,
        "restsign Request kept and re-signed": restsign_request_reused,
        "restsign Signer.headers + Python body": restsign_headers,
        "same C calls, declared ctypes functions": ctypes_declared,
        "same C calls, undeclared (ctypes floor)": ctypes_undeclared,
        "ccxt poloniex sign() (new API, other scheme)": ccxt_poloniex_v3,
    }
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.perf_counter_ns()
            for _ in range(calls):
                fn()
            times[name].append((time.perf_counter_ns() - start) / calls)

    print(f"python {sys.version.split()[0]}, ccxt {ccxt.__version__}, librestsign {restsign.Signer.version()}, "
          f"{rounds} interleaved rounds x {calls} calls, medians")
    print(f"example bodies: ccxt zaif {z['body']!r}; restsign {restsign_request()['body']!r}")
    # On a loaded machine whole rounds run slow together, so each round gives its own ratio to
    # ccxt (measured moments apart); the ratio reported is the median of those.
    base = times["ccxt zaif sign() (same scheme)"]
    print(f"{'':46s} {'median':>8s}     {'ccxt zaif / this, median of rounds':>34s}   (range of round ratios)")
    for name, t in times.items():
        ratios = [b / x for b, x in zip(base, t)]
        print(f"{name:46s} {statistics.median(t) / 1000:8.2f} us  {statistics.median(ratios):34.2f}x   ({min(ratios):.2f} - {max(ratios):.2f})")


if __name__ == "__main__":
    main()
