"""ccxt 4.5.90 as the oracle: what the exchange's own ccxt `sign()` produces for one request.

    ccxt_sign(exchange_id, api, path, method, params, key, secret, passphrase, time_ms, nonce, uuid)
        -> {"url": str, "method": str, "body": str | None, "headers": {name: value}}

`api` and `path` are ccxt's (the implicit-API section, e.g. ["private"], and the endpoint inside it,
e.g. "account"); `params` is a list of (name, value) string pairs, passed to ccxt as a dict in that
order (names are unique). Nothing goes over the network: only `sign()` is called.

What is frozen, and how (instance attributes shadow ccxt's static methods, which is how ccxt's own
static request tests pin a request down):
- the clock: `milliseconds()`, `seconds()`, `microseconds()` all read `time_ms`, and
  `options["timeDifference"]` is 0, so every `nonce()` that is "the clock minus the time
  difference" (binance, okx, bybit, kucoin, gate, htx, mexc, bitget, coinbase) gives `time_ms`,
  and the base `nonce()` (seconds: coinbaseexchange) gives `time_ms // 1000`.
- the nonce: only when `nonce` is not None (exchanges whose recipe uses restsign's nonce sequence:
  kraken, bitfinex, gemini, deribit): `nonce()` and `incrementing_nonce()` return it.
- the UUID: `uuid()` returns `uuid` (bitstamp's X-Auth-Nonce); `uuid16()`/`uuid22()` return the
  first 16/22 hex digits of it (only ccxt's own broker order ids use them).

Broker and partner extras, switched off where ccxt lets us (the rest are named in compare.py):
- kucoin/kucoinfutures: options["partner"] = {} drops KC-API-PARTNER, -PARTNER-SIGN, -PARTNER-VERIFY.
- bitget: options["broker"] = None; ccxt then sends `X-CHANNEL-API-CODE: None`, removed by compare.py.
"""
import ccxt

assert ccxt.__version__ == "4.5.90", f"oracle pinned to ccxt 4.5.90, found {ccxt.__version__}"
try:  # ccxt's JSON is orjson's when orjson imports, stdlib json (\u escapes) otherwise: insist.
    import orjson  # noqa: F401
except ImportError as e:  # pragma: no cover
    raise SystemExit("orjson missing: run tests/ccxt/setup-venv") from e

_instances = {}


def _exchange(exchange_id):
    ex = _instances.get(exchange_id)
    if ex is None:
        ex = getattr(ccxt, exchange_id)()
        ex.options["timeDifference"] = 0
        if exchange_id in ("kucoin", "kucoinfutures"):
            ex.options["partner"] = {}
        if exchange_id == "bitget":
            ex.options["broker"] = None
        _instances[exchange_id] = ex
    return ex


def ccxt_sign(exchange_id, api, path, method, params, key, secret, passphrase, time_ms, nonce,
              uuid):
    ex = _exchange(exchange_id)
    ex.apiKey, ex.secret, ex.password = key, secret, passphrase
    ex.milliseconds = lambda: time_ms
    ex.seconds = lambda: time_ms // 1000
    ex.microseconds = lambda: time_ms * 1000
    ex.uuid = lambda: uuid
    ex.uuid16 = lambda *a: uuid.replace("-", "")[:16]
    ex.uuid22 = lambda *a: uuid.replace("-", "")[:22]
    if nonce is not None:
        ex.nonce = lambda: nonce
        ex.incrementing_nonce = lambda: nonce
    else:  # back to the class's nonce(), which reads the frozen clock
        ex.__dict__.pop("nonce", None)
        ex.__dict__.pop("incrementing_nonce", None)
    out = ex.sign(path, api, method, dict(params))
    return {
        "url": out["url"],
        "method": out["method"],
        "body": out["body"],
        "headers": dict(out["headers"] or {}),
    }
