<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Library;
use Restsign\Signer;

/** How the library is found; each case runs in a child PHP, since a process loads it only once. */
final class LibraryTest extends TestCase
{
    private const PROBE = 'echo (new Restsign\Signer("poloniex", "k", "s"))->sign("POST", "", "a=1"), " ", Restsign\Signer::version();';

    public function testVersionIsSemver(): void
    {
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+$/', Signer::version());
    }

    public function testRestsignLibIsUsed(): void
    {
        $lib = Library::candidates()[0];
        [$status, $out] = self::php(self::PROBE, ['RESTSIGN_LIB' => $lib]);
        $this->assertSame(0, $status, $out);
        $this->assertSame(hash_hmac('sha512', 'a=1', 's') . ' ' . Signer::version(), $out);
    }

    public function testAMissingLibraryIsAClearError(): void
    {
        [$status, $out] = self::php(self::PROBE, ['RESTSIGN_LIB' => '/nonexistent/librestsign.so']);
        $this->assertNotSame(0, $status);
        $this->assertStringContainsString('restsign: cannot load librestsign (set RESTSIGN_LIB to its path); tried /nonexistent/librestsign.so', $out);
    }

    public function testTheBuildTreeIsFoundWithoutRestsignLib(): void
    {
        [$status, $out] = self::php('echo implode(",", Restsign\Library::candidates()); ' . self::PROBE, ['RESTSIGN_LIB' => '']);
        $this->assertSame(0, $status, $out);
        $this->assertStringStartsWith(\dirname(__DIR__, 3) . '/target/', $out);
    }

    public function testAPreloadedScopeIsUsed(): void
    {
        $header = tempnam(sys_get_temp_dir(), 'restsign-ffi-');
        try {
            file_put_contents($header, Library::preloadHeader());
            // ffi.enable=preload is the default outside the CLI, where FFI::cdef is then refused.
            [$status, $out] = self::php(
                'echo FFI::scope("restsign")->restsign_version(), " "; ' . self::PROBE,
                ['RESTSIGN_LIB' => '/nonexistent/so/not/cdef'],
                ['ffi.enable=preload', "ffi.preload=$header"],
            );
        } finally {
            unlink($header);
        }
        $this->assertSame(0, $status, $out);
        $this->assertSame(Signer::version() . ' ' . hash_hmac('sha512', 'a=1', 's') . ' ' . Signer::version(), $out);
    }

    /**
     * Runs $code in a child PHP with this suite's autoloader.
     *
     * @param array<string, string> $env
     * @param list<string> $ini
     * @return array{int, string} exit status, output (stdout and stderr)
     */
    private static function php(string $code, array $env, array $ini = []): array
    {
        $cmd = [PHP_BINARY];
        foreach ($ini as $setting) {
            array_push($cmd, '-d', $setting);
        }
        array_push($cmd, '-r', 'require ' . var_export(__DIR__ . '/bootstrap.php', true) . '; ' . $code);
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, null, $env + getenv());
        $out = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        return [proc_close($proc), $out];
    }
}
