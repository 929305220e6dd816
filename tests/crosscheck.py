#!/usr/bin/env python3
"""Cross-checks restsign's C API against an implementation that is not restsign's.

Usage: crosscheck.py PATH/TO/crosscheck [CASES_PER_SCHEME]

Generates random requests for every scheme (payloads with NUL and non-ASCII bytes, signed
messages around the SHA-256/SHA-512 block boundaries and long ones, nonces from 0 to 2**63-1,
keys and secrets of many lengths including longer than the hash block, random UUID keys for
mtgox-stream), computes the expected signature and header block with Python's hmac, hashlib and
base64 following ../shared/SCHEMES.md, has the C program (tests/c/crosscheck.c) sign them through
the public C API, and compares. The published vectors in tests/vectors/seed-vectors.json go
through the same path and must give their published signature.

The cases come from a fixed seed, so a failure reproduces; RESTSIGN_CROSSCHECK_SEED adds a run
with another seed. Exits non-zero on any mismatch.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
from pathlib import Path

FIXED_SEED = 20130427  # the MtGox wiki revision date; any constant will do
DEFAULT_CASES_PER_SCHEME = 1000
VECTORS = Path(__file__).resolve().parent / "vectors" / "seed-vectors.json"

NO_HEADERS = 11  # RESTSIGN_ERR_NO_HEADERS


def tag(digest, secret, message):
    return hmac.new(secret, message, digest).digest()


def sign(scheme, key, secret, path, payload, nonce):
    """The signature text of SCHEMES.md, computed here, independently of restsign."""
    if scheme == "apiauth":
        return tag(hashlib.sha256, secret, str(nonce).encode() + key + path + payload).hex().upper()
    if scheme in ("poloniex", "coinpayments"):
        return tag(hashlib.sha512, secret, payload).hex()
    if scheme == "viabtc":
        return tag(hashlib.sha256, secret, payload).hex()
    decoded = base64.b64decode(secret, validate=True)
    if scheme == "mtgox-v1":
        return base64.b64encode(tag(hashlib.sha512, decoded, payload)).decode()
    if scheme == "mtgox-v2":
        return base64.b64encode(tag(hashlib.sha512, decoded, path + b"\0" + payload)).decode()
    if scheme == "mtgox-stream":
        key_id = bytes.fromhex(key.decode().replace("-", ""))
        return base64.b64encode(key_id + tag(hashlib.sha512, decoded, payload) + payload).decode()
    raise ValueError(scheme)


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


def header_block(scheme, method, key, nonce, sig):
    lines = HEADERS[scheme][:]
    if scheme == "viabtc" and method in ("POST", "PUT"):
        lines.append(("Content-Type", "json"))
    values = {"key": key, "nonce": str(nonce).encode(), "sig": sig.encode(), "json": b"application/json"}
    return b"".join(name.encode() + b": " + values[what] + b"\r\n" for name, what in lines)


def expected(case):
    """(sign output, headers output) as the C program prints them."""
    scheme, method, key, secret, path, payload, nonce = case[:7]
    sig = sign(scheme, key, secret, path, payload, nonce)
    if scheme == "mtgox-stream":
        return f"0 {sig} {NO_HEADERS} -"
    return f"0 {sig} 0 {header_block(scheme, method, key, nonce, sig).hex()}"


# Signed-message lengths around the SHA-256 (64-byte) and SHA-512 (128-byte) block boundaries,
# where the padding spills into another block.
BOUNDARY_LENGTHS = [0, 1, 55, 56, 57, 63, 64, 111, 112, 113, 127, 128, 129]
# HMAC keys around the block sizes: longer ones are hashed first.
SECRET_LENGTHS = [1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130, 200, 300]
METHODS = ["GET", "POST", "PUT", "DELETE"]


def random_bytes(rng, n):
    """Mostly random bytes (NUL and non-ASCII included); sometimes form-like text with some."""
    if rng.random() < 0.5:
        return rng.randbytes(n)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789=&%+-_.~{}\":, \0\xc3\xa9\xff"
    return bytes(rng.choice(alphabet) for _ in range(n))


def random_nonce(rng):
    return rng.choice([
        0, 1, 9, 10, 2**32, 10**18 - 1, 10**18, 2**63 - 2, 2**63 - 1,
        rng.randrange(2**63),
        rng.randrange(1_300_000_000_000, 2_000_000_000_000),  # milliseconds
        rng.randrange(1_300_000_000_000_000, 2_000_000_000_000_000),  # microseconds
        rng.randrange(1000),
    ])


def random_key(rng, scheme):
    if scheme == "mtgox-stream":
        text = "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
        return rng.choice([text, text.upper(), "".join(rng.choice([c, c.upper()]) for c in text)]).encode()
    n = rng.choice([1, 2, 16, 32, 36, 63, 64, 65, 127, 128, 129, rng.randrange(1, 300)])
    # Any byte but the control bytes (< 0x20 and 0x7f), which keys may not hold.
    allowed = [b for b in range(256) if b >= 0x20 and b != 0x7f]
    return bytes(rng.choice(allowed) for _ in range(n))


def random_secret(rng, scheme):
    n = rng.choice(SECRET_LENGTHS + [rng.randrange(1, 400)])
    raw = rng.randbytes(n)
    # MtGox gives its secrets as base64; restsign decodes them to the HMAC key.
    return base64.b64encode(raw) if scheme.startswith("mtgox") else raw


def random_path(rng):
    if rng.random() < 0.5:
        return rng.choice([b"", b"/api/wallet/", b"BTCUSD/money/order/add", b"/res/openapi/v1/hashrate"])
    # Any byte but control bytes, space and DEL, which a request line cannot carry (restsign refuses them).
    allowed = [b for b in range(256) if b > 0x20 and b != 0x7f]
    return bytes(rng.choice(allowed) for _ in range(rng.randrange(0, 150)))


def signed_prefix_len(scheme, key, path, nonce):
    """Bytes the scheme signs before the payload."""
    if scheme == "apiauth":
        return len(str(nonce)) + len(key) + len(path)
    if scheme == "mtgox-v2":
        return len(path) + 1
    return 0


def random_case(rng, scheme, i):
    key, secret = random_key(rng, scheme), random_secret(rng, scheme)
    path, nonce, method = random_path(rng), random_nonce(rng), rng.choice(METHODS)
    if scheme == "apiauth" and nonce == 0:
        nonce = 1  # apiauth signs its nonce, which every verifier requires to be 1..2^63-1
    if i < 4 * len(BOUNDARY_LENGTHS):
        # The whole signed message (prefix included) lands on a boundary length, when it can.
        target = BOUNDARY_LENGTHS[i % len(BOUNDARY_LENGTHS)]
        if i >= 2 * len(BOUNDARY_LENGTHS):
            target += 128  # the same boundaries one SHA-512 block further
        n = max(0, target - signed_prefix_len(scheme, key, path, nonce))
    elif rng.random() < 0.03:
        n = rng.randrange(1000, 70001)
    else:
        n = rng.choice(BOUNDARY_LENGTHS + [rng.randrange(0, 600)])
    return (scheme, method, key, secret, path, random_bytes(rng, n), nonce, f"{scheme} #{i}")


def published_cases():
    cases = []
    for v in json.loads(VECTORS.read_text())["vectors"]:
        case = (v["scheme"], v["method"], v["key"].encode(), v["secret"].encode(), v["path"].encode(),
                v["payload"].encode(), v["nonce"], f"published {v['scheme']} {v['method']} ({v['source']})")
        # The model above must reproduce what the documents publish, or it checks nothing.
        if sign(*case[:1], *case[2:7]) != v["signature"]:
            sys.exit(f"crosscheck: the Python model disagrees with the published vector {case[7]}")
        cases.append((case, v["signature"]))
    return cases


def to_line(case):
    scheme, method, key, secret, path, payload, nonce = case[:7]
    return f"{scheme} {method} {key.hex()} {secret.hex()} {path.hex()} {payload.hex()} {nonce}\n"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    program = sys.argv[1]
    per_scheme = int(sys.argv[2]) if len(sys.argv) == 3 else DEFAULT_CASES_PER_SCHEME

    seeds = [FIXED_SEED]
    if os.environ.get("RESTSIGN_CROSSCHECK_SEED"):
        seeds.append(int(os.environ["RESTSIGN_CROSSCHECK_SEED"]))
    cases = []  # (case, expected output line)
    for case, signature in published_cases():
        want = expected(case)
        assert want.split(" ")[1] == signature
        cases.append((case, want))
    for seed in seeds:
        rng = random.Random(seed)
        for scheme in SCHEMES:
            for i in range(per_scheme):
                case = random_case(rng, scheme, i)
                cases.append((case[:7] + (f"seed {seed}, {case[7]}",), expected(case)))

    stdin = "".join(to_line(case) for case, _ in cases).encode()
    run = subprocess.run([program], input=stdin, stdout=subprocess.PIPE, check=False)
    got = run.stdout.decode("ascii", "replace").split("\n")
    if run.returncode != 0 or len(got) != len(cases) + 1 or got[-1] != "":
        sys.exit(f"crosscheck: {program} exited with {run.returncode} after {len(got) - 1} of {len(cases)} answers")

    failed = 0
    for (case, want), line in zip(cases, got):
        if line != want:
            failed += 1
            if failed <= 10:
                scheme, method, key, secret, path, payload, nonce, label = case
                print(f"MISMATCH {label}: {method}, key {len(key)} B, secret {len(secret)} B, path {len(path)} B, "
                      f"payload {len(payload)} B, nonce {nonce}\n  want {want[:300]}\n  got  {line[:300]}")
    print(f"crosscheck: {len(cases) - failed} passed, {failed} failed "
          f"({len(SCHEMES)} schemes x {per_scheme} x seeds {seeds} + {len(cases) - len(SCHEMES) * per_scheme * len(seeds)} published)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
