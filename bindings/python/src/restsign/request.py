"""Requests built, then signed, by the library: restsign_request_*."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_uint64, c_void_p
from typing import TYPE_CHECKING, Callable, Dict, List, NoReturn, Optional, Union

from . import _ffi
from ._ffi import Bytes
from ._status import Status

if TYPE_CHECKING:
    from .signer import Signer

__all__ = ["Request"]


class Request:
    """A request the library builds and signs (it keeps its signer alive). Builder and signing
    methods return the request, so calls chain:

        req = signer.request("POST", "/tradingApi").param("command", "returnBalances").sign()
        requests.post("https://poloniex.com" + req.target(), data=req.body(), headers=req.header_dict())

    The readers (body(), query(), target(), signature(), headers(), header_block(), nonce()) work
    once the request is signed (before: Status.ERR_NOT_SIGNED); changing it unsigns it. One thread
    at a time."""

    __slots__ = ("_handle", "_lib")
    _handle: Optional[c_void_p]
    _lib: ctypes.CDLL

    def __init__(self, signer: "Signer", method: Bytes, path: Bytes) -> None:
        """Signer.request() is the usual way in."""
        if not isinstance(signer, _Signer):
            raise TypeError("restsign: a request needs a restsign.Signer")
        self._handle = None
        lib = self._lib = _ffi.lib()
        m = _ffi.text(method, "method", Status.ERR_INVALID_METHOD)
        p = _ffi.to_bytes(path, "path")
        handle = c_void_p()
        _ffi.check(lib.restsign_request_new(signer._handle, m, p, len(p), byref(handle)))
        self._handle = handle

    def param(self, name: Bytes, value: Union[Bytes, int]) -> "Request":
        """Adds a parameter (raw bytes; the library form-encodes them), kept in order. The scheme's
        nonce field is added last unless you add it yourself."""
        n = _ffi.to_bytes(name, "parameter name")
        if isinstance(value, bool):
            raise TypeError("restsign: a parameter value must be str, bytes or int, not bool")
        v = str(value).encode() if isinstance(value, int) else _ffi.to_bytes(value, "parameter value")
        _ffi.check(self._lib.restsign_request_add_param(self._handle, n, len(n), v, len(v)))
        return self

    def set_body(self, body: Bytes) -> "Request":
        """Sends `body` exactly as given instead of parameters; any nonce field in it is yours."""
        b = _ffi.to_bytes(body, "body")
        _ffi.check(self._lib.restsign_request_set_body(self._handle, b, len(b)))
        return self

    def set_json(self, json: Bytes) -> "Request":
        """Sends a JSON object as the body; the library adds the scheme's nonce member unless present."""
        j = _ffi.to_bytes(json, "JSON")
        _ffi.check(self._lib.restsign_request_set_json(self._handle, j, len(j)))
        return self

    def sign(self) -> "Request":
        """Draws the next nonce from the signer's source, builds the body or query, and signs."""
        _ffi.check(self._lib.restsign_request_sign(self._handle))
        return self

    def sign_with_nonce(self, nonce: int) -> "Request":
        """Signs with a nonce of your choosing (nothing is drawn); 1 to 2^63 - 1."""
        _ffi.check(self._lib.restsign_request_sign_with_nonce(self._handle, _ffi.nonce(nonce)))
        return self

    def set_time(self, unix_ms: int) -> "Request":
        """Fixes the clock the request is signed at, in milliseconds since the epoch (to reproduce a
        request, or to test); every timestamp of the recipe is rendered from it. By default each
        signing reads the system clock."""
        if isinstance(unix_ms, bool) or not isinstance(unix_ms, int):
            raise TypeError(f"restsign: the time must be an int, not {type(unix_ms).__name__}")
        if not 0 <= unix_ms < 2**64:
            raise ValueError(f"restsign: the time must be milliseconds from 0 to 2^64 - 1, got {unix_ms}")
        _ffi.check(self._lib.restsign_request_set_time(self._handle, unix_ms))
        return self

    def set_uuid(self, uuid: Bytes) -> "Request":
        """Fixes the random UUID of recipes that draw one (Bitstamp, Upbit): 36 characters,
        xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (else Status.ERR_INVALID_UUID)."""
        u = _ffi.to_bytes(uuid, "UUID")
        _ffi.check(self._lib.restsign_request_set_uuid(self._handle, u, len(u)))
        return self

    def url(self) -> str:
        """The whole URL to send to: the base URL (the recipe's or the signer's), the path and "?query"."""
        return self._view(self._lib.restsign_request_url).decode("utf-8", "surrogateescape")

    def body(self) -> bytes:
        """The body to send, as bytes: send exactly these (empty when parameters travel in the query)."""
        return self._view(self._lib.restsign_request_body)

    def query(self) -> str:
        """The query string without "?" (empty when the parameters travel in the body)."""
        return self._view(self._lib.restsign_request_query).decode("ascii")

    def target(self) -> str:
        """The request target: the path, plus "?" and the query string when there is one."""
        return self._view(self._lib.restsign_request_target).decode("utf-8", "surrogateescape")

    def signature(self) -> str:
        """The signature text (for mtgox-stream, the whole signed call to send)."""
        return self._view(self._lib.restsign_request_signature).decode("ascii")

    def header_block(self) -> str:
        """Every header as "Name: value\\r\\n" lines."""
        return self._view(self._lib.restsign_request_header_block).decode("utf-8", "surrogateescape")

    def headers(self) -> List[str]:
        """Every header as "Name: value" (none for mtgox-stream)."""
        count = c_size_t()
        lib = self._lib
        _ffi.check(lib.restsign_request_header_count(self._handle, byref(count)))
        lines = []
        view = _ffi.buffer().view
        for i in range(count.value):
            lines.append(view(lib.restsign_request_header, self._handle, i).decode("utf-8", "surrogateescape"))
        return lines

    def header_dict(self) -> Dict[str, str]:
        """The headers as a dict, for `requests` and friends (each scheme's names are distinct)."""
        # One call for the block; keys cannot contain CR or LF, so splitting on CRLF is exact.
        lines = self.header_block().split("\r\n")[:-1]
        return dict(line.split(": ", 1) for line in lines)

    def nonce(self) -> int:
        """The nonce the request was signed with (Status.ERR_NO_NONCE for a raw body: yours)."""
        n = c_uint64()
        _ffi.check(self._lib.restsign_request_nonce(self._handle, byref(n)))
        return n.value

    def _view(self, fn: Callable[..., int]) -> bytes:
        return _ffi.buffer().view(fn, self._handle)

    def close(self) -> None:
        """Releases the request now (and its reference to the signer). Idempotent."""
        handle, self._handle = self._handle, None
        if handle:
            self._lib.restsign_request_free(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self.close()

    def __enter__(self) -> "Request":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        raise TypeError("restsign.Request cannot be copied or pickled")


from .signer import Signer as _Signer  # noqa: E402  (signer.py imports this module first)
