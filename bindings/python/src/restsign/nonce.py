"""Nonce sources: restsign_nonce_*."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_int32, c_uint64, c_void_p
from typing import NoReturn, Optional

from . import _ffi
from ._ffi import Bytes
from ._status import NonceUnit, Status
from .errors import RestsignError

__all__ = ["Nonce"]


class Nonce:
    """A source of strictly increasing nonces (each is max(now in its unit, last + 1)). Any number
    of threads may draw from one source. Signers made with a source keep their own reference to
    it in the library, so it may be closed or collected before them."""

    __slots__ = ("_handle", "_lib", "__weakref__")
    _handle: Optional[c_void_p]
    _lib: ctypes.CDLL

    def __init__(self) -> None:
        raise TypeError("use Nonce.memory(), Nonce.file() or Nonce.redis()")

    @classmethod
    def _create(cls, function: str, *args: object) -> "Nonce":
        self = object.__new__(cls)
        self._handle = None
        lib = self._lib = _ffi.lib()
        handle = c_void_p()
        _ffi.check(getattr(lib, function)(*args, byref(handle)))
        self._handle = handle
        return self

    @classmethod
    def memory(cls, unit: int) -> "Nonce":
        """An in-process source counting `unit` (a NonceUnit)."""
        return cls._create("restsign_nonce_new_memory", _ffi.unit(unit))

    @classmethod
    def file(cls, path: Optional[_ffi.PathArg], key: Bytes, unit: int) -> "Nonce":
        """A source shared by every process on this host that opens the same state file: `path`,
        or when None the library's default for `key` ($XDG_RUNTIME_DIR/restsign/nonce-<hash>, else
        /tmp/restsign-<uid>/...). Created with mode 0600 if missing; a file that is damaged, too
        short, or made for another key or unit raises (Status.ERR_NONCE_STATE_*), never resets."""
        c_path = None if path is None else _ffi.path(path, Status.ERR_NONCE_STATE_IO)
        k = _ffi.to_bytes(key, "key")
        return cls._create("restsign_nonce_new_file", c_path, k, len(k), _ffi.unit(unit))

    @classmethod
    def redis(cls, url: Bytes, key: Bytes, unit: int) -> "Nonce":
        """A source shared through a Redis server (several hosts signing with one key), from
        restsign_nonce_new_redis(url, len, key, len, unit, &out) in libraries that have it.
        Raises NotImplementedError with a loaded library that does not."""
        if not _ffi.has("restsign_nonce_new_redis"):
            raise NotImplementedError("restsign: this librestsign has no Redis nonce source (restsign_nonce_new_redis)")
        u = _ffi.to_bytes(url, "Redis URL")
        k = _ffi.to_bytes(key, "key")
        return cls._create("restsign_nonce_new_redis", u, len(u), k, len(k), _ffi.unit(unit))

    @staticmethod
    def scheme_unit(scheme: Bytes) -> NonceUnit:
        """The default unit of `scheme`."""
        unit = c_int32()
        _ffi.check(_ffi.lib().restsign_scheme_nonce_unit(_ffi.text(scheme, "scheme", Status.ERR_UNKNOWN_SCHEME), byref(unit)))
        return NonceUnit(unit.value)

    def next(self) -> int:
        """The next value, 1 to 2^63 - 1."""
        value = c_uint64()  # one per call: threads share a source
        _ffi.check(self._lib.restsign_nonce_next(self._handle, byref(value)))
        return value.value

    def close(self) -> None:
        """Releases the source now (signers using it keep it alive). Idempotent."""
        handle, self._handle = self._handle, None
        if handle:
            self._lib.restsign_nonce_free(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self.close()

    def __enter__(self) -> "Nonce":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        # A copy (copy.copy, pickle) would share the handle and free it twice.
        raise TypeError("restsign.Nonce cannot be copied or pickled")

    def _live(self) -> c_void_p:
        """The handle, for Signer (NULL after close(): the library then refuses it)."""
        if self._handle is None:
            raise RestsignError.from_status(Status.ERR_NULL_HANDLE)
        return self._handle
