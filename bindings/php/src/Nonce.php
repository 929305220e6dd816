<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A source of strictly increasing nonces: a thin wrapper over restsign_nonce_*. Signers made with
 * a source (new Signer(..., $nonce)) keep their own reference to it in the library, so it may be
 * destroyed before them.
 */
final class Nonce
{
    private \FFI $ffi;
    /** restsign_nonce* */
    private \FFI\CData $handle;
    /** uint64_t[1]: where next() has each value written */
    private \FFI\CData $value;

    /** An in-process source: each value is max(now in $unit, last + 1). */
    public static function memory(int $unit): self
    {
        return new self('restsign_nonce_new_memory', [self::unit($unit)]);
    }

    /**
     * A source shared by every process on this host that opens the same state file: $path, or
     * when null the library's default for $key. The file is created (mode 0600) if missing; one
     * that is damaged, too short, or made for another key or unit is an error
     * (Status::ERR_NONCE_STATE_*), never a silent reset.
     */
    public static function file(?string $path, string $key, int $unit): self
    {
        if ($path !== null) {
            Library::text($path, Status::ERR_NONCE_STATE_IO);
        }
        return new self('restsign_nonce_new_file', [$path, $key, \strlen($key), self::unit($unit)]);
    }

    /**
     * A source shared by every process on every host that reaches the same Redis server: each
     * draw is one atomic script there, max(now, last + 1) in $unit with now from the server's
     * clock. $url: redis://[user:password@]host:port/db, redis+unix:///path or unix:///path
     * (?timeout_ms=N, default 1000). The counter is <prefix>nonce:<hash of $key>, $prefix
     * "restsign:" unless given. Only the URL is checked here; a draw that cannot reach Redis
     * throws (Status::ERR_REDIS_*), it never falls back to a local clock.
     */
    public static function redis(string $url, string $key, int $unit, ?string $prefix = null): self
    {
        $prefixLen = $prefix === null ? 0 : \strlen($prefix);
        return new self('restsign_nonce_new_redis_prefix', [$url, \strlen($url), $prefix, $prefixLen, $key, \strlen($key), self::unit($unit)]);
    }

    /** The default unit of $scheme, a NonceUnit constant. */
    public static function schemeUnit(string $scheme): int
    {
        $ffi = Library::ffi();
        $unit = $ffi->new('int32_t[1]');
        Library::check($ffi->restsign_scheme_nonce_unit(Library::text($scheme, Status::ERR_UNKNOWN_SCHEME), $unit));
        return $unit[0];
    }

    /** A unit as C's int32_t: a larger int would arrive truncated, perhaps as a valid unit. */
    private static function unit(int $unit): int
    {
        if ($unit < -2147483648 || $unit > 2147483647) {
            throw RestsignException::fromStatus(Status::ERR_INVALID_UNIT);
        }
        return $unit;
    }

    /** @param list<mixed> $args the arguments of $function before the out-pointer */
    private function __construct(string $function, array $args)
    {
        $ffi = $this->ffi = Library::ffi();
        $this->value = $ffi->new('uint64_t[1]');
        $handle = $ffi->new('restsign_nonce*');
        Library::check($ffi->$function(...[...$args, \FFI::addr($handle)]));
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_nonce_free($this->handle);
        }
    }

    /** A copy would share the handle and free it twice. */
    private function __clone()
    {
    }

    /** The next value, 1 to PHP_INT_MAX. */
    public function next(): int
    {
        Library::check($this->ffi->restsign_nonce_next($this->handle, $this->value));
        return $this->value[0];
    }

    /** @internal restsign_nonce*, for Signer. */
    public function handle(): \FFI\CData
    {
        return $this->handle;
    }
}
