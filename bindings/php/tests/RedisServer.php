<?php

declare(strict_types=1);

namespace Restsign\Tests;

/**
 * A real redis-server for the tests: 127.0.0.1, a free port, its own temporary directory, stopped
 * by stop() (or when destroyed). Without redis-server the test is skipped, unless
 * RESTSIGN_REQUIRE_REDIS is set (scripts/test-all, CI): then it fails.
 */
final class RedisServer
{
    public readonly int $port;
    private string $dir;
    /** @var resource|null */
    private $process = null;

    public static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr((string) strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        return $port;
    }

    /** @param list<string> $extra more redis-server arguments */
    public function __construct(\PHPUnit\Framework\TestCase $test, array $extra = [])
    {
        exec('command -v redis-server', $out, $status);
        if ($status !== 0) {
            if (getenv('RESTSIGN_REQUIRE_REDIS') !== false) {
                $test->fail('redis-server is required (RESTSIGN_REQUIRE_REDIS) but not on PATH: run scripts/install-deps');
            }
            $test->markTestSkipped('redis-server is not on PATH');
        }
        $this->port = self::freePort();
        $this->dir = sys_get_temp_dir() . '/restsign-php-redis-' . getmypid() . '-' . $this->port;
        @mkdir($this->dir);
        $cmd = ['redis-server', '--bind', '127.0.0.1', '--port', (string) $this->port, '--save', '', '--dir', $this->dir,
            '--logfile', "$this->dir/redis.log", ...$extra];
        $this->process = proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        for ($i = 0; $i < 200; $i++) {
            $conn = @stream_socket_client("tcp://127.0.0.1:$this->port", $errno, $errstr, 1);
            if ($conn !== false) {
                fwrite($conn, "PING\r\n");
                $reply = (string) fgets($conn);
                fclose($conn);
                if (str_starts_with($reply, '+PONG') || str_starts_with($reply, '-NOAUTH')) {
                    return;
                }
            }
            usleep(20_000);
        }
        $this->stop();
        throw new \RuntimeException("redis-server did not start on port $this->port");
    }

    public function url(): string
    {
        return "redis://127.0.0.1:$this->port/0";
    }

    public function stop(): void
    {
        if ($this->process !== null) {
            proc_terminate($this->process);
            proc_close($this->process);
            $this->process = null;
        }
        array_map('unlink', glob("$this->dir/*") ?: []);
        @rmdir($this->dir);
    }

    public function __destruct()
    {
        $this->stop();
    }
}
