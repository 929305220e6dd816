<?php

declare(strict_types=1);

namespace Restsign;

/**
 * The server side: checks received requests for one scheme against a table of keys, with replay
 * protection. A thin wrapper over restsign_verifier_*: it holds the verifier handle and one
 * verdict handle reused for every check, and frees both when destroyed.
 */
final class Verifier
{
    private \FFI $ffi;
    /** restsign_verifier* */
    private \FFI\CData $handle;
    /** restsign_verdict* */
    private \FFI\CData $verdict;

    /** A verifier knowing one key (add more with addKey()); replay state in this process's memory. */
    public function __construct(string $scheme, string $key, string $secret)
    {
        $this->create('restsign_verifier_new', self::credential($scheme, $key, $secret));
    }

    /**
     * Like new Verifier(), with the replay state in files shared by every process that uses the
     * same directory ($stateDir, or when null the library's default): once one accepts a nonce,
     * every other refuses it and anything below it.
     */
    public static function shared(string $scheme, string $key, string $secret, ?string $stateDir = null): self
    {
        $credential = self::credential($scheme, $key, $secret);
        if ($stateDir !== null) {
            Library::text($stateDir, Status::ERR_NONCE_STATE_IO);
        }
        // What the constructor does, with another C constructor.
        $verifier = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $verifier->create('restsign_verifier_new_shared', [...$credential, $stateDir]);
        return $verifier;
    }

    /** @return list<string|int> the arguments every restsign_verifier_new* starts with */
    private static function credential(string $scheme, string $key, string $secret): array
    {
        return [Library::text($scheme, Status::ERR_UNKNOWN_SCHEME), $key, \strlen($key), $secret, \strlen($secret)];
    }

    /** @param list<mixed> $args the arguments of $function before the out-pointer */
    private function create(string $function, array $args): void
    {
        $ffi = $this->ffi = Library::ffi();
        $verdict = $ffi->new('restsign_verdict*');
        Library::check($ffi->restsign_verdict_new(\FFI::addr($verdict)));
        $this->verdict = $verdict;
        $handle = $ffi->new('restsign_verifier*');
        Library::check($ffi->$function(...[...$args, \FFI::addr($handle)]));
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_verifier_free($this->handle);
        }
        if (isset($this->verdict)) {
            $this->ffi->restsign_verdict_free($this->verdict);
        }
    }

    /** A copy would share the handles and free them twice. */
    private function __clone()
    {
    }

    /** Adds a key, or replaces its secret (its replay state is kept). */
    public function addKey(string $key, string $secret): self
    {
        Library::check($this->ffi->restsign_verifier_add_key($this->handle, $key, \strlen($key), $secret, \strlen($secret)));
        return $this;
    }

    /**
     * Adds a key with its passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), or replaces
     * its secret and passphrase (its replay state is kept). checkRequest() then refuses a request
     * that carries another passphrase (Status::ERR_BAD_SIGNATURE, part "passphrase"), and KuCoin's
     * signed passphrase is signed with this one. A key added without one (addKey(), the
     * constructor) takes the passphrase its request carries, except for KuCoin. Ignored by
     * recipes without a passphrase.
     */
    public function addKeyWithPassphrase(string $key, string $secret, string $passphrase): self
    {
        Library::check($this->ffi->restsign_verifier_add_key_passphrase(
            $this->handle, $key, \strlen($key), $secret, \strlen($secret), $passphrase, \strlen($passphrase),
        ));
        return $this;
    }

    /**
     * How far, in milliseconds either way, a request's timestamp may be from the server's clock
     * for checkRequest() (else Status::ERR_OUTSIDE_WINDOW), instead of the recipe's window and any
     * the client asks for (Binance's recvWindow); also how long an accepted request is remembered
     * to refuse its replay (Status::ERR_REPLAYED). Nonce recipes (Kraken) are not affected. Call
     * it before the first check.
     */
    public function setWindowMs(int $ms): self
    {
        if ($ms < 0) {
            throw new \ValueError("restsign: the window must be milliseconds, not negative, got $ms");
        }
        Library::check($this->ffi->restsign_verifier_set_window_ms($this->handle, $ms));
        return $this;
    }

    /**
     * Keeps the replay state in the Redis server at $url (URLs as for Nonce::redis), shared by
     * every verifier on every host using the same server and $prefix ("restsign:" unless given):
     * each nonce is accepted at most once across all of them. Call it before the first check.
     * A check that cannot reach Redis throws a RestsignException (Status::ERR_REDIS_*).
     */
    public function replayRedis(string $url, ?string $prefix = null): self
    {
        $prefixLen = $prefix === null ? 0 : \strlen($prefix);
        Library::check($this->ffi->restsign_verifier_set_replay_redis($this->handle, $url, \strlen($url), $prefix, $prefixLen));
        return $this;
    }

    /**
     * Checks one received request: a Verdict if it is correctly signed by a known key with a
     * fresh nonce (which is then recorded).
     *
     * @param string              $method  the HTTP method
     * @param string              $path    the URL path without "?query" (mtgox-v2: the whole /api/2/... path)
     * @param string|list<string> $headers the received headers: "Name: value\r\n" lines in one
     *                                     string, or a list of "Name: value"
     * @param string              $payload the body; for the scheme's query methods (apiauth and
     *                                     viabtc GET, HEAD, DELETE) the query string without "?";
     *                                     for mtgox-stream the signed call
     * @throws RejectedException on a bad signature, a stale nonce (a replay), a malformed request
     *                           or an unknown key; getVerdict() has the details
     * @throws RestsignException on bad arguments or a replay state file error; for a recipe it
     *                           cannot follow (a timestamp, a passphrase...)
     *                           Status::ERR_VERIFY_UNSUPPORTED: use checkRequest()
     */
    public function check(string $method, string $path, string|array $headers, string $payload): Verdict
    {
        if (\is_array($headers)) {
            $headers = $headers === [] ? '' : implode("\r\n", $headers) . "\r\n";
        }
        // C would see a method with a NUL cut short, perhaps as a valid token; such a method is no
        // token at all, which the library judges malformed when it is given an empty one.
        $method = str_contains($method, "\0") ? '' : $method;
        return $this->outcome($this->ffi->restsign_verifier_check(
            $this->handle, $method, $path, \strlen($path),
            $headers, \strlen($headers), $payload, \strlen($payload), $this->verdict,
        ));
    }

    /**
     * Checks one whole received request against the verifier's recipe, any recipe (timestamps,
     * passphrases, signature parameters, JWTs, JSON envelopes too): a Verdict if it is correctly
     * signed by a known key and fresh (it is then remembered, to refuse its replay).
     *
     *     $verdict = $verifier->checkRequest($_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI'],
     *         getallheaders(), file_get_contents('php://input'));
     *
     * @param string                                          $method  the HTTP method
     * @param string                                          $target  the request target as received: the path, and "?query" when there is one
     * @param string|array<string, string|list<string>>|list<string|array{string, string}> $headers
     *        the received headers, all of them or at least the recipe's: a "Name: value\r\n" block,
     *        an array of name => value (getallheaders(); a list of values, as PSR-7's getHeaders()
     *        gives, makes one line each), or a list of "Name: value" lines or [name, value] pairs.
     *        A line break inside a value is unfolded to a space (as for a folded header line).
     * @param string                                          $body    the exact bytes received
     * @throws RejectedException on a bad signature (getVerdict() has what was expected and what
     *                           was received), a stale nonce, a timestamp outside the window
     *                           (Status::ERR_OUTSIDE_WINDOW), a replay (Status::ERR_REPLAYED), a
     *                           malformed request (getVerdict()->part names what is missing) or
     *                           an unknown key
     * @throws RestsignException on bad arguments, a full replay memory
     *                           (Status::ERR_REPLAY_MEMORY_FULL) or a replay state error
     */
    public function checkRequest(string $method, string $target, string|array $headers, string $body): Verdict
    {
        $headers = \is_array($headers) ? self::headerBlock($headers) : $headers;
        $method = str_contains($method, "\0") ? '' : $method; // as in check()
        return $this->outcome($this->ffi->restsign_verifier_check_request(
            $this->handle, $method, $target, \strlen($target),
            $headers, \strlen($headers), $body, \strlen($body), $this->verdict,
        ));
    }

    /**
     * The "Name: value\r\n" block of checkRequest()'s array forms. Line breaks inside a value
     * are unfolded to one space (RFC 9110's rule for obs-fold), so that no value makes a header
     * line of its own; a name that is no single token is a caller's mistake (\ValueError).
     *
     * @param array<int|string, mixed> $headers
     */
    private static function headerBlock(array $headers): string
    {
        $block = '';
        foreach ($headers as $name => $value) {
            if (\is_int($name)) {
                // A list: "Name: value" lines or [name, value] pairs.
                if (\is_array($value) && array_is_list($value) && \count($value) === 2) {
                    [$name, $value] = $value;
                } elseif (\is_string($value) && str_contains($value, ':')) {
                    [$name, $value] = explode(':', $value, 2);
                } else {
                    throw new \ValueError('restsign: headers must be "Name: value" lines, [name, value] pairs or name => value');
                }
            }
            $name = (string) $name;
            if (trim($name) === '' || strpbrk($name, ":\r\n") !== false) {
                throw new \ValueError('restsign: not a header name: ' . json_encode($name, JSON_INVALID_UTF8_SUBSTITUTE));
            }
            foreach (\is_array($value) ? $value : [$value] as $one) {
                $one = trim((string) preg_replace('/[ \t]*(?:\r\n|\r|\n)[ \t]*/', ' ', (string) $one), " \t");
                $block .= "$name: $one\r\n";
            }
        }
        return $block;
    }

    /** The Verdict of a check that returned $status, or the exception it calls for. */
    private function outcome(int $status): Verdict
    {
        if ($status === Status::OK) {
            return Verdict::read($this->verdict);
        }
        // The verdict handle files every status, so it is the status that tells a verdict about the
        // request from an error of the call (arguments, key lookup, replay memory, state, Redis).
        if (!\in_array($status, RejectedException::STATUSES, true)) {
            throw RestsignException::fromStatus($status);
        }
        throw new RejectedException(Verdict::read($this->verdict));
    }
}
