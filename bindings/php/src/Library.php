<?php

declare(strict_types=1);

namespace Restsign;

/**
 * Loads librestsign once per process and hands out the FFI instance every binding class shares.
 *
 * Where the library comes from (candidates(), first that loads wins):
 *  1. the RESTSIGN_LIB environment variable, a path to librestsign.so (if set, nothing else is tried);
 *  2. the build tree this binding sits in: ../../target/release, then ../../target/debug;
 *  3. the system's dynamic loader: librestsign.so.0.1, then librestsign.so.
 *
 * Web SAPIs with ffi.enable=preload (the default) allow FFI only for preloaded scopes: point
 * php.ini's ffi.preload at a file holding preloadHeader(), and ffi() uses that scope.
 */
final class Library
{
    /** The FFI scope name of preloadHeader(). */
    public const SCOPE = 'restsign';

    private static ?\FFI $ffi = null;

    public static function ffi(): \FFI
    {
        return self::$ffi ??= self::open();
    }

    /** @return list<string> library paths or sonames to try, in order */
    public static function candidates(): array
    {
        $env = getenv('RESTSIGN_LIB');
        if ($env !== false && $env !== '') {
            return [$env];
        }
        $root = \dirname(__DIR__, 3);
        $built = array_filter(
            ["$root/target/release/librestsign.so", "$root/target/debug/librestsign.so"],
            'is_file',
        );
        return [...$built, 'librestsign.so.0.1', 'librestsign.so'];
    }

    /**
     * A header for php.ini's ffi.preload, for web SAPIs where ffi.enable=preload keeps FFI::cdef
     * from running in requests: the declarations under FFI scope "restsign", loaded from $lib
     * (default: the first candidate). ffi() then uses that scope.
     */
    public static function preloadHeader(?string $lib = null): string
    {
        $lib ??= self::candidates()[0];
        return sprintf("#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n%s", self::SCOPE, addcslashes($lib, '"\\'), self::declarations());
    }

    private static function open(): \FFI
    {
        try {
            return \FFI::scope(self::SCOPE);
        } catch (\FFI\Exception) {
            // Not preloaded: load it here.
        }
        $errors = [];
        foreach (self::candidates() as $lib) {
            try {
                return \FFI::cdef(self::declarations(), $lib);
            } catch (\FFI\Exception $e) {
                $errors[] = "$lib ({$e->getMessage()})";
            }
        }
        throw self::notFound($errors);
    }

    /** @param list<string> $errors */
    private static function notFound(array $errors): \RuntimeException
    {
        return new \RuntimeException(
            'restsign: cannot load librestsign (set RESTSIGN_LIB to its path); tried ' . implode(', ', $errors),
        );
    }

    private static function declarations(): string
    {
        return file_get_contents(\dirname(__DIR__) . '/restsign.ffi.h');
    }

    // What the binding's classes share (@internal, not API): status checks and argument conversions.

    /** @internal Throws the status unless it is OK. */
    public static function check(int $status): void
    {
        if ($status !== Status::OK) {
            throw RestsignException::fromStatus($status);
        }
    }

    /**
     * @internal A NUL-terminated argument (a scheme name, a method, a path): C would see one with
     * a NUL cut short, so it cannot be a valid one and is refused with $status, the library's
     * own answer to an invalid value of that kind.
     */
    public static function text(string $value, int $status): string
    {
        if (str_contains($value, "\0")) {
            throw RestsignException::fromStatus($status);
        }
        return $value;
    }

    /**
     * @internal A nonce in 0..PHP_INT_MAX (2^63 - 1, the range of restsign's nonces), given as an
     * int or a string of decimal digits.
     * @throws \ValueError otherwise
     */
    public static function nonce(int|string $nonce): int
    {
        if (\is_int($nonce) && $nonce >= 0) {
            return $nonce;
        }
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
