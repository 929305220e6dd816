#!/usr/bin/env python3
"""A small stand-in for an exchange's private REST API, for running the examples end to end.

It checks every request the way the exchange documents it, with Python's own hmac, hashlib and
base64 (nothing from restsign), answers in the exchange's JSON style, and refuses a request whose
key, signature, passphrase, timestamp or nonce is wrong, as the exchange would:

  binance  Binance spot (developers.binance.com, "SIGNED endpoint security"): X-MBX-APIKEY; the
           `signature` parameter, last, is HMAC-SHA256 (hex) of totalParams, the query string
           followed by the body, without the signature; `timestamp` within `recvWindow` (5000 ms
           by default) of the server's clock. POST /api/v3/order, GET /api/v3/account.
  kraken   Kraken spot (docs.kraken.com, "Authentication"): API-Key; API-Sign is
           base64(HMAC-SHA512(base64decode(secret), URI path + SHA256(nonce + POST data))); the
           `nonce` in the form body must increase for each key. POST /0/private/Balance.
  okx      OKX v5 (www.okx.com/docs-v5, "REST Authentication"): OK-ACCESS-KEY, OK-ACCESS-PASSPHRASE;
           OK-ACCESS-SIGN is base64(HMAC-SHA256(secret, timestamp + method + requestPath (with
           ?query) + body)); OK-ACCESS-TIMESTAMP is ISO 8601 UTC with milliseconds
           (2020-12-08T09:08:57.715Z) within 30 s of the server's clock. GET /api/v5/account/balance.

  exchange_stub.py EXCHANGE      credentials from STUB_KEY, STUB_SECRET (and STUB_PASSPHRASE)

It listens on 127.0.0.1 on a free port, prints "listening on http://127.0.0.1:PORT" on stdout once
ready, logs one line per request on stderr ("accepted POST /api/v3/order" or "refused ...: why"),
and stops cleanly (exit status 0) on SIGTERM or SIGINT.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class Refused(Exception):
    """A request the exchange refuses: the HTTP status and the exchange's JSON answer."""

    def __init__(self, status, answer, why):
        super().__init__(why)
        self.status = status
        self.answer = answer


def now_ms():
    return int(time.time() * 1000)


def form(text, what):
    """Form or query text as (name, value) pairs; anything malformed is refused by the caller."""
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), encoding="utf-8", errors="strict")
    except ValueError as e:
        raise ValueError(f"{what} is not form-encoded: {e}") from e


class Binance:
    """Binance spot REST, SIGNED endpoints."""

    def __init__(self, key, secret, passphrase):
        self.key = key
        self.secret = secret.encode()
        self.order_id = 28000

    @staticmethod
    def error(status, code, msg):
        return Refused(status, {"code": code, "msg": msg}, msg)

    def strip_signature(self, text):
        """(text without its final `signature=<hex>` parameter, the hex) or (text, None)."""
        m = re.search(r"(?:^|&)signature=([^&]*)$", text)
        if not m:
            return text, None
        return text[: m.start()], m.group(1)

    def handle(self, method, path, query, headers, body):
        if headers.get("X-MBX-APIKEY") != self.key:
            raise self.error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        query_rest, query_sig = self.strip_signature(query)
        body_rest, body_sig = self.strip_signature(body)
        signatures = [s for s in (query_sig, body_sig) if s is not None]
        if len(signatures) != 1 or "signature=" in query_rest or "signature=" in body_rest:
            raise self.error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        total_params = query_rest + body_rest
        expected = hmac.new(self.secret, total_params.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signatures[0].lower()):
            raise self.error(400, -1022, "Signature for this request is not valid.")
        if body and headers.get("Content-Type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            raise self.error(400, -1102, "The body is not application/x-www-form-urlencoded.")
        try:
            params = dict(form(query_rest, "the query") + form(body_rest, "the body"))
        except ValueError:
            raise self.error(400, -1100, "Illegal characters found in a parameter.")
        try:
            timestamp = int(params["timestamp"])
            recv_window = int(params.get("recvWindow", "5000"))
        except (KeyError, ValueError):
            raise self.error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        server_time = now_ms()
        if not (timestamp < server_time + 1000 and server_time - timestamp <= recv_window) or recv_window > 60000:
            raise self.error(400, -1021, "Timestamp for this request is outside of the recvWindow.")

        if (method, path) == ("GET", "/api/v3/account"):
            return 200, {
                "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
                "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
                "requireSelfTradePrevention": False, "preventSor": False, "updateTime": server_time,
                "accountType": "SPOT",
                "balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"},
                             {"asset": "USDT", "free": "1000.00000000", "locked": "30.00000000"}],
                "permissions": ["SPOT"], "uid": 354937868,
            }
        if (method, path) == ("POST", "/api/v3/order"):
            for name in ("symbol", "side", "type", "quantity"):
                if not params.get(name):
                    raise self.error(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
            self.order_id += 1
            return 200, {
                "symbol": params["symbol"], "orderId": self.order_id, "orderListId": -1,
                "clientOrderId": params.get("newClientOrderId", "6gCrw2kRUAF9CvJDGP16IP"),
                "transactTime": server_time, "price": params.get("price", "0.00000000"),
                "origQty": params["quantity"], "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
                "status": "NEW", "timeInForce": params.get("timeInForce", "GTC"), "type": params["type"],
                "side": params["side"], "workingTime": server_time, "selfTradePreventionMode": "NONE",
            }
        raise self.error(404, -1000, f"Unknown endpoint {method} {path}")


class Kraken:
    """Kraken spot REST, private endpoints."""

    def __init__(self, key, secret, passphrase):
        self.key = key
        self.secret = base64.b64decode(secret, validate=True)
        self.last_nonce = 0
        self.lock = threading.Lock()

    @staticmethod
    def error(message):
        # Kraken answers errors with HTTP 200 and a non-empty error list.
        return Refused(200, {"error": [message]}, message)

    def handle(self, method, path, query, headers, body):
        if method != "POST":
            raise self.error("EGeneral:Invalid arguments")
        if headers.get("API-Key") != self.key:
            raise self.error("EAPI:Invalid key")
        try:
            params = dict(form(body, "the body"))
            nonce = params["nonce"]
            nonce_value = int(nonce)
        except (ValueError, KeyError):
            raise self.error("EAPI:Invalid nonce")
        digest = hashlib.sha256((nonce + body).encode()).digest()
        expected = base64.b64encode(hmac.new(self.secret, path.encode() + digest, hashlib.sha512).digest()).decode()
        if not hmac.compare_digest(expected, headers.get("API-Sign", "")):
            raise self.error("EAPI:Invalid signature")
        with self.lock:
            if nonce_value <= self.last_nonce:
                raise self.error("EAPI:Invalid nonce")
            self.last_nonce = nonce_value
        if path == "/0/private/Balance":
            return 200, {"error": [], "result": {"ZUSD": "171288.6158", "XXBT": "0.0011000000", "XETH": "0.0000000000"}}
        raise self.error("EGeneral:Unknown method")


class Okx:
    """OKX REST v5, private endpoints."""

    TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

    def __init__(self, key, secret, passphrase):
        self.key = key
        self.secret = secret.encode()
        self.passphrase = passphrase

    @staticmethod
    def error(code, msg):
        return Refused(401, {"msg": msg, "code": code}, msg)

    def handle(self, method, path, query, headers, body):
        timestamp = headers.get("OK-ACCESS-TIMESTAMP", "")
        if not self.TIMESTAMP.match(timestamp):
            raise self.error("50107", "Invalid OK-ACCESS-TIMESTAMP")
        stamp = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        if abs(stamp.timestamp() - time.time()) > 30:
            raise self.error("50102", "Timestamp request expired")
        if headers.get("OK-ACCESS-KEY") != self.key:
            raise self.error("50111", "Invalid OK-ACCESS-KEY")
        if headers.get("OK-ACCESS-PASSPHRASE") != self.passphrase:
            raise self.error("50105", "Your APIKey passphrase is incorrect")
        request_path = path + ("?" + query if query else "")
        message = timestamp + method + request_path + body
        expected = base64.b64encode(hmac.new(self.secret, message.encode(), hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, headers.get("OK-ACCESS-SIGN", "")):
            raise self.error("50113", "Invalid Sign")
        if (method, path) == ("GET", "/api/v5/account/balance"):
            try:
                wanted = dict(form(query, "the query")).get("ccy", "")
            except ValueError:
                raise Refused(400, {"code": "51000", "msg": "Parameter ccy error", "data": []}, "bad query")
            wanted = set(filter(None, wanted.split(",")))
            details = [d for d in (
                {"ccy": "BTC", "eq": "1.5", "cashBal": "1.5", "availBal": "1.2", "frozenBal": "0.3", "eqUsd": "97500"},
                {"ccy": "USDT", "eq": "2500", "cashBal": "2500", "availBal": "2500", "frozenBal": "0", "eqUsd": "2500"},
            ) if not wanted or d["ccy"] in wanted]
            total = sum(float(d["eqUsd"]) for d in details)
            return 200, {"code": "0", "msg": "", "data": [{"totalEq": f"{total:.2f}", "uTime": str(now_ms()), "details": details}]}
        return 404, {"code": "50000", "msg": f"Unknown endpoint {method} {path}", "data": []}


EXCHANGES = {"binance": Binance, "kraken": Kraken, "okx": Okx}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in EXCHANGES:
        sys.exit(f"usage: exchange_stub.py {{{','.join(EXCHANGES)}}} (credentials in STUB_KEY, STUB_SECRET, STUB_PASSPHRASE)")
    exchange = EXCHANGES[sys.argv[1]](os.environ["STUB_KEY"], os.environ["STUB_SECRET"], os.environ.get("STUB_PASSPHRASE"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def respond(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            what = f"{self.command} {url.path}"
            try:
                try:
                    body = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise Refused(400, {"error": "body is not UTF-8"}, "body is not UTF-8")
                status, answer = exchange.handle(self.command, url.path, url.query, self.headers, body)
                sys.stderr.write(f"accepted {what}\n")
            except Refused as e:
                status, answer = e.status, e.answer
                sys.stderr.write(f"refused {what}: {e}\n")
            sys.stderr.flush()
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = respond

        def log_message(self, *args):
            pass  # one line per request, written by respond()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
