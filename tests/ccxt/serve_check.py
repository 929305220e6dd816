"""ccxt-signed requests sent over HTTP to `restsign serve`: every preset ccxt 4.5.90 can sign for.

    serve_check.py [--count N] [--seed S] [--serve PATH] [--mechanics] [PRESET ...]

Per preset (all preset names in src/recipe/presets/ unless named; those without a ccxt case in
cases.py are skipped and listed):
1. `restsign serve --scheme NAME --key K --secret S [--passphrase P] --port 0` with credentials of
   the preset's shape (cases.random_request: base64 secrets, key prefixes, passphrases); the port is
   read from its `listening on 127.0.0.1:PORT` line; the server is stopped (SIGTERM, then SIGKILL)
   in a finally.
2. N (default 5) random requests (cases.py's generator) signed by ccxt's own sign() on its real
   clock (nothing frozen: nonces, timestamps and UUIDs are ccxt's), sent with http.client exactly
   as ccxt built them (method, path+query of ccxt's URL, headers byte for byte, body) to
   http://127.0.0.1:PORT. Each must be answered with the preset's success status.
3. For one more request, mutated copies, each freshly signed by ccxt first: one character of a
   parameter value in the body (the query where the scheme sends no body), one character of the
   path (where the scheme signs the path), the timestamp +1 in its unit (where it travels in a
   header or parameter of its own), one character of the signature (another of the same alphabet).
   Each must get the preset's bad_signature reply (status, and the body against the template with
   each ${...} a wildcard); the payload mutation may get `malformed` instead (said in the output).
4. The last accepted request again, unchanged: it must get the stale_nonce or the replayed reply.

Replies: `[server.replies]` of the preset file (defaults: success 200 "${data}", malformed 400,
internal 500, the others 401 '{"error":"${message}"}'). A serve without --passphrase (before the
every-preset serve) is run in legacy mode: success 200, refusals any 4xx, presets needing a
passphrase or that it cannot verify are skipped.

--mechanics: no ccxt; signs with restsign's own C library (restsign_c.py) for seed schemes ccxt
does not have (poloniex, apiauth, viabtc), to check this script's machinery against a serve that
verifies only the seeds. It says nothing about ccxt.

Exit status non-zero on any failure; the failing preset's server stderr is printed.
"""
import argparse
import dataclasses
import glob
import http.client
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid as uuidlib
from urllib.parse import quote, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PRESET_DIR = os.path.join(ROOT, "src", "recipe", "presets")
sys.path.insert(0, HERE)
import cases  # noqa: E402

VERBOSE = False
SOCKET_TIMEOUT = 5.0
START_TIMEOUT = 10.0

DEFAULT_REPLIES = {
    "success": (200, "${data}"),
    "malformed": (400, '{"error":"${message}"}'),
    "internal": (500, '{"error":"${message}"}'),
}
REFUSALS = ("bad_signature", "unknown_key", "stale_nonce", "outside_window", "replayed",
            "malformed", "internal")

ALPHABETS = {
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "base64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "base64url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
}
ALPHABETS["base64-hex"] = ALPHABETS["base64"]


# --- the preset files ----------------------------------------------------------------------------

def preset_files():
    """{name: recipe document} for every preset name and alias."""
    out = {}
    for path in sorted(glob.glob(os.path.join(PRESET_DIR, "*.toml"))):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        out[doc["name"]] = doc
        for alias in doc.get("aliases", []):
            out[alias if isinstance(alias, str) else alias["name"]] = doc
    return out


def replies_of(doc, legacy):
    """{kind: (status, body template or None)}; legacy: 200 / any 4xx (template None)."""
    if legacy:
        return {k: (200 if k == "success" else None, None) for k in ("success",) + REFUSALS}
    given = doc.get("server", {}).get("replies", {})
    out = {}
    for kind in ("success",) + REFUSALS:
        status, body = DEFAULT_REPLIES.get(kind, (401, '{"error":"${message}"}'))
        r = given.get(kind, {})
        out[kind] = (r.get("status", status), r.get("body", body))
    return out


def template_regex(template):
    parts = re.split(r"\$\{[^}]*\}", template)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.S)


def reply_matches(reply, status, body):
    want_status, template = reply
    if want_status is None:  # legacy refusal: any 4xx
        return 400 <= status < 500
    if status != want_status:
        return False
    return template is None or template_regex(template).fullmatch(body) is not None


def _uncommented(doc, *skip):
    """The recipe without the sections that do not sign (for 'does it sign {path}?')."""
    return repr({k: v for k, v in doc.items() if k not in ("about", "server", "aliases") + skip})


def signed_text(doc, method):
    """The recipe's message for `method` as text, `if`s on query_method resolved and values
    inlined: what the HMAC covers, to tell which parts a mutation can reach."""
    values = doc.get("values", {})
    query_method = in_query(doc, method)

    def flat(part, depth=0):
        if depth > 20:
            return ""
        if isinstance(part, str):
            return re.sub(r"\{\??([A-Za-z0-9_]+)\}",
                          lambda m: flat(values[m.group(1)], depth + 1) if m.group(1) in values
                          else m.group(0), part)
        if isinstance(part, list):
            return "".join(flat(p, depth + 1) for p in part)
        if isinstance(part, dict):
            if "if" in part and part["if"].get("cond") == "query_method":
                branch = part["if"].get("then" if query_method else "else", "")
                return flat(branch, depth + 1)
            return repr({k: flat(v, depth + 1) if k not in ("form", "json", "params_concat")
                         else "{params}" for k, v in part.items()})
        return repr(part)

    return flat(doc.get("message", "")) + flat(doc.get("envelope", ""))


def signs_path(doc, method):
    text = signed_text(doc, method)
    return any(t in text for t in ("{path}", "{full_path}"))


def signs_payload(doc, method):
    """Whether the parameters of a `method` request are under the HMAC (in any spelling)."""
    text = signed_text(doc, method)
    where = ("{query}", "{query_raw}") if in_query(doc, method) else ("{body}",)
    return any(t in text for t in where + ("{payload}", "{params}"))


def query_methods(doc):
    qm = doc.get("query_methods", ["GET", "DELETE"])
    return qm


def in_query(doc, method):
    qm = query_methods(doc)
    return qm == "*" or method in qm


def carriers(doc, token):
    """Where `{token}` travels on its own: [("header", name, template) | ("param", name, into) |
    ("member", name, None)]."""
    out = []
    for name, tmpl in doc.get("headers", {}).items():
        if isinstance(tmpl, str) and "{" + token + "}" in tmpl:
            out.append(("header", name, tmpl))
    for inj in doc.get("inject", []):
        if inj.get("value") == "{" + token + "}":
            out.append(("param", inj["name"], inj.get("into")))
    if token == "signature" and isinstance(doc.get("signature_param"), dict):
        sp = doc["signature_param"]
        out.append(("param", sp["name"], sp.get("into")))
    env = doc.get("envelope", {})
    for m in env.get("json", []) if isinstance(env, dict) else []:
        if m.get("str") == "{" + token + "}":
            out.append(("member", m["name"], None))
    return out


# --- requests --------------------------------------------------------------------------------------

def now_ms():
    return time.time_ns() // 1_000_000  # ccxt's milliseconds(), exactly


def wait_next_ms(state):
    """ccxt's nonces and timestamps are its clock in ms: one signature per millisecond at most.
    Called before signing; `signed(state)` after it records the clock the signature cannot be
    later than."""
    while now_ms() <= state.get("last_ms", 0):
        time.sleep(0.0002)


def signed(state):
    state["last_ms"] = now_ms()


class CcxtSigner:
    """ccxt's own sign() on its real clock (oracle.py's instances, nothing frozen)."""
    name = "ccxt"

    def __init__(self):
        import oracle
        self.oracle = oracle
        self.state = {}

    def sign(self, preset, req):
        ex = self.oracle._exchange(preset.exchange)
        for attr in ("milliseconds", "seconds", "microseconds", "uuid", "uuid16", "uuid22",
                     "nonce", "incrementing_nonce"):
            ex.__dict__.pop(attr, None)  # oracle.ccxt_sign's frozen clock, if it ran before
        ex.apiKey, ex.secret, ex.password = req.key, req.secret, req.passphrase or ""
        wait_next_ms(self.state)
        out = ex.sign(req.endpoint.ccxt_path, list(req.endpoint.api), req.method, dict(req.params))
        signed(self.state)
        # as ccxt's requests session sends them: a header whose value is None is not sent
        headers = [(k, str(v)) for k, v in (out["headers"] or {}).items() if v is not None]
        return {"method": out["method"], "url": out["url"], "headers": headers, "body": out["body"]}


class CSigner:
    """Mechanics check only: restsign's C library signs (clock now, nonce now in ms, fresh UUID)."""
    name = "restsign C library (mechanics check)"

    def __init__(self):
        from restsign_c import Restsign
        self.rs = Restsign()
        self.state = {}
        self.files = preset_files()

    def sign(self, preset, req):
        wait_next_ms(self.state)
        ms = now_ms()
        signed(self.state)
        params = req.params
        key_param = self.files[preset.name].get("key_param")
        if key_param:  # coinpayments: the caller sends the public key as a parameter
            params = [(key_param, req.key)] + params
        out = self.rs.sign(self.rs.preset(preset.name), req.key, req.secret, req.passphrase,
                           req.method, req.endpoint.path, params, ms, ms, str(uuidlib.uuid4()))
        return {"method": req.method, "url": out["url"], "headers": out["headers"],
                "body": out["body"] or None}


def target_of(url):
    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def send(port, method, target, headers, body):
    """One request on its own connection; headers and body byte for byte. -> (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SOCKET_TIMEOUT)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        data = body.encode() if isinstance(body, str) else body
        for k, v in headers:
            conn.putheader(k, v.encode())
        if not any(k.lower() == "content-length" for k, _ in headers):
            if data is not None:
                conn.putheader("Content-Length", str(len(data)))
            elif method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", "0")
        conn.endheaders(data)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def send_signed(port, out):
    return send(port, out["method"], target_of(out["url"]), out["headers"], out["body"])


# --- mutations ------------------------------------------------------------------------------------

def other_char(c, alphabet=None):
    if alphabet and c in alphabet:
        plain = [a for a in alphabet if a.isalnum()]
        return plain[(plain.index(c) + 1) % len(plain)] if c in plain else plain[0]
    if c.isdigit():
        return str((int(c) + 1) % 10)
    if c.isalpha():
        base = "a" if c.islower() else "A"
        return chr((ord(c) - ord(base) + 1) % 26 + ord(base)) if c.isascii() else "x"
    return "x"


def mutate_param(text, name, fn):
    """`name=value` in a form/query string: value -> fn(value) (percent-decoded, re-encoded the same
    way). None if the parameter is not there."""
    items = text.split("&")
    for i, item in enumerate(items):
        n, sep, v = item.partition("=")
        if sep and unquote(n) == name:
            decoded = unquote(v)
            new = fn(decoded)
            items[i] = n + "=" + (new if v == decoded else quote(new, safe=""))
            return "&".join(items)
    return None


def mutate_member(body, name, fn):
    m = re.search(r'"%s"\s*:\s*"([^"\\]*)"' % re.escape(name), body or "")
    if not m:
        return None
    return body[:m.start(1)] + fn(m.group(1)) + body[m.end(1):]


def mutate_in_template(value, tmpl, token, fn, alphabet=None):
    """The span of `{token}` in a header value built from `tmpl` -> fn(span)."""
    pieces = re.split(r"(\{[A-Za-z0-9_?]+\})", tmpl)
    rx = ""
    for p in pieces:
        if p == "{" + token + "}":
            cls = "[" + re.escape(alphabet) + "=]+" if alphabet else "[^,;\\s]+"
            rx += "(?P<target>" + cls + ")"
        elif p.startswith("{") and p.endswith("}"):
            rx += ".*?"
        else:
            rx += re.escape(p)
    m = re.fullmatch(rx, value, re.S)
    if not m:
        return None
    return value[:m.start("target")] + fn(m.group("target")) + value[m.end("target"):]


def bump_ts(v):
    if v.isdigit():
        return str(int(v) + 1)
    import datetime
    for fmt, step in (("%Y-%m-%dT%H:%M:%S.%fZ", datetime.timedelta(milliseconds=1)),
                      ("%Y-%m-%dT%H:%M:%S", datetime.timedelta(seconds=1))):
        try:
            t = datetime.datetime.strptime(v, fmt) + step
        except ValueError:
            continue
        return (t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
                if fmt.endswith("Z") else t.strftime(fmt))
    raise ValueError(f"timestamp {v!r}: not digits nor ISO 8601")


def apply_carrier(out, carrier, token, fn, alphabet=None):
    """A copy of the signed request `out` with `{token}`'s value at `carrier` changed by fn, or None
    if the value is not found there."""
    kind, name, extra = carrier
    out = dict(out, headers=list(out["headers"]))
    if kind == "header":
        for i, (k, v) in enumerate(out["headers"]):
            if k.lower() == name.lower():
                new = fn(v) if extra in ("{" + token + "}", "{}") else mutate_in_template(
                    v, extra, token, fn, alphabet)
                if new is None:
                    return None
                out["headers"][i] = (k, new)
                return out
        return None
    if kind == "member":
        new = mutate_member(out["body"], name, fn)
        return None if new is None else dict(out, body=new)
    # a parameter: in the query or the form body, wherever ccxt put it
    parts = urlsplit(out["url"])
    if parts.query:
        new = mutate_param(parts.query, name, fn)
        if new is not None:
            return dict(out, url=out["url"].replace("?" + parts.query, "?" + new, 1))
    if out["body"]:
        new = mutate_param(out["body"], name, fn)
        if new is None:
            new = mutate_member(out["body"], name, fn)
        if new is not None:
            return dict(out, body=new)
    return None


def first_char(alphabet):
    return lambda v: other_char(v[0], alphabet) + v[1:]


def mutate_value(text, values):
    """One character inside the first of `values` found in `text` (plain values: the text stays
    valid JSON, form or query)."""
    for v in values:
        i = text.find(v) if v else -1
        if i >= 0:
            j = i + len(v) // 2
            return text[:j] + other_char(text[j]) + text[j + 1:]
    return None


def mutate_payload(out, values):
    """One character of a parameter value: in the body, else in the query."""
    if out["body"]:
        new = mutate_value(out["body"], values)
        if new is not None:
            return dict(out, body=new)
    p = urlsplit(out["url"])
    new = mutate_value(p.query, values) if p.query else None
    return None if new is None else dict(out, url=out["url"].replace("?" + p.query, "?" + new, 1))


def gemini_like(doc):
    """The header that carries the signed payload as base64 JSON when the scheme sends no body
    (gemini's X-GEMINI-PAYLOAD), else None."""
    if doc.get("body") != "none":
        return None
    values = doc.get("values", {})
    for name, tmpl in doc.get("headers", {}).items():
        m = re.fullmatch(r"\{(\w+)\}", tmpl)
        v = values.get(m.group(1)) if m else None
        if isinstance(v, dict) and isinstance(v.get("base64"), dict) and "json" in v["base64"]:
            return name
    return None


def b64_json_mutation(v, values):
    import base64
    text = mutate_value(base64.b64decode(v).decode(), values)
    return None if text is None else base64.b64encode(text.encode()).decode()


def mutate_path(url):
    parts = urlsplit(url)
    path = parts.path
    last = path.rstrip("/").rsplit("/", 1)
    start = len(last[0]) + 1 if len(last) == 2 else 0
    for j in range(start, len(path)):
        if path[j].isalnum():
            new = path[:j] + other_char(path[j]) + path[j + 1:]
            return url.replace(parts.path, new, 1) if parts.netloc else new + url[len(path):]
    return None


# --- one preset -----------------------------------------------------------------------------------

class Failed(Exception):
    pass


class Server:
    def __init__(self, exe, name, req, legacy, recipe_file=None):
        self.err = tempfile.TemporaryFile()
        # --opt=value: a random secret may start with '-'.
        recipe = "--recipe=" + recipe_file if recipe_file else "--scheme=" + name
        args = [exe, "serve", recipe, "--key=" + req.key, "--secret=" + req.secret, "--port=0"]
        if req.passphrase is not None and not legacy:
            args.append("--passphrase=" + req.passphrase)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        try:
            self._wait_ready()
        except Failed as e:
            self.stop()
            raise Failed(f"{e}\n  server stderr:\n    "
                         + self.stderr().strip().replace("\n", "\n    ")) from None
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self):
        line = b""
        deadline = time.monotonic() + START_TIMEOUT
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise Failed(f"serve printed no 'listening on' line within {START_TIMEOUT:.0f}s")
            b = os.read(self.proc.stdout.fileno(), 1)
            if not b:
                break
            line += b
        m = re.match(rb"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.wait(timeout=START_TIMEOUT)
            raise Failed(f"serve did not start (exit {self.proc.returncode}, stdout {line!r})")
        self.port = int(m.group(1))

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.stdout.closed:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def fresh_request(preset, rng, creds, seen, params=None, endpoint=None):
    """A random request with the server's credentials, no named ccxt deviation, not a copy of one
    sent before (a seconds clock would make two equal requests a replay); seen=None: no such check
    (a copy that is mutated before it is sent)."""
    for _ in range(100):
        req = cases.random_request(preset, rng)
        req = dataclasses.replace(req, key=creds.key, secret=creds.secret,
                                  passphrase=creds.passphrase)
        if endpoint is not None:
            req = dataclasses.replace(req, endpoint=endpoint)
        if params is not None:
            req = dataclasses.replace(req, params=params)
        for _ in range(5):
            if not (preset.quirk and preset.quirk(req)):
                break
            req = preset.defuse(req, rng)
        ident = (req.endpoint, tuple(req.params))
        if seen is None:
            return req
        if ident not in seen:
            seen.add(ident)
            return req
    raise Failed("cannot generate a request not sent before")


def check_preset(signer, preset, doc, exe, count, rng, legacy):
    """-> (summary text, notes); raises Failed(text) with the details."""
    replies = replies_of(doc, legacy)
    creds = cases.random_request(preset, rng)
    if creds.passphrase is not None:
        # HTTP drops a header value's leading and trailing spaces, so a passphrase sent in a header
        # (OKX, Bitget…) cannot begin or end with one: an exchange would never see them either.
        creds = dataclasses.replace(creds, passphrase=creds.passphrase.strip(" \t") or "pass")
    seen = set()
    server = Server(exe, preset.name, creds, legacy, preset.recipe_file)
    notes = []
    try:
        port = server.port

        def expect(what, out, kinds, allow_malformed=False):
            status, body = send_signed(port, out)
            if VERBOSE:
                print(f"    {what}: {status} {body[:120]}")
            ok = any(reply_matches(replies[k], status, body) for k in kinds)
            if not ok and allow_malformed and reply_matches(replies["malformed"], status, body):
                notes.append(f"{what}: answered malformed")
                ok = True
            if not ok:
                raise Failed(f"{what}: got {status} {body[:300]!r}, expected "
                             + " or ".join(f"{k} {replies[k][0] or '4xx'} {replies[k][1]!r}"
                                           for k in kinds)
                             + f"\n  sent {out['method']} {target_of(out['url'])}\n  headers "
                             f"{out['headers']!r}\n  body {out['body']!r}")

        # 2. accepted
        last = None
        sent_signatures = set()
        sig_carrier = carriers(doc, "signature")
        for i in range(count):
            req = fresh_request(preset, rng, creds, seen)
            last = signer.sign(preset, req)
            # Two requests that differ only where the scheme signs nothing (HTX's body, a query
            # Coinbase v3 does not sign) inside one second of a seconds clock are one signed
            # request: the second would rightly be a replay. Sign again a second later.
            for _ in range(3):
                got = []
                if sig_carrier:
                    apply_carrier(last, sig_carrier[0], "signature", lambda v: (got.append(v), v)[1])
                if not got or got[0] not in sent_signatures:
                    break
                if "{ts}" in signed_text(doc, req.method):
                    time.sleep(1.05)
                else:  # Digifinex signs only the payload: only other parameters make it new.
                    req = fresh_request(preset, rng, creds, seen)
                last = signer.sign(preset, req)
            sent_signatures.update(got)
            expect(f"request {i + 1}/{count} ({req.method} {req.endpoint.path}, "
                   f"{len(req.params)} params)", last, ["success"])

        # 3. mutations of one request with plain parameter values
        body_eps = [e for e in preset.endpoints if not in_query(doc, e.method)]
        endpoint = rng.choice(body_eps or preset.endpoints)
        has_body = bool(body_eps)
        names = [n for n, _ in cases.random_params(rng, preset.reserved, rng.randint(1, 3))]
        values = [cases._plain(rng, 6, 12) for _ in names]
        params = list(zip(names, values))
        alphabet = ALPHABETS.get(doc.get("signature")) if isinstance(doc.get("signature"), str) else None
        done, skipped = [], []

        def mutated(what, change, allow_malformed=False):
            req = fresh_request(preset, rng, creds, None, params=params, endpoint=endpoint)
            out = signer.sign(preset, req)
            bad = change(out)
            if bad is None:
                raise Failed(f"{what}: found nothing to mutate in {out!r}")
            expect(f"mutation {what}", bad, ["bad_signature"], allow_malformed)
            done.append(what)

        payload_header = gemini_like(doc)
        if payload_header:
            def in_header(o):
                return apply_carrier(o, ("header", payload_header, "{}"), "",
                                     lambda v: b64_json_mutation(v, values))
            mutated("payload header", in_header, allow_malformed=True)
        elif signs_payload(doc, endpoint.method):
            mutated("body" if has_body else "query", lambda o: mutate_payload(o, values),
                    allow_malformed=True)
        else:
            skipped.append(("body" if has_body else "query") + " (not signed by the scheme)")
        if signs_path(doc, endpoint.method):
            mutated("path", lambda o: dict(o, url=mutate_path(o["url"])))
        else:
            skipped.append("path (not signed by the scheme)")
        ts = carriers(doc, "ts")
        if ts and "{ts}" not in signed_text(doc, endpoint.method):
            skipped.append("timestamp (sent but not signed by the scheme)")
        elif ts:
            mutated("timestamp", lambda o: apply_carrier(o, ts[0], "ts", bump_ts))
        elif "{ts}" in _uncommented(doc):
            skipped.append("timestamp (inside the signed token)")
        else:
            skipped.append("timestamp (none: nonce scheme)")
        sig = carriers(doc, "signature")
        if sig:
            mutated("signature", lambda o: apply_carrier(o, sig[0], "signature",
                                                           first_char(alphabet), alphabet))
        else:
            skipped.append("signature (no carrier found in the recipe)")

        # 4. replay of the last accepted request
        expect("replay", last, ["stale_nonce", "replayed"])
        return (f"accepted {count}/{count}, mutations refused {len(done)}/{len(done)} "
                f"({', '.join(done)}), replay refused"
                + (f"; not mutated: {'; '.join(skipped)}" if skipped else ""), notes)
    except Failed as e:
        raise Failed(f"{e}\n  server stderr:\n    " + server.stderr().strip().replace("\n", "\n    "))
    except Exception as e:  # noqa: BLE001 - a crash of the check is a failure of the preset too
        import traceback
        raise Failed(f"{type(e).__name__}: {e}\n{traceback.format_exc()}  server stderr:\n    "
                     + server.stderr().strip().replace("\n", "\n    "))
    finally:
        server.stop()


# Seeds for --mechanics: restsign signs them itself; endpoints as their documents have them.
E = cases.Endpoint
MECHANICS = [
    cases.Preset("poloniex", "-", [E("POST", "/tradingApi", (), "")], "", nonce=True,
                 reserved=("nonce",)),
    cases.Preset("apiauth", "-", [E("GET", "/api/wallet/", (), ""),
                                  E("POST", "/api/contact_create/", (), "")], ""),
    cases.Preset("viabtc", "-", [E("GET", "/res/openapi/v1/hashrate", (), ""),
                                 E("POST", "/res/openapi/v1/order", (), "")], "",
                 reserved=("tonce",)),
    cases.Preset("coinpayments", "-", [E("POST", "/api.php", (), "")], "",
                 reserved=("nonce", "key", "version", "cmd")),
    cases.Preset("mtgox-v1", "-", [E("POST", "/api/1/generic/private/info", (), "")], "",
                 secret="base64", reserved=("nonce",)),
    cases.Preset("mtgox-v2", "-", [E("POST", "/api/2/BTCUSD/money/info", (), "")], "",
                 secret="base64", reserved=("nonce",)),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--seed", default=None, help="random requests' seed (default: a fresh one, printed)")
    ap.add_argument("--serve", default=os.path.join(ROOT, "target", "release", "restsign"))
    ap.add_argument("--mechanics", action="store_true",
                    help="sign seeds with restsign's C library instead of ccxt (checks this script)")
    ap.add_argument("--strict", action="store_true",
                    help="expect the [server.replies] answers even from a serve without --passphrase")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every request's answer")
    ap.add_argument("presets", nargs="*")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    seed = args.seed or os.urandom(6).hex()
    helptext = subprocess.run([args.serve, "serve", "--help"], capture_output=True, text=True,
                              timeout=30).stdout
    legacy = "--passphrase" not in helptext and not args.strict
    files = preset_files()
    started = time.monotonic()

    if legacy and not args.presets and not args.mechanics:
        print("serve_check: this serve has no --passphrase: it is the seed-only serve, and ccxt "
              "4.5.90 has none of the seeds; running the mechanics check instead (name presets "
              "to try ccxt against it anyway)")
        args.mechanics = True
    if args.mechanics:
        signer = CSigner()
        table = {p.name: p for p in MECHANICS}
    else:
        signer = CcxtSigner()
        table = {p.name: p for p in cases.PRESETS if p.recipe_file is None or not legacy}
        # A recipe a user wrote (LATOKEN's) is served from its file: `serve --recipe FILE`.
        for p in cases.PRESETS:
            if p.recipe_file and not legacy:
                with open(os.path.join(ROOT, p.recipe_file), "rb") as f:
                    files[p.name] = tomllib.load(f)
        # a plain alias (same scheme, same host) without a case of its own: its scheme's case
        for alias, doc in files.items():
            if alias not in table and alias in doc.get("aliases", []) and doc["name"] in table:
                table[alias] = dataclasses.replace(table[doc["name"]], name=alias)
    names = args.presets or sorted(files)
    names += [p.name for p in cases.PRESETS if p.recipe_file and not legacy and not args.presets
              and not args.mechanics]
    unknown = [n for n in names if n not in files and n not in cases.BY_NAME]
    if unknown:
        sys.exit(f"no such preset: {unknown}")
    print(f"serve_check: {signer.name}, {args.count} requests per preset, seed {seed}"
          + ("; LEGACY serve (no --passphrase): success 200, refusals any 4xx, unverifiable "
             "schemes skipped" if legacy else ""))
    passed, failed, skipped = [], [], []
    for name in names:
        preset = table.get(name)
        if name not in files:
            continue  # a user recipe in a legacy run: listed below, not served
        if preset is None:
            why = ("not in --mechanics' seed list" if args.mechanics
                   else "ccxt 4.5.90 cannot sign it: no case in cases.py; bitmex, coinex: "
                   "doc_vectors.py")
            skipped.append((name, why))
            continue
        if legacy and preset.passphrase:
            skipped.append((name, "needs --passphrase, which this serve lacks"))
            continue
        rng = random.Random(f"{seed}:{name}")
        try:
            summary, notes = check_preset(signer, preset, files[name], args.serve, args.count,
                                          rng, legacy)
        except Failed as e:
            text = str(e)
            if legacy and "cannot follow this recipe" in text:
                skipped.append((name, "this serve cannot verify it yet (VerifyUnsupported)"))
                continue
            failed.append(name)
            print(f"{name:18} FAILED {text}", flush=True)
            continue
        passed.append(name)
        print(f"{name:18} ok     {summary}" + "".join(f"\n{'':25} note: {n}" for n in notes),
              flush=True)
    reasons = {}
    for name, why in skipped:
        reasons.setdefault(why, []).append(name)
    for why, which in reasons.items():
        print(f"skipped ({why}): {' '.join(which)}")
    if legacy and not args.mechanics:
        print(f"{'':25} (not a preset, not served: "
              + ", ".join(p.name for p in cases.PRESETS if p.recipe_file) + ")")
    print(f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped"
          f" ({time.monotonic() - started:.1f}s){'; failed: ' + ' '.join(failed) if failed else ''}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
