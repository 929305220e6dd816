<?php

declare(strict_types=1);

// The page tests/fpm/run fetches through nginx and php-fpm: signs a Poloniex request with the key
// and secret it is given, verifies it with restsign's verifier, and answers in JSON. Any failure
// is answered as {"error": message} (status 500), so the test can check what it tells the user.

// Copied into a scratch Composer project that required the binding from a path repository.
require __DIR__ . '/vendor/autoload.php';

header('Content-Type: application/json');
try {
    $key = $_GET['key'];
    $secret = $_GET['secret'];
    $body = http_build_query(['command' => 'returnBalances', 'nonce' => $_GET['nonce']]);
    $signer = new Restsign\Signer('poloniex', $key, $secret);
    $signature = $signer->sign('POST', '/tradingApi', $body);
    $verdict = (new Restsign\Verifier('poloniex', $key, $secret))
        ->check('POST', '/tradingApi', ["Key: $key", "Sign: $signature"], $body);
    echo json_encode([
        'sapi' => PHP_SAPI,
        'ffi.enable' => ini_get('ffi.enable'),
        'origin' => Restsign\Library::origin(),
        'body' => $body,
        'signature' => $signature,
        'verified_key' => $verdict->key,
        'verified_nonce' => $verdict->nonce,
    ], JSON_UNESCAPED_SLASHES);
} catch (Throwable $e) {
    http_response_code(500);
    echo json_encode(['sapi' => PHP_SAPI, 'error' => $e->getMessage()], JSON_UNESCAPED_SLASHES);
}
