"""What the ccxt comparison signs: per preset, ccxt's exchange id and API sections, real private
endpoints, and a seeded random request generator.

How a restsign request maps to ccxt's: restsign gets the HTTP method, the URL path
(`/api/v3/account`) and the parameters as ordered (name, value) string pairs; ccxt gets
`sign(path, api, method, params)` with its implicit-API section (`["private"]`) and the endpoint
inside it (`"account"`), and the same parameters as a dict in the same order. The preset's
`base_url` + path + `?query` must then equal ccxt's URL.

Random requests (seeded, so every run signs the same ones): GET and POST (and DELETE where the
exchange has it), no parameters, one to three, many (up to 20); values plain, with spaces, unicode,
`& = + % / :` and other punctuation, quotes and backslashes (JSON escaping), tabs and newlines,
empty strings, long values (up to 1000 characters). Parameter names are random and never one the
recipe injects or ccxt treats specially (`reserved`).

Where ccxt deviates from the exchange's documented scheme, a preset names the deviation:
- `quirk(req)` says whether a request triggers a deviation of ccxt's *signature*. Such a request is
  checked against the documented scheme with Python's hmac (`documented(req, out)`), and then
  `defuse(req, rng)` gives a request without the trigger, which is compared with ccxt as usual.
- `drop_headers`: broker tags ccxt adds that are not part of the exchange's scheme.
- `normalise(ccxt_out)`: a named rewrite of ccxt's output that does not touch what is signed.
- `alias_host`: an alias signs like its preset but ccxt sends it to another host (the recipe has a
  single base_url; see NOTES.md): the URL is compared after putting the recipe's host in.

Other preset tables: any `cases_*.py` beside this file that defines `PRESETS` (a list of Preset)
is merged in after these.
"""
import base64
import glob
import hashlib
import hmac
import importlib
import json
import os
import random
import re
import string
import urllib.parse
import uuid as uuidlib
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import orjson


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str            # restsign's URL path
    api: tuple           # ccxt's implicit-API section
    ccxt_path: str       # ccxt's endpoint inside that section


@dataclass
class Request:
    endpoint: Endpoint
    params: list         # [(name, value)], unique names
    key: str
    secret: str
    passphrase: Optional[str]
    time_ms: int
    nonce: int
    uuid: str

    @property
    def method(self):
        return self.endpoint.method


@dataclass
class Preset:
    name: str
    exchange: str
    endpoints: list
    base_url: str                        # the recipe's, for the alias host rewrite
    secret: str = "raw"                  # raw | base64 | coinbase (raw, not mistaken for a CDP key)
    key_prefix: str = ""
    passphrase: bool = False
    nonce: bool = False                  # the recipe signs restsign's nonce: ccxt's is patched to it
    reserved: tuple = ()
    alias_host: bool = False
    drop_headers: tuple = ()
    normalise: Optional[Callable] = None
    quirk: Optional[Callable] = None
    defuse: Optional[Callable] = None
    documented: Optional[Callable] = None
    deviations: tuple = ()               # the deviations' names, for the report


# --- random inputs ---------------------------------------------------------------------------

UNRESERVED = string.ascii_letters + string.digits + "-._~"
PUNCT = "&=+%/:?#,;@!*'()[]\"\\<>|^`{}"
UNICODE = ["é", "€", "日本", "😀", "Ω", "ß", "ü", "ñ", "中文", "\u00a0"]


def _value(rng):
    kind = rng.choice(["plain", "plain", "space", "unicode", "punct", "mixed", "empty", "long",
                       "control", "number"])
    if kind == "plain":
        return "".join(rng.choice(UNRESERVED) for _ in range(rng.randint(1, 16)))
    if kind == "space":
        return " ".join(_plain(rng, 1, 8) for _ in range(rng.randint(2, 4)))
    if kind == "unicode":
        return "".join(rng.choice(UNICODE + [_plain(rng, 1, 3)]) for _ in range(rng.randint(1, 5)))
    if kind == "punct":
        return "".join(rng.choice(PUNCT + "&=+%/: ") for _ in range(rng.randint(1, 10)))
    if kind == "mixed":
        pool = list(UNRESERVED) + list(PUNCT) + UNICODE + [" "]
        return "".join(rng.choice(pool) for _ in range(rng.randint(1, 30)))
    if kind == "empty":
        return ""
    if kind == "long":
        pool = list(UNRESERVED) * 4 + list(PUNCT) + UNICODE + [" "]
        return "".join(rng.choice(pool) for _ in range(rng.randint(200, 1000)))
    if kind == "control":
        return _plain(rng, 1, 4) + rng.choice(["\t", "\n", "\r\n"]) + _plain(rng, 1, 4)
    return str(rng.choice([rng.randint(0, 10**9), rng.uniform(0, 1e5)]))


def _plain(rng, lo, hi):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(lo, hi)))


def _name(rng):
    return rng.choice(string.ascii_lowercase) + "".join(
        rng.choice(string.ascii_letters + string.digits + "_") for _ in range(rng.randint(0, 11)))


def random_params(rng, reserved, count=None):
    if count is None:
        count = rng.choice([0, 0, 1, 2, 3, rng.randint(4, 20)])
    names = []
    while len(names) < count:
        n = _name(rng)
        if n not in names and n not in reserved and not any(r in n for r in reserved if r[0] == "*"):
            names.append(n)
    return [(n, _value(rng)) for n in names]


def _secret(rng, kind):
    if kind == "base64":
        return base64.b64encode(rng.randbytes(rng.choice([32, 64]))).decode()
    # coinbase treats an 88-character secret or one ending in "=" as a CDP key (not HMAC)
    return _plain(rng, 16, 64)


def random_request(preset, rng):
    endpoint = rng.choice(preset.endpoints)
    return Request(
        endpoint=endpoint,
        params=random_params(rng, preset.reserved),
        key=preset.key_prefix + _plain(rng, 8, 48),
        secret=_secret(rng, preset.secret),
        passphrase=("".join(rng.choice(string.ascii_letters + string.digits + "!@#$%^&*- ")
                            for _ in range(rng.randint(1, 24))) if preset.passphrase else None),
        # 2001..2065, any millisecond
        time_ms=rng.randint(10**12, 3 * 10**12),
        nonce=rng.randint(1, 2**53),
        uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
    )


# The input kinds the issue asks every preset to be checked on; compare.py fails a preset whose
# checked requests miss one (methods: each method the preset's endpoints use). A request checked
# against the documented scheme (a named deviation) counts too: bitstamp's empty POST is only there.
KINDS = {
    "no params": lambda r: not r.params,
    "many params": lambda r: len(r.params) >= 4,
    "spaces": lambda r: any(" " in v for _, v in r.params),
    "unicode": lambda r: any(ord(c) > 127 for _, v in r.params for c in v),
    "& = + % / :": lambda r: any(c in v for _, v in r.params for c in "&=+%/:"),
    "empty value": lambda r: any(v == "" for _, v in r.params),
    "long value": lambda r: any(len(v) >= 200 for _, v in r.params),
}


def kinds_of(req):
    return [req.method] + [k for k, f in KINDS.items() if f(req)]


def kinds_expected(preset):
    return sorted({e.method for e in preset.endpoints}) + list(KINDS)


def requests_for(preset, seed, n):
    rng = random.Random(f"{seed}:{preset.name}")
    return rng, [random_request(preset, rng) for _ in range(n)]


# --- the documented schemes, for requests that trigger a ccxt deviation -----------------------

def urlencode(params):
    """The exchanges' (and ccxt's) percent-encoding: UTF-8, all but A-Z a-z 0-9 - . _ ~ as %XX."""
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def _hmac(secret, msg, h):
    return hmac.new(secret, msg.encode() if isinstance(msg, str) else msg, h).digest()


def _b64(b):
    return base64.b64encode(b).decode()


def _compare_documented(out, url, body, headers):
    problems = []
    if out["url"] != url:
        problems.append(f"url\n  restsign:   {out['url']!r}\n  documented: {url!r}")
    if out["body"] != body:
        problems.append(f"body\n  restsign:   {out['body']!r}\n  documented: {body!r}")
    got = dict(out["headers"])
    for k, v in headers.items():
        if got.get(k) != v:
            problems.append(f"header {k}\n  restsign:   {got.get(k)!r}\n  documented: {v!r}")
    return problems


def _is_plain(params):
    return all(all(c in UNRESERVED for c in n + v) for n, v in params)


def _plain_values(req, rng):
    return replace(req, params=[(n, v if all(c in UNRESERVED for c in v) else _plain(rng, 1, 12))
                                for n, v in req.params])


COINBASE_BRACKETS = "ccxt drops %5B<digits>%5D from a GET URL but signs it"
RAW_GET = "ccxt puts the GET query percent-decoded in the URL and signs that (EXCHANGES.md quirks)"


def _json(params):
    return orjson.dumps(dict(params)).decode()


def kucoin_documented(base):
    def check(req, out):
        # KuCoin: ts + METHOD + path + ?query + body; GET/DELETE: the query as sent
        # (percent-encoded); others: the JSON body, none without parameters.
        in_query = req.method in ("GET", "DELETE")
        q = urlencode(req.params) if in_query else ""
        body = "" if in_query or not req.params else _json(req.params)
        path = req.endpoint.path + ("?" + q if q else "")
        ts = str(req.time_ms)
        secret = req.secret.encode()
        sig = _b64(_hmac(secret, ts + req.method + path + body, hashlib.sha256))
        return _compare_documented(out, base + path, body, {
            "KC-API-KEY": req.key, "KC-API-SIGN": sig, "KC-API-TIMESTAMP": ts,
            "KC-API-KEY-VERSION": "2",
            "KC-API-PASSPHRASE": _b64(_hmac(secret, req.passphrase, hashlib.sha256)),
        })
    return check


def bybit_documented(req, out):
    # Bybit v5: ts + key + recvWindow + (GET: the query as sent, percent-encoded | POST: the JSON
    # body, "{}" without parameters).
    q = urlencode(req.params) if req.method == "GET" else ""
    body = "" if req.method == "GET" else _json(req.params)
    ts = str(req.time_ms)
    sig = _hmac(req.secret.encode(), ts + req.key + "5000" + q + body, hashlib.sha256).hex()
    url = "https://api.bybit.com" + req.endpoint.path + ("?" + q if q else "")
    return _compare_documented(out, url, body, {
        "X-BAPI-API-KEY": req.key, "X-BAPI-TIMESTAMP": ts, "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN": sig})


def bitstamp_documented(req, out):
    # Bitstamp v2: the Content-Type is in the message only when there is a body.
    body = urlencode(req.params) if req.params else ""
    ts = str(req.time_ms)
    msg = ("BITSTAMP " + req.key + req.method + "www.bitstamp.net" + req.endpoint.path +
           ("application/x-www-form-urlencoded" if body else "") + req.uuid + ts + "v2" + body)
    sig = _hmac(req.secret.encode(), msg, hashlib.sha256).hex()
    return _compare_documented(out, "https://www.bitstamp.net" + req.endpoint.path, body, {
        "X-Auth": "BITSTAMP " + req.key, "X-Auth-Signature": sig, "X-Auth-Nonce": req.uuid,
        "X-Auth-Timestamp": ts, "X-Auth-Version": "v2"})


def kraken_documented(req, out):
    # Kraken: path + SHA256(nonce + body), body = nonce first, percent-encoded like any form.
    body = urlencode([("nonce", str(req.nonce))] + req.params)
    inner = hashlib.sha256((str(req.nonce) + body).encode()).digest()
    sig = _b64(_hmac(base64.b64decode(req.secret), req.endpoint.path.encode() + inner,
                     hashlib.sha512))
    return _compare_documented(out, "https://api.kraken.com" + req.endpoint.path, body,
                               {"API-Key": req.key, "API-Sign": sig})


def coinbase_documented(signs_query):
    def check(req, out):
        # Coinbase /v2 and /api/v3 (HMAC keys): ts + METHOD + path (+ ?query for /v2) + body
        q = urlencode(req.params) if req.method == "GET" else ""
        body = "" if req.method == "GET" or not req.params else _json(req.params)
        ts = str(req.time_ms // 1000)
        msg = ts + req.method + req.endpoint.path + ("?" + q if q and signs_query else "") + body
        sig = _hmac(req.secret.encode(), msg, hashlib.sha256).hex()
        return _compare_documented(
            out, "https://api.coinbase.com" + req.endpoint.path + ("?" + q if q else ""), body,
            {"CB-ACCESS-KEY": req.key, "CB-ACCESS-SIGN": sig, "CB-ACCESS-TIMESTAMP": ts})
    return check


def _coinbase_quirk(req):
    if req.method == "GET" and re.search(r"%5B\d*%5D", urlencode(req.params)):
        return ("ccxt's urlencode_with_array_repeat deletes %5B<digits>%5D from the GET URL "
                "(meant for array parameters) but signs the query with it")
    return None


def _coinbase_defuse(req, rng):
    return replace(req, params=[(n, v.replace("[", "(")) for n, v in req.params])


def htx_documented(req, out):
    # HTX: Timestamp is the request time in whole seconds (truncated), no zone.
    import datetime
    ts = datetime.datetime.fromtimestamp(req.time_ms // 1000, datetime.timezone.utc)
    auth = [("AccessKeyId", req.key), ("SignatureMethod", "HmacSHA256"),
            ("SignatureVersion", "2"), ("Timestamp", ts.strftime("%Y-%m-%dT%H:%M:%S"))]
    body = ""
    if req.method == "POST":
        body = _json(req.params)
    else:
        auth += req.params
    q = urlencode(sorted(auth, key=lambda p: p[0].encode()))
    msg = "\n".join([req.method, "api.huobi.pro", req.endpoint.path, q])
    sig = _b64(_hmac(req.secret.encode(), msg, hashlib.sha256))
    url = "https://api.huobi.pro" + req.endpoint.path + "?" + q + "&" + urlencode([("Signature", sig)])
    return _compare_documented(out, url, body, {})


# --- the presets -------------------------------------------------------------------------------

E = Endpoint

BINANCE_RESERVED = ("timestamp", "recvWindow", "signature")
BINANCE_SPOT = [
    E("GET", "/api/v3/account", ("private",), "account"),
    E("GET", "/api/v3/myTrades", ("private",), "myTrades"),
    E("GET", "/sapi/v1/capital/config/getall", ("sapi",), "capital/config/getall"),
    # not POST /api/v3/order: ccxt adds its broker newClientOrderId there
    E("POST", "/api/v3/order/test", ("private",), "order/test"),
    E("POST", "/sapi/v1/margin/transfer", ("sapi",), "margin/transfer"),
    E("DELETE", "/api/v3/openOrders", ("private",), "openOrders"),
]

KUCOIN = [
    E("GET", "/api/v1/accounts", ("private",), "accounts"),
    E("GET", "/api/v1/orders", ("private",), "orders"),
    E("POST", "/api/v1/orders", ("private",), "orders"),
    E("POST", "/api/v2/accounts/inner-transfer", ("private",), "accounts/inner-transfer"),
    E("DELETE", "/api/v1/orders", ("private",), "orders"),
]


def _drop_body(out):
    out["body"] = None
    return out


def _strip_empty_query(out):
    # ccxt's bybit ends a GET without parameters with a bare "?"; the same request without it
    if out["url"].endswith("?"):
        out["url"] = out["url"][:-1]
    return out


def _raw_get_quirk(methods):
    return lambda req: RAW_GET if req.method in methods and not _is_plain(req.params) else None


def _htx_quirk(req):
    # ccxt's ymdhms: int(round(ms / 1000)), Python's round half to even
    if int(round(req.time_ms / 1000)) != req.time_ms // 1000:
        return "ccxt rounds the Timestamp's milliseconds to the nearest second (half-even); HTX's is the request second"
    return None


def _htx_defuse(req, rng):
    return replace(req, time_ms=req.time_ms - req.time_ms % 1000 + rng.randint(0, 499))


def _kraken_quirk(req):
    if any(c in "[]" for n, v in req.params for c in n + v):
        return "ccxt's urlencode_nested leaves [ and ] unencoded in the body"
    return None


def _kraken_defuse(req, rng):
    return replace(req, params=[(n, v.replace("[", "(").replace("]", ")")) for n, v in req.params])


def _bitstamp_quirk(req):
    if not req.params:
        return "ccxt sends and signs foo=bar as the body of an empty POST"
    return None


def _bitstamp_defuse(req, rng):
    return replace(req, params=random_params(rng, (), rng.randint(1, 5)))


PRESETS = [
    Preset("binance", "binance", BINANCE_SPOT, "https://api.binance.com",
           reserved=BINANCE_RESERVED),
    Preset("binanceus", "binanceus", [
        E("GET", "/api/v3/account", ("private",), "account"),
        E("POST", "/api/v3/order/test", ("private",), "order/test"),
        E("DELETE", "/api/v3/openOrders", ("private",), "openOrders"),
    ], "https://api.binance.us", reserved=BINANCE_RESERVED),
    Preset("binanceusdm", "binanceusdm", [
        E("GET", "/fapi/v2/account", ("fapiPrivateV2",), "account"),
        E("POST", "/fapi/v1/leverage", ("fapiPrivate",), "leverage"),
        E("DELETE", "/fapi/v1/allOpenOrders", ("fapiPrivate",), "allOpenOrders"),
    ], "https://fapi.binance.com", reserved=BINANCE_RESERVED),
    Preset("binancecoinm", "binancecoinm", [
        E("GET", "/dapi/v1/account", ("dapiPrivate",), "account"),
        E("POST", "/dapi/v1/leverage", ("dapiPrivate",), "leverage"),
    ], "https://dapi.binance.com", reserved=BINANCE_RESERVED),
    Preset("kraken", "kraken", [
        E("POST", "/0/private/Balance", ("private",), "Balance"),
        E("POST", "/0/private/TradesHistory", ("private",), "TradesHistory"),
        E("POST", "/0/private/AddOrder", ("private",), "AddOrder"),
    ], "https://api.kraken.com", secret="base64", nonce=True,
           # price ending in "%" switches ccxt to a JSON body (trigger offsets)
           reserved=("nonce", "price"),
           quirk=_kraken_quirk, defuse=_kraken_defuse, documented=kraken_documented,
           deviations=("kraken-brackets: ccxt leaves [ ] unencoded in the form body",)),
    Preset("krakenfutures", "krakenfutures", [
        E("GET", "/derivatives/api/v3/accounts", ("private",), "accounts"),
        E("GET", "/derivatives/api/v3/openpositions", ("private",), "openpositions"),
        E("POST", "/derivatives/api/v3/sendorder", ("private",), "sendorder"),
        E("POST", "/derivatives/api/v3/cancelorder", ("private",), "cancelorder"),
    ], "https://futures.kraken.com", secret="base64",
           # ccxt reads `version` (API version) and `orderIds` (array encoding) itself
           reserved=("version", "orderIds")),
    Preset("coinbaseexchange", "coinbaseexchange", [
        E("GET", "/accounts", ("private",), "accounts"),
        E("GET", "/orders", ("private",), "orders"),
        E("POST", "/orders", ("private",), "orders"),
        E("DELETE", "/orders", ("private",), "orders"),
    ], "https://api.exchange.coinbase.com", secret="base64", passphrase=True),
    Preset("coinbase-v2", "coinbase", [
        E("GET", "/v2/accounts", ("v2", "private"), "accounts"),
        E("GET", "/v2/user", ("v2", "private"), "user"),
        E("POST", "/v2/accounts/abc-123/transactions", ("v2", "private"),
          "accounts/abc-123/transactions"),
        E("DELETE", "/v2/notifications/xyz", ("v2", "private"), "notifications/xyz"),
    ], "https://api.coinbase.com", secret="coinbase",
           quirk=_coinbase_quirk, defuse=_coinbase_defuse, documented=coinbase_documented(True),
           deviations=("coinbase-array-brackets: " + COINBASE_BRACKETS,)),
    Preset("coinbase-v3", "coinbase", [
        E("GET", "/api/v3/brokerage/accounts", ("v3", "private"), "brokerage/accounts"),
        E("GET", "/api/v3/brokerage/orders/historical/batch", ("v3", "private"),
          "brokerage/orders/historical/batch"),
        E("POST", "/api/v3/brokerage/orders", ("v3", "private"), "brokerage/orders"),
        E("POST", "/api/v3/brokerage/orders/batch_cancel", ("v3", "private"),
          "brokerage/orders/batch_cancel"),
    ], "https://api.coinbase.com", secret="coinbase",
           quirk=_coinbase_quirk, defuse=_coinbase_defuse, documented=coinbase_documented(False),
           deviations=("coinbase-array-brackets: " + COINBASE_BRACKETS,)),
    Preset("coinbase", "coinbase", [
        E("GET", "/api/v3/brokerage/accounts", ("v3", "private"), "brokerage/accounts"),
        E("POST", "/api/v3/brokerage/orders", ("v3", "private"), "brokerage/orders"),
    ], "https://api.coinbase.com", secret="coinbase",
           quirk=_coinbase_quirk, defuse=_coinbase_defuse, documented=coinbase_documented(False),
           deviations=("coinbase-array-brackets: " + COINBASE_BRACKETS,)),
    Preset("bitfinex", "bitfinex", [
        E("POST", "/v2/auth/r/wallets", ("private",), "auth/r/wallets"),
        E("POST", "/v2/auth/r/orders", ("private",), "auth/r/orders"),
        E("POST", "/v2/auth/w/order/submit", ("private",), "auth/w/order/submit"),
    ], "https://api.bitfinex.com", nonce=True),
    Preset("okx", "okx", [
        E("GET", "/api/v5/account/balance", ("private",), "account/balance"),
        E("GET", "/api/v5/trade/orders-pending", ("private",), "trade/orders-pending"),
        # not trade/order, trade/batch-orders, trade/order-algo: ccxt adds its broker clOrdId/tag
        E("POST", "/api/v5/account/set-leverage", ("private",), "account/set-leverage"),
        E("POST", "/api/v5/asset/transfer", ("private",), "asset/transfer"),
    ], "https://www.okx.com", passphrase=True),
    Preset("bybit", "bybit", [
        E("GET", "/v5/account/wallet-balance", ("private",), "v5/account/wallet-balance"),
        E("GET", "/v5/order/realtime", ("private",), "v5/order/realtime"),
        E("POST", "/v5/order/create", ("private",), "v5/order/create"),
        E("POST", "/v5/position/set-leverage", ("private",), "v5/position/set-leverage"),
    ], "https://api.bybit.com", drop_headers=("Referer",), normalise=_strip_empty_query,
           quirk=_raw_get_quirk(("GET",)), defuse=_plain_values, documented=bybit_documented,
           deviations=("bybit-raw-get: " + RAW_GET,
                       "bybit-referer: ccxt's broker header Referer: CCXT on POST",
                       "bybit-empty-query: ccxt's URL of a GET without parameters ends in a bare "
                       "?, removed before comparing")),
    Preset("kucoin", "kucoin", KUCOIN, "https://api.kucoin.com", passphrase=True,
           reserved=("version",),
           quirk=_raw_get_quirk(("GET", "DELETE")), defuse=_plain_values,
           documented=kucoin_documented("https://api.kucoin.com"),
           deviations=("kucoin-raw-query: " + RAW_GET + " (DELETE too)",
                       "kucoin-partner: ccxt's KC-API-PARTNER* headers, switched off in oracle.py")),
    Preset("kucoinfutures", "kucoinfutures", [
        E("GET", "/api/v1/account-overview", ("futuresPrivate",), "account-overview"),
        E("POST", "/api/v1/orders", ("futuresPrivate",), "orders"),
        E("DELETE", "/api/v1/orders", ("futuresPrivate",), "orders"),
    ], "https://api-futures.kucoin.com", passphrase=True, reserved=("version",),
           quirk=_raw_get_quirk(("GET", "DELETE")), defuse=_plain_values,
           documented=kucoin_documented("https://api.kucoin.com"),
           deviations=("kucoin-raw-query (as kucoin)",)),
    Preset("gate", "gate", [
        E("GET", "/api/v4/spot/accounts", ("private", "spot"), "accounts"),
        E("GET", "/api/v4/spot/orders", ("private", "spot"), "orders"),
        E("POST", "/api/v4/spot/orders", ("private", "spot"), "orders"),
        E("DELETE", "/api/v4/spot/orders", ("private", "spot"), "orders"),
        E("GET", "/api/v4/wallet/deposit_address", ("private", "wallet"), "deposit_address"),
    ], "https://api.gateio.ws",
           # ccxt: a POST's `query` member goes to the URL; `%2C` -> `,` once `currencies=` appears
           reserved=("query", "*currencies")),
    Preset("bitstamp", "bitstamp", [
        E("POST", "/api/v2/balance/", ("private",), "balance/"),
        E("POST", "/api/v2/user_transactions/", ("private",), "user_transactions/"),
        E("POST", "/api/v2/buy/btcusd/", ("private",), "buy/btcusd/"),
    ], "https://www.bitstamp.net",
           quirk=_bitstamp_quirk, defuse=_bitstamp_defuse, documented=bitstamp_documented,
           deviations=("bitstamp-foo-bar: " + "ccxt sends and signs foo=bar for an empty POST",)),
    Preset("gemini", "gemini", [
        E("POST", "/v1/balances", ("private",), "v1/balances"),
        E("POST", "/v1/order/new", ("private",), "v1/order/new"),
        E("POST", "/v1/mytrades", ("private",), "v1/mytrades"),
    ], "https://api.gemini.com", key_prefix="account-", nonce=True,
           reserved=("request", "nonce"), normalise=_drop_body,
           deviations=("gemini-body: ccxt also sends the parameters as a JSON body, which Gemini "
                       "ignores (its payload travels in X-GEMINI-PAYLOAD); dropped before comparing",)),
    Preset("htx", "htx", [
        E("GET", "/v1/account/accounts", ("private",), "account/accounts"),
        E("GET", "/v1/order/openOrders", ("private",), "order/openOrders"),
        E("POST", "/v1/order/orders/batchCancelOpenOrders", ("private",),
          "order/orders/batchCancelOpenOrders"),
        E("GET", "/v2/account/ledger", ("v2Private",), "account/ledger"),
        E("POST", "/v2/account/repayment", ("v2Private",), "account/repayment"),
    ], "https://api.huobi.pro",
           reserved=("AccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp", "Signature"),
           quirk=_htx_quirk, defuse=_htx_defuse, documented=htx_documented,
           deviations=("htx-rounding: ccxt rounds the Timestamp to the nearest second",)),
    Preset("mexc-spot", "mexc", [
        E("GET", "/api/v3/account", ("spot", "private"), "account"),
        E("GET", "/api/v3/myTrades", ("spot", "private"), "myTrades"),
        E("POST", "/api/v3/order/test", ("spot", "private"), "order/test"),
        E("DELETE", "/api/v3/openOrders", ("spot", "private"), "openOrders"),
    ], "https://api.mexc.com", reserved=("timestamp", "recvWindow", "signature"),
           drop_headers=("source",),
           deviations=("mexc-source: ccxt's broker header source: CCXT",)),
    Preset("mexc-contract", "mexc", [
        E("GET", "/api/v1/private/account/assets", ("contract", "private"), "account/assets"),
        E("GET", "/api/v1/private/order/list/open_orders", ("contract", "private"),
          "order/list/open_orders"),
        E("POST", "/api/v1/private/order/submit", ("contract", "private"), "order/submit"),
        E("POST", "/api/v1/private/position/change_leverage", ("contract", "private"),
          "position/change_leverage"),
    ], "https://api.mexc.com", drop_headers=("source",),
           deviations=("mexc-source: ccxt's broker header source: CCXT",)),
    Preset("bitget", "bitget", [
        E("GET", "/api/v2/spot/account/assets", ("private", "spot"), "v2/spot/account/assets"),
        E("GET", "/api/v2/mix/order/orders-pending", ("private", "mix"),
          "v2/mix/order/orders-pending"),
        E("POST", "/api/v2/spot/trade/place-order", ("private", "spot"),
          "v2/spot/trade/place-order"),
        E("POST", "/api/v2/mix/account/set-leverage", ("private", "mix"),
          "v2/mix/account/set-leverage"),
    ], "https://api.bitget.com", passphrase=True, drop_headers=("X-CHANNEL-API-CODE",),
           deviations=("bitget-channel: ccxt's broker header X-CHANNEL-API-CODE (switched off in "
                       "oracle.py, leaving the name)",
                       "bitget-dollar: ccxt writes %24 back as $ in the URL; no generated value "
                       "has a $")),
    Preset("deribit", "deribit", [
        E("GET", "/api/v2/private/get_account_summary", ("private",), "get_account_summary"),
        E("GET", "/api/v2/private/buy", ("private",), "buy"),
        E("GET", "/api/v2/private/get_open_orders_by_currency", ("private",),
          "get_open_orders_by_currency"),
    ], "https://www.deribit.com", nonce=True),
]


def _merge_more():
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "cases_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        PRESETS.extend(mod.PRESETS)


_merge_more()
BY_NAME = {p.name: p for p in PRESETS}
assert len(BY_NAME) == len(PRESETS), "duplicate preset name"
