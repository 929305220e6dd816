<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\RestsignException;
use Restsign\Signer;

/**
 * 100,000 signers, requests and nonce sources each created, used and dropped (and some refused)
 * leave neither PHP's heap nor the process (the Rust side, FFI buffers) bigger. A leak of even
 * 16 bytes an object would be 1.6 MB.
 */
final class LeakTest extends TestCase
{
    private const SIGNERS = 100_000;
    private const MAX_RSS_GROWTH = 1024 * 1024;
    private const MAX_HEAP_GROWTH = 64 * 1024;

    public function testNoLeakAcrossSignerCreations(): void
    {
        $this->assertNoGrowth('signers', fn (int $n) => $this->churn($n));
    }

    /** Requests built, signed, read and dropped, across schemes; some refused at signing. */
    public function testNoLeakAcrossRequests(): void
    {
        $signers = [new Signer('poloniex', 'k', 's'), new Signer('viabtc', 'k', 's'),
            new Signer('mtgox-stream', '12345678-abcd-1234-abcd-50286e649d5c', 'czE=')];
        $this->assertNoGrowth('requests', static function (int $n) use ($signers): void {
            for ($i = 0; $i < $n; $i++) {
                $request = $signers[$i % 3]->request($i % 2 ? 'POST' : 'GET', '/p')->param('i', (string) $i);
                if ($i % 10 === 9) {
                    try {
                        $request->setBody('both')->sign(); // parameters and a body: refused
                    } catch (RestsignException) {
                    }
                    continue;
                }
                $request->signWithNonce($i + 1);
                $request->body() . $request->target() . $request->signature() . $request->headerBlock();
                $request->headers();
            }
        });
    }

    /** Nonce sources, in memory and on one state file, drawn from and dropped; some refused. */
    public function testNoLeakAcrossNonceSources(): void
    {
        $state = tempnam(sys_get_temp_dir(), 'restsign-leak-');
        unlink($state);
        try {
            $this->assertNoGrowth('nonce sources', static function (int $n) use ($state): void {
                for ($i = 0; $i < $n; $i++) {
                    try {
                        $source = match ($i % 10) {
                            9 => Nonce::file($state, 'another key', NonceUnit::MILLIS), // foreign: refused
                            0, 2, 4, 6, 8 => Nonce::file($state, 'k', NonceUnit::MILLIS),
                            default => Nonce::memory(NonceUnit::MICROS),
                        };
                        $source->next();
                    } catch (RestsignException) {
                    }
                }
            });
        } finally {
            @unlink($state);
        }
    }

    /** @param \Closure(int): void $churn makes and drops $n objects */
    private function assertNoGrowth(string $what, \Closure $churn): void
    {
        $churn(2_000); // warm up allocator arenas and PHP's caches
        gc_collect_cycles();
        [$heap, $rss] = [memory_get_usage(), self::rss()];

        $churn(self::SIGNERS);
        gc_collect_cycles();
        [$heapGrowth, $rssGrowth] = [memory_get_usage() - $heap, self::rss() - $rss];

        fwrite(STDERR, sprintf("\n[leak] %d %s: heap %d -> %+d B, VmRSS %d kB -> %+d kB\n",
            self::SIGNERS, $what, $heap, $heapGrowth, intdiv($rss, 1024), intdiv($rssGrowth, 1024)));
        $this->assertLessThan(self::MAX_HEAP_GROWTH, $heapGrowth, 'memory_get_usage grew');
        $this->assertLessThan(self::MAX_RSS_GROWTH, $rssGrowth, 'VmRSS grew');
    }

    /** Creates and drops $n signers across every scheme; every tenth creation is refused. */
    private function churn(int $n): void
    {
        $schemes = [
            ['apiauth', 'key', false], ['poloniex', 'key', false], ['mtgox-v1', 'key', true], ['mtgox-v2', 'key', true],
            ['mtgox-stream', '12345678-abcd-1234-abcd-50286e649d5c', true], ['coinpayments', 'key', false], ['viabtc', 'key', false],
        ];
        for ($i = 0; $i < $n; $i++) {
            [$scheme, $key, $base64] = $schemes[$i % 7];
            if ($i % 10 === 9) {
                try {
                    new Signer($scheme, $key, '');
                    $this->fail('an empty secret was accepted');
                } catch (RestsignException) {
                }
                continue;
            }
            $signer = new Signer($scheme, $key, $base64 ? base64_encode("secret $i") : "secret $i");
            // mtgox-stream's signed call outgrows the first buffer: the grown one must go too.
            $signer->sign('POST', 'BTCUSD/money/info', str_repeat('{"nonce":1}', 20), $i + 1); // apiauth: 1 .. 2^63-1
        }
    }

    /** The process's resident set in bytes, from /proc/self/status. */
    private static function rss(): int
    {
        if (!preg_match('/^VmRSS:\s+(\d+) kB$/m', (string) @file_get_contents('/proc/self/status'), $m)) {
            self::markTestSkipped('no /proc/self/status VmRSS on this system');
        }
        return (int) $m[1] * 1024;
    }
}
