<?php

// Binance spot with restsign's `binance` preset and PHP's curl: places an order
// (POST /api/v3/order) and reads the account (GET /api/v3/account). restsign adds `timestamp`
// first and `recvWindow` last, form-encodes the parameters (the body of the POST, the query of
// the GET), appends `signature` (HMAC-SHA256 in hex of exactly those bytes) and gives the
// X-MBX-APIKEY header; Request::url() is the whole URL to send to.
//
//   php binance_order.php                  prints the two requests it would send
//   BINANCE_BASE_URL=https://testnet.binance.vision php binance_order.php [SYMBOL SIDE QUANTITY PRICE]
//                                          sends them and prints each decoded answer as JSON
//
// BINANCE_KEY and BINANCE_SECRET hold the credential (the defaults are demo values). The order is a
// LIMIT GTC order, by default BUY 0.001 BTCUSDT at 30000. Exit status 1 if Binance refuses a request
// (its {"code": ..., "msg": ...} answer is printed).

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Restsign\RestsignException;
use Restsign\Signer;

$key = getenv('BINANCE_KEY') ?: 'restsign-demo-binance-key';
$secret = getenv('BINANCE_SECRET') ?: 'restsign demo secret, not a real one';
$base = getenv('BINANCE_BASE_URL') ?: null;   // null: print only, against the preset's api.binance.com
[$symbol, $side, $quantity, $price] = array_slice($argv, 1) + [null, null, null, null];

try {
    // One signer for both calls; the preset knows where timestamp, recvWindow and signature go.
    $signer = Signer::fromRecipe('binance', $key, $secret, baseUrl: $base);
} catch (RestsignException $e) {
    fwrite(STDERR, "binance_order: {$e->getMessage()} (BINANCE_KEY / BINANCE_SECRET / BINANCE_BASE_URL)\n");
    exit(1);
}

$order = $signer->request('POST', '/api/v3/order')
    ->param('symbol', $symbol ?? 'BTCUSDT')
    ->param('side', $side ?? 'BUY')
    ->param('type', 'LIMIT')
    ->param('timeInForce', 'GTC')
    ->param('quantity', $quantity ?? '0.001')
    ->param('price', $price ?? '30000')
    ->param('newOrderRespType', 'RESULT')
    ->sign();
$account = $signer->request('GET', '/api/v3/account')->param('omitZeroBalances', 'true')->sign();

$failed = false;
foreach (['order' => [$order, 'POST'], 'account' => [$account, 'GET']] as $what => [$request, $method]) {
    if ($base === null) {
        printf("%s %s\n%s\n\n%s\n\n", $method, $request->url(), implode("\n", $request->headers()), $request->body());
        continue;
    }
    $ch = curl_init($request->url());
    curl_setopt_array($ch, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HTTPHEADER => $request->headers(),   // X-MBX-APIKEY (and the POST's Content-Type)
        CURLOPT_USERAGENT => 'restsign binance_order example',
    ]);
    if ($method === 'POST') {
        curl_setopt($ch, CURLOPT_POSTFIELDS, $request->body());   // exactly the signed bytes
    }
    $response = curl_exec($ch);
    if ($response === false) {
        fwrite(STDERR, "binance_order: $what: " . curl_error($ch) . "\n");
        exit(1);
    }
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    $answer = json_decode($response, true);
    printf("%s: HTTP %d\n%s\n", $what, $status, json_encode($answer ?? $response, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
    if ($status !== 200 || !\is_array($answer) || isset($answer['code'])) {
        $failed = true;   // Binance's refusals carry {"code": -1022, "msg": "Signature for this request is not valid."}
    }
}
exit($failed ? 1 : 0);
