<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Nonce;
use Restsign\NonceUnit;
use Restsign\Signer;
use Restsign\Status;

/** Restsign\Nonce and the signers' nonces: increasing, in the right unit, shared across processes. */
final class NonceTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/restsign-php-nonce-' . getmypid();
        @mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        array_map('unlink', glob("$this->dir/*") ?: []);
        rmdir($this->dir);
    }

    /** @return iterable<string, array{int, float}> unit, units per second */
    public static function units(): iterable
    {
        yield 'seconds' => [NonceUnit::SECONDS, 1];
        yield 'milliseconds' => [NonceUnit::MILLIS, 1e3];
        yield 'microseconds' => [NonceUnit::MICROS, 1e6];
        yield 'ten microseconds' => [NonceUnit::TEN_MICROS, 1e5];
    }

    /** @dataProvider units */
    public function testMemorySourceCountsTheClockInItsUnitAndOnlyGoesUp(int $unit, float $perSecond): void
    {
        $before = (int) floor(microtime(true) * $perSecond);
        $source = Nonce::memory($unit);
        $values = array_map(static fn () => $source->next(), range(1, 10_000));
        $this->assertGreaterThanOrEqual($before, $values[0], 'now in the unit');
        $this->assertLessThan($before + 2 * $perSecond, $values[0]);
        for ($i = 1; $i < \count($values); $i++) {
            if ($values[$i] <= $values[$i - 1]) {
                $this->fail("value $i: {$values[$i]} after {$values[$i - 1]}");
            }
        }
    }

    public function testSchemeUnitsAreTheDocumentedOnes(): void
    {
        // SCHEMES.md: milliseconds, except MtGox's microtime.
        $expected = ['apiauth' => NonceUnit::MILLIS, 'poloniex' => NonceUnit::MILLIS, 'mtgox-v1' => NonceUnit::MICROS,
            'mtgox-v2' => NonceUnit::MICROS, 'mtgox-stream' => NonceUnit::MICROS, 'coinpayments' => NonceUnit::MILLIS,
            'viabtc' => NonceUnit::MILLIS];
        $seeds = array_keys($expected);
        $this->assertSame($seeds, array_values(array_intersect($seeds, Signer::schemes())));
        $this->assertSame($expected, array_combine($seeds, array_map([Nonce::class, 'schemeUnit'], $seeds)));
        RequestTest::assertLibraryError(Status::ERR_UNKNOWN_SCHEME, static fn () => Nonce::schemeUnit('nope'));
        RequestTest::assertLibraryError(Status::ERR_UNKNOWN_SCHEME, static fn () => Nonce::schemeUnit("viabtc\0"));
    }

    public function testFileSourcesOnOneFileShareOneSequenceThatSurvivesThem(): void
    {
        $path = "$this->dir/state";
        $a = Nonce::file($path, 'k', NonceUnit::MICROS);
        $b = Nonce::file($path, 'k', NonceUnit::MICROS);
        $seen = [$a->next(), $b->next(), $a->next(), $b->next()];
        $this->assertSame($seen, array_values(array_unique($seen)));
        $this->assertSame($seen, (static function (array $s): array { sort($s); return $s; })($seen), 'one increasing sequence');
        unset($a, $b);
        $this->assertGreaterThan(end($seen), Nonce::file($path, 'k', NonceUnit::MICROS)->next(), 'the file remembers');
        $this->assertSame(0600, fileperms($path) & 0777);
    }

    public function testSignersDrawFromTheirSource(): void
    {
        $source = Nonce::memory(NonceUnit::MILLIS);
        $signer = new Signer('poloniex', 'k', 's', $source);
        $first = $source->next();
        $this->assertGreaterThan($first, $mid = $signer->nextNonce());
        $this->assertGreaterThan($mid, $source->next());
        unset($source); // the signer keeps its own reference
        $this->assertGreaterThan($mid, $signer->nextNonce());

        $shared = Signer::shared('mtgox-v1', 'k', base64_encode('s'), "$this->dir/shared");
        $again = Signer::shared('mtgox-v1', 'k', base64_encode('s'), "$this->dir/shared");
        $n = $shared->nextNonce();
        $this->assertGreaterThanOrEqual((int) (microtime(true) * 1e6) - 2_000_000, $n, 'microseconds, the scheme unit');
        $this->assertGreaterThan($n, $again->nextNonce());
    }

    public function testStateFileErrorsAreTheLibrarysNeverAReset(): void
    {
        $path = "$this->dir/state";
        Nonce::file($path, 'k', NonceUnit::MILLIS)->next();
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_FOREIGN, static fn () => Nonce::file($path, 'other key', NonceUnit::MILLIS));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_FOREIGN, static fn () => Nonce::file($path, 'k', NonceUnit::MICROS));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_FOREIGN, static fn () => Signer::shared('mtgox-v1', 'k', base64_encode('s'), $path));

        $state = file_get_contents($path);
        file_put_contents("$this->dir/cut", substr($state, 0, 40)); // a state file cut short
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_TRUNCATED, fn () => Nonce::file("$this->dir/cut", 'k', NonceUnit::MILLIS));
        $state[20] = \chr(\ord($state[20]) ^ 1); // one bit of the key's fingerprint flipped
        file_put_contents("$this->dir/damaged", $state);
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_CORRUPT, fn () => Nonce::file("$this->dir/damaged", 'k', NonceUnit::MILLIS));
        file_put_contents("$this->dir/short", 'abc'); // someone else's files
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_FOREIGN, fn () => Nonce::file("$this->dir/short", 'k', NonceUnit::MILLIS));
        file_put_contents("$this->dir/junk", str_repeat("\xa5", 4096));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_FOREIGN, fn () => Nonce::file("$this->dir/junk", 'k', NonceUnit::MILLIS));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_IO, fn () => Nonce::file($this->dir, 'k', NonceUnit::MILLIS));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_IO, fn () => Nonce::file("$this->dir/a\0b", 'k', NonceUnit::MILLIS));
        RequestTest::assertLibraryError(Status::ERR_NONCE_STATE_IO, fn () => Signer::shared('poloniex', 'k', 's', "$path/under-a-file"));
        foreach ([0, 5, -1, 2 ** 32 + NonceUnit::MILLIS] as $unit) {
            RequestTest::assertLibraryError(Status::ERR_INVALID_UNIT, static fn () => Nonce::memory($unit));
            RequestTest::assertLibraryError(Status::ERR_INVALID_UNIT, fn () => Nonce::file("$this->dir/u", 'k', $unit));
        }
        RequestTest::assertLibraryError(Status::ERR_EMPTY_SECRET, fn () => Signer::shared('poloniex', 'k', '', "$this->dir/x"));
    }

    /**
     * Two PHP processes draw 50,000 nonces each from one state file at once, one through
     * Nonce::file and one through Signer::shared: all 100,000 differ.
     */
    public function testTwoProcessesDrawingFromOneStateFileNeverShareAValue(): void
    {
        $count = 50_000;
        $state = "$this->dir/shared-state";
        $procs = [];
        foreach (['nonce', 'signer'] as $mode) {
            $cmd = [PHP_BINARY, __DIR__ . '/bin/draw-nonces.php', $mode, $state, (string) $count, "$this->dir/$mode.out"];
            $proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w']], $pipes);
            $this->assertIsResource($proc);
            $procs[$mode] = [$proc, $pipes];
        }
        foreach ($procs as $mode => [, $pipes]) {
            $this->assertSame("ready\n", fgets($pipes[1]), "$mode drawer started");
        }
        foreach ($procs as [, $pipes]) {
            fwrite($pipes[0], "go\n"); // both are waiting: they draw at the same time
            fclose($pipes[0]);
        }
        $all = [];
        foreach ($procs as $mode => [$proc, $pipes]) {
            fclose($pipes[1]);
            $this->assertSame(0, proc_close($proc), "$mode drawer exit status");
            $values = array_map('intval', file("$this->dir/$mode.out", FILE_IGNORE_NEW_LINES));
            $this->assertCount($count, $values);
            $sorted = $values;
            sort($sorted);
            $this->assertSame($sorted, $values, "$mode: increasing");
            $all[$mode] = $values;
        }
        $merged = array_merge(...array_values($all));
        $this->assertCount(2 * $count, array_unique($merged), 'no value drawn twice');
        // How much the two runs overlapped in time: turns between processes along the merged order.
        $owner = array_fill_keys($all['nonce'], 0) + array_fill_keys($all['signer'], 1);
        ksort($owner);
        $turns = 0;
        $prev = null;
        foreach ($owner as $who) {
            $turns += (int) ($prev !== null && $who !== $prev);
            $prev = $who;
        }
        fwrite(STDERR, sprintf("\n[nonce] 2 processes x %d draws: %d distinct, %d turns between them\n", $count, \count(array_unique($merged)), $turns));
    }
}
