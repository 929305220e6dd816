"""The second half of the presets: how each one is driven through ccxt 4.5.90 and through restsign.

One entry per preset:
  exchange   ccxt's exchange id (the oracle)
  endpoints  (api, METHOD, ccxt path, URL path restsign gets) for private endpoints; the URL path is
             the path of the URL ccxt builds, which restsign is given as the request path
  nonce      what restsign's --nonce must be so that it equals ccxt's nonce: "ms" (ccxt's
             milliseconds, the frozen clock), "s" (seconds), or None (no nonce drawn)
  auth       the headers that carry authentication (compared byte for byte besides URL and body)
  avoid      parameter names the case generator must not use, and why (ccxt adds or rewrites them)
  avoid_chars characters the generator must keep out of values, and why (a named ccxt quirk or a
             format gap, NOTES-2.md)
  passphrase whether the credentials carry one
  secret     "base64" when the secret must be valid base64 (the HMAC key is its decoding)
  avoid_empty whether empty values must be left out (ccxt cannot sign them)
  options    extra ccxt constructor options
"""

CASES = {
    "cryptocom": dict(
        exchange="cryptocom",
        endpoints=[
            (["v1", "private"], "POST", "private/get-account-summary", "/exchange/v1/private/get-account-summary"),
            (["v1", "private"], "POST", "private/create-order", "/exchange/v1/private/create-order"),
        ],
        nonce="ms", auth=[], avoid={}, avoid_chars="",
    ),
    "upbit": dict(
        exchange="upbit",
        endpoints=[
            (["private"], "GET", "accounts", "/v1/accounts"),
            (["private"], "GET", "orders/chance", "/v1/orders/chance"),
            (["private"], "POST", "orders", "/v1/orders"),
            (["private"], "DELETE", "order", "/v1/order"),
        ],
        nonce=None, auth=["Authorization"], avoid={}, avoid_chars="",
    ),
    "bithumb": dict(
        exchange="bithumb",
        endpoints=[
            (["private"], "POST", "info/balance", "/info/balance"),
            (["private"], "POST", "trade/place", "/trade/place"),
        ],
        nonce="ms", auth=["Api-Key", "Api-Sign", "Api-Nonce"],
        avoid={"endpoint": "restsign injects it first (ccxt too)"}, avoid_chars="",
    ),
    "bithumb-jwt": dict(
        exchange="bithumb",
        endpoints=[
            (["private"], "GET", "v1/accounts", "/v1/accounts"),
            (["private"], "GET", "v1/orders", "/v1/orders"),
            (["private"], "POST", "v1/orders", "/v1/orders"),
            (["private"], "DELETE", "v2/order", "/v2/order"),
        ],
        nonce=None, auth=["Authorization"], avoid={},
        # ccxt writes the query (URL and query_hash) the way encodeURIComponent does, leaving
        # ! ' ( ) * unescaped; restsign's form encoding escapes them (format gap, NOTES-2.md).
        avoid_chars="!'()*",
        # ccxt's safe_string reads an empty value as missing and then fails to encode it.
        avoid_empty=True,
    ),
    "poloniex-spot": dict(
        exchange="poloniex",
        endpoints=[
            (["private"], "GET", "accounts/balances", "/accounts/balances"),
            (["private"], "GET", "orders/history", "/orders/history"),
            (["private"], "POST", "orders", "/orders"),
            (["private"], "DELETE", "orders", "/orders"),
            (["private"], "PUT", "orders/{id}", "/orders/{id}"),
        ],
        nonce=None, auth=["key", "signTimestamp", "signature"],
        # ccxt percent-encodes a GET `symbol` twice (quirk, EXCHANGES.md): plain symbols only.
        avoid={"symbol": "ccxt encodes GET symbol twice"}, avoid_chars="",
    ),
    "bingx": dict(
        exchange="bingx",
        endpoints=[
            (["spot", "v1", "private"], "GET", "account/balance", "/openApi/spot/v1/account/balance"),
            (["spot", "v1", "private"], "GET", "trade/openOrders", "/openApi/spot/v1/trade/openOrders"),
            (["spot", "v1", "private"], "POST", "trade/order", "/openApi/spot/v1/trade/order"),
            (["swap", "v2", "private"], "GET", "user/balance", "/openApi/swap/v2/user/balance"),
        ],
        nonce=None, auth=["X-BX-APIKEY"],
        avoid={"timestamp": "restsign injects it", "signature": "restsign appends it"}, avoid_chars="",
    ),
    "bitvavo": dict(
        exchange="bitvavo",
        endpoints=[
            (["private"], "GET", "balance", "/v2/balance"),
            (["private"], "GET", "ordersOpen", "/v2/ordersOpen"),
            (["private"], "POST", "order", "/v2/order"),
            (["private"], "PUT", "order", "/v2/order"),
            (["private"], "DELETE", "order", "/v2/order"),
        ],
        nonce=None,
        auth=["BITVAVO-ACCESS-KEY", "BITVAVO-ACCESS-SIGNATURE", "BITVAVO-ACCESS-TIMESTAMP", "BITVAVO-ACCESS-WINDOW"],
        avoid={}, avoid_chars="",
    ),
    "whitebit": dict(
        exchange="whitebit",
        endpoints=[
            (["v4", "private"], "POST", "main-account/balance", "/api/v4/main-account/balance"),
            (["v4", "private"], "POST", "order/new", "/api/v4/order/new"),
        ],
        nonce="ms", auth=["X-TXC-APIKEY", "X-TXC-PAYLOAD", "X-TXC-SIGNATURE"],
        avoid={"request": "restsign injects it", "nonce": "restsign injects it",
               "nonceWindow": "ccxt reads it as its own option (a JSON boolean)"},
        avoid_chars="",
    ),
    "phemex": dict(
        exchange="phemex",
        endpoints=[
            (["private"], "GET", "spot/wallets", "/spot/wallets"),
            (["private"], "GET", "exchange/order/v2/orderList", "/exchange/order/v2/orderList"),
            (["private"], "POST", "exchange/wallets/transferOut", "/exchange/wallets/transferOut"),
            (["private"], "PUT", "spot/orders", "/spot/orders"),
            (["private"], "DELETE", "spot/orders", "/spot/orders"),
        ],
        nonce=None,
        auth=["x-phemex-access-token", "x-phemex-request-expiry", "x-phemex-request-signature"],
        avoid={},
        # ccxt's urlencode_with_array_repeat deletes every %5B<digits>%5D from the query (quirk).
        avoid_chars="[]",
    ),
    "woo": dict(
        exchange="woo",
        endpoints=[
            (["v3", "private"], "GET", "account/info", "/v3/account/info"),
            (["v3", "private"], "GET", "trade/orders", "/v3/trade/orders"),
            (["v3", "private"], "POST", "trade/cancelAllAfter", "/v3/trade/cancelAllAfter"),
            (["v3", "private"], "PUT", "futures/leverage", "/v3/futures/leverage"),
            (["v3", "private"], "DELETE", "trade/orders", "/v3/trade/orders"),
        ],
        nonce=None, auth=["x-api-key", "x-api-timestamp", "x-api-signature"],
        avoid={}, avoid_chars="",
    ),
    "woo-v1": dict(
        exchange="woo",
        endpoints=[
            (["v1", "private"], "GET", "client/holding", "/v1/client/holding"),
            (["v1", "private"], "POST", "client/leverage", "/v1/client/leverage"),
            (["v1", "private"], "DELETE", "orders", "/v1/orders"),
        ],
        nonce=None, auth=["x-api-key", "x-api-timestamp", "x-api-signature"],
        avoid={}, avoid_chars="",
    ),
    "bitflyer": dict(
        exchange="bitflyer",
        endpoints=[
            (["private"], "GET", "getbalance", "/v1/me/getbalance"),
            (["private"], "GET", "getchildorders", "/v1/me/getchildorders"),
            (["private"], "POST", "sendchildorder", "/v1/me/sendchildorder"),
        ],
        nonce=None, auth=["ACCESS-KEY", "ACCESS-TIMESTAMP", "ACCESS-SIGN"],
        avoid={}, avoid_chars="",
    ),
    "xt": dict(
        exchange="xt",
        endpoints=[
            (["private", "spot"], "GET", "balances", "/v4/balances"),
            (["private", "spot"], "GET", "history-order", "/v4/history-order"),
            (["private", "spot"], "POST", "withdraw", "/v4/withdraw"),
            (["private", "spot"], "POST", "balance/transfer", "/v4/balance/transfer"),
            (["private", "spot"], "DELETE", "open-order", "/v4/open-order"),
        ],
        nonce=None,
        auth=["xt-validate-algorithms", "xt-validate-appkey", "xt-validate-recvwindow",
              "xt-validate-timestamp", "xt-validate-signature"],
        # recvWindow: ccxt moves a caller's recvWindow into the signed header string.
        avoid={"recvWindow": "ccxt signs it as xt-validate-recvwindow", "media": "ccxt's broker tag"},
        avoid_chars="",
    ),
    "hashkey": dict(
        exchange="hashkey",
        endpoints=[
            (["private"], "GET", "api/v1/spot/openOrders", "/api/v1/spot/openOrders"),
            (["private"], "GET", "api/v1/account", "/api/v1/account"),
            (["private"], "POST", "api/v1/spot/order", "/api/v1/spot/order"),
            (["private"], "DELETE", "api/v1/spot/order", "/api/v1/spot/order"),
        ],
        nonce=None, auth=["X-HK-APIKEY"],
        avoid={"timestamp": "restsign injects it", "signature": "restsign appends it"},
        # ccxt turns %2C back into ',' in the signed and sent string (quirk, EXCHANGES.md).
        avoid_chars=",",
    ),
    "blofin": dict(
        exchange="blofin",
        endpoints=[
            (["private"], "GET", "asset/balances", "/api/v1/asset/balances"),
            (["private"], "GET", "trade/orders-pending", "/api/v1/trade/orders-pending"),
            (["private"], "POST", "trade/order", "/api/v1/trade/order"),
        ],
        # ccxt sends the timestamp as ACCESS-NONCE; restsign's nonce is drawn from the same clock.
        nonce="ms", auth=["ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP", "ACCESS-NONCE", "ACCESS-PASSPHRASE"],
        passphrase=True, avoid={}, avoid_chars="",
    ),
    "coincheck": dict(
        exchange="coincheck",
        endpoints=[
            (["private"], "GET", "accounts/balance", "/api/accounts/balance"),
            (["private"], "GET", "exchange/orders/transactions_pagination", "/api/exchange/orders/transactions_pagination"),
            (["private"], "POST", "exchange/orders", "/api/exchange/orders"),
        ],
        nonce="ms", auth=["ACCESS-KEY", "ACCESS-NONCE", "ACCESS-SIGNATURE"],
        avoid={}, avoid_chars="",
    ),
    "bitbank": dict(
        exchange="bitbank",
        endpoints=[
            (["private"], "GET", "user/assets", "/v1/user/assets"),
            (["private"], "GET", "user/spot/active_orders", "/v1/user/spot/active_orders"),
            (["private"], "POST", "user/spot/order", "/v1/user/spot/order"),
        ],
        nonce=None, auth=["ACCESS-KEY", "ACCESS-SIGNATURE", "ACCESS-REQUEST-TIME", "ACCESS-TIME-WINDOW"],
        avoid={}, avoid_chars="",
    ),
    "btcmarkets": dict(
        exchange="btcmarkets",
        endpoints=[
            (["private"], "GET", "orders", "/v3/orders"),
            (["private"], "POST", "orders", "/v3/orders"),
            (["private"], "DELETE", "orders", "/v3/orders"),
            (["private"], "PUT", "orders/{id}", "/v3/orders/{id}"),
        ],
        nonce=None, auth=["BM-AUTH-APIKEY", "BM-AUTH-TIMESTAMP", "BM-AUTH-SIGNATURE"],
        secret="base64", avoid={"id": "a path parameter in orders/{id}"}, avoid_chars="",
    ),
    "btcturk": dict(
        exchange="btcturk",
        endpoints=[
            (["private"], "GET", "users/balances", "/api/v1/users/balances"),
            (["private"], "POST", "order", "/api/v1/order"),
            (["private"], "DELETE", "order", "/api/v1/order"),
        ],
        nonce=None, auth=["X-PCK", "X-Stamp", "X-Signature"],
        secret="base64", avoid={}, avoid_chars="",
    ),
    "digifinex": dict(
        exchange="digifinex",
        endpoints=[
            (["private", "spot"], "GET", "spot/order/current", "/v3/spot/order/current"),
            (["private", "spot"], "GET", "spot/assets", "/v3/spot/assets"),
            (["private", "spot"], "POST", "spot/order/new", "/v3/spot/order/new"),
        ],
        nonce=None, auth=["ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP"],
        avoid={}, avoid_chars="",
    ),
}

# Not in ccxt 4.5.90: checked against the examples in their own documentation (doc_vectors.py).
DOC_ONLY = ["bitmex", "coinex"]
