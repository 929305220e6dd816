"""The server side: restsign_verifier_* and restsign_verdict_*."""

from __future__ import annotations

import re
from ctypes import byref, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Iterable, List, Mapping, NoReturn, Optional, Sequence, Tuple, Union

from . import _ffi
from ._ffi import Bytes
from ._status import Status
from .errors import RejectedError, RestsignError
from .signer import _credential

__all__ = ["Verifier", "Verdict"]

# A line break and the blanks around it, inside a header value: unfolded to one space.
_FOLD = re.compile(rb"[ \t]*(?:\r\n|\r|\n)[ \t]*")

Headers = Union[
    Bytes,
    Mapping[str, Union[Bytes, Sequence[Bytes]]],
    Iterable[Union[str, Tuple[Bytes, Bytes]]],
]
"""Received headers: a "Name: value\\r\\n" block (str or bytes), a mapping of name to value (or
to a list of values, one line each), or an iterable of "Name: value" lines or (name, value) pairs."""

# The statuses that are verdicts about the request (RejectedError); any other is an error of the
# call (RestsignError): arguments, key lookup, replay memory, state file, Redis.
_REJECTIONS = frozenset(
    (
        Status.ERR_BAD_SIGNATURE,
        Status.ERR_STALE_NONCE,
        Status.ERR_MALFORMED,
        Status.ERR_UNKNOWN_KEY,
        Status.ERR_OUTSIDE_WINDOW,
        Status.ERR_REPLAYED,
    )
)


@dataclass(frozen=True)
class Verdict:
    """What one Verifier.check() or check_request() found, copied out of the library at once. A
    plain value."""

    status: Union[Status, int]
    """Status.OK, or ERR_BAD_SIGNATURE, ERR_STALE_NONCE, ERR_MALFORMED, ERR_UNKNOWN_KEY, and from
    check_request() also ERR_OUTSIDE_WINDOW, ERR_REPLAYED."""
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
    part: Optional[str] = None
    """Which part of the request the verdict is about (check_request() only): for ERR_MALFORMED
    the part missing or unreadable ("header OK-ACCESS-TIMESTAMP", "parameter signature"; `reason`
    says what is wrong with it); for ERR_BAD_SIGNATURE with a correct signature, the computed part
    that does not match ("passphrase"). None when the verdict names none."""
    received_signature: Optional[str] = None
    """After a bad signature: the signature the request carried, as received (for a mismatched
    part, what it carried there). Beside expected_signature in the server's log, it shows a
    client's encoding mistakes."""

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
        received = _text(lib.restsign_verdict_received_signature, verdict, Status.ERR_NO_EXPECTED) if bad else None  # type: ignore[attr-defined]
        part = _text(lib.restsign_verdict_part, verdict, Status.ERR_NO_PART)  # type: ignore[attr-defined]
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
            None if part is None else part.decode(),
            None if received is None else received.decode("utf-8", "surrogateescape"),
        )


def _header_block(headers: Headers) -> bytes:
    """The "Name: value\\r\\n" block the C API takes, from any form of `Headers` (a block is
    passed as it is). A line break inside a value is unfolded to a space, as RFC 9110 has servers
    do with a folded (obs-fold) value, so that no value makes a line of its own (base64 signatures
    wrapped that way still decode); a name that is not a single token is refused (ValueError)."""
    if isinstance(headers, (str, bytes, bytearray, memoryview)):
        return _ffi.to_bytes(headers, "headers")
    lines: List[bytes] = []
    items: Iterable[object] = headers.items() if isinstance(headers, Mapping) else headers
    for item in items:
        if isinstance(item, (str, bytes, bytearray, memoryview)):
            name, sep, rest = _ffi.to_bytes(item, "header line").partition(b":")
            if not sep:
                raise ValueError(f"restsign: a header line must be 'Name: value', not {item!r}")
            values: Sequence[Bytes] = [rest]
        elif isinstance(item, tuple) and len(item) == 2:
            name = _ffi.to_bytes(item[0], "header name")
            values = item[1] if isinstance(item[1], (list, tuple)) else [item[1]]
        else:
            raise TypeError(f"restsign: headers must be 'Name: value' lines or (name, value) pairs, not {item!r}")
        if not name.strip() or any(c in name for c in b":\r\n"):
            raise ValueError(f"restsign: not a header name: {name!r}")
        for value in values:
            v = _FOLD.sub(b" ", _ffi.to_bytes(value, "header value"))
            lines.append(name + b": " + v.strip(b" \t"))
    return b"".join(line + b"\r\n" for line in lines)


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

    def add_key_with_passphrase(self, key: Bytes, secret: Bytes, passphrase: Bytes) -> "Verifier":
        """Adds a key with its passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), or
        replaces its secret and passphrase (its replay state is kept). check_request() then
        refuses a request that carries another passphrase (ERR_BAD_SIGNATURE, part "passphrase"),
        and KuCoin's signed passphrase is signed with this one. A key added with add_key() (or
        the constructor) takes the passphrase its request carries, except for KuCoin. Ignored by
        recipes without a passphrase."""
        k = _ffi.to_bytes(key, "key")
        s = _ffi.to_bytes(secret, "secret")
        p = _ffi.to_bytes(passphrase, "passphrase")
        _ffi.check(self._lib.restsign_verifier_add_key_passphrase(self._handle, k, len(k), s, len(s), p, len(p)))
        return self

    def set_window_ms(self, ms: int) -> "Verifier":
        """How far, in milliseconds either way, a request's timestamp may be from the server's
        clock for check_request() (else ERR_OUTSIDE_WINDOW), instead of the recipe's window and
        any the client asks for (Binance's recvWindow); also how long an accepted request is
        remembered to refuse its replay (ERR_REPLAYED). Nonce recipes (Kraken) are not affected.
        Call it before the first check."""
        if isinstance(ms, bool) or not isinstance(ms, int):
            raise TypeError(f"restsign: the window must be an int of milliseconds, not {type(ms).__name__}")
        if not 0 <= ms < 2**64:
            raise ValueError(f"restsign: the window must be from 0 to {2**64 - 1} milliseconds, got {ms}")
        _ffi.check(self._lib.restsign_verifier_set_window_ms(self._handle, ms))
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
        state file error. Recipes it cannot follow (a timestamp, a passphrase...) raise
        RestsignError(ERR_VERIFY_UNSUPPORTED): use check_request()."""
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
        return self._outcome(self._lib.restsign_verifier_check(self._handle, m, p, len(p), h, len(h), d, len(d), self._verdict))

    def check_request(self, method: Bytes, target: Bytes, headers: Headers, body: Bytes) -> Verdict:
        """Checks one whole received request against the verifier's recipe, any recipe (timestamps,
        passphrases, signature parameters, JWTs, JSON envelopes too): a Verdict if it is correctly
        signed by a known key and fresh (then recorded, to refuse its replay).

        `target` is the request target as received, the path with "?query" when there is one;
        `headers` the received headers, all of them or at least the recipe's (see `Headers`: a
        "Name: value\\r\\n" block, a dict such as a framework's request.headers, or a list of
        lines or (name, value) pairs); `body` the exact bytes received.

        Raises RejectedError on a bad signature (`.verdict` has expected_message,
        expected_signature and received_signature), a stale nonce, a timestamp outside the window
        (ERR_OUTSIDE_WINDOW), a replay (ERR_REPLAYED), a malformed request (`.verdict.part` names
        what is missing) or an unknown key; RestsignError on bad arguments, a failed key lookup,
        a full replay memory (ERR_REPLAY_MEMORY_FULL) or a replay state error."""
        m = _ffi.to_bytes(method, "method")
        if b"\0" in m:  # as in check(): no HTTP token
            m = b""
        t = _ffi.to_bytes(target, "target")
        h = _header_block(headers)
        b = _ffi.to_bytes(body, "body")
        return self._outcome(self._lib.restsign_verifier_check_request(self._handle, m, t, len(t), h, len(h), b, len(b), self._verdict))

    def _outcome(self, status: int) -> Verdict:
        """The Verdict of a check that returned `status`, or the exception it calls for."""
        lib = self._lib
        if status == Status.OK:
            return Verdict._read(lib, self._verdict)
        # The verdict handle files every status, so it is the status that tells a verdict about the
        # request from an error of the call.
        if status not in _REJECTIONS:
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
