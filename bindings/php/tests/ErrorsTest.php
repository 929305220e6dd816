<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Library;
use Restsign\RestsignException;
use Restsign\Signer;
use Restsign\Status;

/** Every way to call the binding wrongly ends in an exception that says why; none crashes. */
final class ErrorsTest extends TestCase
{
    private const UUID = '12345678-abcd-1234-abcd-50286e649d5c';

    /** @return iterable<string, array{string, string, string, int}> scheme, key, secret, status */
    public static function badCredentials(): iterable
    {
        yield 'unknown scheme' => ['nope', 'k', 's', Status::ERR_UNKNOWN_SCHEME];
        yield 'scheme names are exact' => ['MtGox-v1', 'k', 'czE=', Status::ERR_UNKNOWN_SCHEME];
        yield 'empty scheme' => ['', 'k', 's', Status::ERR_UNKNOWN_SCHEME];
        yield 'NUL in scheme' => ["viabtc\0x", 'k', 's', Status::ERR_UNKNOWN_SCHEME];
        foreach (['apiauth', 'poloniex', 'coinpayments', 'viabtc', 'mtgox-v1', 'mtgox-v2'] as $s) {
            yield "$s: empty secret" => [$s, 'k', '', Status::ERR_EMPTY_SECRET];
            yield "$s: empty key" => [$s, '', 'czE=', Status::ERR_INVALID_KEY];
            yield "$s: LF in key" => [$s, "a\nb", 'czE=', Status::ERR_INVALID_KEY];
            yield "$s: CR in key" => [$s, "a\rb", 'czE=', Status::ERR_INVALID_KEY];
            yield "$s: NUL in key" => [$s, "a\0b", 'czE=', Status::ERR_INVALID_KEY];
            yield "$s: DEL in key" => [$s, "a\x7f", 'czE=', Status::ERR_INVALID_KEY];
        }
        foreach (['mtgox-v1', 'mtgox-v2', 'mtgox-stream'] as $s) {
            $key = $s === 'mtgox-stream' ? self::UUID : 'k';
            yield "$s: secret not base64" => [$s, $key, 'not base64!', Status::ERR_SECRET_NOT_BASE64];
            yield "$s: unpadded base64" => [$s, $key, 'YWI', Status::ERR_SECRET_NOT_BASE64];
            yield "$s: base64 with a newline" => [$s, $key, "YWJj\nZGVm", Status::ERR_SECRET_NOT_BASE64];
        }
        yield 'mtgox-stream: empty secret' => ['mtgox-stream', self::UUID, '', Status::ERR_EMPTY_SECRET];
        yield 'mtgox-stream: key not a UUID' => ['mtgox-stream', 'k', 'czE=', Status::ERR_KEY_NOT_UUID];
        yield 'mtgox-stream: UUID without dashes' => ['mtgox-stream', str_replace('-', '', self::UUID), 'czE=', Status::ERR_KEY_NOT_UUID];
        yield 'mtgox-stream: UUID with a non-hex digit' => ['mtgox-stream', 'g' . substr(self::UUID, 1), 'czE=', Status::ERR_KEY_NOT_UUID];
        yield 'mtgox-stream: UUID plus NUL' => ['mtgox-stream', self::UUID . "\0", 'czE=', Status::ERR_KEY_NOT_UUID];
        yield 'mtgox-stream: empty key' => ['mtgox-stream', '', 'czE=', Status::ERR_KEY_NOT_UUID];
    }

    /** @dataProvider badCredentials */
    public function testBadCredentialIsRefused(string $scheme, string $key, string $secret, int $status): void
    {
        $this->assertLibraryError($status, static fn () => new Signer($scheme, $key, $secret));
    }

    /** @return iterable<string, array{string}> */
    public static function badMethods(): iterable
    {
        foreach (['', 'GE T', "GET\0", "\0GET", "GET\r\n", "GET\n", 'GÉT', 'GET/1', '(GET)', 'G:T'] as $m) {
            yield json_encode($m, JSON_INVALID_UTF8_SUBSTITUTE) => [$m];
        }
    }

    /** @dataProvider badMethods */
    public function testBadMethodIsRefused(string $method): void
    {
        $signer = new Signer('viabtc', 'k', 's');
        $this->assertLibraryError(Status::ERR_INVALID_METHOD, static fn () => $signer->sign($method, '/p', 'x=1', 1));
        $this->assertLibraryError(Status::ERR_INVALID_METHOD, static fn () => $signer->headers($method, '/p', 'x=1', 1));
    }

    public function testStreamSignerHasNoHeaders(): void
    {
        $signer = new Signer('mtgox-stream', self::UUID, 'czE=');
        $this->assertLibraryError(Status::ERR_NO_HEADERS, static fn () => $signer->headers('POST', '', '{}', 1));
    }

    /** @return iterable<string, array{int|string}> */
    public static function badNonces(): iterable
    {
        foreach ([-1, PHP_INT_MIN, '-1', '-0', '', 'abc', '1.5', '1e3', ' 1', '1 ', '+1', '0x10', '9223372036854775808', '99999999999999999999'] as $n) {
            yield var_export($n, true) => [$n];
        }
    }

    /** @dataProvider badNonces */
    public function testBadNonceIsRefused(int|string $nonce): void
    {
        $signer = new Signer('apiauth', 'k', 's');
        foreach (['sign', 'headers'] as $call) {
            try {
                $signer->$call('GET', '/p', 'x=1', $nonce);
                $this->fail("$call took nonce " . var_export($nonce, true));
            } catch (\ValueError $e) {
                $this->assertStringContainsString('nonce must be an integer from 0 to 9223372036854775807', $e->getMessage());
            }
        }
    }

    public function testSignersCannotBeCloned(): void
    {
        $this->expectException(\Error::class);
        $this->expectExceptionMessageMatches('/__clone/');
        $signer = new Signer('apiauth', 'k', 's');
        $copy = clone $signer;
    }

    public function testExceptionsAreRuntimeExceptions(): void
    {
        $this->assertInstanceOf(\RuntimeException::class, RestsignException::fromStatus(Status::ERR_INTERNAL));
        $this->assertSame('unknown restsign status code', RestsignException::fromStatus(9999)->getMessage());
    }

    /** The exception carries the library's own text for the status (restsign_strerror) and the code. */
    private function assertLibraryError(int $status, \Closure $call): void
    {
        try {
            $call();
        } catch (RestsignException $e) {
            $this->assertSame($status, $e->getCode(), $e->getMessage());
            $this->assertSame(Library::ffi()->restsign_strerror($status), $e->getMessage());
            $this->assertNotSame('', $e->getMessage());
            return;
        }
        $this->fail("no RestsignException (expected status $status)");
    }
}
