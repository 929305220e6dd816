<?php

// A CoinPayments API call (get_callback_address, as in CoinPayments' API documentation), signed by
// restsign: the POST fields version=1, cmd, key=<public key>, the call's own fields, format=json
// and a nonce, form-encoded; the HMAC header is HMAC-SHA512 of exactly that body with the private
// key. The nonce is optional for CoinPayments, but once a key has used one it must always send
// one, increasing: restsign draws it from a state file shared by every process using the key.
//
//   php coinpayments.php                   prints the request it would send
//   COINPAYMENTS_BASE_URL=http://127.0.0.1:8080 php coinpayments.php [CURRENCY]
//                                          sends it and prints the decoded answer
//
// COINPAYMENTS_PUBLIC_KEY and COINPAYMENTS_PRIVATE_KEY hold the credential; the defaults are
// demo values.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Restsign\Signer;

/** Calls CoinPayments' $cmd with $fields; the decoded answer's "result" (its "error" must be "ok"). */
function coinpayments_api_call(string $cmd, array $fields = []): ?array
{
    $public = getenv('COINPAYMENTS_PUBLIC_KEY') ?: 'restsign-demo-public-key';
    $private = getenv('COINPAYMENTS_PRIVATE_KEY') ?: 'restsign demo private key, not a real one';
    $base = getenv('COINPAYMENTS_BASE_URL') ?: '';

    static $signer = null;
    $signer ??= Signer::shared('coinpayments', $public, $private);
    $request = $signer->request('POST', '/api.php')
        ->param('version', '1')
        ->param('cmd', $cmd)
        ->param('key', $public);
    foreach ($fields as $name => $value) {
        $request->param((string) $name, (string) $value);
    }
    $request->param('format', 'json')->sign(); // the nonce field goes last

    if ($base === '') {
        printf("POST https://www.coinpayments.net/api.php\n%s\n\n%s\n", implode("\n", $request->headers()), $request->body());
        return null;
    }
    $ch = curl_init(rtrim($base, '/') . $request->target());
    curl_setopt_array($ch, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_POSTFIELDS => $request->body(),
        CURLOPT_HTTPHEADER => [...$request->headers(), 'Content-Type: application/x-www-form-urlencoded'],
    ]);
    $answer = curl_exec($ch);
    if ($answer === false) {
        throw new RuntimeException('Could not get reply: ' . curl_error($ch));
    }
    $decoded = json_decode($answer, true);
    if (!is_array($decoded)) {
        throw new RuntimeException("Invalid data received: $answer");
    }
    if (($decoded['error'] ?? null) !== 'ok') {
        throw new RuntimeException('CoinPayments error: ' . ($decoded['error'] ?? $answer));
    }
    return $decoded['result'];
}

$result = coinpayments_api_call('get_callback_address', ['currency' => $argv[1] ?? 'BTC']);
if ($result !== null) {
    echo json_encode(['error' => 'ok', 'result' => $result], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
}
