<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;

/** restsign.ffi.h and src/Status.php are what gen-ffi-header makes from include/restsign.h today. */
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
        preg_match_all('/^#define RESTSIGN_(OK|ERR_\w+) (\d+)$/m', file_get_contents(\dirname(__DIR__, 3) . '/include/restsign.h'), $m);
        $this->assertNotEmpty($m[1]);
        $expected = array_combine($m[1], array_map('intval', $m[2]));
        $this->assertSame($expected, (new \ReflectionClass(\Restsign\Status::class))->getConstants());
    }
}
