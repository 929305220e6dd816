<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;

/**
 * examples/php end to end: each example runs against `restsign serve` for its scheme, which
 * verifies every request (signature, key, fresh nonce); each answer must be the exchange's
 * success. Without a base URL an example only prints its request, whose signature is checked
 * here with hash_hmac.
 */
final class ExamplesTest extends TestCase
{
    private const MTGOX_KEY = '0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e';
    private const COINPAYMENTS_PUBLIC = 'example-public-key';
    private const COINPAYMENTS_PRIVATE = 'example private key';

    private string $runtime;

    protected function setUp(): void
    {
        // The examples' shared nonce state goes to $XDG_STATE_HOME/restsign: a scratch one.
        $this->runtime = sys_get_temp_dir() . '/restsign-php-examples-' . getmypid();
        @mkdir($this->runtime, 0700);
    }

    protected function tearDown(): void
    {
        exec('rm -rf ' . escapeshellarg($this->runtime));
    }

    public function testMtgoxQueryApi0And1CallsAreAccepted(): void
    {
        $secret = base64_encode(random_bytes(64));
        $server = new Server('mtgox-v1', self::MTGOX_KEY, $secret);
        $env = ['MTGOX_BASE_URL' => $server->url('/api/'), 'MTGOX_KEY' => self::MTGOX_KEY, 'MTGOX_SECRET' => $secret];
        // The wiki's two calls, twice: the second run's nonces must be above the first's.
        foreach ([1, 2] as $run) {
            [$status, $out] = $this->example('mtgox_query.php', [], $env);
            $this->assertSame(0, $status, $out . $server->log());
            $this->assertSame(2, substr_count($out, '["result"]=>' . "\n" . '  string(7) "success"'), $out);
            $this->assertStringContainsString('string(15) "/api/0/info.php"', $out);
            $this->assertStringContainsString('string(19) "/api/0/getFunds.php"', $out);
        }
        [$status, $out] = $this->example('mtgox_query.php', ['1/generic/private/info', 'currency=USD'], $env);
        $this->assertSame(0, $status, $out . $server->log());
        $this->assertStringContainsString('string(7) "success"', $out);

        // The server does check: a wrong secret is refused (the wiki's function returns the
        // decoded error as it returns any answer).
        [$status, $out] = $this->example('mtgox_query.php', [], ['MTGOX_SECRET' => base64_encode('wrong')] + $env);
        $this->assertSame(2, substr_count($out, '["error"]=>' . "\n" . '  string(17) "Invalid signature"'), $out);
        $this->assertStringNotContainsString('success', $out);
        $this->assertStringContainsString('invalid signature', $server->log());
        $this->assertSame(0, $server->stop(), 'the server stopped cleanly');
    }

    public function testMtgoxQueryApi2CallsAreAccepted(): void
    {
        $secret = base64_encode(random_bytes(64));
        $server = new Server('mtgox-v2', self::MTGOX_KEY, $secret);
        $env = ['MTGOX_BASE_URL' => $server->url('/api/'), 'MTGOX_KEY' => self::MTGOX_KEY, 'MTGOX_SECRET' => $secret];
        [$status, $out] = $this->example('mtgox_query.php', ['2/BTCUSD/money/info', '2/BTCUSD/money/order/add', 'type=bid', 'amount_int=100000000', 'price_int=1500000'], $env);
        $this->assertSame(0, $status, $out . $server->log());
        $this->assertSame(2, substr_count($out, 'string(7) "success"'), $out);
        $this->assertStringContainsString('"/api/2/BTCUSD/money/order/add"', $out);
        $this->assertSame(0, $server->stop());
    }

    public function testMtgoxQueryPrintsWhatItWouldSend(): void
    {
        $secret = base64_encode('print mode secret');
        [$status, $out] = $this->example('mtgox_query.php', ['2/BTCUSD/money/info'], ['MTGOX_KEY' => self::MTGOX_KEY, 'MTGOX_SECRET' => $secret]);
        $this->assertSame(0, $status, $out);
        $this->assertMatchesRegularExpression('#^POST https://data\.mtgox\.com/api/2/BTCUSD/money/info\nRest-Key: (.+)\nRest-Sign: (.+)\n\n(nonce=\d{16})\n#', $out);
        preg_match('#Rest-Key: (.+)\nRest-Sign: (.+)\n\n(.+)\n#', $out, $m);
        $this->assertSame(self::MTGOX_KEY, $m[1]);
        $this->assertSame(base64_encode(hash_hmac('sha512', "BTCUSD/money/info\0$m[3]", 'print mode secret', true)), $m[2]);
    }

    public function testCoinpaymentsCallIsAccepted(): void
    {
        $server = new Server('coinpayments', self::COINPAYMENTS_PUBLIC, self::COINPAYMENTS_PRIVATE);
        $env = ['COINPAYMENTS_BASE_URL' => $server->url(), 'COINPAYMENTS_PUBLIC_KEY' => self::COINPAYMENTS_PUBLIC,
            'COINPAYMENTS_PRIVATE_KEY' => self::COINPAYMENTS_PRIVATE];
        $nonces = [];
        foreach (['BTC', 'LTC'] as $currency) {
            [$status, $out] = $this->example('coinpayments.php', [$currency], $env);
            $this->assertSame(0, $status, $out . $server->log());
            $answer = json_decode($out, true);
            $this->assertSame('ok', $answer['error'] ?? null, $out);
            $this->assertSame(['key' => self::COINPAYMENTS_PUBLIC, 'method' => 'POST', 'path' => '/api.php'],
                array_intersect_key($answer['result'], ['key' => 1, 'method' => 1, 'path' => 1]));
            $nonces[] = $answer['result']['nonce'];
        }
        $this->assertGreaterThan($nonces[0], $nonces[1], 'the server saw increasing nonces');
        [$status, $out] = $this->example('coinpayments.php', [], ['COINPAYMENTS_PRIVATE_KEY' => 'wrong'] + $env);
        $this->assertNotSame(0, $status);
        $this->assertStringContainsString('HMAC signature does not match', $out);
        $this->assertSame(0, $server->stop());
    }

    public function testCoinpaymentsPrintsWhatItWouldSend(): void
    {
        [$status, $out] = $this->example('coinpayments.php', [], ['COINPAYMENTS_PUBLIC_KEY' => 'pub', 'COINPAYMENTS_PRIVATE_KEY' => 'priv']);
        $this->assertSame(0, $status, $out);
        $this->assertMatchesRegularExpression('#^POST https://www\.coinpayments\.net/api\.php\nHMAC: ([0-9a-f]{128})\n\n(version=1&cmd=get_callback_address&key=pub&currency=BTC&format=json&nonce=\d{13})\n$#', $out);
        preg_match('#HMAC: (.+)\n\n(.+)\n#', $out, $m);
        $this->assertSame(hash_hmac('sha512', $m[2], 'priv'), $m[1]);
    }

    /**
     * Runs examples/php/$script with $args and $env on top of ours (no base URL unless given);
     * its exit status and its output, stderr included.
     *
     * @param list<string> $args
     * @param array<string, string> $env
     * @return array{int, string}
     */
    private function example(string $script, array $args, array $env): array
    {
        $base = getenv();
        unset($base['MTGOX_BASE_URL'], $base['COINPAYMENTS_BASE_URL']);
        $env += ['XDG_STATE_HOME' => $this->runtime] + $base;
        $cmd = [PHP_BINARY, \dirname(__DIR__, 3) . "/examples/php/$script", ...$args];
        $process = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, null, $env);
        $out = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        return [proc_close($process), $out];
    }
}
