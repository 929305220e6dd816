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
 * Web SAPIs (php-fpm, mod_php) with ffi.enable=preload, PHP's default, allow the FFI API only to
 * code that was itself preloaded: opcache.preload=.../preload.php compiles this binding's classes
 * and loads its declarations as the FFI scope "restsign" (preload()); ffi() then uses that scope.
 * See README.md, "PHP under php-fpm".
 */
final class Library
{
    /** The FFI scope name of preloadHeader(). */
    public const SCOPE = 'restsign';

    private static ?\FFI $ffi = null;

    /** Where the library came from: "preloaded scope" or the path/soname FFI::cdef loaded. */
    private static ?string $origin = null;

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

    /** How this process got the library: "preloaded scope", or the path or soname loaded (loads it). */
    public static function origin(): string
    {
        self::ffi();
        return self::$origin;
    }

    /**
     * For opcache.preload (preload.php): loads the declarations as the FFI scope "restsign" from the
     * first candidate that loads, so that every worker shares it. Returns the library loaded, or
     * null if none did: the workers then load it themselves (with their own RESTSIGN_LIB, e.g. a
     * php-fpm pool's env[RESTSIGN_LIB]), which ffi.enable=preload allows this preloaded class.
     */
    public static function preload(): ?string
    {
        $file = tempnam(sys_get_temp_dir(), 'restsign-ffi-');
        try {
            foreach (self::candidates() as $lib) {
                file_put_contents($file, self::preloadHeader($lib));
                try {
                    if (\FFI::load($file) !== null) {
                        return $lib;
                    }
                } catch (\FFI\Exception) {
                    // Not this one.
                }
            }
            return null;
        } finally {
            unlink($file);
        }
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
            $ffi = \FFI::scope(self::SCOPE);
            self::$origin = 'preloaded scope';
            return $ffi;
        } catch (\FFI\Exception) {
            // Not preloaded: load it here.
        }
        $errors = [];
        foreach (self::candidates() as $lib) {
            try {
                $ffi = \FFI::cdef(self::declarations(), $lib);
                self::$origin = $lib;
                return $ffi;
            } catch (\FFI\Exception $e) {
                if (str_contains($e->getMessage(), 'ffi.enable')) {
                    throw self::restricted();
                }
                $errors[] = "$lib ({$e->getMessage()})";
            }
        }
        throw self::notFound($errors);
    }

    /** True outside the command line, where a missing setting is the server's, not the shell's. */
    private static function isWebSapi(): bool
    {
        return !\in_array(PHP_SAPI, ['cli', 'phpdbg', 'embed'], true);
    }

    /** FFI refused by ffi.enable: what to put in php.ini for this SAPI. */
    private static function restricted(): \RuntimeException
    {
        $preload = \dirname(__DIR__) . '/preload.php';
        $mode = (string) \ini_get('ffi.enable');
        $why = strtolower($mode) === 'preload'
            ? "PHP allows FFI only to preloaded code in this server (ffi.enable=preload, PHP's default)"
            : "PHP's FFI is disabled in this server (ffi.enable=$mode)";
        return new \RuntimeException(
            "restsign: $why. Preload the binding in the server's php.ini (SAPI " . PHP_SAPI . '): ffi.enable=preload, '
            . "opcache.enable=1, opcache.preload=$preload, opcache.preload_user=<the user PHP runs as, when the "
            . 'server starts as root>; then restart the server. Or allow FFI to all PHP code: ffi.enable=true',
        );
    }

    /** @param list<string> $errors */
    private static function notFound(array $errors): \RuntimeException
    {
        $tried = 'tried ' . implode(', ', $errors);
        if (!self::isWebSapi()) {
            return new \RuntimeException("restsign: cannot load librestsign (set RESTSIGN_LIB to its path); $tried");
        }
        return new \RuntimeException(
            'restsign: cannot load librestsign. Install it where the dynamic loader finds it '
            . '(the restsign .deb, or cmake --install and ldconfig), or give its path to the server: for php-fpm '
            . 'env[RESTSIGN_LIB] = /path/to/librestsign.so in the pool configuration (its default clear_env=yes '
            . 'keeps the shell\'s RESTSIGN_LIB from the workers), for Apache SetEnv RESTSIGN_LIB; ' . $tried,
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
