"""The exceptions of the binding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from ._status import Status

if TYPE_CHECKING:
    from .verifier import Verdict

__all__ = ["RestsignError", "RejectedError", "LibraryNotFoundError"]


class RestsignError(Exception):
    """A status the C library returned: `status` is the code (a Status when the binding knows it)
    and str(e) the library's own text (restsign_strerror)."""

    status: Union[Status, int]

    def __init__(self, message: str, status: Union[Status, int]) -> None:
        super().__init__(message)
        self.status = status

    @classmethod
    def from_status(cls, status: int) -> "RestsignError":
        from ._ffi import lib

        message = lib().restsign_strerror(status).decode()
        try:
            return cls(message, Status(status))
        except ValueError:  # a code newer than this binding
            return cls(message, status)


class RejectedError(RestsignError):
    """A request Verifier.check() or check_request() refused: `status` is ERR_BAD_SIGNATURE,
    ERR_STALE_NONCE, ERR_MALFORMED or ERR_UNKNOWN_KEY (check_request() also ERR_OUTSIDE_WINDOW,
    ERR_REPLAYED), str(e) the verdict's reason, and `verdict` the details (key, nonce, the part
    at fault, and after a bad signature what was expected and what was received)."""

    def __init__(self, verdict: "Verdict") -> None:
        super().__init__(verdict.reason, verdict.status)
        self.verdict = verdict


class LibraryNotFoundError(OSError):
    """librestsign could not be loaded; the message says where it looked and what to do."""
