<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Signer;

/**
 * 1,000 random requests per scheme, each signed by the binding and by Reference (hash_hmac).
 * The inputs come from mt_rand seeded with RESTSIGN_TEST_SEED (or a fresh seed, printed in every
 * failure message) so a failure can be replayed.
 */
final class AgreementTest extends TestCase
{
    private const PER_SCHEME = 1000;
    /** Around the SHA-256 (64) and SHA-512 (128) block and padding boundaries, and beyond. */
    private const LENGTHS = [0, 1, 2, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 191, 192, 255, 256, 257, 1000, 4096];
    private const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'get', 'post', 'M-SEARCH', 'X_CUSTOM~1'];

    private static int $seed;

    public static function setUpBeforeClass(): void
    {
        $env = getenv('RESTSIGN_TEST_SEED');
        self::$seed = $env !== false && $env !== '' ? (int) $env : random_int(0, PHP_INT_MAX);
        mt_srand(self::$seed);
    }

    /** @return iterable<string, array{string}> */
    public static function schemes(): iterable
    {
        foreach (['apiauth', 'poloniex', 'mtgox-v1', 'mtgox-v2', 'mtgox-stream', 'coinpayments', 'viabtc'] as $s) {
            yield $s => [$s];
        }
    }

    public function testEverySchemeIsCovered(): void
    {
        // The seed schemes are listed among the exchange presets.
        $seeds = array_keys(iterator_to_array(self::schemes()));
        $this->assertSame($seeds, array_values(array_intersect($seeds, Signer::schemes())));
    }

    /** @dataProvider schemes */
    public function testRandomRequestsAgreeWithHashHmac(string $scheme): void
    {
        $base64Secret = str_starts_with($scheme, 'mtgox');
        for ($i = 0; $i < self::PER_SCHEME; $i++) {
            $key = $scheme === 'mtgox-stream' ? self::uuid() : self::keyText();
            // Secrets from 1 byte to well past both block sizes (HMAC hashes keys longer than a block).
            $secretBytes = self::bytes(self::length(mt_rand(0, 3) === 0 ? 300 : 130) ?: 1);
            $secret = $base64Secret ? base64_encode($secretBytes) : $secretBytes;
            $method = self::METHODS[mt_rand(0, \count(self::METHODS) - 1)];
            $path = self::pathBytes(self::length(80));
            $payload = self::bytes(self::length(600, 4096));
            $nonce = self::nonce();
            // Half the nonces go in as decimal strings, which sign() also takes.
            $nonceArg = mt_rand(0, 1) === 1 ? (string) $nonce : $nonce;
            $case = sprintf('seed %d, %s case %d (method %s, path %d B, payload %d B, secret %d B, nonce %d)',
                self::$seed, $scheme, $i, $method, \strlen($path), \strlen($payload), \strlen($secretBytes), $nonce);

            $signer = new Signer($scheme, $key, $secret);
            $expected = Reference::sign($scheme, $key, $secret, $path, $payload, $nonce);
            $this->assertSame($expected, $signer->sign($method, $path, $payload, $nonceArg), $case);
            if ($scheme !== 'mtgox-stream') {
                $this->assertSame(
                    Reference::headers($scheme, $key, $method, $nonce, $expected),
                    $signer->headers($method, $path, $payload, $nonceArg),
                    $case,
                );
            }
        }
    }

    /**
     * Inputs far larger than the signer's first buffer: a 10 kB key makes the header block outgrow
     * it, and mtgox-stream's signed call of a 1 MB payload is 1.4 MB.
     *
     * @dataProvider schemes
     */
    public function testLongInputsAgreeWithHashHmac(string $scheme): void
    {
        $key = $scheme === 'mtgox-stream' ? self::uuid() : str_repeat('k', 10_000);
        $secret = self::bytes(100_000);
        $secret = str_starts_with($scheme, 'mtgox') ? base64_encode($secret) : $secret;
        [$path, $payload] = [self::pathBytes(10_000), self::bytes(1_000_000)];
        $signer = new Signer($scheme, $key, $secret);
        $expected = Reference::sign($scheme, $key, $secret, $path, $payload, PHP_INT_MAX);
        for ($call = 1; $call <= 2; $call++) { // the second call reuses the grown buffer
            $this->assertSame($expected, $signer->sign('POST', $path, $payload, PHP_INT_MAX), "$scheme: long inputs, call $call");
            if ($scheme !== 'mtgox-stream') {
                $this->assertSame(
                    Reference::headers($scheme, $key, 'POST', PHP_INT_MAX, $expected),
                    $signer->headers('POST', $path, $payload, PHP_INT_MAX),
                    "$scheme: long inputs, headers $call",
                );
            }
        }
    }

    /** Half block-boundary lengths up to $maxEdge, half uniform up to $max. */
    private static function length(int $max, ?int $maxEdge = null): int
    {
        $edges = array_filter(self::LENGTHS, static fn (int $n): bool => $n <= ($maxEdge ?? $max));
        return mt_rand(0, 1) === 0 ? $edges[array_rand($edges)] : mt_rand(0, $max);
    }

    /** Any bytes, NUL included. */
    /** Bytes a path may hold: no control byte, space or DEL (the library refuses those). */
    private static function pathBytes(int $n): string
    {
        $s = '';
        for ($i = 0; $i < $n; $i++) {
            $s .= \chr(mt_rand(0, 4) === 0 ? mt_rand(0x80, 0xff) : mt_rand(0x21, 0x7e));
        }
        return $s;
    }

    private static function bytes(int $n): string
    {
        $s = '';
        for ($i = 0; $i < $n; $i++) {
            $s .= \chr(mt_rand(0, 255));
        }
        return $s;
    }

    /** A key restsign accepts: no control bytes (< 0x20, 0x7f); high bytes allowed. */
    private static function keyText(): string
    {
        $s = '';
        for ($i = mt_rand(1, 64); $i > 0; $i--) {
            $b = mt_rand(0, 4) === 0 ? mt_rand(0x80, 0xff) : mt_rand(0x20, 0x7e);
            $s .= \chr($b);
        }
        return $s;
    }

    /** A random UUID in either case. */
    private static function uuid(): string
    {
        $hex = bin2hex(self::bytes(16));
        $uuid = implode('-', [substr($hex, 0, 8), substr($hex, 8, 4), substr($hex, 12, 4), substr($hex, 16, 4), substr($hex, 20)]);
        return mt_rand(0, 1) === 1 ? strtoupper($uuid) : $uuid;
    }

    /** 0 to PHP_INT_MAX: edges often, millisecond and microsecond clocks, any 63-bit value. */
    private static function nonce(): int
    {
        return match (mt_rand(0, 5)) {
            0 => [1, 2, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 + 1, PHP_INT_MAX - 1, PHP_INT_MAX][mt_rand(0, 7)],
            1 => mt_rand(1_500_000_000_000, 2_000_000_000_000),
            2 => mt_rand(1_500_000_000_000_000, 2_000_000_000_000_000),
            default => mt_rand(1, PHP_INT_MAX), // apiauth refuses 0
        };
    }
}
