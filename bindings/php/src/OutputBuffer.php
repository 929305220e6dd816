<?php

declare(strict_types=1);

namespace Restsign;

/**
 * @internal The output buffer of every call under the C API's buffer contract (out, out_cap,
 * *out_len): one per process, since each call copies its text out before returning. It grows to
 * the largest output asked for (mtgox-stream's signed call, a long key, an expected message).
 */
final class OutputBuffer
{
    /** char[$cap] */
    public \FFI\CData $out;
    public int $cap = 0;
    /** size_t[1]: *out_len (an array passes as a pointer without FFI::addr) */
    public \FFI\CData $len;

    private static ?self $shared = null;

    public static function shared(): self
    {
        return self::$shared ??= new self();
    }

    private function __construct()
    {
        $this->len = Library::ffi()->new('size_t[1]');
        // Room for any header scheme's signature and header lines (names, nonce, a long key).
        $this->grow(1024);
    }

    /**
     * Calls $call($out, $cap, $len), a C function under the buffer contract, growing the buffer
     * once if the text does not fit.
     *
     * @param \Closure(\FFI\CData, int, \FFI\CData): int $call
     * @return string the text written
     * @throws RestsignException on any other status
     */
    public function into(\Closure $call): string
    {
        $status = $call($this->out, $this->cap, $this->len);
        if ($status === Status::ERR_BUFFER_TOO_SMALL) {
            $this->grow($this->len[0]);
            $status = $call($this->out, $this->cap, $this->len);
        }
        Library::check($status);
        return \FFI::string($this->out, $this->len[0]);
    }

    private function grow(int $cap): void
    {
        $this->out = Library::ffi()->new("char[$cap]");
        $this->cap = $cap;
    }
}
