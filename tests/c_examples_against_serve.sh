#!/usr/bin/env bash
# Runs a C example against the local exchange: starts `restsign serve` for the example's scheme,
# points the example at it, and passes only if every request it sends is answered 200 and
# accepted (and none refused). For the examples of today's exchanges (okx_balance) it also sends
# with a wrong secret and a wrong passphrase: each must be refused (the example failing, the
# server logging what it expected), the reply checked by tests/preset_reply.py against the
# preset's [server.replies] (the status class only while the preset declares none).
# Usage: c_examples_against_serve.sh RESTSIGN_BIN EXAMPLE_BIN [PYTHON3]
set -euo pipefail
restsign=$1
example=$2
python=${3:-python3}
here=$(cd "$(dirname "$0")" && pwd)
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
  okx_balance)
    # A random credential each run; OKX_BASE_URL is scheme://host[:port], the path is the example's.
    scheme=okx key="okx-key-$RANDOM$RANDOM" secret="okx secret $RANDOM$RANDOM$RANDOM" passphrase="okx pass $RANDOM$RANDOM"
    url_var=OKX_BASE_URL path="" expect=1 serve_args=(--passphrase "$passphrase")
    export OKX_KEY=$key OKX_SECRET=$secret OKX_PASSPHRASE=$passphrase ;;
  *) echo "no server recipe for $example" >&2; exit 2 ;;
esac

export SERVE_SECRET=$secret
"$restsign" serve --scheme "$scheme" --key "$key" --secret-env SERVE_SECRET ${serve_args[@]+"${serve_args[@]}"} --port 0 >"$work/out" 2>"$work/log" &
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
[ "$scheme" = okx ] || exit 0

# The answer to the right credential: the preset's success reply (a 2xx while it declares none).
awk 'seen && !/^HTTP status /{print} /^$/{seen=1}' "$work/example.out" >"$work/good.body"
"$python" "$here/preset_reply.py" "$scheme" success 200 "$work/good.body" || exit 1

# A refusal ($1): the example fails, its reply is the preset's [server.replies] entry $2 (while the
# preset declares none: not 2xx), and the server logged /$3/ for it.
refused() {
  local what=$1 kind=$2 logged=$3
  shift 3
  local before
  before=$(wc -c <"$work/log")
  if env "$@" "$example" >"$work/bad.out" 2>&1; then cat "$work/bad.out"; echo "FAIL: $what was accepted"; exit 1; fi
  local status
  status=$(sed -n 's/^HTTP status //p' "$work/bad.out")
  [ -n "$status" ] || { cat "$work/bad.out"; echo "FAIL: $what: no answer"; exit 1; }
  # The body is what curl wrote between the request the example printed and "HTTP status".
  awk 'seen && !/^HTTP status /{print} /^$/{seen=1}' "$work/bad.out" >"$work/bad.body"
  "$python" "$here/preset_reply.py" "$scheme" "$kind" "$status" "$work/bad.body" \
    || { cat "$work/bad.out"; echo "FAIL: $what: the reply"; exit 1; }
  tail -c +$((before + 1)) "$work/log" >"$work/log.new"    # what the server logged for this request
  grep -Eq "$logged" "$work/log.new" || { cat "$work/log.new"; echo "FAIL: $what: the server did not log /$logged/"; exit 1; }
  cat "$work/log.new"
}
refused "a wrong secret" bad_signature "invalid signature for key $key" OKX_SECRET="wrong $secret"
# OKX's own answer, once the preset declares it: {"code":"50113","msg":"Invalid Sign"}.
if "$python" "$here/preset_reply.py" --has "$scheme" bad_signature; then
  grep -q '"50113"' "$work/bad.body" || { cat "$work/bad.body"; echo "FAIL: a wrong secret: not OKX's 50113"; exit 1; }
fi
grep -q '^  expected message:   "' "$work/log.new" && grep -q '^  expected signature: ' "$work/log.new" \
  || { echo "FAIL: a wrong secret: the server did not log the expected message and signature"; exit 1; }
# OKX answers a wrong passphrase with its own code (50105), not Invalid Sign: the reply is checked
# against a bad_passphrase entry should the preset declare one, else for its status class.
refused "a wrong passphrase" bad_passphrase "but passphrase does not, for key $key" OKX_PASSPHRASE="wrong $passphrase"
echo "okx_balance against restsign serve (okx): a wrong secret and a wrong passphrase refused"
