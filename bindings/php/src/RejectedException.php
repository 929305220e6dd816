<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A request Verifier::check() or checkRequest() refused: getCode() is the status
 * (Status::ERR_BAD_SIGNATURE, ERR_STALE_NONCE, ERR_MALFORMED or ERR_UNKNOWN_KEY; from
 * checkRequest() also ERR_OUTSIDE_WINDOW and ERR_REPLAYED), getMessage() the verdict's reason,
 * and getVerdict() the details (key, nonce, the part at fault, and after a bad signature what was
 * expected and what was received).
 */
final class RejectedException extends RestsignException
{
    /** The statuses that are verdicts about a request; any other is an error of the call. */
    public const STATUSES = [
        Status::ERR_BAD_SIGNATURE, Status::ERR_STALE_NONCE, Status::ERR_MALFORMED,
        Status::ERR_UNKNOWN_KEY, Status::ERR_OUTSIDE_WINDOW, Status::ERR_REPLAYED,
    ];

    public function __construct(private readonly Verdict $verdict)
    {
        parent::__construct($verdict->reason, $verdict->status);
    }

    public function getVerdict(): Verdict
    {
        return $this->verdict;
    }
}
