"""The C API's status codes and nonce units, as in include/restsign.h (a test checks they agree).

restsign_strerror() describes each status; the header documents them.
"""

from enum import IntEnum

__all__ = ["Status", "NonceUnit"]


class Status(IntEnum):
    """RESTSIGN_OK and the RESTSIGN_ERR_* codes, without the RESTSIGN_ prefix."""

    OK = 0
    ERR_NULL_ARGUMENT = 1
    ERR_NULL_WITH_LENGTH = 2
    ERR_NULL_HANDLE = 3
    ERR_BUFFER_TOO_SMALL = 4
    ERR_UNKNOWN_SCHEME = 5
    ERR_EMPTY_SECRET = 6
    ERR_SECRET_NOT_BASE64 = 7
    ERR_KEY_NOT_UUID = 8
    ERR_INVALID_KEY = 9
    ERR_INVALID_METHOD = 10
    ERR_NO_HEADERS = 11
    ERR_TOO_LONG = 12
    ERR_INTERNAL = 13
    ERR_NONCE_EXHAUSTED = 14
    ERR_NONCE_NOT_INCREASING = 15
    ERR_NONCE_STATE_TRUNCATED = 16
    ERR_NONCE_STATE_FOREIGN = 17
    ERR_NONCE_STATE_CORRUPT = 18
    ERR_NONCE_STATE_IO = 19
    ERR_NONCE_CALLBACK_FAILED = 20
    ERR_PARAMS_AND_BODY = 21
    ERR_JSON_NOT_OBJECT = 22
    ERR_JSON_NOT_UTF8 = 23
    ERR_NOT_SIGNED = 24
    ERR_INVALID_UNIT = 25
    ERR_INDEX_OUT_OF_RANGE = 26
    ERR_NO_NONCE = 27
    ERR_NONCE_OUT_OF_RANGE = 28
    ERR_KEY_LOOKUP_FAILED = 29
    ERR_BAD_SIGNATURE = 40
    ERR_STALE_NONCE = 41
    ERR_MALFORMED = 42
    ERR_UNKNOWN_KEY = 43
    ERR_NO_EXPECTED = 44
    ERR_NO_KEY = 45
    ERR_NOT_CHECKED = 46


class NonceUnit(IntEnum):
    """The RESTSIGN_NONCE_UNIT_* values: what a nonce counts since the epoch."""

    SECONDS = 1
    MILLIS = 2
    MICROS = 3
    TEN_MICROS = 4
