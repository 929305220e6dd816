<?php

declare(strict_types=1);

namespace Restsign;

/**
 * One credential (scheme, key, secret), keyed once, that signs requests: a thin wrapper over
 * restsign_signer_*. The secret is copied into the library (and wiped there when the signer is
 * destroyed); this object keeps only the handle and an output buffer it reuses for every call.
 */
final class Signer
{
    private \FFI $ffi;
    /** restsign_signer* */
    private \FFI\CData $handle;
    /** char[$cap]: every call writes here, so signing allocates nothing but the returned string. */
    private \FFI\CData $out;
    private int $cap;
    /** size_t[1]: the *out_len of every call (an array passes as a pointer without FFI::addr). */
    private \FFI\CData $outLen;

    /**
     * @param string $scheme one of Signer::schemes(), e.g. "mtgox-v2"
     * @param string $key    the API key as the API gave it
     * @param string $secret the secret as the API gave it (base64 text for the MtGox schemes)
     * @throws RestsignException when the library rejects the credential
     */
    public function __construct(string $scheme, string $key, string $secret)
    {
        $ffi = $this->ffi = Library::ffi();
        if (str_contains($scheme, "\0")) {
            // C would see a shorter name; no scheme name contains NUL.
            throw RestsignException::fromStatus(Status::ERR_UNKNOWN_SCHEME);
        }
        // Room for any header scheme's signature and header lines (names, nonce, key); a larger
        // output (mtgox-stream's signed call, a very long key) grows the buffer on first use.
        $this->allocate($ffi->restsign_max_tag_len() + \strlen($key) + 128);
        $this->outLen = $ffi->new('size_t[1]');
        $handle = $ffi->new('restsign_signer*');
        $status = $ffi->restsign_signer_new($scheme, $key, \strlen($key), $secret, \strlen($secret), \FFI::addr($handle));
        if ($status !== Status::OK) {
            throw RestsignException::fromStatus($status);
        }
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
        // into()'s fast path, inlined: one PHP call less per signature. Anything else (an error,
        // an output larger than the buffer, a nonce to convert) goes through into().
        if (\is_int($nonce) && $nonce >= 0 && !str_contains($method, "\0")) {
            $status = $this->ffi->restsign_signer_sign_into($this->handle, $method, $path, \strlen($path), $payload, \strlen($payload), $nonce, $this->out, $this->cap, $this->outLen);
            if ($status === Status::OK) {
                return \FFI::string($this->out, $this->outLen[0]);
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

    /** Calls a *_into function with the reusable buffer, growing it once if the text does not fit. */
    private function into(string $function, string $method, string $path, string $payload, int|string $nonce): string
    {
        if (!\is_int($nonce) || $nonce < 0) {
            $nonce = self::nonce($nonce);
        }
        if (str_contains($method, "\0")) {
            // C would see a shorter method; NUL is not allowed in an HTTP token.
            throw RestsignException::fromStatus(Status::ERR_INVALID_METHOD);
        }
        $pathLen = \strlen($path);
        $payloadLen = \strlen($payload);
        $status = $this->ffi->$function($this->handle, $method, $path, $pathLen, $payload, $payloadLen, $nonce, $this->out, $this->cap, $this->outLen);
        if ($status === Status::ERR_BUFFER_TOO_SMALL) {
            $this->allocate($this->outLen[0]);
            $status = $this->ffi->$function($this->handle, $method, $path, $pathLen, $payload, $payloadLen, $nonce, $this->out, $this->cap, $this->outLen);
        }
        if ($status !== Status::OK) {
            throw RestsignException::fromStatus($status);
        }
        return \FFI::string($this->out, $this->outLen[0]);
    }

    private function allocate(int $cap): void
    {
        $this->out = $this->ffi->new("char[$cap]");
        $this->cap = $cap;
    }

    /** A string nonce of decimal digits, or a negative int, to an int in 0..PHP_INT_MAX. */
    private static function nonce(int|string $nonce): int
    {
        if (\is_string($nonce) && preg_match('/\A[0-9]+\z/', $nonce)) {
            $value = (int) $nonce;
            // (int) saturates at PHP_INT_MAX: only an exact round trip is in range.
            if ((string) $value === (ltrim($nonce, '0') ?: '0')) {
                return $value;
            }
        }
        throw new \ValueError(sprintf('restsign: the nonce must be an integer from 0 to %d, got %s', PHP_INT_MAX, var_export($nonce, true)));
    }
}
