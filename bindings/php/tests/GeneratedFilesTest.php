<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;

/** restsign.ffi.h, src/Status.php and src/NonceUnit.php are what gen-ffi-header makes from include/restsign.h today. */
final class GeneratedFilesTest extends TestCase
{
    public function testCommittedCopiesMatchAFreshGeneration(): void
    {
        $script = \dirname(__DIR__) . '/gen-ffi-header';
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg($script) . ' --check 2>&1', $output, $status);
        $this->assertSame(0, $status, implode("\n", $output));
    }

    /** Every RESTSIGN_OK / RESTSIGN_ERR_* in the C header is a Status constant with the same value. */
    public function testStatusConstantsMatchTheHeader(): void
    {
        $this->assertSame(self::defines('(OK|ERR_\w+)'), (new \ReflectionClass(\Restsign\Status::class))->getConstants());
    }

    /** Every RESTSIGN_NONCE_UNIT_* is a NonceUnit constant with the same value. */
    public function testNonceUnitsMatchTheHeader(): void
    {
        $this->assertSame(self::defines('NONCE_UNIT_(\w+)'), (new \ReflectionClass(\Restsign\NonceUnit::class))->getConstants());
    }

    /** @return array<string, int> the header's `#define RESTSIGN_<pattern> N`, by the pattern's group */
    private static function defines(string $pattern): array
    {
        preg_match_all('/^#define RESTSIGN_' . $pattern . ' (\d+)$/m', file_get_contents(\dirname(__DIR__, 3) . '/include/restsign.h'), $m);
        self::assertNotEmpty($m[1]);
        return array_combine($m[1], array_map('intval', $m[2]));
    }
}
