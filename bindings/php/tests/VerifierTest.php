<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Library;
use Restsign\RejectedException;
use Restsign\RestsignException;
use Restsign\Signer;
use Restsign\Status;
use Restsign\Verdict;
use Restsign\Verifier;

/**
 * Restsign\Verifier accepts what the binding signed and what PHP's hash_hmac signed, and refuses a
 * changed payload, a replay, an unknown key and a request without its headers, saying why.
 */
final class VerifierTest extends TestCase
{
    /** @return iterable<string, array{string, string, string}> */
    public static function requests(): iterable
    {
        return RequestTest::requests();
    }

    /** @dataProvider requests */
    public function testAcceptsWhatTheBindingSignedAndRefusesChangesAndReplays(string $scheme, string $method, string $path): void
    {
        [$key, $secret] = RequestTest::credential($scheme);
        $signer = new Signer($scheme, $key, $secret);
        $request = $signer->request($method, $path)->param('command', 'returnBalances');
        if ($scheme === 'coinpayments') {
            $request->param('key', $key); // CoinPayments' key travels in the body
        }
        $request->sign();
        $verifier = new Verifier($scheme, $key, $secret);
        // What the server receives: mtgox-stream's signed call is the body.
        $payload = $scheme === 'mtgox-stream' ? $request->signature() : ($request->query() !== '' ? $request->query() : $request->body());

        $verdict = $verifier->check($method, $path, $request->headers(), $payload);
        $this->assertTrue($verdict->ok());
        $this->assertSame([Status::OK, 'success', $key === RequestTest::UUID ? strtolower($key) : $key, $request->nonce()],
            [$verdict->status, $verdict->reason, $verdict->key, $verdict->nonce]);
        $this->assertNull($verdict->expectedMessage);

        $replay = $this->rejected(Status::ERR_STALE_NONCE, fn () => $verifier->check($method, $path, $request->headerBlock(), $payload));
        $this->assertSame($request->nonce(), $replay->nonce, 'the stale nonce');
        $this->assertNull($replay->expectedSignature, 'a replay is correctly signed');

        if ($scheme !== 'mtgox-stream') {
            // The same request with one more byte: the signature no longer matches.
            $changed = $this->rejected(Status::ERR_BAD_SIGNATURE, fn () => $verifier->check($method, $path, $request->headers(), "$payload&x=1"));
            $signedPath = $scheme === 'mtgox-v2' ? substr($path, 7) : $path;
            $this->assertSame(Reference::sign($scheme, $key, $secret, $signedPath, "$payload&x=1", $request->nonce()), $changed->expectedSignature);
            $this->assertStringContainsString("$payload&x=1", (string) $changed->expectedMessage);
        }
    }

    public function testAcceptsARequestSignedByHashHmac(): void
    {
        $verifier = new Verifier('poloniex', 'pk', 'poloniex secret');
        $body = 'command=returnBalances&nonce=' . (int) (microtime(true) * 1000);
        $verdict = $verifier->check('POST', '/tradingApi', ['Key: pk', 'Sign: ' . hash_hmac('sha512', $body, 'poloniex secret')], $body);
        $this->assertTrue($verdict->ok());

        $mtgox = new Verifier('mtgox-v2', 'mk', base64_encode('raw secret'));
        $body = 'nonce=1700000000000001';
        $sign = base64_encode(hash_hmac('sha512', "BTCUSD/money/info\0$body", 'raw secret', true));
        $this->assertSame(1700000000000001, $mtgox->check('POST', '/api/2/BTCUSD/money/info', "Rest-Key: mk\r\nRest-Sign: $sign\r\n", $body)->nonce);
    }

    public function testRefusesUnknownKeysAndMalformedRequests(): void
    {
        $verifier = new Verifier('poloniex', 'k1', 's1');
        $body = 'nonce=10';
        $unknown = $this->rejected(Status::ERR_UNKNOWN_KEY, fn () => $verifier->check('POST', '/', ['Key: k2', 'Sign: ' . hash_hmac('sha512', $body, 's2')], $body));
        $this->assertSame('k2', $unknown->key);
        $verifier->addKey('k2', 's2');
        $this->assertSame('k2', $verifier->check('POST', '/', ['Key: k2', 'Sign: ' . hash_hmac('sha512', $body, 's2')], $body)->key);

        $malformed = $this->rejected(Status::ERR_MALFORMED, fn () => $verifier->check('POST', '/', [], $body), false);
        $this->assertNull($malformed->key);
        $this->assertNotSame('', $malformed->reason);
    }

    public function testSharedStateRefusesAReplayInAnotherVerifier(): void
    {
        $dir = sys_get_temp_dir() . '/restsign-php-verify-' . getmypid();
        try {
            $a = Verifier::shared('viabtc', 'k', 's', $dir);
            $b = Verifier::shared('viabtc', 'k', 's', $dir);
            $request = (new Signer('viabtc', 'k', 's'))->request('GET', '/v1/balance')->sign();
            $this->assertTrue($a->check('GET', '/v1/balance', $request->headers(), $request->query())->ok());
            $this->rejected(Status::ERR_STALE_NONCE, fn () => $b->check('GET', '/v1/balance', $request->headers(), $request->query()));
        } finally {
            array_map('unlink', array_merge(glob("$dir/*") ?: [], glob("$dir/.[!.]*") ?: []));
            @rmdir($dir);
        }
    }

    public function testABadMethodIsMalformedAndArgumentErrorsAreNotRejections(): void
    {
        $verifier = new Verifier('poloniex', 'k', 's');
        foreach (["PO\0ST", "POST\0", 'PO ST', ''] as $method) {
            $verdict = $this->rejected(Status::ERR_MALFORMED, fn () => $verifier->check($method, '/', ['Key: k', 'Sign: ' . hash_hmac('sha512', 'nonce=1', 's')], 'nonce=1'), false);
            $this->assertSame(Library::ffi()->restsign_strerror(Status::ERR_INVALID_METHOD), $verdict->reason);
        }
        RequestTest::assertLibraryError(Status::ERR_UNKNOWN_SCHEME, static fn () => new Verifier('nope', 'k', 's'));
        RequestTest::assertLibraryError(Status::ERR_EMPTY_SECRET, static fn () => new Verifier('poloniex', 'k', ''));
        RequestTest::assertLibraryError(Status::ERR_INVALID_KEY, static fn () => $verifier->addKey("a\nb", 's'));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_IO, static fn () => Verifier::shared('poloniex', 'k', 's', '/proc/restsign-cannot-be-here'));
    }

    // Kraken's published example (docs.kraken.com, REST API "Authentication"): secret, request
    // and API-Sign as Kraken gives them, checked without restsign having signed anything.
    private const KRAKEN_SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
    private const KRAKEN_BODY = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
    private const KRAKEN_SIGN = '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==';

    /** @return iterable<string, array{string, string, string, string}> */
    public static function recipeRequests(): iterable
    {
        yield 'binance' => ['binance', '/api/v3/order', 'X-MBX-APIKEY', 'hex'];
        yield 'okx' => ['okx', '/api/v5/trade/order', 'OK-ACCESS-TIMESTAMP', 'base64'];
    }

    /** @dataProvider recipeRequests */
    public function testCheckRequestAcceptsThenRefusesReplaysChangesAndMissingHeaders(string $preset, string $path, string $removed, string $encoding): void
    {
        [$key, $secret] = ['my-key', 'a secret of some length'];
        $passphrase = $preset === 'okx' ? 'okx passphrase' : null;
        $request = Signer::fromRecipe($preset, $key, $secret, $passphrase)->request('POST', $path);
        $preset === 'binance' ? $request->param('symbol', 'BTCUSDT')->param('side', 'BUY') : $request->setJson('{"instId":"BTC-USDT"}');
        $request->sign();
        $verifier = new Verifier($preset, $key, $secret);
        if ($passphrase !== null) {
            $verifier->addKeyWithPassphrase($key, $secret, $passphrase);
        }
        $named = [];
        foreach ($request->headers() as $line) {
            [$name, $value] = explode(': ', $line, 2);
            $named[$name] = $value;
        }

        $verdict = $verifier->checkRequest('POST', $request->target(), $named, $request->body());
        $this->assertSame([Status::OK, $key, null], [$verdict->status, $verdict->key, $verdict->part]);
        $this->rejected(Status::ERR_REPLAYED, fn () => $verifier->checkRequest('POST', $request->target(), $request->headerBlock(), $request->body()));

        $changed = str_replace(['BTCUSDT', 'BTC-USDT'], ['BTCUSDC', 'BTC-USDC'], $request->body());
        $bad = $this->rejected(Status::ERR_BAD_SIGNATURE, fn () => $verifier->checkRequest('POST', $request->target(), $request->headers(), $changed));
        $this->assertSame($request->signature(), $bad->receivedSignature);
        $this->assertMatchesRegularExpression('/BTCUSDC|BTC-USDC/', (string) $bad->expectedMessage);
        // What the verifier expected, recomputed with PHP's hash_hmac over the message it reports.
        $tag = hash_hmac('sha256', (string) $bad->expectedMessage, $secret, true);
        $this->assertSame($encoding === 'hex' ? bin2hex($tag) : base64_encode($tag), $bad->expectedSignature);

        unset($named[$removed]);
        $malformed = $this->rejected(Status::ERR_MALFORMED, fn () => $verifier->checkRequest('POST', $request->target(), $named, $request->body()), false);
        $this->assertSame("header $removed", $malformed->part);
    }

    public function testCheckRequestAcceptsKrakensPublishedExample(): void
    {
        $check = static fn (string $sign): Verdict => (new Verifier('kraken', 'kraken-key', self::KRAKEN_SECRET)) // fresh: the nonce is new to it
            ->checkRequest('POST', '/0/private/AddOrder', [['API-Key', 'kraken-key'], ['API-Sign', $sign]], self::KRAKEN_BODY);
        $this->assertSame(1616492376594, $check(self::KRAKEN_SIGN)->nonce);
        // Wrapped as a folded header: unfolded to a space, which base64 decoding forgives.
        $this->assertTrue($check(substr(self::KRAKEN_SIGN, 0, 76) . "\n " . substr(self::KRAKEN_SIGN, 76))->ok());
        $changed = '5' . substr(self::KRAKEN_SIGN, 1);
        $this->assertSame($changed, $this->rejected(Status::ERR_BAD_SIGNATURE, fn () => $check($changed))->receivedSignature);
    }

    public function testCheckRequestArguments(): void
    {
        $verifier = (new Verifier('kraken', 'k', self::KRAKEN_SECRET))->setWindowMs(5000);
        $this->expectException(\ValueError::class);
        $this->expectExceptionMessage('restsign: the window must be milliseconds, not negative, got -1');
        try {
            $verifier->checkRequest('POST', '/', ['API:Key' => 'k'], '');
            $this->fail('a header name with a colon');
        } catch (\ValueError) {
        }
        // Recipes check() cannot follow say so, and point to checkRequest().
        RequestTest::assertLibraryError(Status::ERR_VERIFY_UNSUPPORTED, static fn () => (new Verifier('okx', 'k', 's'))->check('POST', '/', [], ''));
        $verifier->setWindowMs(-1);
    }

    /** Runs $check, which must throw a RejectedException with $status; its verdict. */
    private function rejected(int $status, \Closure $check, bool $reasonIsStrerror = true): Verdict
    {
        try {
            $check();
        } catch (RejectedException $e) {
            $verdict = $e->getVerdict();
            $this->assertSame([$status, $status], [$e->getCode(), $verdict->status], $e->getMessage());
            $this->assertSame($verdict->reason, $e->getMessage());
            if ($reasonIsStrerror) {
                $this->assertSame(Library::ffi()->restsign_strerror($status), $e->getMessage());
            }
            $this->assertFalse($verdict->ok());
            return $verdict;
        }
        $this->fail("no RejectedException (expected status $status)");
    }
}
