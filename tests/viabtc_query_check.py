#!/usr/bin/env python3
"""Checks examples/c/viabtc_query against Python's own hmac (standard library only).

Usage: viabtc_query_check.py PATH/TO/viabtc_query

Following ViaBTC's "API Authentication" page (../shared/seeds/viabtc-api-authentication.md):
1. Print mode, with the sample credential published there and with a random one: the GET carries
   coin=BTC&tonce=<ms> as its query, the POST the JSON {"coin": "BTC", "amount": "1.0"} with
   "tonce":<ms> added before the closing brace; X-SIGNATURE is HMAC-SHA256(secret, query or body)
   in lower-case hex; X-API-KEY is the key; the POST also sends Content-Type: application/json;
   tonce is the current time in milliseconds and increases.
2. Send mode: a local HTTP server checks the same on what libcurl actually sends and answers; the
   example must print the answers and succeed.
"""

import hashlib
import hmac
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SAMPLE_KEY = "16289e05354c3c3814b8f3045950395f"
SAMPLE_SECRET = "d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0"
DEFAULT_BASE = "https://www.viabtc.net"
PATH = "/res/openapi/v1/hashrate"
POST_JSON = b'{"coin": "BTC", "amount": "1.0"}'


def millis():
    return time.time_ns() // 1_000_000


def check_request(method, target, headers, body, key, secret, errors):
    """headers: {name: value}. Appends what is wrong to errors; returns the tonce."""
    where = f"{method} {target}: "
    path, _, query = target.partition("?")
    if path != PATH:
        errors.append(f"{where}path {path!r}, want {PATH!r}")
    if method == "GET":
        signed, tonce = query.encode(), query.removeprefix("coin=BTC&tonce=")
        if not query.startswith("coin=BTC&tonce=") or not tonce.isdigit() or body:
            errors.append(f"{where}query {query!r} / body {body!r}, want coin=BTC&tonce=<ms> and no body")
            return 0
        want_headers = {"X-API-KEY", "X-SIGNATURE"}
    else:
        signed, tonce = body, str(json.loads(body).get("tonce", ""))
        if body != POST_JSON[:-1] + b',"tonce":' + tonce.encode() + b"}" or not tonce.isdigit() or query:
            errors.append(f"{where}body {body!r} / query {query!r}: not the page's JSON with tonce added")
            return 0
        want_headers = {"X-API-KEY", "X-SIGNATURE", "Content-Type"}
        if headers.get("Content-Type") != "application/json":
            errors.append(f"{where}Content-Type {headers.get('Content-Type')!r}")
    missing = want_headers - set(headers)
    if missing:
        errors.append(f"{where}headers {sorted(missing)} missing")
    if headers.get("X-API-KEY") != key:
        errors.append(f"{where}X-API-KEY {headers.get('X-API-KEY')!r}, want {key!r}")
    want = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if headers.get("X-SIGNATURE") != want:
        errors.append(f"{where}X-SIGNATURE {headers.get('X-SIGNATURE')!r}, want {want!r}")
    return int(tonce)


def check_tonces(tonces, started, finished, errors):
    for t in tonces:
        if not started - 1000 <= t <= finished + 1000:
            errors.append(f"tonce {t} is not the current time in ms ({started}..{finished})")
    if any(b <= a for a, b in zip(tonces, tonces[1:])):
        errors.append(f"tonces do not increase: {tonces}")


def environment(key, secret, state, **extra):
    env = dict(os.environ, VIABTC_KEY=key, VIABTC_SECRET=secret, RESTSIGN_NONCE_FILE=state, **extra)
    if key == SAMPLE_KEY:  # the defaults must be the sample credential
        env.pop("VIABTC_KEY")
        env.pop("VIABTC_SECRET")
    return env


def print_mode(program, key, secret, state, errors):
    env = environment(key, secret, state)
    env.pop("VIABTC_BASE_URL", None)
    started = millis()
    out = subprocess.run([program], env=env, stdout=subprocess.PIPE, check=True).stdout.decode()
    finished = millis()
    # Each request: "METHOD url", header lines, a blank line, the body if any, a blank line.
    lines, tonces = out.split("\n"), []
    for method in ("GET", "POST"):
        request_line, lines = lines[0], lines[1:]
        blank = lines.index("")
        headers = dict(line.split(": ", 1) for line in lines[:blank])
        lines = lines[blank + 1:]
        body = b""
        if lines and lines[0]:
            body, lines = lines[0].encode(), lines[1:]
        lines = lines[1:]
        got_method, _, url = request_line.partition(" ")
        if got_method != method or not url.startswith(DEFAULT_BASE + "/"):
            errors.append(f"request line {request_line!r}, want {method} {DEFAULT_BASE}/...")
            return
        tonces.append(check_request(method, url[len(DEFAULT_BASE):], headers, body, key, secret, errors))
    if "".join(lines):
        errors.append(f"print mode: unexpected output after the requests: {lines}")
    check_tonces(tonces, started, finished, errors)


def send_mode(program, key, secret, state, errors):
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, body):
            before = len(errors)
            seen.append((self.command, check_request(self.command, self.path, dict(self.headers.items()), body,
                                                     key, secret, errors)))
            ok = len(errors) == before
            reply = b'{"code":0,"data":{"checked":"%s"},"message":"OK"}' % self.command.encode() if ok \
                else b'{"code":401,"data":{},"message":"invalid signature"}'
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def do_GET(self):
            self.answer(b"")

        def do_POST(self):
            self.answer(self.rfile.read(int(self.headers["Content-Length"])))

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = environment(key, secret, state, VIABTC_BASE_URL=f"http://127.0.0.1:{server.server_port}",
                      no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")  # libcurl must not hand it to a proxy
    started = millis()
    run = subprocess.run([program], env=env, stdout=subprocess.PIPE, check=False, timeout=60)
    finished = millis()
    server.shutdown()
    out = run.stdout.decode()
    if run.returncode != 0:
        errors.append(f"send mode: exit status {run.returncode}\n{out}")
    if [m for m, _ in seen] != ["GET", "POST"]:
        errors.append(f"send mode: server saw {seen}")
    for method in ("GET", "POST"):
        if f'"checked":"{method}"' not in out:
            errors.append(f"send mode: the answer to the {method} was not printed")
    check_tonces([t for _, t in seen], started, finished, errors)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    program = sys.argv[1]
    rng = random.Random()
    random_key = rng.randbytes(16).hex()
    random_secret = rng.randbytes(32).hex()
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        sample_state, random_state = os.path.join(tmp, "sample.nonce"), os.path.join(tmp, "random.nonce")
        print_mode(program, SAMPLE_KEY, SAMPLE_SECRET, sample_state, errors)
        print_mode(program, random_key, random_secret, random_state, errors)
        send_mode(program, random_key, random_secret, random_state, errors)
    for e in errors:
        print("FAILED", e)
    print(f"viabtc_query check: {'ok' if not errors else f'{len(errors)} errors'} (print mode x2, send mode)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
