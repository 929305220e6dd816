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
}
