<?php

declare(strict_types=1);

namespace Restsign\Tests;

use PHPUnit\Framework\TestCase;
use Restsign\Signer;

/** The known-answer vectors the seed documents publish (tests/vectors/seed-vectors.json). */
final class VectorsTest extends TestCase
{
    /** @return iterable<string, array{array<string, mixed>}> */
    public static function vectors(): iterable
    {
        $file = \dirname(__DIR__, 3) . '/tests/vectors/seed-vectors.json';
        $vectors = json_decode(file_get_contents($file), true, flags: JSON_THROW_ON_ERROR)['vectors'];
        foreach ($vectors as $v) {
            yield $v['source'] => [$v];
        }
    }

    /**
     * @dataProvider vectors
     * @param array<string, mixed> $v
     */
    public function testPublishedSignature(array $v): void
    {
        $signer = new Signer($v['scheme'], $v['key'], $v['secret']);
        $this->assertSame($v['signature'], $signer->sign($v['method'], $v['path'], $v['payload'], $v['nonce']));
        $this->assertContains(
            $v['signature'],
            array_map(static fn (string $line): string => explode(': ', $line, 2)[1], $signer->headers($v['method'], $v['path'], $v['payload'], $v['nonce'])),
        );
    }

    public function testThreeVectorsAreRead(): void
    {
        $this->assertCount(3, iterator_to_array(self::vectors()));
    }
}
