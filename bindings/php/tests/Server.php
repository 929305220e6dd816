<?php

declare(strict_types=1);

namespace Restsign\Tests;

/**
 * A `restsign serve` of this repository (RESTSIGN_BIN, else target/release/restsign, else
 * target/debug/restsign; build it with `cargo build --bin restsign`), on a free port of
 * 127.0.0.1, verifying every request for one scheme and key. stop() ends it with SIGTERM.
 */
final class Server
{
    public readonly int $port;
    /** @var resource */
    private $process;
    private string $log;

    public function __construct(string $scheme, string $key, string $secret)
    {
        $this->log = tempnam(sys_get_temp_dir(), 'restsign-serve-');
        // The secret through the environment: restsign serve reads it with --secret-env.
        $env = ['RESTSIGN_TEST_SECRET' => $secret] + getenv();
        $cmd = [self::binary(), 'serve', '--scheme', $scheme, '--key', $key, '--secret-env', 'RESTSIGN_TEST_SECRET', '--port', '0', '--threads', '2'];
        $process = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['file', $this->log, 'w']], $pipes, null, $env);
        if (!\is_resource($process)) {
            throw new \RuntimeException('cannot start ' . implode(' ', $cmd));
        }
        $this->process = $process;
        $line = (string) fgets($pipes[1]);
        fclose($pipes[1]);
        if (!preg_match('/^listening on 127\.0\.0\.1:(\d+)$/', rtrim($line), $m)) {
            $this->stop();
            throw new \RuntimeException("restsign serve said " . var_export($line, true) . ': ' . $this->log());
        }
        $this->port = (int) $m[1];
    }

    public static function binary(): string
    {
        $env = getenv('RESTSIGN_BIN');
        if ($env !== false && $env !== '') {
            return $env;
        }
        $root = \dirname(__DIR__, 3);
        foreach (["$root/target/release/restsign", "$root/target/debug/restsign"] as $bin) {
            if (is_executable($bin)) {
                return $bin;
            }
        }
        throw new \RuntimeException("no restsign command in $root/target/{release,debug}: run `cargo build --bin restsign` (or set RESTSIGN_BIN)");
    }

    public function url(string $path = ''): string
    {
        return "http://127.0.0.1:$this->port$path";
    }

    /** What the server wrote to stderr (its refusals and why). */
    public function log(): string
    {
        return (string) file_get_contents($this->log);
    }

    /** Ends the server with SIGTERM; its exit status (0 when it stopped cleanly). */
    public function stop(): int
    {
        if (!isset($this->process)) {
            return 0;
        }
        proc_terminate($this->process, 15);
        $status = proc_close($this->process);
        unset($this->process);
        return $status;
    }

    public function __destruct()
    {
        $this->stop();
        @unlink($this->log);
    }
}
