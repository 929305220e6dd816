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
     * @throws RestsignException on bad arguments or a replay state file error
     */
    public function check(string $method, string $path, string|array $headers, string $payload): Verdict
    {
        if (\is_array($headers)) {
            $headers = $headers === [] ? '' : implode("\r\n", $headers) . "\r\n";
        }
        // C would see a method with a NUL cut short, perhaps as a valid token; such a method is no
        // token at all, which the library judges malformed when it is given an empty one.
        $method = str_contains($method, "\0") ? '' : $method;
        $status = $this->ffi->restsign_verifier_check(
            $this->handle, $method, $path, \strlen($path),
            $headers, \strlen($headers), $payload, \strlen($payload), $this->verdict,
        );
        if ($status === Status::OK) {
            return Verdict::read($this->verdict);
        }
        // Argument and state-file errors leave no verdict of this check.
        if ($this->ffi->restsign_verdict_status($this->verdict) !== $status) {
            throw RestsignException::fromStatus($status);
        }
        throw new RejectedException(Verdict::read($this->verdict));
    }
}
