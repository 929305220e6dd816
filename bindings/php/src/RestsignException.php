<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A status the C library returned: getMessage() is restsign_strerror()'s text and getCode() the
 * status (one of the Status::ERR_* constants).
 */
class RestsignException extends \RuntimeException
{
    public static function fromStatus(int $status): self
    {
        return new self(Library::ffi()->restsign_strerror($status), $status);
    }
}
