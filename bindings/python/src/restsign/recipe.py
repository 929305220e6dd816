"""Signing recipes (docs/RECIPES.md): restsign_recipe_*."""

from __future__ import annotations

import ctypes
import re
from ctypes import byref, c_size_t, c_void_p
from typing import List, NoReturn, Optional, Union

from . import _ffi
from ._ffi import Bytes
from ._status import Status
from .errors import RestsignError

__all__ = ["Recipe", "RecipeError"]

# Room for the parser's message; a longer one is cut short by the library.
_ERROR_CAP = 4096


class RecipeError(RestsignError):
    """A recipe the library refused (Recipe.parse()): `status` is Status.ERR_INVALID_RECIPE and
    str(e) the library's description followed by the parser's own message, which says where and
    what ("line 5, column 11: headers.X-SIGN: unknown name `{sig}` ..."). `detail` is the parser's
    message alone; `line` and `column` its position (1-based), or None when it gives none."""

    detail: str
    line: Optional[int]
    column: Optional[int]

    def __init__(self, status: int, detail: str) -> None:
        text = _ffi.lib().restsign_strerror(status).decode()
        try:
            code: Union[Status, int] = Status(status)
        except ValueError:
            code = status
        super().__init__(f"{text}: {detail}" if detail else text, code)
        self.detail = detail
        m = re.search(r"\bline (\d+), column (\d+)\b", detail)
        self.line = int(m[1]) if m else None
        self.column = int(m[2]) if m else None


class Recipe:
    """A signing recipe: a built-in preset, or one parsed from TOML or JSON text. Immutable;
    signers made from it keep their own reference, so it may go as soon as they are made.

        signer = restsign.Signer.from_recipe(restsign.Recipe.preset("okx"), key, secret, passphrase=p)
        mine = restsign.Recipe.parse(open("myexchange.toml").read())   # RecipeError if refused
    """

    __slots__ = ("_handle", "_lib", "__weakref__")
    _handle: Optional[c_void_p]
    _lib: ctypes.CDLL

    def __init__(self) -> None:
        raise TypeError("use Recipe.preset() or Recipe.parse()")

    @classmethod
    def _wrap(cls, handle: c_void_p) -> "Recipe":
        self = object.__new__(cls)
        self._lib = _ffi.lib()
        self._handle = handle
        return self

    @classmethod
    def preset(cls, name: Bytes) -> "Recipe":
        """The built-in preset called `name` ("binance", "okx", ...; aliases such as "binanceus"
        too). Raises RestsignError with Status.ERR_UNKNOWN_SCHEME if there is none."""
        n = _ffi.to_bytes(name, "preset name")
        handle = c_void_p()
        _ffi.check(_ffi.lib().restsign_recipe_preset(n, len(n), byref(handle)))
        return cls._wrap(handle)

    @classmethod
    def parse(cls, text: Bytes) -> "Recipe":
        """A recipe from TOML text, or JSON when it starts with "{". Raises RecipeError (status
        Status.ERR_INVALID_RECIPE) carrying the parser's message, which says where and what."""
        t = _ffi.to_bytes(text, "recipe text")
        handle = c_void_p()
        err = ctypes.create_string_buffer(_ERROR_CAP)
        err_len = c_size_t()
        status = _ffi.lib().restsign_recipe_parse(t, len(t), byref(handle), err, _ERROR_CAP, byref(err_len))
        if status == Status.ERR_INVALID_RECIPE:
            raise RecipeError(status, err.raw[: min(err_len.value, _ERROR_CAP - 1)].decode("utf-8", "replace"))
        _ffi.check(status)
        return cls._wrap(handle)

    @staticmethod
    def presets() -> List[str]:
        """The names of the built-in presets, after the seed schemes (as Signer.schemes())."""
        from .signer import Signer

        return Signer.schemes()

    def name(self) -> str:
        """The recipe's name (its `name` field; a preset's own name even when loaded by an alias)."""
        name: Optional[bytes] = self._lib.restsign_recipe_name(self._live())
        return "" if name is None else name.decode()

    def _live(self) -> c_void_p:
        """The handle, for Signer.from_recipe (a closed recipe: Status.ERR_NULL_HANDLE)."""
        if self._handle is None:
            raise RestsignError.from_status(Status.ERR_NULL_HANDLE)
        return self._handle

    def close(self) -> None:
        """Releases the recipe now (signers made from it keep their own reference). Idempotent."""
        handle, self._handle = self._handle, None
        if handle:
            self._lib.restsign_recipe_free(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self.close()

    def __enter__(self) -> "Recipe":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        raise TypeError("restsign.Recipe cannot be copied or pickled")
