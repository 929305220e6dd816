#!/usr/bin/env bash
# Runs a C example of today's exchanges against tests/exchange_stub.py, an independent stand-in for
# the exchange that checks each request as the exchange documents it (Python's hmac, not
# restsign). Passes only if the example's request is accepted with the right credential, and
# refused (the example failing) with a wrong secret and a wrong passphrase.
# Usage: c_examples_against_stub.sh PYTHON3 EXAMPLE_BIN
# Exit 77 (a CTest skip) when the library lacks the example's preset (presets land separately).
set -euo pipefail
python=$1
example=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

case "$(basename "$example")" in
  okx_balance)
    exchange=okx key=restsign-okx-test-key secret="okx secret $RANDOM$RANDOM" passphrase="okx pass $RANDOM"
    url_var=OKX_BASE_URL
    run() { OKX_KEY=$key OKX_SECRET=$1 OKX_PASSPHRASE=$2 "$example" BTC,USDT; } ;;
  *) echo "no stub for $example" >&2; exit 2 ;;
esac

# Print mode first: a library without the preset is a skip, not a failure.
if ! env -u "$url_var" "$example" >"$work/print.out" 2>&1; then
  if grep -q "the $exchange preset: unknown scheme" "$work/print.out"; then
    echo "SKIP: this librestsign has no $exchange preset yet"; cat "$work/print.out"; exit 77
  fi
  cat "$work/print.out"; exit 1
fi

STUB_KEY=$key STUB_SECRET=$secret STUB_PASSPHRASE=$passphrase "$python" "$here/exchange_stub.py" "$exchange" >"$work/out" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$address" ] || { echo "the stub did not start"; cat "$work/log"; exit 1; }
export "$url_var=$address"

fail() { echo "FAIL: $*"; echo "--- stub log"; cat "$work/log"; exit 1; }
run "$secret" "$passphrase" >"$work/good.out" 2>&1 || { cat "$work/good.out"; fail "the right credential was refused"; }
cat "$work/good.out"
grep -q '^HTTP status 200$' "$work/good.out" || fail "no HTTP 200"
grep -q '"code": "0"' "$work/good.out" || fail "no OKX success answer"
if run "wrong secret" "$passphrase" >"$work/bad.out" 2>&1; then fail "a wrong secret was accepted"; fi
grep -q '"Invalid Sign"' "$work/bad.out" || { cat "$work/bad.out"; fail "a wrong secret: not refused as Invalid Sign"; }
if run "$secret" "wrong passphrase" >"$work/bad.out" 2>&1; then fail "a wrong passphrase was accepted"; fi
grep -q 'passphrase is incorrect' "$work/bad.out" || { cat "$work/bad.out"; fail "a wrong passphrase: not refused as such"; }
[ "$(grep -c '^accepted ' "$work/log")" -eq 1 ] && [ "$(grep -c '^refused ' "$work/log")" -eq 2 ] || fail "the stub's log"
echo "$(basename "$example") against the $exchange stub: 1 accepted, 2 refused as expected"
