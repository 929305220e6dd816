"""The second half of the presets, in cases.py's format (merged into cases.PRESETS).

Each Preset names ccxt 4.5.90's exchange id, real private endpoints (restsign's URL path, ccxt's
implicit-API section and endpoint), the parameter names the recipe injects or ccxt treats
specially (`reserved`), ccxt's broker headers (`drop_headers`) and, for every request where ccxt
deviates from the exchange's documented scheme, the deviation's name, its trigger (`quirk`), the
documented scheme computed here with Python's hmac (`documented`) and a request without the
trigger (`defuse`). NOTES-2.md says per preset what was checked and what the recipe format lacks.

BitMEX and CoinEx are not in ccxt 4.5.90: doc_vectors.py checks them against their documentation.
"""
import base64
import hashlib
import re
from dataclasses import replace

import orjson

import cases
from cases import Endpoint as E, Preset, _b64, _compare_documented, _hmac, _plain, urlencode


def _json(params):
    return orjson.dumps(dict(params)).decode()


def _b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


# --- phemex: ccxt's urlencode_with_array_repeat deletes "%5B<digits>%5D" from the query ----------

PHEMEX_BRACKETS = re.compile(r"\[\d*\]")
PHEMEX_QUERY_METHODS = ("GET", "DELETE", "PUT")


def _phemex_quirk(req):
    if req.method in PHEMEX_QUERY_METHODS and any(PHEMEX_BRACKETS.search(n + "=" + v) for n, v in req.params):
        return ("ccxt's urlencode_with_array_repeat deletes every %5B<digits>%5D (an encoded [1], []) "
                "from the query it sends and signs")
    return None


def _phemex_defuse(req, rng):
    return replace(req, params=[(n, v.replace("[", "(").replace("]", ")")) for n, v in req.params])


def phemex_documented(req, out):
    # Phemex: path + query (no "?") + expiry + body; expiry = now (s) + 60; GET/DELETE/PUT query,
    # POST JSON body.
    q = urlencode(req.params) if req.method in PHEMEX_QUERY_METHODS else ""
    body = "" if req.method in PHEMEX_QUERY_METHODS else _json(req.params)
    expiry = str(req.time_ms // 1000 + 60)
    sig = _hmac(req.secret.encode(), req.endpoint.path + q + expiry + body, hashlib.sha256).hex()
    url = "https://api.phemex.com" + req.endpoint.path + ("?" + q if q else "")
    return _compare_documented(out, url, body, {
        "x-phemex-access-token": req.key, "x-phemex-request-expiry": expiry,
        "x-phemex-request-signature": sig})


# --- hashkey: ccxt turns %2C back into "," in the string it signs and sends -----------------------

def _hashkey_quirk(req):
    if any("," in n + v for n, v in req.params):
        return "ccxt writes %2C back as ',' in the parameter string it signs and sends"
    return None


def _hashkey_defuse(req, rng):
    return replace(req, params=[(n.replace(",", ";"), v.replace(",", ";")) for n, v in req.params])


def hashkey_documented(req, out):
    # HashKey: HMAC-SHA256 hex of the parameter string timestamp=<ms>&<params>, sent with
    # &signature= last (GET: the query; others: the form body).
    s = urlencode([("timestamp", str(req.time_ms))] + req.params)
    sig = _hmac(req.secret.encode(), s, hashlib.sha256).hex()
    signed = s + "&signature=" + sig
    url = "https://api-glb.hashkey.com" + req.endpoint.path
    if req.method == "GET":
        return _compare_documented(out, url + "?" + signed, "", {"X-HK-APIKEY": req.key})
    return _compare_documented(out, url, signed, {"X-HK-APIKEY": req.key})


# --- bithumb-jwt: encodeURIComponent's unescaped ! ' ( ) *, and empty values -------------------

URI_COMPONENT_SAFE = "!'()*"


def _bithumb_jwt_quirk(req):
    if any(c in URI_COMPONENT_SAFE for n, v in req.params for c in n + v):
        return ("ccxt writes the query (URL and query_hash) as encodeURIComponent does, leaving "
                "! ' ( ) * unescaped; restsign's form escapes them (no recipe setting for it, NOTES-2.md)")
    if any(v == "" for n, v in req.params):
        return "ccxt's safe_string reads an empty value as missing and cannot sign the request"
    return None


def _bithumb_jwt_defuse(req, rng):
    params = []
    for n, v in req.params:
        for c in URI_COMPONENT_SAFE:
            n, v = n.replace(c, "-"), v.replace(c, "-")
        params.append((n, v or _plain(rng, 1, 8)))
    return replace(req, params=params)


def _jwt(secret, claims):
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    token = header + "." + _b64url(orjson.dumps(claims))
    return token + "." + _b64url(_hmac(secret, token, hashlib.sha256))


def bithumb_jwt_documented(req, out):
    # Bithumb 2.x: JWT HS256, claims access_key, nonce (UUID), timestamp (ms, a number), and with
    # parameters query_hash = hex(SHA512(the parameters as a query string)), query_hash_alg.
    # GET/DELETE send that query string; POST sends the parameters as a JSON body.
    in_query = req.method in ("GET", "DELETE")
    q = urlencode(req.params)
    claims = {"access_key": req.key, "nonce": req.uuid, "timestamp": req.time_ms}
    if req.params:
        claims["query_hash"] = hashlib.sha512(q.encode()).hexdigest()
        claims["query_hash_alg"] = "SHA512"
    url = "https://api.bithumb.com" + req.endpoint.path + ("?" + q if in_query and q else "")
    body = "" if in_query or not req.params else _json(req.params)
    return _compare_documented(out, url, body, {
        "Authorization": "Bearer " + _jwt(req.secret.encode(), claims)})


# --- blofin: ccxt sends its timestamp as ACCESS-NONCE ----------------------------------------------

def _blofin_quirk(req):
    if req.nonce != req.time_ms:
        return ("ccxt sends the request timestamp as ACCESS-NONCE; BloFin asks for a unique nonce, "
                "restsign sends its own strictly increasing one (ms, seeded from the same clock)")
    return None


def _blofin_defuse(req, rng):
    return replace(req, nonce=req.time_ms)


def blofin_documented(req, out):
    # BloFin: base64(hex(HMAC-SHA256(path ?query + METHOD + ts + nonce + body))).
    q = urlencode(req.params) if req.method == "GET" else ""
    body = "" if req.method == "GET" or not req.params else _json(req.params)
    path = req.endpoint.path + ("?" + q if q else "")
    ts, nonce = str(req.time_ms), str(req.nonce)
    sig = _b64(_hmac(req.secret.encode(), path + req.method + ts + nonce + body, hashlib.sha256).hex().encode())
    return _compare_documented(out, "https://openapi.blofin.com" + path, body, {
        "ACCESS-KEY": req.key, "ACCESS-SIGN": sig, "ACCESS-TIMESTAMP": ts, "ACCESS-NONCE": nonce,
        "ACCESS-PASSPHRASE": req.passphrase})


# --- digifinex: ccxt sends the POST form body without a Content-Type --------------------------------

DIGIFINEX_CONTENT_TYPE = ("digifinex-content-type: ccxt sends the POST form body without a Content-Type "
                          "(ccxt's JS fetch then adds text/plain); restsign names the body it sends, "
                          "application/x-www-form-urlencoded (set on ccxt's side before comparing; "
                          "not part of what is signed)")


def _digifinex_content_type(out):
    if out["body"] and not any(k.lower() == "content-type" for k in out["headers"]):
        out["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
    return out


PRESETS = [
    Preset("cryptocom", "cryptocom", [
        E("POST", "/exchange/v1/private/get-account-summary", ("v1", "private"), "private/get-account-summary"),
        E("POST", "/exchange/v1/private/get-open-orders", ("v1", "private"), "private/get-open-orders"),
        E("POST", "/exchange/v1/private/create-order", ("v1", "private"), "private/create-order"),
    ], "https://api.crypto.com", nonce=True),
    Preset("upbit", "upbit", [
        E("GET", "/v1/accounts", ("private",), "accounts"),
        E("GET", "/v1/orders/chance", ("private",), "orders/chance"),
        E("POST", "/v1/orders", ("private",), "orders"),
        E("DELETE", "/v1/order", ("private",), "order"),
    ], "https://api.upbit.com"),
    Preset("bithumb", "bithumb", [
        E("POST", "/info/balance", ("private",), "info/balance"),
        E("POST", "/info/orders", ("private",), "info/orders"),
        E("POST", "/trade/place", ("private",), "trade/place"),
    ], "https://api.bithumb.com", nonce=True, reserved=("endpoint",),
           drop_headers=("OPEN-API-PARTNER",),
           deviations=("bithumb-partner: ccxt's broker header OPEN-API-PARTNER: CCXT",)),
    Preset("bithumb-jwt", "bithumb", [
        E("GET", "/v1/accounts", ("private",), "v1/accounts"),
        E("GET", "/v1/orders", ("private",), "v1/orders"),
        E("POST", "/v1/orders", ("private",), "v1/orders"),
        E("DELETE", "/v2/order", ("private",), "v2/order"),
    ], "https://api.bithumb.com", drop_headers=("OPEN-API-PARTNER",),
           quirk=_bithumb_jwt_quirk, defuse=_bithumb_jwt_defuse, documented=bithumb_jwt_documented,
           deviations=("bithumb-jwt-uri-component: ccxt leaves ! ' ( ) * unescaped in the query and "
                       "its query_hash (encodeURIComponent); restsign escapes them",
                       "bithumb-jwt-empty: ccxt cannot sign an empty parameter value",
                       "bithumb-partner: ccxt's broker header OPEN-API-PARTNER: CCXT")),
    Preset("poloniex-spot", "poloniex", [
        E("GET", "/accounts/balances", ("private",), "accounts/balances"),
        E("GET", "/orders/history", ("private",), "orders/history"),
        E("POST", "/orders", ("private",), "orders"),
        E("PUT", "/orders/12345", ("private",), "orders/12345"),
        E("DELETE", "/orders", ("private",), "orders"),
    ], "https://api.poloniex.com", reserved=("symbol",),
           deviations=("poloniex-symbol: ccxt percent-encodes a GET `symbol` twice; the generator "
                       "never uses that name",)),
    Preset("bingx", "bingx", [
        E("GET", "/openApi/spot/v1/account/balance", ("spot", "v1", "private"), "account/balance"),
        E("GET", "/openApi/spot/v1/trade/openOrders", ("spot", "v1", "private"), "trade/openOrders"),
        E("POST", "/openApi/spot/v1/trade/order", ("spot", "v1", "private"), "trade/order"),
        E("GET", "/openApi/swap/v2/user/balance", ("swap", "v2", "private"), "user/balance"),
        E("POST", "/openApi/swap/v2/trade/leverage", ("swap", "v2", "private"), "trade/leverage"),
    ], "https://open-api.bingx.com", reserved=("timestamp", "signature"),
           drop_headers=("X-SOURCE-KEY",),
           deviations=("bingx-source: ccxt's broker header X-SOURCE-KEY: CCXT",)),
    Preset("bitvavo", "bitvavo", [
        E("GET", "/v2/balance", ("private",), "balance"),
        E("GET", "/v2/ordersOpen", ("private",), "ordersOpen"),
        E("POST", "/v2/order", ("private",), "order"),
        E("PUT", "/v2/order", ("private",), "order"),
        E("DELETE", "/v2/order", ("private",), "order"),
    ], "https://api.bitvavo.com"),
    Preset("whitebit", "whitebit", [
        E("POST", "/api/v4/main-account/balance", ("v4", "private"), "main-account/balance"),
        E("POST", "/api/v4/trade-account/balance", ("v4", "private"), "trade-account/balance"),
        E("POST", "/api/v4/order/new", ("v4", "private"), "order/new"),
    ], "https://whitebit.com", nonce=True,
           # nonceWindow: ccxt reads it as its own option and writes a JSON boolean
           reserved=("request", "nonce", "nonceWindow")),
    Preset("phemex", "phemex", [
        E("GET", "/spot/wallets", ("private",), "spot/wallets"),
        E("GET", "/exchange/order/v2/orderList", ("private",), "exchange/order/v2/orderList"),
        # not POST spot/orders, orders, g-orders: ccxt adds its broker clOrdID there
        E("POST", "/exchange/wallets/transferOut", ("private",), "exchange/wallets/transferOut"),
        E("PUT", "/spot/orders", ("private",), "spot/orders"),
        E("DELETE", "/spot/orders", ("private",), "spot/orders"),
    ], "https://api.phemex.com",
           quirk=_phemex_quirk, defuse=_phemex_defuse, documented=phemex_documented,
           deviations=("phemex-brackets: ccxt deletes %5B<digits>%5D from the query",)),
    Preset("woo", "woo", [
        E("GET", "/v3/account/info", ("v3", "private"), "account/info"),
        E("GET", "/v3/trade/orders", ("v3", "private"), "trade/orders"),
        # not POST trade/order, trade/algoOrder: ccxt adds its broker_id there
        E("POST", "/v3/trade/cancelAllAfter", ("v3", "private"), "trade/cancelAllAfter"),
        E("PUT", "/v3/futures/leverage", ("v3", "private"), "futures/leverage"),
        E("DELETE", "/v3/trade/orders", ("v3", "private"), "trade/orders"),
    ], "https://api.woox.io"),
    Preset("woo-v1", "woo", [
        E("GET", "/v1/client/holding", ("v1", "private"), "client/holding"),
        E("GET", "/v1/orders", ("v1", "private"), "orders"),
        E("POST", "/v1/client/leverage", ("v1", "private"), "client/leverage"),
        E("DELETE", "/v1/orders", ("v1", "private"), "orders"),
    ], "https://api.woox.io"),
    Preset("bitflyer", "bitflyer", [
        E("GET", "/v1/me/getbalance", ("private",), "getbalance"),
        E("GET", "/v1/me/getchildorders", ("private",), "getchildorders"),
        E("POST", "/v1/me/sendchildorder", ("private",), "sendchildorder"),
    ], "https://api.bitflyer.com"),
    Preset("xt", "xt", [
        E("GET", "/v4/balances", ("private", "spot"), "balances"),
        E("GET", "/v4/history-order", ("private", "spot"), "history-order"),
        # not POST order: ccxt adds its broker media=CCXT there
        E("POST", "/v4/withdraw", ("private", "spot"), "withdraw"),
        E("POST", "/v4/balance/transfer", ("private", "spot"), "balance/transfer"),
        # not DELETE order/{orderId}: ccxt sends that one without a body (NOTES-2.md)
        E("DELETE", "/v4/open-order", ("private", "spot"), "open-order"),
    ], "https://sapi.xt.com",
           # recvWindow: ccxt signs a caller's recvWindow as xt-validate-recvwindow
           reserved=("recvWindow", "media")),
    Preset("hashkey", "hashkey", [
        E("GET", "/api/v1/spot/openOrders", ("private",), "api/v1/spot/openOrders"),
        E("GET", "/api/v1/account", ("private",), "api/v1/account"),
        E("POST", "/api/v1/spot/order", ("private",), "api/v1/spot/order"),
        E("DELETE", "/api/v1/spot/order", ("private",), "api/v1/spot/order"),
    ], "https://api-glb.hashkey.com", reserved=("timestamp", "signature", "orders"),
           drop_headers=("INPUT-SOURCE", "broker_sign"),
           quirk=_hashkey_quirk, defuse=_hashkey_defuse, documented=hashkey_documented,
           deviations=("hashkey-comma: ccxt writes %2C back as ','",
                       "hashkey-broker: ccxt's broker headers INPUT-SOURCE and broker_sign (a copy "
                       "of the signature)")),
    Preset("blofin", "blofin", [
        E("GET", "/api/v1/asset/balances", ("private",), "asset/balances"),
        E("GET", "/api/v1/trade/orders-pending", ("private",), "trade/orders-pending"),
        E("POST", "/api/v1/trade/order", ("private",), "trade/order"),
    ], "https://openapi.blofin.com", passphrase=True,
           quirk=_blofin_quirk, defuse=_blofin_defuse, documented=blofin_documented,
           deviations=("blofin-nonce: ccxt sends the timestamp as ACCESS-NONCE; restsign its own "
                       "strictly increasing nonce",)),
    Preset("coincheck", "coincheck", [
        E("GET", "/api/accounts/balance", ("private",), "accounts/balance"),
        E("GET", "/api/exchange/orders/opens", ("private",), "exchange/orders/opens"),
        E("POST", "/api/exchange/orders", ("private",), "exchange/orders"),
    ], "https://coincheck.com", nonce=True),
    Preset("bitbank", "bitbank", [
        E("GET", "/v1/user/assets", ("private",), "user/assets"),
        E("GET", "/v1/user/spot/active_orders", ("private",), "user/spot/active_orders"),
        E("POST", "/v1/user/spot/order", ("private",), "user/spot/order"),
    ], "https://api.bitbank.cc"),
    Preset("btcmarkets", "btcmarkets", [
        E("GET", "/v3/orders", ("private",), "orders"),
        E("POST", "/v3/orders", ("private",), "orders"),
        E("PUT", "/v3/orders/12345", ("private",), "orders/12345"),
        E("DELETE", "/v3/orders", ("private",), "orders"),
    ], "https://api.btcmarkets.net", secret="base64", drop_headers=("Accept-Charset",)),
    Preset("btcturk", "btcturk", [
        E("GET", "/api/v1/users/balances", ("private",), "users/balances"),
        E("GET", "/api/v1/openOrders", ("private",), "openOrders"),
        E("POST", "/api/v1/order", ("private",), "order"),
        E("DELETE", "/api/v1/order", ("private",), "order"),
    ], "https://api.btcturk.com", secret="base64"),
    Preset("digifinex", "digifinex", [
        E("GET", "/v3/spot/order/current", ("private", "spot"), "spot/order/current"),
        E("GET", "/v3/spot/assets", ("private", "spot"), "spot/assets"),
        E("POST", "/v3/spot/order/new", ("private", "spot"), "spot/order/new"),
    ], "https://openapi.digifinex.com", normalise=_digifinex_content_type,
           deviations=(DIGIFINEX_CONTENT_TYPE,)),
]
