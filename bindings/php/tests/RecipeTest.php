<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\Recipe;
use Restsign\RecipeException;
use Restsign\RestsignException;
use Restsign\Signer;
use Restsign\Status;

/**
 * Recipes from PHP: presets, recipes a user writes (and the parser's errors for bad ones), signers
 * from recipes with a passphrase, a nonce source and a base URL, and the request's fixed time, UUID
 * and URL. Every signature is recomputed here with hash_hmac / base64_encode over the message the
 * recipe documents, from what the request sends: never compared with restsign's own output.
 */
final class RecipeTest extends TestCase
{
    /** A recipe of the kind a user writes for an API restsign does not ship: SHA-512, base64. */
    private const MINE = <<<'TOML'
        name = "myexchange"
        hash = "sha512"
        base_url = "https://api.myexchange.test"
        query_methods = ["GET", "DELETE"]
        body = "json"
        # timestamp, method, path and query, then the hex SHA-256 of the body, newline-separated
        message = ["{ts}\n{method}\n{path}{?query}\n", { hex = { sha256 = "{body}" } }]
        signature = "base64"

        [headers]
        X-MY-KEY = "{key}"
        X-MY-TS = "{ts}"
        X-MY-SIGN = "{signature}"
        TOML;

    /** KuCoin's scheme (API key version 2) as a user would write it: the passphrase HMAC-ed too. */
    private const PASSPHRASED = <<<'TOML'
        name = "kc-style"
        hash = "sha256"
        passphrase = true
        query_methods = ["GET", "DELETE"]
        body = "json"
        message = "{ts}{method}{path}{?query}{body}"
        signature = "base64"

        [values]
        signed_passphrase = { base64 = { hmac = "{passphrase}" } }

        [headers]
        KC-API-KEY = "{key}"
        KC-API-SIGN = "{signature}"
        KC-API-TIMESTAMP = "{ts}"
        KC-API-PASSPHRASE = "{signed_passphrase}"
        KC-API-KEY-VERSION = "2"
        TOML;

    private const TIME = 1_700_000_000_123;

    /** @return array<string, array{string, int, int, list<string>}> text, line, column, what the message names */
    public static function badRecipes(): array
    {
        $ok = "name = \"x\"\nhash = \"sha256\"\n";
        return [
            'unknown template name' => [$ok . "message = \"{payload}\"\n[headers]\nX-SIGN = \"{sig}\"\n", 5, 11, ['headers.X-SIGN', '{sig}']],
            'unknown hash' => ["name = \"x\"\nhash = \"md5\"\nmessage = \"{payload}\"\n", 2, 8, ['md5', 'sha256']],
            'missing field' => ["name = \"x\"\nhash = \"sha256\"\n", 1, 1, ['missing field', 'message']],
            'unknown function' => [$ok . "message = [{ md5 = \"{body}\" }]\n", 3, 14, ['message', 'unknown function', 'md5']],
            'bad signature form' => [$ok . "message = \"{payload}\"\nsignature = \"hexx\"\n", 4, 14, ['signature', 'hexx']],
            'unclosed brace' => [$ok . "message = \"{payload\"\n", 3, 12, ['message', 'not closed']],
            'TOML syntax' => ["name = \"x\"\nhash = sha256\nmessage = \"{payload}\"\n", 2, 8, ['quoted']],
            'JSON unknown field' => ["{\"name\": \"x\", \"hash\": \"sha256\", \"message\": \"{payload}\", \"bogus\": 1}", 1, 0, ['unknown field', 'bogus']],
            'JSON bad body kind' => ["{\"name\": \"x\", \"hash\": \"sha256\",\n\"message\": \"{payload}\", \"body\": \"xml\"}", 2, 0, ['xml', 'form', 'json']],
        ];
    }

    /**
     * @dataProvider badRecipes
     * @param list<string> $names
     */
    public function testABadRecipeIsRefusedSayingWhereAndWhat(string $text, int $line, int $column, array $names): void
    {
        try {
            Recipe::parse($text);
            $this->fail('the recipe was accepted');
        } catch (RecipeException $e) {
            $this->assertSame(Status::ERR_INVALID_RECIPE, $e->getCode());
            $this->assertInstanceOf(RestsignException::class, $e);
            $this->assertMatchesRegularExpression('/^line \d+, column \d+: /', $e->detail());
            $this->assertSame($line, $e->recipeLine(), $e->detail());
            if ($column > 0) {
                $this->assertSame($column, $e->recipeColumn(), $e->detail());
            }
            foreach ($names as $name) {
                $this->assertStringContainsString($name, $e->detail());
            }
            $this->assertStringEndsWith($e->detail(), $e->getMessage(), 'the message carries the parser\'s');
        }
    }

    public function testTextThatIsNotUtf8IsRefused(): void
    {
        $this->expectException(RecipeException::class);
        $this->expectExceptionCode(Status::ERR_INVALID_RECIPE);
        Recipe::parse("name = \"\xff\"\nhash = \"sha256\"\nmessage = \"{payload}\"\n");
    }

    public function testPresetsByNameAndAlias(): void
    {
        $this->assertSame('poloniex', Recipe::preset('poloniex')->name());
        $this->assertSame('myexchange', Recipe::parse(self::MINE)->name());
        $this->assertContains('viabtc', Recipe::presets());
        try {
            Recipe::preset('no-such-exchange');
            $this->fail('an unknown preset was found');
        } catch (RestsignException $e) {
            $this->assertSame(Status::ERR_UNKNOWN_SCHEME, $e->getCode());
        }
    }

    public function testAJsonRecipeSignsAsDocumented(): void
    {
        $json = '{"name": "json-written", "hash": "sha384", "query_methods": ["GET"], "message": "{method} {path}{?query}", '
            . '"signature": "HEX", "headers": {"Auth": "{key}:{signature}"}}';
        $req = Signer::fromRecipe(Recipe::parse($json), 'jk', 'js', null, null, 'https://h.test:8443')
            ->request('GET', '/q')->param('a', 'x y')->sign();
        $this->assertSame('https://h.test:8443/q?' . $req->query(), $req->url());
        $this->assertSame(['Auth: jk:' . strtoupper(hash_hmac('sha384', 'GET /q?' . $req->query(), 'js'))], $req->headers());
        $this->assertSame(['a' => 'x y'], (static function (string $q): array { parse_str($q, $p); return $p; })($req->query()));
    }

    public function testTheUrlNeedsASignedRequest(): void
    {
        $req = Signer::fromRecipe(Recipe::parse(self::MINE), 'k', 's')->request('GET', '/x');
        try {
            $req->url();
            $this->fail('an unsigned request lent its URL');
        } catch (RestsignException $e) {
            $this->assertSame(Status::ERR_NOT_SIGNED, $e->getCode());
        }
    }

    public function testAUserRecipeSignsAGetAsDocumented(): void
    {
        $secret = random_bytes(32);
        $signer = Signer::fromRecipe(Recipe::parse(self::MINE), 'my-key', $secret);
        $req = $signer->request('GET', '/v1/orders')->param('symbol', 'BTC-USD')->param('note', 'a b&c')->setTime(self::TIME)->sign();

        $query = $req->query();
        parse_str($query, $params);
        $this->assertSame(['symbol' => 'BTC-USD', 'note' => 'a b&c'], $params, 'the query carries the parameters');
        $this->assertSame('', $req->body());
        $this->assertSame("https://api.myexchange.test/v1/orders?$query", $req->url());
        $message = self::TIME . "\nGET\n/v1/orders?$query\n" . hash('sha256', '');
        $this->assertSame([
            'X-MY-KEY: my-key',
            'X-MY-TS: ' . self::TIME,
            'X-MY-SIGN: ' . base64_encode(hash_hmac('sha512', $message, $secret, true)),
        ], $req->headers());
    }

    public function testAUserRecipeSignsAJsonPostAsDocumented(): void
    {
        $secret = 'user secret ' . bin2hex(random_bytes(8));
        $signer = Signer::fromRecipe(Recipe::parse(self::MINE), 'my-key', $secret, null, null, 'http://127.0.0.1:8123');
        $req = $signer->request('POST', '/v1/orders')->param('symbol', 'BTC-USD')->param('qty', '1.5')->setTime(self::TIME)->sign();

        $body = $req->body();
        $this->assertSame(['symbol' => 'BTC-USD', 'qty' => '1.5'], json_decode($body, true, flags: JSON_THROW_ON_ERROR));
        $this->assertSame('', $req->query());
        $this->assertSame('http://127.0.0.1:8123/v1/orders', $req->url(), 'the base URL given wins');
        $headers = self::headerMap($req->headers());
        $message = self::TIME . "\nPOST\n/v1/orders\n" . hash('sha256', $body);
        $this->assertSame(base64_encode(hash_hmac('sha512', $message, $secret, true)), $headers['X-MY-SIGN']);
        $this->assertSame('application/json', $headers['Content-Type'] ?? null);

        // The clock: a second signing at another fixed time signs that time.
        $req->setTime(self::TIME + 1000)->sign();
        $headers = self::headerMap($req->headers());
        $this->assertSame((string) (self::TIME + 1000), $headers['X-MY-TS']);
        $message = (self::TIME + 1000) . "\nPOST\n/v1/orders\n" . hash('sha256', $req->body());
        $this->assertSame(base64_encode(hash_hmac('sha512', $message, $secret, true)), $headers['X-MY-SIGN']);
    }

    public function testAPassphraseRecipeSignsThePassphraseWithTheSecret(): void
    {
        $secret = bin2hex(random_bytes(16));
        $passphrase = 'my passphrase';
        $signer = Signer::fromRecipe(Recipe::parse(self::PASSPHRASED), 'kc-key', $secret, $passphrase);
        foreach ([['GET', ['currency' => 'USDT']], ['POST', ['clientOid' => 'o1', 'side' => 'buy', 'size' => '0.1']]] as [$method, $params]) {
            $req = $signer->request($method, '/api/v1/orders');
            foreach ($params as $name => $value) {
                $req->param($name, $value);
            }
            $req->setTime(self::TIME)->sign();
            $query = $req->query();
            $body = $req->body();
            $method === 'GET' ? parse_str($query, $sent) : $sent = json_decode($body, true);
            $this->assertSame($params, $sent, "$method: the parameters travel");
            $message = self::TIME . $method . '/api/v1/orders' . ($query === '' ? '' : "?$query") . $body;
            $headers = self::headerMap($req->headers());
            $this->assertSame('kc-key', $headers['KC-API-KEY']);
            $this->assertSame((string) self::TIME, $headers['KC-API-TIMESTAMP']);
            $this->assertSame(base64_encode(hash_hmac('sha256', $message, $secret, true)), $headers['KC-API-SIGN'], $method);
            $this->assertSame(base64_encode(hash_hmac('sha256', $passphrase, $secret, true)), $headers['KC-API-PASSPHRASE']);
            $this->assertSame('2', $headers['KC-API-KEY-VERSION']);
        }
    }

    public function testAPassphraseRecipeWithoutOneIsRefused(): void
    {
        $recipe = Recipe::parse(self::PASSPHRASED);
        foreach ([fn () => Signer::fromRecipe($recipe, 'k', 's'), fn () => Signer::fromRecipe($recipe, 'k', 's', null, Nonce::memory(NonceUnit::MILLIS))] as $make) {
            try {
                $make();
                $this->fail('a signer was made without a passphrase');
            } catch (RestsignException $e) {
                $this->assertSame(Status::ERR_PASSPHRASE_MISSING, $e->getCode());
            }
        }
        foreach (['', "two\nlines"] as $bad) {
            try {
                Signer::fromRecipe($recipe, 'k', 's', $bad);
                $this->fail('a bad passphrase was accepted');
            } catch (RestsignException $e) {
                $this->assertSame(Status::ERR_INVALID_PASSPHRASE, $e->getCode());
            }
        }
    }

    public function testBadOptionsAndRequestInputsAreRefused(): void
    {
        foreach (['http://host/path', 'https://host:1/', 'not a url', 'http://'] as $url) {
            try {
                Signer::fromRecipe('poloniex', 'k', 's', null, null, $url);
                $this->fail("$url was accepted");
            } catch (RestsignException $e) {
                $this->assertSame(Status::ERR_INVALID_BASE_URL, $e->getCode(), $url);
            }
        }
        $req = Signer::fromRecipe(Recipe::parse(self::MINE), 'k', 's')->request('GET', '/x');
        try {
            $req->setUuid('not-a-uuid');
            $this->fail('a bad UUID was accepted');
        } catch (RestsignException $e) {
            $this->assertSame(Status::ERR_INVALID_UUID, $e->getCode());
        }
        $this->assertSame($req, $req->setUuid('0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e'));
        $this->expectException(\ValueError::class);
        $req->setTime(-1);
    }

    /** The header says only http(s)://host[:port]; the library lets these through today. */
    public function testBaseUrlsOutsideTheDocumentedFormAreRefused(): void
    {
        $accepted = [];
        foreach (['ftp://host', 'http://host:99999'] as $url) {
            try {
                Signer::fromRecipe('poloniex', 'k', 's', null, null, $url);
                $accepted[] = $url;
            } catch (RestsignException $e) {
                $this->assertSame(Status::ERR_INVALID_BASE_URL, $e->getCode(), $url);
            }
        }
        if ($accepted !== []) {
            $this->markTestIncomplete('librestsign accepts ' . implode(', ', $accepted) . ' as a base URL (a library bug, not the binding\'s)');
        }
    }

    public function testAFixedUuidIsSigned(): void
    {
        $recipe = Recipe::parse(<<<'TOML'
            name = "uuid-signing"
            hash = "sha256"
            message = "{uuid}{ts}{method}{path}{body}"
            [headers]
            X-Nonce = "{uuid}"
            X-Sign = "{signature}"
            TOML);
        $uuid = '0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e';
        $req = Signer::fromRecipe($recipe, 'k', 'secret')->request('POST', '/p')->param('a', '1')->setUuid($uuid)->setTime(self::TIME)->sign();
        $headers = self::headerMap($req->headers());
        $this->assertSame($uuid, $headers['X-Nonce']);
        $this->assertSame('a=1', $req->body());
        $this->assertSame(hash_hmac('sha256', $uuid . self::TIME . 'POST/pa=1', 'secret'), $headers['X-Sign']);
    }

    public function testSignersFromRecipesUseTheGivenNonceSource(): void
    {
        $recipe = Recipe::parse("name = \"n\"\nhash = \"sha256\"\ninject = [{ name = \"nonce\", value = \"{nonce}\" }]\nmessage = \"{body}\"\n[headers]\nSign = \"{signature}\"\n");
        $nonce = Nonce::memory(NonceUnit::MILLIS);
        $drawn = $nonce->next();
        $req = Signer::fromRecipe($recipe, 'k', 's', null, $nonce)->request('POST', '/p')->sign();
        $this->assertGreaterThan($drawn, $req->nonce(), 'the signer drew from the source given');
        $this->assertSame('nonce=' . $req->nonce(), $req->body());
        $this->assertSame(['Sign: ' . hash_hmac('sha256', $req->body(), 's'), 'Content-Type: application/x-www-form-urlencoded'], $req->headers());
        $this->assertGreaterThan($req->nonce(), $nonce->next());
    }

    /** Recipes parsed (and refused), signers with options (and refused), requests: no growth. */
    public function testNoLeaks(): void
    {
        $churn = function (int $n): void {
            for ($i = 0; $i < $n; $i++) {
                try {
                    $recipe = Recipe::parse($i % 5 === 4 ? "name = \"x\"\nhash = \"md5\"\n" : self::PASSPHRASED);
                    $signer = Signer::fromRecipe($recipe, 'k', 's', $i % 7 === 6 ? null : 'pass', null, 'http://127.0.0.1:1');
                    $req = $signer->request('GET', '/p')->param('i', (string) $i)->setTime(self::TIME + $i)->sign();
                    $req->url() . $req->headerBlock();
                } catch (RestsignException) {
                }
            }
        };
        $churn(2_000);
        gc_collect_cycles();
        [$heap, $rss] = [memory_get_usage(), self::rss()];
        $churn(30_000);
        gc_collect_cycles();
        $this->assertLessThan(64 * 1024, memory_get_usage() - $heap, 'memory_get_usage grew');
        $this->assertLessThan(1024 * 1024, self::rss() - $rss, 'VmRSS grew');
    }

    /** @param list<string> $lines @return array<string, string> */
    private static function headerMap(array $lines): array
    {
        $map = [];
        foreach ($lines as $line) {
            [$name, $value] = explode(': ', $line, 2);
            $map[$name] = $value;
        }
        return $map;
    }

    private static function rss(): int
    {
        preg_match('/^VmRSS:\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
        return (int) $m[1] * 1024;
    }
}
