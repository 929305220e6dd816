#!/usr/bin/env python3
"""Checks examples/c/mtgox_query against Python's own hmac/base64 (standard library only).

Usage: mtgox_query_check.py PATH/TO/mtgox_query

1. Print mode, with the demo credential and with a random one: every printed Rest-Sign must be
   base64(HMAC-SHA512(base64-decoded secret, message)) where the message is the printed body for
   API 1 paths and "path after 2/" NUL body for API 2 paths (the wiki's PHP mtgox_query); Rest-Key
   is the key; the body is exactly urlencode(params + [("nonce", n)]) (PHP's http_build_query after
   $req['nonce'] = ...); the nonce is the current microtime and increases.
2. The shared nonce state: after each of two runs with RESTSIGN_NONCE_FILE, the file records the
   last nonce the run sent (so the next process goes on above it); without it the file is restsign's per-key default under $XDG_STATE_HOME (mode
   0600); a foreign state file is refused with a message and a non-zero exit status.
3. Send mode: a local HTTP server checks the same on the requests libcurl actually sends (exact
   body bytes and headers) and answers; the example must print the answers and succeed.

Usage: mtgox_query_check.py PATH/TO/mtgox_query
"""

import base64
import hashlib
import hmac
import http.server
import os
import random
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

DEMO_KEY = "12345678-abcd-1234-abcd-50286e649d5c"
DEMO_SECRET = "cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5"
DEFAULT_BASE = "https://data.mtgox.com/api/"
# The calls the example makes: path and parameters, in order.
CALLS = [
    ("1/generic/private/info", []),
    ("2/BTCUSD/money/info", []),
    ("2/BTCUSD/money/order/quote", [("type", "bid"), ("amount", "100000000")]),
]
PATHS = [path for path, _ in CALLS]


def rest_sign(secret, path, body):
    """What the wiki's PHP computes: the API 2 prefix is the path after "2/" and a NUL byte."""
    prefix = path[2:].encode() + b"\0" if path.startswith("2/") else b""
    digest = hmac.new(base64.b64decode(secret), prefix + body, hashlib.sha512).digest()
    return base64.b64encode(digest).decode()


def check_request(path, headers, body, key, secret, errors):
    """headers: {name: value}. Appends what is wrong to errors; returns the nonce."""
    where = f"{path}: "
    if headers.get("Rest-Key") != key:
        errors.append(f"{where}Rest-Key {headers.get('Rest-Key')!r}, want {key!r}")
    want = rest_sign(secret, path, body)
    if headers.get("Rest-Sign") != want:
        errors.append(f"{where}Rest-Sign {headers.get('Rest-Sign')!r}, want {want!r}")
    pairs = urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    if not pairs or pairs[-1][0] != "nonce" or not pairs[-1][1].isdigit():
        errors.append(f"{where}body {body!r} does not end in nonce=<digits>")
        return 0
    nonce = pairs[-1][1]
    want_body = urllib.parse.urlencode(dict(CALLS)[path] + [("nonce", nonce)]).encode()
    if body != want_body:
        errors.append(f"{where}body {body!r}, want {want_body!r}")
    return int(nonce)


def check_nonces(nonces, started, finished, errors):
    # microtime: seconds followed by six digits of microseconds, i.e. microseconds since the epoch.
    for n in nonces:
        if not started - 1_000_000 <= n <= finished + 1_000_000:
            errors.append(f"nonce {n} is not the current microtime ({started}..{finished})")
    if any(b <= a for a, b in zip(nonces, nonces[1:])):
        errors.append(f"nonces do not increase: {nonces}")


def micros():
    return time.time_ns() // 1000


def print_mode(program, key, secret, errors, state=None, runtime_dir=None):
    """Runs the example in print mode and checks its output; returns the nonces it printed.
    state: RESTSIGN_NONCE_FILE (None: unset, and XDG_STATE_HOME=runtime_dir)."""
    env = dict(os.environ, MTGOX_KEY=key, MTGOX_SECRET=secret)
    env.pop("MTGOX_BASE_URL", None)
    env.pop("RESTSIGN_NONCE_FILE", None)
    if state:
        env["RESTSIGN_NONCE_FILE"] = state
    else:
        env["XDG_STATE_HOME"] = runtime_dir
    if key == DEMO_KEY:  # the defaults must be the demo credential
        env.pop("MTGOX_KEY")
        env.pop("MTGOX_SECRET")
    started = micros()
    out = subprocess.run([program], env=env, stdout=subprocess.PIPE, check=True).stdout
    finished = micros()
    # Blocks: "POST url", header lines, blank line, body, blank line.
    blocks = out.decode().strip("\n").split("\n\n")
    if len(blocks) != 2 * len(PATHS):
        errors.append(f"print mode: unexpected output:\n{out.decode()}")
        return []
    nonces = []
    for i, path in enumerate(PATHS):
        head, body = blocks[2 * i].split("\n"), blocks[2 * i + 1].encode()
        if head[0] != f"POST {DEFAULT_BASE}{path}":
            errors.append(f"request line {head[0]!r}, want 'POST {DEFAULT_BASE}{path}'")
        headers = dict(line.split(": ", 1) for line in head[1:])
        if sorted(headers) != ["Rest-Key", "Rest-Sign"]:
            errors.append(f"{path}: headers {sorted(headers)}")
        nonces.append(check_request(path, headers, body, key, secret, errors))
    check_nonces(nonces, started, finished, errors)
    return nonces


def shared_state(program, tmp, errors):
    """The nonce state outlives a run; the default file is per key; a foreign file is refused."""
    state = os.path.join(tmp, "mtgox-demo.nonce")
    for run in (1, 2):
        nonces = print_mode(program, DEMO_KEY, DEMO_SECRET, errors, state=state)
        # The state record (src/nonce.rs) holds the last value handed out, native order, at byte 48.
        try:
            with open(state, "rb") as f:
                record = f.read()
        except OSError:
            record = b""
        last = struct.unpack_from("=Q", record, 48)[0] if len(record) == 64 else None
        if not nonces or last != max(nonces):
            errors.append(f"state file, run {run}: last value {last}, the run sent {nonces}")
    mode = stat.S_IMODE(os.stat(state).st_mode) if os.path.exists(state) else None
    if mode != 0o600:
        errors.append(f"state file mode {mode and oct(mode)}, want 0o600")

    runtime = os.path.join(tmp, "runtime")
    os.mkdir(runtime, 0o700)
    print_mode(program, DEMO_KEY, DEMO_SECRET, errors, runtime_dir=runtime)
    made = os.listdir(os.path.join(runtime, "restsign")) if os.path.isdir(os.path.join(runtime, "restsign")) else []
    made = [m for m in made if not m.startswith(".")]  # the state file's kept second name
    if len(made) != 1 or not made[0].startswith("nonce-"):
        errors.append(f"default state file: {runtime}/restsign holds {made}")

    foreign = os.path.join(tmp, "foreign")
    with open(foreign, "w") as f:
        f.write("not a nonce state file\n")
    run = subprocess.run([program], env=dict(os.environ, RESTSIGN_NONCE_FILE=foreign),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if run.returncode == 0 or b"foreign" not in run.stderr or run.stdout:
        errors.append(f"foreign state file: exit {run.returncode}, stderr {run.stderr!r}, stdout {run.stdout!r}")


def send_mode(program, key, secret, errors, state):
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            path = self.path.removeprefix("/api/")
            before = len(errors)
            nonce = check_request(path, dict(self.headers.items()), body, key, secret, errors)
            seen.append((path, nonce))
            ok = len(errors) == before
            reply = b'{"result":"success","return":{"checked":"%s"}}' % path.encode() if ok \
                else b'{"result":"error","error":"Invalid signature"}'
            self.send_response(200 if ok else 403)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, MTGOX_KEY=key, MTGOX_SECRET=secret,
               MTGOX_BASE_URL=f"http://127.0.0.1:{server.server_port}/api/", RESTSIGN_NONCE_FILE=state,
               no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")  # libcurl must not hand it to a proxy
    started = micros()
    run = subprocess.run([program], env=env, stdout=subprocess.PIPE, check=False, timeout=60)
    finished = micros()
    server.shutdown()
    out = run.stdout.decode()
    if run.returncode != 0:
        errors.append(f"send mode: exit status {run.returncode}\n{out}")
    if [p for p, _ in seen] != PATHS:
        errors.append(f"send mode: server saw {seen}")
    for path in PATHS:
        if f'"checked":"{path}"' not in out:
            errors.append(f"send mode: the answer for {path} was not printed")
    check_nonces([n for _, n in seen], started, finished, errors)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    program = sys.argv[1]
    rng = random.Random()
    random_key = "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
    random_secret = base64.b64encode(rng.randbytes(rng.randrange(1, 200))).decode()
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        shared_state(program, tmp, errors)
        random_state = os.path.join(tmp, "random-key.nonce")  # one state file per key
        print_mode(program, random_key, random_secret, errors, state=random_state)
        send_mode(program, random_key, random_secret, errors, random_state)
    for e in errors:
        print("FAILED", e)
    print(f"mtgox_query check: {'ok' if not errors else f'{len(errors)} errors'} "
          "(print mode x4, shared state, foreign state, send mode)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
