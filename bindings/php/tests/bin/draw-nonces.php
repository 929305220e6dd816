<?php

// Draws nonces from a shared state file for NonceTest, in a process of its own:
//   draw-nonces.php nonce|signer|redis STATE_FILE|REDIS_URL COUNT OUT_FILE
// "nonce" draws with Nonce::file, "signer" with Signer::shared(...)->nextNonce() (key "k", poloniex,
// milliseconds: the same state), "redis" with Nonce::redis (key "k", milliseconds) for RedisTest. It prints "ready" once the source is open and waits for a line
// on stdin, so that the test can start every drawer at once; then writes the values to OUT_FILE.

declare(strict_types=1);

require __DIR__ . '/../bootstrap.php';

use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\Signer;

[, $mode, $state, $count, $out] = $argv;
$draw = match ($mode) {
    'nonce' => [Nonce::file($state, 'k', NonceUnit::MILLIS), 'next'],
    'signer' => [Signer::shared('poloniex', 'k', 's', $state), 'nextNonce'],
    'redis' => [Nonce::redis($state, 'k', NonceUnit::MILLIS), 'next'],
};
echo "ready\n";
fgets(STDIN);
$values = [];
for ($i = 0; $i < (int) $count; $i++) {
    $values[] = $draw();
}
file_put_contents($out, implode("\n", $values) . "\n");
