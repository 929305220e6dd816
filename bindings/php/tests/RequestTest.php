<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Library;
use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\Request;
use Restsign\RestsignException;
use Restsign\Signer;
use Restsign\Status;

/**
 * Requests built and signed by the library through Restsign\Request: every part read back (body,
 * query, target, signature, headers, nonce) is checked against what PHP's own encoders and
 * hash_hmac (tests/Reference.php) make of the same parameters.
 */
final class RequestTest extends TestCase
{
    public const UUID = '12345678-abcd-1234-abcd-50286e649d5c';
    /** Parameters with bytes every encoder must treat alike: space, reserved, "~", non-ASCII, NUL. */
    private const PARAMS = [['command', 'returnBalances'], ['a b', 'x&y=z+~/?é'], ['empty', ''], ["nul\0", "\x01\xff"]];

    /** @return array{string, string} a key and secret of the right shape for $scheme */
    public static function credential(string $scheme): array
    {
        return match ($scheme) {
            'mtgox-stream' => [self::UUID, base64_encode('stream secret')],
            'mtgox-v1', 'mtgox-v2' => ['mtgox-key', base64_encode("mtgox secret \0 bytes")],
            default => ["$scheme-key", "$scheme secret"],
        };
    }

    /** @return iterable<string, array{string, string, string}> scheme, method, URL path */
    public static function requests(): iterable
    {
        yield 'apiauth POST' => ['apiauth', 'POST', '/api/wallet-send/'];
        yield 'apiauth GET' => ['apiauth', 'GET', '/api/wallet/'];
        yield 'poloniex' => ['poloniex', 'POST', '/tradingApi'];
        yield 'mtgox-v1' => ['mtgox-v1', 'POST', '/api/1/generic/private/info'];
        yield 'mtgox-v2' => ['mtgox-v2', 'POST', '/api/2/BTCUSD/money/info'];
        yield 'mtgox-stream' => ['mtgox-stream', 'POST', '/'];
        yield 'coinpayments' => ['coinpayments', 'POST', '/api.php'];
        yield 'viabtc POST' => ['viabtc', 'POST', '/v1/order/limit'];
        yield 'viabtc GET' => ['viabtc', 'GET', '/v1/order/pending'];
    }

    /** @dataProvider requests */
    public function testSignedRequestMatchesThePhpReference(string $scheme, string $method, string $path): void
    {
        [$key, $secret] = self::credential($scheme);
        $signer = new Signer($scheme, $key, $secret);
        $params = $scheme === 'mtgox-stream' || ($scheme === 'viabtc' && $method === 'POST')
            ? [['command', 'returnBalances'], ['a b', 'x&y="z"/é'], ['ctl', "\n\t\x01"]] // JSON: UTF-8 only
            : self::PARAMS;
        $nonce = 1_700_000_000_123_456;
        $request = $signer->request($method, $path);
        foreach ($params as [$name, $value]) {
            $this->assertSame($request, $request->param($name, $value), 'param() chains');
        }
        $this->assertSame($request, $request->signWithNonce($nonce), 'signWithNonce() chains');

        $query = $scheme === 'apiauth' || $scheme === 'viabtc' ? $method === 'GET' : false;
        $field = match ($scheme) { 'apiauth' => null, 'viabtc' => 'tonce', default => 'nonce' };
        $fields = $field === null ? $params : [...$params, [$field, (string) $nonce]];
        $payload = \in_array($scheme, ['mtgox-stream', 'viabtc'], true) && !$query
            ? Reference::json($params, $field, $nonce)
            : Reference::form($fields);
        $signedPath = $scheme === 'mtgox-v2' ? substr($path, \strlen('/api/2/')) : $path;
        $signature = Reference::sign($scheme, $key, $secret, $signedPath, $payload, $nonce);

        $this->assertSame($query ? '' : $payload, $request->body(), 'body');
        $this->assertSame($query ? $payload : '', $request->query(), 'query');
        $this->assertSame($query ? "$path?$payload" : $path, $request->target(), 'target');
        $this->assertSame($signature, $request->signature(), 'signature');
        $this->assertSame($nonce, $request->nonce(), 'nonce');
        $headers = $scheme === 'mtgox-stream' ? [] : Reference::headers($scheme, $key, $method, $nonce, $signature);
        $this->assertSame($headers, $request->headers(), 'headers');
        $this->assertSame(implode('', array_map(static fn (string $h): string => "$h\r\n", $headers)), $request->headerBlock(), 'header block');
    }

    public function testSignDrawsAFreshNonceFromTheSignersSource(): void
    {
        $source = Nonce::memory(NonceUnit::MILLIS);
        $signer = new Signer('poloniex', 'k', 's', $source);
        $request = $signer->request('POST', '/tradingApi')->param('command', 'returnBalances');
        $first = $request->sign()->nonce();
        $this->assertGreaterThanOrEqual((int) (microtime(true) * 1000) - 1000, $first, 'milliseconds since the epoch');
        $this->assertSame("command=returnBalances&nonce=$first", $request->body());
        $this->assertSame(hash_hmac('sha512', $request->body(), 's'), $request->signature());
        $drawn = $source->next();
        $this->assertGreaterThan($first, $drawn, 'the request drew from the given source');
        $this->assertGreaterThan($drawn, $request->sign()->nonce(), 'signing again draws again');
    }

    public function testRawBodyIsSentAsGivenWithTheCallersNonce(): void
    {
        $signer = new Signer('coinpayments', 'pub', 'test');
        // The published CoinPayments example (seed document): its body has no nonce.
        $body = 'currency=BTC&version=1&cmd=get_callback_address&key=your_api_public_key&format=json';
        $request = $signer->request('POST', '/api.php')->setBody($body)->sign();
        $this->assertSame($body, $request->body());
        $this->assertSame('5590eac015e7692902e1a9cd5464f1d305a4b593d2f1343d826ac5affc5ac6f960a5167284f9bf31295cba0e04df9d8f7087935b5344c468ccf2dd036e159102', $request->signature());
        $this->assertLibraryError(Status::ERR_NO_NONCE, static fn () => $request->nonce());
    }

    public function testJsonGetsTheNonceMemberUnlessPresent(): void
    {
        $signer = new Signer('viabtc', 'k', 's');
        $request = $signer->request('POST', '/v1/order')->setJson("{\"market\": \"BTCUSD\"}\n")->signWithNonce(42);
        $this->assertSame('{"market": "BTCUSD","tonce":42}', $request->body());
        $this->assertSame(hash_hmac('sha256', $request->body(), 's'), $request->signature());
        $request = $signer->request('POST', '/v1/order')->setJson('{"tonce":7}')->sign();
        $this->assertSame('{"tonce":7}', $request->body());
        $this->assertLibraryError(Status::ERR_NO_NONCE, static fn () => $request->nonce());
    }

    public function testErrorsCarryTheLibrarysStatusAndMessage(): void
    {
        $signer = new Signer('viabtc', 'k', 's');
        $this->assertLibraryError(Status::ERR_INVALID_METHOD, static fn () => $signer->request('G T', '/'));
        $this->assertLibraryError(Status::ERR_INVALID_METHOD, static fn () => $signer->request("GET\0", '/'));
        $this->assertLibraryError(Status::ERR_INVALID_METHOD, static fn () => $signer->request('', '/'));

        $request = $signer->request('POST', '/p');
        foreach (['body', 'query', 'target', 'signature', 'headerBlock', 'headers', 'nonce'] as $reader) {
            $this->assertLibraryError(Status::ERR_NOT_SIGNED, static fn () => $request->$reader());
        }
        $request->param('a', '1')->sign();
        $request->param('b', '2');
        $this->assertLibraryError(Status::ERR_NOT_SIGNED, static fn () => $request->body(), 'a change unsigns');

        $both = $signer->request('POST', '/p')->param('a', '1')->setBody('x');
        $this->assertLibraryError(Status::ERR_PARAMS_AND_BODY, static fn () => $both->sign());
        $array = $signer->request('POST', '/p')->setJson('[1]');
        $this->assertLibraryError(Status::ERR_JSON_NOT_OBJECT, static fn () => $array->sign());
        $latin1 = $signer->request('POST', '/p')->param('name', "caf\xe9");
        $this->assertLibraryError(Status::ERR_JSON_NOT_UTF8, static fn () => $latin1->sign());
        $this->expectException(\ValueError::class);
        $signer->request('POST', '/p')->signWithNonce(-1);
    }

    public function testARequestKeepsItsSignerAlive(): void
    {
        $request = (new Signer('poloniex', 'k', 's'))->request('POST', '/tradingApi');
        gc_collect_cycles(); // the Signer object is gone; the C request holds the C signer
        $this->assertSame(hash_hmac('sha512', 'nonce=5', 's'), $request->signWithNonce(5)->signature());
    }

    public function testRequestsCannotBeCloned(): void
    {
        $this->expectException(\Error::class);
        $request = (new Signer('poloniex', 'k', 's'))->request('POST', '/');
        $copy = clone $request;
    }

    public static function assertLibraryError(int $status, \Closure $call, string $message = ''): void
    {
        try {
            $call();
        } catch (RestsignException $e) {
            self::assertSame($status, $e->getCode(), "$message: " . $e->getMessage());
            self::assertSame(Library::ffi()->restsign_strerror($status), $e->getMessage(), $message);
            return;
        }
        self::fail("$message: no RestsignException (expected status $status)");
    }
}
