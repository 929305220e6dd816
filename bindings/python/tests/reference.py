"""The schemes of docs/SCHEMES.md computed with Python's hmac, hashlib and base64 alone: what the
binding's results are checked against (never against restsign itself)."""

import base64
import hashlib
import hmac

UUID = "12345678-abcd-1234-abcd-50286e649d5c"

# Header lines per scheme, in order: (name, what it carries). mtgox-stream has none.
HEADERS = {
    "apiauth": [("Apiauth-Key", "key"), ("Apiauth-Nonce", "nonce"), ("Apiauth-Signature", "sig")],
    "poloniex": [("Key", "key"), ("Sign", "sig")],
    "mtgox-v1": [("Rest-Key", "key"), ("Rest-Sign", "sig")],
    "mtgox-v2": [("Rest-Key", "key"), ("Rest-Sign", "sig")],
    "coinpayments": [("HMAC", "sig")],
    "viabtc": [("X-API-KEY", "key"), ("X-SIGNATURE", "sig")],
}
SCHEMES = list(HEADERS) + ["mtgox-stream"]
BASE64_SECRET = {"mtgox-v1", "mtgox-v2", "mtgox-stream"}


def _tag(digest, secret, message):
    return hmac.new(secret, message, digest).digest()


def sign(scheme, key: bytes, secret: bytes, path: bytes, payload: bytes, nonce: int) -> str:
    if scheme == "apiauth":
        return _tag(hashlib.sha256, secret, str(nonce).encode() + key + path + payload).hex().upper()
    if scheme in ("poloniex", "coinpayments"):
        return _tag(hashlib.sha512, secret, payload).hex()
    if scheme == "viabtc":
        return _tag(hashlib.sha256, secret, payload).hex()
    decoded = base64.b64decode(secret, validate=True)
    if scheme == "mtgox-v1":
        return base64.b64encode(_tag(hashlib.sha512, decoded, payload)).decode()
    if scheme == "mtgox-v2":
        return base64.b64encode(_tag(hashlib.sha512, decoded, path + b"\0" + payload)).decode()
    if scheme == "mtgox-stream":
        key_id = bytes.fromhex(key.decode().replace("-", ""))
        return base64.b64encode(key_id + _tag(hashlib.sha512, decoded, payload) + payload).decode()
    raise ValueError(scheme)


def headers(scheme, method, key: bytes, nonce: int, sig: str) -> list:
    lines = list(HEADERS[scheme])
    if scheme == "viabtc" and method in ("POST", "PUT"):
        lines.append(("Content-Type", "json"))
    values = {"key": key.decode(), "nonce": str(nonce), "sig": sig, "json": "application/json"}
    return [f"{name}: {values[what]}" for name, what in lines]


def credential(scheme):
    """A valid (key, secret) for `scheme`, as bytes."""
    if scheme == "mtgox-stream":
        return UUID.encode(), base64.b64encode(b"stream secret")
    if scheme in BASE64_SECRET:
        return b"my-key", base64.b64encode(b"a secret of some length")
    return b"my-key", b"a secret of some length"
