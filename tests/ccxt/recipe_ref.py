"""A plain Python reading of docs/RECIPES.md, for `compare.py --reference`: checks what the preset
files *say* against ccxt without restsign (before the engine exists, or to tell a recipe mistake
from an engine bug). It is not restsign and never stands in for the C-API run; covers the fields
and functions the presets use.
"""
import base64
import datetime
import glob
import hashlib
import hmac
import os
import tomllib
import urllib.parse

import orjson

PRESET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "recipe",
                          "presets")
HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class Reference:
    def preset(self, name):
        for path in glob.glob(os.path.join(PRESET_DIR, "*.toml")):
            with open(path, "rb") as f:
                doc = tomllib.load(f)
            if doc["name"] == name or name in doc.get("aliases", []):
                return doc
        raise LookupError(f"no preset {name!r} in {PRESET_DIR}")

    def sign(self, r, key, secret, passphrase, method, path, params, time_ms, nonce, uuid):
        return _sign(r, key, secret, passphrase, method, path, params, time_ms, nonce, uuid)


def _enc(pairs, space):
    q = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    return q.replace("%20", "+") if space == "+" else q


def _clock(r, ms):
    ms += 1000 * r.get("clock_offset", 0)
    c = r.get("clock", "ms")
    dt = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return {"ms": str(ms), "s": str(ms // 1000), "us": str(ms * 1000),
            "iso8601": dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z",
            "ymdhms": dt.strftime("%Y-%m-%dT%H:%M:%S")}[c]


def _sign(r, key, secret, passphrase, method, path, params, time_ms, nonce, uuid):
    qm = r.get("query_methods", ["GET", "DELETE"])
    in_query = qm == "*" or method in qm
    base = r.get("base_url", "")
    tokens = {"method": method, "full_path": path, "key": key, "passphrase": passphrase or "",
              "ts": _clock(r, time_ms), "nonce": str(nonce), "uuid": uuid, "base_url": base,
              "host": urllib.parse.urlsplit(base).netloc,
              "path": path[len(r.get("strip_prefix", "")):]
              if path.startswith(r.get("strip_prefix", "")) else path}
    tmpl = lambda t: _template(t, tokens)  # noqa: E731
    names = {n for n, _ in params}
    start, end, qinj = [], [], []
    for i in r.get("inject", []):
        if i["name"] in names:
            continue  # the caller's parameter wins
        item = (i["name"], tmpl(i["value"]))
        (qinj if i.get("into") == "query" else start if i.get("at") == "start" else end).append(item)
    ps = start + list(params) + end
    sort = r.get("sort", "none")
    key_of = lambda p: p[0].encode()  # noqa: E731
    if sort == "all" or (sort == "query" and in_query):
        ps.sort(key=key_of)
    qp, bp = (ps, []) if in_query else ([], ps)
    qp = qp + qinj
    if sort != "none" and qinj:
        qp.sort(key=key_of)
    space = r.get("space", "%20")
    body_kind = r.get("body", "form")
    query = _enc(qp, space)

    def body_of(pairs):
        if in_query or body_kind == "none":
            return ""
        if not pairs:
            return r.get("empty_body", "")
        if body_kind == "json":
            return orjson.dumps(dict(pairs)).decode()
        return _enc(pairs, space)
    body = body_of(bp)
    tokens.update(query=query, query_raw=urllib.parse.unquote(query), body=body,
                  payload=query if in_query else body)
    mac_key = base64.b64decode(secret) if r.get("secret") == "base64" else secret.encode()
    ctx = {"r": r, "key": mac_key, "hash": HASHES[r["hash"]], "tokens": tokens, "params": ps,
           "in_query": in_query}
    for name, v in r.get("values", {}).items():
        tokens[name] = _parts(v, ctx).decode()
    tag = hmac.new(mac_key, _parts(r["message"], ctx), ctx["hash"]).digest()
    sig = r.get("signature", "hex")
    named = {"hex": tag.hex(), "HEX": tag.hex().upper(), "base64": base64.b64encode(tag).decode(),
             "base64url": base64.urlsafe_b64encode(tag).decode().rstrip("="),
             "base64-hex": base64.b64encode(tag.hex().encode()).decode()}
    if isinstance(sig, str) and sig in named:
        signature = named[sig]
    else:
        tokens["tag"] = tag
        signature = _parts(sig, ctx).decode()
    tokens["signature"] = signature
    sp = r.get("signature_param")
    if sp:
        item = _enc([(sp["name"], signature)], space)
        if sp.get("into") == "query" or in_query:
            query = query + "&" + item if query else item
        else:
            body = body + "&" + item if body else item
    headers = [(n, _parts(v, ctx).decode()) for n, v in r.get("headers", {}).items()]
    return {"url": base + path + ("?" + query if query else ""), "body": body, "headers": headers}


def _template(t, tokens):
    out, i = [], 0
    while i < len(t):
        c = t[i]
        if t.startswith("{{", i) or t.startswith("}}", i):
            out.append(c)
            i += 2
        elif c == "{":
            j = t.index("}", i)
            name = t[i + 1:j]
            if name.startswith("?"):
                v = tokens[name[1:]]
                out.append("?" + v if v else "")
            else:
                out.append(tokens[name])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(x.decode("latin-1") if isinstance(x, bytes) else x for x in out)


def _parts(v, ctx):
    """Parts -> bytes. Templates are text (UTF-8); `tag` stays binary."""
    if isinstance(v, str):
        if v == "{tag}":
            return ctx["tokens"]["tag"]
        return _template(v, {k: x for k, x in ctx["tokens"].items() if k != "tag"}).encode()
    if isinstance(v, list):
        return b"".join(_parts(x, ctx) for x in v)
    (fn, arg), = v.items()
    if fn in HASHES:
        return HASHES[fn](_parts(arg, ctx)).digest()
    if fn == "hmac":
        return hmac.new(ctx["key"], _parts(arg, ctx), ctx["hash"]).digest()
    if fn == "hex":
        return _parts(arg, ctx).hex().encode()
    if fn == "HEX":
        return _parts(arg, ctx).hex().upper().encode()
    if fn == "base64":
        return base64.b64encode(_parts(arg, ctx))
    if fn == "base64url":
        return base64.urlsafe_b64encode(_parts(arg, ctx)).rstrip(b"=")
    if fn == "if":
        t = ctx["tokens"]
        cond = {"query": bool(t["query"]), "body": bool(t["body"]), "params": bool(ctx["params"]),
                "query_method": ctx["in_query"]}[arg["cond"]]
        return _parts(arg["then"] if cond else arg["else"], ctx)
    if fn == "json":
        obj = {}
        for m in arg:
            if m.get("when") == "params" and not ctx["params"]:
                continue
            if "spread" in m:
                obj.update(dict(ctx["params"]))
            elif "str" in m:
                obj[m["name"]] = _parts(m["str"], ctx).decode()
            elif "object" in m:
                obj[m["name"]] = dict(ctx["params"])
            else:
                raise NotImplementedError(f"json member {m}")
        return orjson.dumps(obj)
    raise NotImplementedError(f"function {fn}")
