#!/usr/bin/env bash
# Runs a C example against the local exchange: starts `restsign serve` for the example's scheme,
# points the example at it, and passes only if every request it sends is answered 200 and
# accepted (and none refused). Usage: c_examples_against_serve.sh RESTSIGN_BIN EXAMPLE_BIN
set -euo pipefail
restsign=$1
example=$2
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

case "$(basename "$example")" in
  mtgox_query)
    scheme=mtgox-v1 key=12345678-abcd-1234-abcd-50286e649d5c secret=cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5
    export MTGOX_KEY=$key MTGOX_SECRET=$secret url_var=MTGOX_BASE_URL path=/api/ expect=3 ;;
  viabtc_query)
    scheme=viabtc key=16289e05354c3c3814b8f3045950395f secret=d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0
    export VIABTC_KEY=$key VIABTC_SECRET=$secret url_var=VIABTC_BASE_URL path="" expect=2 ;;
  *) echo "no server recipe for $example" >&2; exit 2 ;;
esac

export SERVE_SECRET=$secret
"$restsign" serve --scheme "$scheme" --key "$key" --secret-env SERVE_SECRET --port 0 >"$work/out" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$address" ] || { echo "restsign serve did not start"; cat "$work/log"; exit 1; }

export "$url_var=http://$address$path" RESTSIGN_NONCE_FILE="$work/client-nonce"
"$example" | tee "$work/example.out"
accepted=$(grep -c '^HTTP status 200$' "$work/example.out" || true)
refused=$(grep -c '^HTTP status [^2]' "$work/example.out" || true)
echo "$(basename "$example") against restsign serve ($scheme): $accepted accepted, $refused refused (want $expect accepted)"
[ "$accepted" -eq "$expect" ] && [ "$refused" -eq 0 ] || { cat "$work/log"; exit 1; }
