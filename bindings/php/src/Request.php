<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A request built, then signed, by the library: a thin wrapper over restsign_request_*. The C
 * request keeps its signer alive. Builder and signing methods return $this, so calls chain:
 *
 *     $req = $signer->request('POST', '/tradingApi')->param('command', 'returnBalances')->sign();
 *     curl_setopt($ch, CURLOPT_POSTFIELDS, $req->body());
 *     curl_setopt($ch, CURLOPT_HTTPHEADER, $req->headers());
 *
 * The readers (body(), query(), target(), signature(), headers(), headerBlock(), nonce()) work
 * once the request is signed (before: Status::ERR_NOT_SIGNED); changing it unsigns it.
 */
final class Request
{
    private \FFI $ffi;
    /** restsign_request* */
    private \FFI\CData $handle;
    /** const char*[1] and size_t[1]: where the views are lent (one pair per process) */
    private static ?\FFI\CData $data = null;
    private static ?\FFI\CData $len = null;

    /** Signer::request() is the usual way in. */
    public function __construct(Signer $signer, string $method, string $path)
    {
        $ffi = $this->ffi = Library::ffi();
        self::$data ??= $ffi->new('const char*[1]');
        self::$len ??= $ffi->new('size_t[1]');
        $handle = $ffi->new('restsign_request*');
        Library::check($ffi->restsign_request_new($signer->handle(), Library::text($method, Status::ERR_INVALID_METHOD), $path, \strlen($path), \FFI::addr($handle)));
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_request_free($this->handle);
        }
    }

    /** A copy would share the handle and free it twice. */
    private function __clone()
    {
    }

    /** Adds a parameter (raw bytes; the library form-encodes them), kept in order. */
    public function param(string $name, string|int $value): self
    {
        $value = (string) $value;
        Library::check($this->ffi->restsign_request_add_param($this->handle, $name, \strlen($name), $value, \strlen($value)));
        return $this;
    }

    /** Sends $body exactly as given instead of parameters; any nonce field in it is the caller's. */
    public function setBody(string $body): self
    {
        Library::check($this->ffi->restsign_request_set_body($this->handle, $body, \strlen($body)));
        return $this;
    }

    /** Sends a JSON object as the body; the library adds the scheme's nonce member unless present. */
    public function setJson(string $json): self
    {
        Library::check($this->ffi->restsign_request_set_json($this->handle, $json, \strlen($json)));
        return $this;
    }

    /** Draws the next nonce from the signer's source, builds the body or query, and signs. */
    public function sign(): self
    {
        Library::check($this->ffi->restsign_request_sign($this->handle));
        return $this;
    }

    /** Signs with a nonce of the caller's choosing (nothing is drawn). */
    public function signWithNonce(int|string $nonce): self
    {
        Library::check($this->ffi->restsign_request_sign_with_nonce($this->handle, Library::nonce($nonce)));
        return $this;
    }

    /**
     * Fixes the clock this request is signed at, in milliseconds since the Unix epoch (every
     * timestamp format of the recipe is rendered from it); by default each signing reads the clock.
     */
    public function setTime(int $unixMs): self
    {
        if ($unixMs < 0) {
            throw new \ValueError("restsign: the time must be milliseconds since the epoch, not negative, got $unixMs");
        }
        Library::check($this->ffi->restsign_request_set_time($this->handle, $unixMs));
        return $this;
    }

    /**
     * Fixes the random UUID of recipes that draw one: 36 characters,
     * xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (else Status::ERR_INVALID_UUID).
     */
    public function setUuid(string $uuid): self
    {
        Library::check($this->ffi->restsign_request_set_uuid($this->handle, $uuid, \strlen($uuid)));
        return $this;
    }

    /** The whole URL to send to: the recipe's base URL (or the signer's), the path and "?query". */
    public function url(): string
    {
        return $this->view('restsign_request_url');
    }

    /** The body to send (empty when the parameters travel in the query). */
    public function body(): string
    {
        return $this->view('restsign_request_body');
    }

    /** The query string without "?" (empty when the parameters travel in the body). */
    public function query(): string
    {
        return $this->view('restsign_request_query');
    }

    /** The request target: the path, plus "?" and the query string when there is one. */
    public function target(): string
    {
        return $this->view('restsign_request_target');
    }

    /** The signature text (for mtgox-stream, the whole signed call to send). */
    public function signature(): string
    {
        return $this->view('restsign_request_signature');
    }

    /** Every header as "Name: value\r\n" lines. */
    public function headerBlock(): string
    {
        return $this->view('restsign_request_header_block');
    }

    /** @return list<string> every header as "Name: value", ready for CURLOPT_HTTPHEADER (none for mtgox-stream) */
    public function headers(): array
    {
        $count = $this->ffi->new('size_t[1]');
        Library::check($this->ffi->restsign_request_header_count($this->handle, $count));
        $lines = [];
        for ($i = 0; $i < $count[0]; $i++) {
            Library::check($this->ffi->restsign_request_header($this->handle, $i, self::$data, self::$len));
            $lines[] = \FFI::string(self::$data[0], self::$len[0]);
        }
        return $lines;
    }

    /** The nonce the request was signed with (Status::ERR_NO_NONCE for a raw body: the caller's own). */
    public function nonce(): int
    {
        $nonce = $this->ffi->new('uint64_t[1]');
        Library::check($this->ffi->restsign_request_nonce($this->handle, $nonce));
        return $nonce[0];
    }

    /** A view the request lends (valid until it changes), copied out at once. */
    private function view(string $function): string
    {
        Library::check($this->ffi->$function($this->handle, self::$data, self::$len));
        return \FFI::string(self::$data[0], self::$len[0]);
    }
}
