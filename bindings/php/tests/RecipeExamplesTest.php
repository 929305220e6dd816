<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Recipe;
use Restsign\RestsignException;

/**
 * examples/php/binance_order.php end to end against tests/exchange_stub.py: an independent
 * stand-in for Binance that checks every request as Binance documents it (HMAC-SHA256 hex of the
 * query and body without `signature`, X-MBX-APIKEY, timestamp within recvWindow) with Python's
 * hmac, and answers in Binance's JSON. Without a base URL the example prints its requests, whose
 * signatures are recomputed here with hash_hmac. Then against `restsign serve --scheme binance`
 * (what a user would run, and the check of the verifier): the right credential accepted, a wrong
 * secret refused with the server logging what it expected; each reply compared by
 * tests/preset_reply.py with the preset's [server.replies] (only its status class while the preset
 * declares none). The example takes its server from BINANCE_BASE_URL either way.
 */
final class RecipeExamplesTest extends TestCase
{
    private const KEY = 'restsign-binance-test-key';

    protected function setUp(): void
    {
        try {
            Recipe::preset('binance');
        } catch (RestsignException) {
            $this->markTestSkipped('this librestsign has no binance preset yet (presets land separately)');
        }
        exec('command -v python3', $out, $status);
        if ($status !== 0) {
            $this->markTestSkipped('python3 not found: it runs the exchange stub');
        }
    }

    public function testOrderAndAccountAreAcceptedAndAWrongSecretIsRefused(): void
    {
        $secret = bin2hex(random_bytes(32));
        [$stub, $url, $log] = $this->stub('binance', self::KEY, $secret);
        try {
            $env = ['BINANCE_BASE_URL' => $url, 'BINANCE_KEY' => self::KEY, 'BINANCE_SECRET' => $secret];
            [$status, $out] = $this->example('binance_order.php', ['ETHUSDT', 'SELL', '0.25', '2500.5'], $env);
            $this->assertSame(0, $status, $out . file_get_contents($log));
            $this->assertStringContainsString("order: HTTP 200\n", $out);
            $this->assertStringContainsString("account: HTTP 200\n", $out);
            // The stub echoes the order it parsed: the parameters arrived as sent.
            $this->assertMatchesRegularExpression('/"symbol": "ETHUSDT".*"origQty": "0.25".*"status": "NEW".*"type": "LIMIT".*"side": "SELL"/s', $out);
            $this->assertStringContainsString('"price": "2500.5"', $out);
            $this->assertStringContainsString('"asset": "BTC"', $out);

            [$status, $out] = $this->example('binance_order.php', [], ['BINANCE_SECRET' => 'not the secret'] + $env);
            $this->assertSame(1, $status, $out);
            $this->assertStringContainsString('"code": -1022', $out);
            $this->assertStringContainsString('Signature for this request is not valid.', $out);

            [$status, $out] = $this->example('binance_order.php', [], ['BINANCE_KEY' => 'another key'] + $env);
            $this->assertSame(1, $status, $out);
            $this->assertStringContainsString('"code": -2015', $out);
        } finally {
            proc_terminate($stub);
            $this->assertSame(0, proc_close($stub), 'the stub stopped cleanly');
        }
        $this->assertSame(
            "accepted POST /api/v3/order\naccepted GET /api/v3/account\n"
            . "refused POST /api/v3/order: Signature for this request is not valid.\n"
            . "refused GET /api/v3/account: Signature for this request is not valid.\n"
            . "refused POST /api/v3/order: Invalid API-key, IP, or permissions for action.\n"
            . "refused GET /api/v3/account: Invalid API-key, IP, or permissions for action.\n",
            file_get_contents($log),
        );
        unlink($log);
    }

    public function testOrderAndAccountAgainstRestsignServe(): void
    {
        $key = 'restsign-binance-key-' . bin2hex(random_bytes(4));
        $secret = bin2hex(random_bytes(32));
        $server = new Server('binance', $key, $secret);
        $env = ['BINANCE_BASE_URL' => $server->url(), 'BINANCE_KEY' => $key, 'BINANCE_SECRET' => $secret];
        [$status, $out] = $this->example('binance_order.php', ['ETHUSDT', 'SELL', '0.25', '2500.5'], $env);
        $this->assertSame(0, $status, $out . $server->log());
        $answers = $this->answers($out);
        $this->assertSame(['order', 'account'], array_keys($answers), $out);
        foreach ($answers as $what => [$code, $body]) {
            $this->assertReply('success', $code, $body, "serve: $what");
        }
        $this->assertStringNotContainsString('restsign serve: ', $server->log(), 'nothing refused');

        $before = \strlen($server->log());
        [$status, $out] = $this->example('binance_order.php', [], ['BINANCE_SECRET' => 'not the secret'] + $env);
        $this->assertSame(1, $status, $out);
        $answers = $this->answers($out);
        $this->assertSame(['order', 'account'], array_keys($answers), $out);
        foreach ($answers as $what => [$code, $body]) {
            $this->assertReply('bad_signature', $code, $body, "serve: a wrong secret, $what");
            if ($this->declares('bad_signature')) {
                $this->assertStringContainsString('"code": -1022', $body, "Binance's own error");
            }
        }
        $log = substr($server->log(), $before);
        foreach (['POST /api/v3/order', 'GET /api/v3/account'] as $request) {
            $this->assertMatchesRegularExpression(
                '#^restsign serve: ' . $request . ': invalid signature for key ' . preg_quote($key, '#') . '\n'
                . '  expected message:   ".+"\n  expected signature: [0-9a-f]{64}\n  received signature: [0-9a-f]{64}\n#m',
                $log,
                "serve logged the message and signature it expected for $request",
            );
        }
        $this->assertSame(0, $server->stop(), 'the server stopped cleanly');
    }

    public function testPrintsWhatItWouldSend(): void
    {
        [$status, $out] = $this->example('binance_order.php', [], ['BINANCE_KEY' => 'pub', 'BINANCE_SECRET' => 'priv']);
        $this->assertSame(0, $status, $out);
        $re = '#^POST https://api\.binance\.com/api/v3/order\nX-MBX-APIKEY: pub\nContent-Type: application/x-www-form-urlencoded\n\n'
            . '(timestamp=(\d{13})&symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0\.001&price=30000&newOrderRespType=RESULT&recvWindow=10000)&signature=([0-9a-f]{64})\n\n'
            . 'GET https://api\.binance\.com/api/v3/account\?(timestamp=(\d{13})&omitZeroBalances=true&recvWindow=10000)&signature=([0-9a-f]{64})\nX-MBX-APIKEY: pub\n\n\n$#';
        $this->assertMatchesRegularExpression($re, $out);
        preg_match($re, $out, $m);
        $this->assertSame(hash_hmac('sha256', $m[1], 'priv'), $m[3], 'the order signature');
        $this->assertSame(hash_hmac('sha256', $m[4], 'priv'), $m[6], 'the account signature');
        $this->assertEqualsWithDelta(microtime(true) * 1000, (int) $m[2], 60_000, 'a timestamp of now, in ms');
    }

    /**
     * The example's answers: "order" and "account", each (HTTP status, the body as it printed it).
     *
     * @return array<string, array{int, string}>
     */
    private function answers(string $out): array
    {
        preg_match_all('/^(order|account): HTTP (\d+)\n(.*?)(?=^(?:order|account): HTTP |\z)/ms', $out, $m, PREG_SET_ORDER);
        $answers = [];
        foreach ($m as [, $what, $code, $body]) {
            $answers[$what] = [(int) $code, $body];
        }
        return $answers;
    }

    /** tests/preset_reply.py: the reply against the binance preset's [server.replies].$kind. */
    private function assertReply(string $kind, int $code, string $body, string $message): void
    {
        $file = tempnam(sys_get_temp_dir(), 'restsign-reply-');
        file_put_contents($file, $body);
        exec(implode(' ', array_map('escapeshellarg', ['python3', \dirname(__DIR__, 3) . '/tests/preset_reply.py', 'binance', $kind, (string) $code, $file])) . ' 2>&1', $said, $status);
        unlink($file);
        $this->assertSame(0, $status, "$message: " . implode("\n", $said) . "\n$body");
    }

    /** Whether the binance preset declares [server.replies].$kind. */
    private function declares(string $kind): bool
    {
        exec(implode(' ', array_map('escapeshellarg', ['python3', \dirname(__DIR__, 3) . '/tests/preset_reply.py', '--has', 'binance', $kind])), $out, $status);
        return $status === 0;
    }

    /**
     * Starts tests/exchange_stub.py for $exchange: the process, its base URL and its log file.
     *
     * @return array{resource, string, string}
     */
    private function stub(string $exchange, string $key, string $secret): array
    {
        $log = tempnam(sys_get_temp_dir(), 'restsign-stub-');
        $process = proc_open(['python3', \dirname(__DIR__, 3) . '/tests/exchange_stub.py', $exchange],
            [1 => ['pipe', 'w'], 2 => ['file', $log, 'w']], $pipes, null,
            ['STUB_KEY' => $key, 'STUB_SECRET' => $secret] + getenv());
        $line = fgets($pipes[1]);
        fclose($pipes[1]);
        if (!\is_string($line) || !preg_match('#^listening on (http://127\.0\.0\.1:\d+)$#', trim($line), $m)) {
            proc_terminate($process);
            proc_close($process);
            $this->fail("the stub did not start: $line " . file_get_contents($log));
        }
        return [$process, $m[1], $log];
    }

    /**
     * Runs examples/php/$script with $args and $env on top of ours (no base URL unless given); its
     * exit status and its output, stderr included.
     *
     * @param list<string> $args
     * @param array<string, string> $env
     * @return array{int, string}
     */
    private function example(string $script, array $args, array $env): array
    {
        $base = getenv();
        unset($base['BINANCE_BASE_URL']);
        $cmd = [PHP_BINARY, \dirname(__DIR__, 3) . "/examples/php/$script", ...$args];
        $process = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, null, $env + $base);
        $out = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        return [proc_close($process), $out];
    }
}
