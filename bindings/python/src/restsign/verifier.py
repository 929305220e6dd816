"""The server side: restsign_verifier_* and restsign_verdict_*."""

from __future__ import annotations

from ctypes import byref, c_uint64, c_void_p
from dataclasses import dataclass
from typing import List, NoReturn, Optional, Union

from . import _ffi
from ._ffi import Bytes
from ._status import Status
from .errors import RejectedError, RestsignError
from .signer import _credential

__all__ = ["Verifier", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """What one Verifier.check() found, copied out of the library at once. A plain value."""

    status: Union[Status, int]
    """Status.OK, or ERR_BAD_SIGNATURE, ERR_STALE_NONCE, ERR_MALFORMED, ERR_UNKNOWN_KEY."""
    reason: str
    """The library's text: for a malformed request, what is missing or unparseable."""
    key: Optional[str]
    """The request's key (None if it named none)."""
    nonce: Optional[int]
    """The nonce accepted, or the stale one refused."""
    expected_message: Optional[bytes]
    """After a bad signature: the bytes the client should have signed. For the server's log only."""
    expected_signature: Optional[str]
    """After a bad signature: what the client should have sent. For the server's log only: sent
    back, it would sign requests for anyone."""

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    @classmethod
    def _read(cls, lib: object, verdict: Optional[c_void_p]) -> "Verdict":
        status = lib.restsign_verdict_status(verdict)  # type: ignore[attr-defined]
        n = c_uint64()
        nonce_status = lib.restsign_verdict_nonce(verdict, byref(n))  # type: ignore[attr-defined]
        if nonce_status != Status.ERR_NO_NONCE:
            _ffi.check(nonce_status)
        bad = status == Status.ERR_BAD_SIGNATURE
        key = _text(lib.restsign_verdict_key, verdict, Status.ERR_NO_KEY)  # type: ignore[attr-defined]
        message = _text(lib.restsign_verdict_expected_message, verdict, Status.ERR_NO_EXPECTED) if bad else None  # type: ignore[attr-defined]
        signature = _text(lib.restsign_verdict_expected_signature, verdict, Status.ERR_NO_EXPECTED) if bad else None  # type: ignore[attr-defined]
        try:
            status = Status(status)
        except ValueError:
            pass
        return cls(
            status,
            lib.restsign_verdict_reason(verdict).decode(),  # type: ignore[attr-defined]
            None if key is None else key.decode("utf-8", "surrogateescape"),
            n.value if nonce_status == Status.OK else None,
            message,
            None if signature is None else signature.decode("ascii"),
        )


def _text(fn: object, verdict: Optional[c_void_p], absent: Status) -> Optional[bytes]:
    """A text field of the verdict, or None when the library reports `absent`."""
    try:
        return _ffi.buffer().into(fn, verdict)  # type: ignore[arg-type]
    except RestsignError as e:
        if e.status == absent:
            return None
        raise


class Verifier:
    """Checks received requests for one scheme against a table of keys, with replay protection.
    Holds the verifier handle and one verdict handle reused for every check (so one thread at a
    time per Verifier object; make one per thread, or share a state directory)."""

    __slots__ = ("_handle", "_verdict", "_lib", "__weakref__")

    def __init__(self, scheme: Bytes, key: Bytes, secret: Bytes) -> None:
        """A verifier knowing one key (add more with add_key()); replay state in this process's memory."""
        self._create("restsign_verifier_new", *_credential(scheme, key, secret))

    @classmethod
    def shared(cls, scheme: Bytes, key: Bytes, secret: Bytes, state_dir: Optional[_ffi.PathArg] = None) -> "Verifier":
        """Like Verifier(), with the replay state in files shared by every process that uses the
        same directory (`state_dir`, or when None the library's default): once one accepts a
        nonce, every other refuses it and anything below it."""
        args = _credential(scheme, key, secret)
        d = None if state_dir is None else _ffi.path(state_dir, Status.ERR_NONCE_STATE_IO)
        self = object.__new__(cls)
        self._create("restsign_verifier_new_shared", *args, d)
        return self

    def _create(self, function: str, *args: object) -> None:
        self._handle = self._verdict = None
        lib = self._lib = _ffi.lib()
        verdict = c_void_p()
        _ffi.check(lib.restsign_verdict_new(byref(verdict)))
        self._verdict = verdict
        handle = c_void_p()
        _ffi.check(getattr(lib, function)(*args, byref(handle)))
        self._handle = handle

    def add_key(self, key: Bytes, secret: Bytes) -> "Verifier":
        """Adds a key, or replaces its secret (its replay state is kept)."""
        k = _ffi.to_bytes(key, "key")
        s = _ffi.to_bytes(secret, "secret")
        _ffi.check(self._lib.restsign_verifier_add_key(self._handle, k, len(k), s, len(s)))
        return self

    def check(self, method: Bytes, path: Bytes, headers: Union[Bytes, List[str]], payload: Bytes) -> Verdict:
        """Checks one received request: a Verdict if it is correctly signed by a known key with a
        fresh nonce (which is then recorded).

        `path` is the URL path without "?query" (mtgox-v2: the whole /api/2/... path); `headers`
        the received headers as "Name: value\\r\\n" lines in one string, or a list of "Name: value";
        `payload` the body, or for the scheme's query methods (apiauth and viabtc GET, HEAD,
        DELETE) the query string without "?", or for mtgox-stream the signed call.

        Raises RejectedError on a bad signature, a stale nonce (a replay), a malformed request or
        an unknown key (`.verdict` has the details); RestsignError on bad arguments or a replay
        state file error."""
        if isinstance(headers, list):
            headers = "".join(line + "\r\n" for line in headers)
        m = _ffi.to_bytes(method, "method")
        # C would see a method with a NUL cut short, perhaps as a valid token; such a method is no
        # token at all, which the library judges malformed when it is given an empty one.
        if b"\0" in m:
            m = b""
        p = _ffi.to_bytes(path, "path")
        h = _ffi.to_bytes(headers, "headers")
        d = _ffi.to_bytes(payload, "payload")
        lib = self._lib
        status = lib.restsign_verifier_check(self._handle, m, p, len(p), h, len(h), d, len(d), self._verdict)
        if status == Status.OK:
            return Verdict._read(lib, self._verdict)
        # Argument and state-file errors leave no verdict of this check.
        if lib.restsign_verdict_status(self._verdict) != status:
            raise RestsignError.from_status(status)
        raise RejectedError(Verdict._read(lib, self._verdict))

    def close(self) -> None:
        """Releases the verifier now (the library wipes its secrets). Idempotent."""
        handle, self._handle = self._handle, None
        verdict, self._verdict = self._verdict, None
        if handle:
            self._lib.restsign_verifier_free(handle)
        if verdict:
            self._lib.restsign_verdict_free(verdict)

    def __del__(self) -> None:
        if getattr(self, "_lib", None) is not None:
            self.close()

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        raise TypeError("restsign.Verifier cannot be copied or pickled")
