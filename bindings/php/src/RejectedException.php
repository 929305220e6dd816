<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A request Verifier::check() refused: getCode() is the status (Status::ERR_BAD_SIGNATURE,
 * ERR_STALE_NONCE, ERR_MALFORMED or ERR_UNKNOWN_KEY), getMessage() the verdict's reason, and
 * getVerdict() the details (key, nonce, and after a bad signature what was expected).
 */
final class RejectedException extends RestsignException
{
    public function __construct(private readonly Verdict $verdict)
    {
        parent::__construct($verdict->reason, $verdict->status);
    }

    public function getVerdict(): Verdict
    {
        return $this->verdict;
    }
}
