<?php

// Signing from PHP: Restsign\Signer::sign against PHP's own hash_hmac, end to end from the
// script, for a 68-byte form body and a 64-byte secret (docs/PERFORMANCE.md's inputs):
// HMAC-SHA512 in hex (poloniex), HMAC-SHA256 in hex (viabtc), HMAC-SHA512 in base64 (mtgox-v1,
// whose secret hash_hmac gets already base64-decoded, once). Also timed, to show where the time
// goes: the bare FFI call Signer::sign makes (restsign_signer_sign_into into a preallocated
// buffer, then FFI::string), without the method call and its argument checks, and the same call
// with a NULL signer, which the library refuses at once: what the call alone costs. The bare call
// less that one is the library's own work; hash_hmac over the bare call is the best ratio any
// binding making this call could reach.
//
//   php bench/php/bench.php [ROUNDS]     (default 31; needs target/release/librestsign.so or RESTSIGN_LIB)
//
// Competitors run interleaved, A B C, A B C, ..., each a batch of about 10 ms, and each reports its
// median per call over the rounds: load on a shared machine moves all of them alike. Every
// competitor's output is first checked against hash_hmac's. Speed is reported here, never asserted.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Restsign\Library;
use Restsign\Signer;

$rounds = (int) ($argv[1] ?? 31);
$body = 'command=returnBalances&nonce=1700000000000000&account=all&extra=1234';
$secret = str_repeat("rs\xa5\x00sign", 8); // 64 bytes, binary
if (\strlen($body) !== 68 || \strlen($secret) !== 64) {
    exit("bench bug: the inputs are not 68 and 64 bytes\n");
}

/** @return array<string, \Closure(int): string> name => runs the call $n times, returns the last result */
function competitors(string $scheme, string $algo, bool $base64, string $body, string $secret): array
{
    $signer = new Signer($scheme, 'bench-key', $base64 ? base64_encode($secret) : $secret);
    $ffi = Library::ffi();
    $handle = $signer->handle();
    [$out, $len] = [$ffi->new('char[256]'), $ffi->new('size_t[1]')];
    $bodyLen = \strlen($body);
    return [
        'hash_hmac' => $base64
            ? static function (int $n) use ($algo, $body, $secret): string {
                for ($i = 0; $i < $n; $i++) {
                    $x = base64_encode(hash_hmac($algo, $body, $secret, true));
                }
                return $x;
            }
            : static function (int $n) use ($algo, $body, $secret): string {
                for ($i = 0; $i < $n; $i++) {
                    $x = hash_hmac($algo, $body, $secret);
                }
                return $x;
            },
        'Signer::sign' => static function (int $n) use ($signer, $body): string {
            for ($i = 0; $i < $n; $i++) {
                $x = $signer->sign('POST', '', $body);
            }
            return $x;
        },
        'bare FFI call' => static function (int $n) use ($ffi, $handle, $out, $len, $body, $bodyLen): string {
            for ($i = 0; $i < $n; $i++) {
                $ffi->restsign_signer_sign_into($handle, 'POST', '', 0, $body, $bodyLen, 0, $out, 256, $len);
                $x = \FFI::string($out, $len[0]);
            }
            return $x;
        },
        'FFI call, no work' => static function (int $n) use ($ffi, $out, $len, $body, $bodyLen): string {
            for ($i = 0; $i < $n; $i++) {
                $x = $ffi->restsign_signer_sign_into(null, 'POST', '', 0, $body, $bodyLen, 0, $out, 256, $len);
            }
            return (string) $x;
        },
    ];
}

$rows = [
    ['HMAC-SHA512, hex', 'poloniex', 'sha512', false],
    ['HMAC-SHA256, hex', 'viabtc', 'sha256', false],
    ['HMAC-SHA512, base64', 'mtgox-v1', 'sha512', true],
];
printf("PHP %s, FFI, librestsign %s; %d-byte body, %d-byte secret; %d rounds, medians in ns per call\n\n",
    PHP_VERSION, Signer::version(), \strlen($body), \strlen($secret), $rounds);
echo "| HMAC | hash_hmac | Signer::sign | bare FFI call | FFI call, no work | hash_hmac / Signer::sign | hash_hmac / bare FFI call |\n";
echo "|---|---:|---:|---:|---:|---:|---:|\n";
foreach ($rows as [$label, $scheme, $algo, $base64]) {
    $calls = competitors($scheme, $algo, $base64, $body, $secret);
    $expected = $calls['hash_hmac'](1);
    if ($calls['FFI call, no work'](1) !== (string) Restsign\Status::ERR_NULL_HANDLE) {
        exit("$label: a NULL signer is not refused with ERR_NULL_HANDLE\n");
    }
    foreach ($calls as $name => $call) {
        if ($name === 'FFI call, no work') {
            continue;
        }
        if ($call(2) !== $expected) {
            fwrite(STDERR, "$label: $name gives " . $call(1) . ", hash_hmac $expected\n");
            exit(1);
        }
    }
    // A batch of about 10 ms of hash_hmac.
    $start = hrtime(true);
    $calls['hash_hmac'](2000);
    $batch = max(100, (int) (2000 * 1e7 / (hrtime(true) - $start)));
    $times = array_fill_keys(array_keys($calls), []);
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($calls as $name => $call) {
            $start = hrtime(true);
            $call($batch);
            $times[$name][] = (hrtime(true) - $start) / $batch;
        }
    }
    $median = array_map(static function (array $t): float {
        sort($t);
        return $t[intdiv(\count($t), 2)];
    }, $times);
    printf("| %s | %.0f | %.0f | %.0f | %.0f | **%.2fx** | %.2fx |\n", $label, $median['hash_hmac'], $median['Signer::sign'],
        $median['bare FFI call'], $median['FFI call, no work'], $median['hash_hmac'] / $median['Signer::sign'],
        $median['hash_hmac'] / $median['bare FFI call']);
}
