<?php

declare(strict_types=1);

namespace Restsign;

/**
 * What one Verifier::check() or checkRequest() found, copied out of the library's verdict at once (the verifier
 * reuses its verdict handle). A plain value: nothing to free.
 */
final class Verdict
{
    /**
     * @param int         $status             Status::OK, or ERR_BAD_SIGNATURE, ERR_STALE_NONCE,
     *                                        ERR_MALFORMED, ERR_UNKNOWN_KEY; from checkRequest()
     *                                        also ERR_OUTSIDE_WINDOW, ERR_REPLAYED
     * @param string      $reason             the library's text: for a malformed request, what is
     *                                        missing or unparseable
     * @param string|null $key                the request's key (null if it named none)
     * @param int|null    $nonce              the nonce accepted, or the stale one refused
     * @param string|null $expectedMessage    after a bad signature: the bytes the client should
     *                                        have signed. For the server's log only.
     * @param string|null $expectedSignature  after a bad signature: what the client should have
     *                                        sent. For the server's log only: sent back, it would
     *                                        sign requests for anyone.
     * @param string|null $part               which part of the request the verdict is about
     *                                        (checkRequest() only): for ERR_MALFORMED the part
     *                                        missing or unreadable ("header OK-ACCESS-TIMESTAMP",
     *                                        "parameter signature"; $reason says what is wrong);
     *                                        for ERR_BAD_SIGNATURE with a correct signature, the
     *                                        computed part that does not match ("passphrase")
     * @param string|null $receivedSignature  after a bad signature: the signature the request
     *                                        carried, as received (for a mismatched part, what it
     *                                        carried there); beside $expectedSignature in the
     *                                        server's log it shows a client's encoding mistakes
     */
    public function __construct(
        public readonly int $status,
        public readonly string $reason,
        public readonly ?string $key,
        public readonly ?int $nonce,
        public readonly ?string $expectedMessage,
        public readonly ?string $expectedSignature,
        public readonly ?string $part = null,
        public readonly ?string $receivedSignature = null,
    ) {
    }

    public function ok(): bool
    {
        return $this->status === Status::OK;
    }

    /** @internal Every field of a restsign_verdict*; one it lacks is null. */
    public static function read(\FFI\CData $verdict): self
    {
        $ffi = Library::ffi();
        $status = $ffi->restsign_verdict_status($verdict);
        $nonce = $ffi->new('uint64_t[1]');
        $nonceStatus = $ffi->restsign_verdict_nonce($verdict, $nonce);
        if ($nonceStatus !== Status::ERR_NO_NONCE) {
            Library::check($nonceStatus);
        }
        $bad = $status === Status::ERR_BAD_SIGNATURE;
        return new self(
            $status,
            $ffi->restsign_verdict_reason($verdict),
            self::text('restsign_verdict_key', $verdict, Status::ERR_NO_KEY),
            $nonceStatus === Status::OK ? $nonce[0] : null,
            $bad ? self::text('restsign_verdict_expected_message', $verdict, Status::ERR_NO_EXPECTED) : null,
            $bad ? self::text('restsign_verdict_expected_signature', $verdict, Status::ERR_NO_EXPECTED) : null,
            self::text('restsign_verdict_part', $verdict, Status::ERR_NO_PART),
            $bad ? self::text('restsign_verdict_received_signature', $verdict, Status::ERR_NO_EXPECTED) : null,
        );
    }

    /** A text field of the verdict, or null when it reports $absent. */
    private static function text(string $function, \FFI\CData $verdict, int $absent): ?string
    {
        try {
            return OutputBuffer::shared()->into(static fn (\FFI\CData $out, int $cap, \FFI\CData $len): int => Library::ffi()->$function($verdict, $out, $cap, $len));
        } catch (RestsignException $e) {
            if ($e->getCode() === $absent) {
                return null;
            }
            throw $e;
        }
    }
}
