"""Every preset against ccxt 4.5.90's own sign(), byte for byte, through restsign's C API.

    compare.py [--count N] [--seed S] [PRESET ...]

For each preset (all of cases.PRESETS unless named), N (default 200) seeded random requests are
signed by ccxt (oracle.py) and by restsign (restsign_c.py: RESTSIGN_LIB or
target/release/librestsign.so). Compared byte for byte: the URL, the body (None and "" are both
"no body") and every header that carries authentication: all of ccxt's headers except
Content-Type and Accept (which say how the body is encoded, not who signed it) and the broker tags a
preset names; restsign must send exactly those (plus its Content-Type), with the same values.

A request that triggers a named ccxt deviation (cases.py) is checked against the documented scheme
with Python's hmac instead, and a defused copy of it is compared with ccxt. Prints per-preset
counts and the first mismatch in detail, and ends with "N passed, M failed" (presets); exits
non-zero on any mismatch.
"""
import argparse
import os
import sys
import traceback
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402
import oracle  # noqa: E402
from restsign_c import Restsign, RestsignError  # noqa: E402

NOT_AUTH = {"content-type", "accept"}


def content_type(headers):
    return next((v for k, v in headers if k.lower() == "content-type"), None)


def ccxt_side(preset, req):
    out = oracle.ccxt_sign(preset.exchange, list(req.endpoint.api), req.endpoint.ccxt_path,
                           req.method, req.params, req.key, req.secret, req.passphrase or "",
                           req.time_ms, req.nonce if preset.nonce else None, req.uuid)
    if preset.normalise:
        out = preset.normalise(out)
    # kept aside: the exchange needs it to read a body, though it does not authenticate
    out["content_type"] = content_type(out["headers"].items())
    # named step "broker headers": ccxt's own tags, not the exchange's scheme
    out["headers"] = {k: v for k, v in out["headers"].items()
                      if k not in preset.drop_headers and k.lower() not in NOT_AUTH}
    return out


def restsign_side(rs, recipe, req):
    return rs.sign(recipe, req.key, req.secret, req.passphrase, req.method, req.endpoint.path,
                   req.params, req.time_ms, req.nonce, req.uuid)


def differences(c, r):
    problems = []
    if c["url"] != r["url"]:
        problems.append(f"url\n  ccxt:     {c['url']!r}\n  restsign: {r['url']!r}")
    if (c["body"] or "") != r["body"]:
        problems.append(f"body\n  ccxt:     {c['body']!r}\n  restsign: {r['body']!r}")
    mine = [(k, v) for k, v in r["headers"] if k.lower() not in NOT_AUTH]
    mine_d = dict(mine)
    if len(mine_d) != len(mine):
        problems.append(f"restsign sends a header twice: {mine!r}")
    for k, v in c["headers"].items():
        if mine_d.get(k) != v:
            problems.append(f"header {k}\n  ccxt:     {v!r}\n  restsign: {mine_d.get(k)!r}")
    for k in mine_d.keys() - c["headers"].keys():
        problems.append(f"header {k}: restsign sends {mine_d[k]!r}, ccxt does not send it")
    if r["body"] and content_type(r["headers"]) != c["content_type"]:
        problems.append(f"Content-Type of the body\n  ccxt:     {c['content_type']!r}\n"
                        f"  restsign: {content_type(r['headers'])!r}")
    return problems


def describe(req):
    return (f"  {req.method} {req.endpoint.path} (ccxt {list(req.endpoint.api)} "
            f"{req.endpoint.ccxt_path!r})\n  params {req.params!r}\n  key {req.key!r} secret "
            f"{req.secret!r} passphrase {req.passphrase!r}\n  time_ms {req.time_ms} nonce "
            f"{req.nonce} uuid {req.uuid}")


def run_preset(rs, preset, count, seed, seen=None):
    """Returns (compared, documented, first failure text or None); counts the input kinds of the
    requests checked (with ccxt, or against the documented scheme) into `seen` (cases.KINDS)."""
    seen = {} if seen is None else seen
    try:
        if preset.recipe_file:
            with open(preset.recipe_file, encoding="utf-8") as f:
                recipe = rs.parse(f.read())
        else:
            recipe = rs.preset(preset.name)
    except (RestsignError, AttributeError, OSError, LookupError) as e:
        return 0, 0, f"no recipe: {e}"
    rng, reqs = cases.requests_for(preset, seed, count)
    compared = documented = 0
    for i, req in enumerate(reqs):
        try:
            deviation = preset.quirk(req) if preset.quirk else None
            if deviation:
                problems = preset.documented(req, restsign_side(rs, recipe, req))
                if problems:
                    return compared, documented, (
                        f"request {i} (checked against the documented scheme: {deviation})\n"
                        + describe(req) + "\n" + "\n".join(problems))
                documented += 1
                for k in cases.kinds_of(req):
                    seen[k] = seen.get(k, 0) + 1
                req = preset.defuse(req, rng)
                assert not preset.quirk(req), "defuse left the trigger in"
            c, r = ccxt_side(preset, req), restsign_side(rs, recipe, req)
        except Exception:
            return compared, documented, f"request {i}\n{describe(req)}\n{traceback.format_exc()}"
        problems = differences(c, r)
        if problems:
            return compared, documented, f"request {i}\n{describe(req)}\n" + "\n".join(problems)
        compared += 1
        for k in cases.kinds_of(req):
            seen[k] = seen.get(k, 0) + 1
    return compared, documented, None


def check_mapping(names, count, seed):
    """The harness's own check, usable before a recipe exists: cases.py's mapping is right."""
    failed = []
    for name in names:
        preset = cases.BY_NAME[name]
        rng, reqs = cases.requests_for(preset, seed, count)
        bad = None
        triggered = 0
        for req in reqs:
            if preset.quirk and preset.quirk(req):
                # the deviation is real: ccxt's output breaks the documented scheme here
                try:
                    out = ccxt_side(preset, req)
                except Exception:  # ccxt cannot sign it at all (bithumb-jwt's empty values)
                    out = None
                if out is not None and not preset.documented(req, dict(
                        out, body=out["body"] or "", headers=list(out["headers"].items()))):
                    bad = f"{describe(req)}\n  named deviation not seen: {preset.quirk(req)}"
                    break
                triggered += 1
                req = preset.defuse(req, rng)
            out = ccxt_side(preset, req)
            url = out["url"]
            want = preset.base_url + req.endpoint.path
            if not (url == want or url.startswith(want + "?")):
                bad = f"{describe(req)}\n  ccxt url {url!r}\n  expected {want!r} (+ ?query)"
                break
            if preset.documented:
                # the documented-scheme checks agree with ccxt wherever ccxt keeps to the scheme
                out = dict(out, body=out["body"] or "", headers=list(out["headers"].items()))
                problems = preset.documented(req, out)
                if problems:
                    bad = f"{describe(req)}\n  documented check vs ccxt:\n" + "\n".join(problems)
                    break
        note = f" ({triggered} requests show a named deviation)" if triggered else ""
        print(f"{name:18} {'ok' if bad is None else 'FAILED'}{note}")
        if bad:
            failed.append(name)
            print(bad)
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", default="restsign-ccxt-1")
    ap.add_argument("--ccxt-only", action="store_true",
                    help="no restsign: check that ccxt signs every generated request and that its "
                         "URL is the preset's base_url + path (+ ?query)")
    ap.add_argument("--reference", action="store_true",
                    help="sign with recipe_ref.py (a Python reading of docs/RECIPES.md) instead of "
                         "restsign: checks the preset files, not the engine")
    ap.add_argument("presets", nargs="*")
    args = ap.parse_args()
    names = args.presets or [p.name for p in cases.PRESETS]
    unknown = [n for n in names if n not in cases.BY_NAME]
    if unknown:
        sys.exit(f"unknown presets: {unknown}")
    if args.ccxt_only:
        return check_mapping(names, args.count, args.seed)
    if args.reference:
        from recipe_ref import Reference
        rs = Reference()
        print("REFERENCE MODE: the preset files read by recipe_ref.py, not restsign")
    else:
        rs = Restsign()
    failed = []
    for name in names:
        preset = cases.BY_NAME[name]
        seen = {}
        compared, documented, failure = run_preset(rs, preset, args.count, args.seed, seen)
        missing = [k for k in cases.kinds_expected(preset) if not seen.get(k)]
        if failure is None and missing:
            failure = f"no request checked had: {', '.join(missing)} (raise --count)"
        extra = f", {documented} checked against the documented scheme" if documented else ""
        status = "ok" if failure is None else "FAILED"
        print(f"{name:18} {status:6} {compared} agree with ccxt{extra}", flush=True)
        print(f"{'':25} inputs: " + ", ".join(f"{k} {seen.get(k, 0)}"
                                          for k in cases.kinds_expected(preset)))
        for d in preset.deviations:
            print(f"{'':25} deviation {d}")
        if failure:
            failed.append(name)
            print("  first mismatch, " + failure.replace("\n", "\n  "))
    print(f"failed: {' '.join(failed) or 'none'}")
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
