<?php

declare(strict_types=1);

namespace Restsign;

/**
 * One credential (scheme, key, secret), keyed once, that signs requests: a thin wrapper over
 * restsign_signer_*. The secret is copied into the library (and wiped there when the signer is
 * destroyed); this object keeps only the handle.
 */
final class Signer
{
    private \FFI $ffi;
    /** restsign_signer* */
    private \FFI\CData $handle;
    private OutputBuffer $buffer;

    /**
     * @param string     $scheme one of Signer::schemes(), e.g. "mtgox-v2"
     * @param string     $key    the API key as the API gave it
     * @param string     $secret the secret as the API gave it (base64 text for the MtGox schemes)
     * @param Nonce|null $nonce  where the signer's requests draw nonces from; null: an in-process
     *                           sequence shared by every signer of this process for this key
     * @throws RestsignException when the library rejects the credential
     */
    public function __construct(string $scheme, string $key, string $secret, ?Nonce $nonce = null)
    {
        $credential = self::credential($scheme, $key, $secret);
        $nonce === null
            ? $this->create('restsign_signer_new', $credential)
            : $this->create('restsign_signer_new_with_nonce', [...$credential, $nonce->handle()]);
    }

    /**
     * A signer whose request nonces are shared by every process on this host that signs with this
     * key: a state file at $statePath, or when null the library's per-key default
     * ($XDG_RUNTIME_DIR/restsign/nonce-<hash of the key>, else /tmp/restsign-<uid>/...), in the
     * scheme's unit.
     *
     * @throws RestsignException when the library rejects the credential or the state file
     */
    public static function shared(string $scheme, string $key, string $secret, ?string $statePath = null): self
    {
        $credential = self::credential($scheme, $key, $secret);
        if ($statePath !== null) {
            Library::text($statePath, Status::ERR_NONCE_STATE_IO);
        }
        // What the constructor does, with another C constructor.
        $signer = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $signer->create('restsign_signer_new_shared', [...$credential, $statePath]);
        return $signer;
    }

    /**
     * A signer for any recipe (docs/RECIPES.md): a Recipe, or the name of a built-in preset
     * ("binance", "kraken", "okx", ...), with the credential as the API gave it.
     *
     * @param string|null $passphrase required by recipes that say so (OKX, KuCoin, Coinbase
     *                                Exchange, Bitget, Blofin): without it Status::ERR_PASSPHRASE_MISSING
     * @param Nonce|null  $nonce      where request nonces come from (null: the default sequence)
     * @param string|null $baseUrl    "http(s)://host[:port]" to send to instead of the recipe's (a
     *                                testnet, a local server); Request::url() follows it
     * @throws RestsignException when the library refuses the recipe name, credential or options
     */
    public static function fromRecipe(Recipe|string $recipeOrPreset, string $key, string $secret, ?string $passphrase = null, ?Nonce $nonce = null, ?string $baseUrl = null): self
    {
        $recipe = \is_string($recipeOrPreset) ? Recipe::preset($recipeOrPreset) : $recipeOrPreset;
        $options = $passphrase === null && $nonce === null && $baseUrl === null ? null : new SignerOptions($passphrase, $nonce, $baseUrl);
        $signer = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $signer->create('restsign_signer_new_recipe', [$recipe->handle(), $key, \strlen($key), $secret, \strlen($secret), $options?->handle()]);
        return $signer;
    }

    /** @return list<string|int> the arguments every restsign_signer_new* starts with */
    private static function credential(string $scheme, string $key, string $secret): array
    {
        return [Library::text($scheme, Status::ERR_UNKNOWN_SCHEME), $key, \strlen($key), $secret, \strlen($secret)];
    }

    /**
     * @param string $function a restsign_signer_new*
     * @param list<mixed> $args its arguments before the out-pointer
     */
    private function create(string $function, array $args): void
    {
        $ffi = $this->ffi = Library::ffi();
        $this->buffer = OutputBuffer::shared();
        $handle = $ffi->new('restsign_signer*');
        Library::check($ffi->$function(...[...$args, \FFI::addr($handle)]));
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_signer_free($this->handle);
        }
    }

    /** A copy would share the handle and free it twice. */
    private function __clone()
    {
    }

    /**
     * The signature text: the hex or base64 tag the scheme's signature header carries, or for
     * mtgox-stream the whole signed call (base64 of key, tag and payload).
     *
     * @param string     $method  HTTP method ("GET", "POST", ...)
     * @param string     $path    endpoint path as the scheme signs it ("/api/wallet/" for apiauth,
     *                            "BTCUSD/money/order/add" for mtgox-v2); ignored by the others
     * @param string     $payload the exact bytes sent: body, query string without "?", or JSON
     * @param int|string $nonce   0 to PHP_INT_MAX; signed by apiauth, which sends it in a header
     *                            (the other schemes carry their nonce inside the payload)
     * @throws RestsignException on a status from the library
     * @throws \ValueError       on a nonce outside 0..PHP_INT_MAX
     */
    public function sign(string $method, string $path, string $payload, int|string $nonce = 0): string
    {
        // The common case in one FFI call: anything else (an error, an output larger than the
        // buffer, a nonce to convert) goes through into().
        if (\is_int($nonce) && $nonce >= 0 && !\str_contains($method, "\0")) {
            $b = $this->buffer;
            if ($this->ffi->restsign_signer_sign_into($this->handle, $method, $path, \strlen($path), $payload, \strlen($payload), $nonce, $b->out, $b->cap, $b->len) === Status::OK) {
                return \FFI::string($b->out, $b->len[0]);
            }
        }
        return $this->into('restsign_signer_sign_into', $method, $path, $payload, $nonce);
    }

    /**
     * Every HTTP header the scheme needs for this request, as "Name: value" strings ready for
     * CURLOPT_HTTPHEADER. Arguments as for sign(); mtgox-stream has no headers
     * (RestsignException with code Status::ERR_NO_HEADERS).
     *
     * @return list<string>
     */
    public function headers(string $method, string $path, string $payload, int|string $nonce = 0): array
    {
        // Each line ends in CRLF; keys cannot contain CR or LF, so splitting on CRLF is exact.
        return explode("\r\n", substr($this->into('restsign_signer_headers_into', $method, $path, $payload, $nonce), 0, -2));
    }

    /** A request to build (parameters, a body or JSON) and sign with this signer. */
    public function request(string $method, string $path): Request
    {
        return new Request($this, $method, $path);
    }

    /** Draws the next nonce from this signer's source (the one its requests would use). */
    public function nextNonce(): int
    {
        $n = $this->ffi->new('uint64_t[1]');
        Library::check($this->ffi->restsign_signer_next_nonce($this->handle, $n));
        return $n[0];
    }

    /** The length of the signature text sign() returns for a payload of $payloadLength bytes. */
    public function signatureLength(int $payloadLength): int
    {
        $len = $this->ffi->new('size_t[1]');
        Library::check($this->ffi->restsign_signer_signature_len($this->handle, $payloadLength, $len));
        return $len[0];
    }

    /** @internal restsign_signer*, for Request. */
    public function handle(): \FFI\CData
    {
        return $this->handle;
    }

    /** @return list<string> the scheme names the library knows */
    public static function schemes(): array
    {
        $ffi = Library::ffi();
        $names = [];
        for ($i = 0, $n = $ffi->restsign_scheme_count(); $i < $n; $i++) {
            $names[] = $ffi->restsign_scheme_name($i);
        }
        return $names;
    }

    /** The library's version, "MAJOR.MINOR.PATCH". */
    public static function version(): string
    {
        return Library::ffi()->restsign_version();
    }

    /** Calls a *_into function through the output buffer, after checking the arguments. */
    private function into(string $function, string $method, string $path, string $payload, int|string $nonce): string
    {
        $nonce = Library::nonce($nonce);
        Library::text($method, Status::ERR_INVALID_METHOD);
        return $this->buffer->into(fn (\FFI\CData $out, int $cap, \FFI\CData $len): int => $this->ffi->$function(
            $this->handle, $method, $path, \strlen($path), $payload, \strlen($payload), $nonce, $out, $cap, $len,
        ));
    }
}
