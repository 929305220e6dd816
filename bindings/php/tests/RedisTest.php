<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\RejectedException;
use Restsign\RestsignException;
use Restsign\Signer;
use Restsign\Status;
use Restsign\Verifier;

/** Nonce::redis against a real redis-server: shared by processes, loud when Redis is not there. */
final class RedisTest extends TestCase
{
    public function testTwoProcessesAndThisOneDrawDistinctIncreasingValues(): void
    {
        $redis = new RedisServer($this);
        $dir = sys_get_temp_dir() . '/restsign-php-redis-draws-' . getmypid();
        @mkdir($dir);
        $count = 5_000;
        $procs = [];
        foreach ([0, 1] as $n) {
            $cmd = [PHP_BINARY, __DIR__ . '/bin/draw-nonces.php', 'redis', $redis->url(), (string) $count, "$dir/$n.out"];
            $proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w']], $pipes);
            $this->assertIsResource($proc);
            $procs[] = [$proc, $pipes];
        }
        foreach ($procs as [, $pipes]) {
            $this->assertSame("ready\n", fgets($pipes[1]));
        }
        foreach ($procs as [, $pipes]) {
            fwrite($pipes[0], "go\n");
            fclose($pipes[0]);
        }
        // This process draws too, through a signer, while the others run.
        $signer = new Signer('poloniex', 'k', 's', Nonce::redis($redis->url(), 'k', NonceUnit::MILLIS));
        $mine = [];
        for ($i = 0; $i < 1_000; $i++) {
            $mine[] = $signer->nextNonce();
        }
        $all = [$mine];
        foreach ($procs as [$proc, $pipes]) {
            fclose($pipes[1]);
            $this->assertSame(0, proc_close($proc));
        }
        foreach ([0, 1] as $n) {
            $all[] = array_map('intval', file("$dir/$n.out", FILE_IGNORE_NEW_LINES));
            unlink("$dir/$n.out");
        }
        rmdir($dir);
        foreach ($all as $values) {
            $sorted = $values;
            sort($sorted);
            $this->assertSame($sorted, $values, 'each process sees its values increase');
        }
        $merged = array_merge(...$all);
        $this->assertCount(2 * $count + 1_000, array_unique($merged), 'no value drawn twice');
    }

    public function testFailuresAreExceptionsWithTheirOwnStatus(): void
    {
        $redis = new RedisServer($this, ['--requirepass', 'pw']);
        $cases = [
            [sprintf('redis://:wrong@127.0.0.1:%d/0', $redis->port), Status::ERR_REDIS_AUTH],
            [sprintf('redis://127.0.0.1:%d/0', RedisServer::freePort()), Status::ERR_REDIS_UNAVAILABLE],
        ];
        foreach ($cases as [$url, $status]) {
            $nonce = Nonce::redis($url, 'k', NonceUnit::MILLIS);
            try {
                $nonce->next();
                $this->fail("$url gave a nonce");
            } catch (RestsignException $e) {
                $this->assertSame($status, $e->getCode(), $e->getMessage());
            }
        }
        $good = Nonce::redis(sprintf('redis://:pw@127.0.0.1:%d/0', $redis->port), 'k', NonceUnit::MILLIS, 'php:');
        $this->assertGreaterThan($good->next(), $good->next());
        $redis->stop();
        $this->expectExceptionCode(Status::ERR_REDIS_UNAVAILABLE);
        $good->next();
    }

    public function testTwoVerifiersSharingRedisAcceptARequestOnce(): void
    {
        $redis = new RedisServer($this);
        $v1 = (new Verifier('poloniex', 'k', 's'))->replayRedis($redis->url(), 'php-replay:');
        $v2 = (new Verifier('poloniex', 'k', 's'))->replayRedis($redis->url(), 'php-replay:');
        $req = (new Signer('poloniex', 'k', 's'))->request('POST', '/tradingApi')->param('command', 'returnBalances')->sign();
        $v1->check('POST', '/tradingApi', $req->headerBlock(), $req->body());
        try {
            $v2->check('POST', '/tradingApi', $req->headerBlock(), $req->body());
            $this->fail('the second verifier accepted a replay');
        } catch (RejectedException $e) {
            $this->assertSame(Status::ERR_STALE_NONCE, $e->getCode());
        }
    }

    public function testRedissIsRefused(): void
    {
        $this->expectExceptionCode(Status::ERR_REDIS_TLS_UNSUPPORTED);
        Nonce::redis('rediss://127.0.0.1:6380/0', 'k', NonceUnit::MILLIS);
    }
}
