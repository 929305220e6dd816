#!/usr/bin/env python3
"""Checks a reply of `restsign serve` against the reply its preset declares.

    preset_reply.py PRESET KIND STATUS BODY_FILE
    preset_reply.py --has PRESET KIND       exit status 0 when the preset declares the reply, else 1

PRESET is a file name under src/recipe/presets (okx, kraken, binance, ...), KIND a key of its
[server.replies] table (success, bad_signature, unknown_key, ...), STATUS and BODY_FILE the HTTP
status and the body an example received (or printed: a body that no longer reads as the template
text is compared as JSON, so an example that pretty-prints the decoded answer can be checked too).

When the preset has the reply (a parallel branch adds each exchange's own, e.g. Binance's
{"code":-1022,...}), the status must be its status and the body must match its body, each
${placeholder} of the template (${message}, ${data}, ${nonce}, ${last}) standing for any text.
Until then the preset declares none and only the status class is checked: 2xx for success, not
2xx for every refusal. The examples' tests are written once against both: they start checking the
exchange's own bodies the day the presets carry them.

Prints one line saying what was checked; exit status 0 when the reply matches, 1 when it does not,
2 on a usage error.
"""

import json
import os
import re
import sys
import tomllib
from pathlib import Path

# RESTSIGN_PRESETS_DIR: another directory of preset files (to try the checks on a table to come).
PRESETS = Path(os.environ.get("RESTSIGN_PRESETS_DIR") or Path(__file__).resolve().parent.parent / "src" / "recipe" / "presets")
PLACEHOLDER = re.compile(r"\$\{(message|data|nonce|last)\}")
ANY = "\x00restsign-any\x00"


def declared(preset, kind):
    """The preset's [server.replies].KIND as (status, body), or None when it has none."""
    with open(PRESETS / f"{preset}.toml", "rb") as f:
        recipe = tomllib.load(f)
    reply = recipe.get("server", {}).get("replies", {}).get(kind)
    if reply is None:
        return None
    if not isinstance(reply, dict) or "status" not in reply:
        raise SystemExit(f"preset_reply: {preset}.toml: [server.replies].{kind} has no status: {reply!r}")
    return int(reply["status"]), reply.get("body", "")


def text_matches(template, body):
    """The body as received against the template, each placeholder matching any text."""
    parts = PLACEHOLDER.split(template)
    # split() leaves the placeholders' names at odd indices.
    pattern = "".join(".*?" if i % 2 else re.escape(p) for i, p in enumerate(parts))
    return re.fullmatch(pattern, body.strip(), re.S) is not None


def json_template(template):
    """The template as JSON, each placeholder an ANY marker (a string when it stood bare)."""
    if not isinstance(template, str):
        return template  # a body written as a TOML table
    out, in_string, i = [], False, 0
    while i < len(template):
        m = PLACEHOLDER.match(template, i)
        if m:
            # Inside a JSON string the marker's text; standing bare (${data}) a string of it.
            out.append(json.dumps(ANY)[1:-1] if in_string else json.dumps(ANY))
            i = m.end()
            continue
        c = template[i]
        if in_string and c == "\\":
            out.append(template[i : i + 2])
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        out.append(c)
        i += 1
    return json.loads("".join(out))


def json_matches(want, got):
    if isinstance(want, str) and ANY in want:
        if want == ANY:
            return True
        pattern = ".*?".join(re.escape(p) for p in want.split(ANY))
        return re.fullmatch(pattern, str(got), re.S) is not None
    if isinstance(want, dict):
        return isinstance(got, dict) and want.keys() == got.keys() and all(json_matches(want[k], got[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(json_matches, want, got))
    return want == got and type(want) is type(got)


def body_matches(template, body):
    if isinstance(template, str) and text_matches(template, body):
        return True
    try:
        return json_matches(json_template(template), json.loads(body))
    except ValueError:
        return False


def main(argv):
    if len(argv) == 4 and argv[1] == "--has":
        return 0 if declared(argv[2], argv[3]) is not None else 1
    if len(argv) != 5:
        print("usage: " + "\n       ".join(l.strip() for l in __doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    preset, kind, status, body_file = argv[1], argv[2], int(argv[3]), argv[4]
    body = Path(body_file).read_text(encoding="utf-8", errors="replace")
    reply = declared(preset, kind)
    if reply is None:
        ok = 200 <= status < 300 if kind == "success" else not 200 <= status < 300
        want = "2xx" if kind == "success" else "not 2xx"
        print(f"{preset} {kind}: HTTP {status}, {want} wanted ({preset}.toml has no [server.replies].{kind} yet: status class only)")
        return 0 if ok else 1
    want_status, template = reply
    problems = []
    if status != want_status:
        problems.append(f"HTTP {status}, not {want_status}")
    if not body_matches(template, body):
        problems.append(f"the body {body.strip()!r} does not match {template!r}")
    if problems:
        print(f"{preset} {kind}: " + "; ".join(problems) + f" ([server.replies].{kind} of {preset}.toml)")
        return 1
    print(f"{preset} {kind}: HTTP {status} and the body of [server.replies].{kind} of {preset}.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
