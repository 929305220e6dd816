"""Independent check of signed requests: reads one JSON object per line (what restsign produced:
the bytes to send, the headers and the signature) and re-derives everything with Python's own
hmac, hashlib, base64, urllib and json. Prints one line per request: "ok" or what is wrong."""
import base64, hashlib, hmac, json, sys, urllib.parse

SHA = {"apiauth": hashlib.sha256, "viabtc": hashlib.sha256}
QUERY_METHODS = {"apiauth": {"GET", "HEAD", "DELETE"}, "viabtc": {"GET", "HEAD", "DELETE"}}
FIELD = {"viabtc": "tonce"}

def check(r):
    scheme, method = r["scheme"], r["method"]
    key, secret = bytes.fromhex(r["key"]), bytes.fromhex(r["secret"])
    query, body, nonce = bytes.fromhex(r["query"]), bytes.fromhex(r["body"]), r["nonce"]
    in_query = method in QUERY_METHODS.get(scheme, set())
    payload = query if in_query else body
    if (body if in_query else query):
        return "payload in the wrong place"
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

    # The nonce is where the scheme wants it, and nowhere else.
    if scheme == "apiauth":
        if f"Apiauth-Nonce: {nonce}" not in r["headers"]:
            return "no Apiauth-Nonce header"
    elif scheme in ("viabtc", "mtgox-stream") and not in_query:
        obj = json.loads(payload)
        if obj.get(FIELD.get(scheme, "nonce")) != nonce:
            return "JSON nonce member missing or wrong"
    else:
        pairs = urllib.parse.parse_qsl(payload.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        if pairs[-1] != (FIELD.get(scheme, "nonce"), str(nonce)):
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
    return "ok"

for line in sys.stdin:
    print(check(json.loads(line)))
