"""Independent check of signed requests: reads one JSON object per line (what restsign produced:
the bytes to send, the headers and the signature) and re-derives everything with Python's own
hmac, hashlib, base64, urllib and json. Prints one line per request: "ok" or what is wrong.

Usage:
  request_crosscheck.py < lines            (tests/request_crosscheck.rs: the Rust API)
  request_crosscheck.py PATH/TO/test_request
                                           runs the C test with --dump, checks every line, and
                                           fails unless both the C checks and these pass

Fields: scheme, method, path; key, secret, query, body as hex; nonce (null when the caller
placed it); signature; headers (lines). Optional, when the request went in through the C API:
params ([name_hex, value_hex] pairs: the payload must then be exactly what SCHEMES.md's encoding
rules give), raw or json (hex of a raw body or JSON object given instead), target and
header_block (hex of the views of the same name).
"""
import base64, hashlib, hmac, json, os, subprocess, sys, tempfile, urllib.parse

SHA = {"apiauth": hashlib.sha256, "viabtc": hashlib.sha256}
QUERY_METHODS = {"apiauth": {"GET", "HEAD", "DELETE"}, "viabtc": {"GET", "HEAD", "DELETE"}}
JSON_SCHEMES = {"viabtc", "mtgox-stream"}
FIELD = {"viabtc": "tonce"}


def json_text(s):
    """A JSON string as JSON.stringify writes it: only '"', '\\' and control characters escaped."""
    return json.dumps(s, ensure_ascii=False)


def expected_payload(r, scheme, field, in_query):
    """The payload SCHEMES.md's rules give for the request's inputs, or None if it has no inputs."""
    nonce = r["nonce"]
    if "raw" in r:
        return bytes.fromhex(r["raw"])
    if "json" in r:
        text = bytes.fromhex(r["json"])
        obj = json.loads(text)
        if field in obj:
            return text
        # The nonce member goes before the closing brace; the caller's bytes are kept.
        inner = text.rstrip(b" \t\r\n")[:-1]
        return inner + (b"," if obj else b"") + f'"{field}":{nonce}'.encode() + b"}"
    if "params" not in r:
        return None
    params = [(bytes.fromhex(n), bytes.fromhex(v)) for n, v in r["params"]]
    placed = field is not None and any(n == field.encode() for n, _ in params)
    nonce_field = [] if field is None or placed else [(field.encode(), str(nonce).encode())]
    if scheme in JSON_SCHEMES and not in_query:
        members = [json_text(n.decode()) + ":" + json_text(v.decode()) for n, v in params]
        members += [json_text(n.decode()) + ":" + v.decode() for n, v in nonce_field]
        return ("{" + ",".join(members) + "}").encode()
    # application/x-www-form-urlencoded: only A-Z a-z 0-9 - . _ ~ kept, space as +, %XX upper case.
    return urllib.parse.urlencode(params + nonce_field, quote_via=urllib.parse.quote_plus).encode()


def check(r):
    scheme, method = r["scheme"], r["method"]
    key, secret = bytes.fromhex(r["key"]), bytes.fromhex(r["secret"])
    query, body, nonce = bytes.fromhex(r["query"]), bytes.fromhex(r["body"]), r["nonce"]
    in_query = method in QUERY_METHODS.get(scheme, set())
    payload = query if in_query else body
    if (body if in_query else query):
        return "payload in the wrong place"
    field = None if scheme == "apiauth" else FIELD.get(scheme, "nonce")
    want_payload = expected_payload(r, scheme, field, in_query)
    if want_payload is not None and payload != want_payload:
        return f"payload {payload!r} != {want_payload!r}"
    mac_key = base64.b64decode(secret) if scheme.startswith("mtgox") else secret
    digest = SHA.get(scheme, hashlib.sha512)
    path = r["path"].encode()
    if scheme == "apiauth":
        msg = str(nonce).encode() + key + path + payload
    elif scheme == "mtgox-v2":
        msg = path[len("/api/2/"):] + b"\0" + payload
    else:
        msg = payload
    tag = hmac.new(mac_key, msg, digest).digest()
    if scheme == "apiauth":
        want = tag.hex().upper()
    elif scheme.startswith("mtgox-v"):
        want = base64.b64encode(tag).decode()
    elif scheme == "mtgox-stream":
        want = base64.b64encode(bytes.fromhex(key.decode().replace("-", "")) + tag + payload).decode()
    else:
        want = tag.hex()
    if r["signature"] != want:
        return f"signature {r['signature']} != {want}"

    # The nonce is where the scheme wants it, and nowhere else. None: the caller placed it.
    if nonce is None:
        if scheme == "apiauth":
            return "apiauth request without a nonce"
    elif scheme == "apiauth":
        if f"Apiauth-Nonce: {nonce}" not in r["headers"]:
            return "no Apiauth-Nonce header"
    elif scheme in JSON_SCHEMES and not in_query:
        obj = json.loads(payload)
        if obj.get(field) != nonce:
            return "JSON nonce member missing or wrong"
    else:
        pairs = urllib.parse.parse_qsl(payload.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        if pairs[-1] != (field, str(nonce)):
            return f"nonce field is not last: {pairs[-1]}"

    expected_headers = {
        "apiauth": [f"Apiauth-Key: {key.decode()}", f"Apiauth-Nonce: {nonce}", f"Apiauth-Signature: {want}"],
        "poloniex": [f"Key: {key.decode()}", f"Sign: {want}"],
        "mtgox-v1": [f"Rest-Key: {key.decode()}", f"Rest-Sign: {want}"],
        "mtgox-v2": [f"Rest-Key: {key.decode()}", f"Rest-Sign: {want}"],
        "mtgox-stream": [],
        "coinpayments": [f"HMAC: {want}"],
        "viabtc": [f"X-API-KEY: {key.decode()}", f"X-SIGNATURE: {want}"]
        + ([] if in_query else ["Content-Type: application/json"]),
    }[scheme]
    if r["headers"] != expected_headers:
        return f"headers {r['headers']} != {expected_headers}"
    if "header_block" in r and bytes.fromhex(r["header_block"]) != "".join(h + "\r\n" for h in expected_headers).encode():
        return f"header block {bytes.fromhex(r['header_block'])!r}"
    if "target" in r and bytes.fromhex(r["target"]) != path + (b"?" + query if query else b""):
        return f"target {bytes.fromhex(r['target'])!r}"
    return "ok"


def run_c_test(program):
    """Runs the C test with --dump and checks what it signed; returns the exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "requests.jsonl")
        run = subprocess.run([program, "--dump", dump], check=False)
        with open(dump, encoding="utf-8") as f:
            records = [json.loads(line) for line in f]
    verdicts = [check(r) for r in records]
    failures = [(v, r) for v, r in zip(verdicts, records) if v != "ok"]
    for verdict, record in failures[:10]:
        print(f"FAILED {verdict}\n  {json.dumps(record)}")
    schemes = {r["scheme"] for r in records}
    print(f"request_crosscheck: {len(records)} requests from {program}, {len(failures)} failed, "
          f"{len(schemes)} schemes, {sum('params' in r for r in records)} with exact payload checks")
    ok = run.returncode == 0 and not failures and len(schemes) == 7 and len(records) >= 100
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 2:
        sys.exit(run_c_test(sys.argv[1]))
    for line in sys.stdin:
        print(check(json.loads(line)))
