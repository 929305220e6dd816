"""Loads librestsign once per process, declares its C functions for ctypes, and holds what the
binding's classes share: status checks, argument conversions and the output buffer.

Where the library comes from (candidates(), first that loads wins), as in the PHP and Perl bindings:
 1. the RESTSIGN_LIB environment variable, a path to librestsign.so (if set, nothing else is tried);
 2. the build tree this package sits in (the nearest directory above it with a Cargo.toml):
    target/release, then target/debug; found when the package runs from the repository (tests,
    editable installs), not from site-packages;
 3. the system: ctypes.util.find_library("restsign"), then the dynamic loader's search for
    librestsign.so.0.1 and librestsign.so (a library installed by CMake into /usr/local/lib, or
    on LD_LIBRARY_PATH).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import POINTER, byref, c_char, c_char_p, c_int32, c_size_t, c_uint64, c_void_p
from pathlib import Path
from typing import Callable, List, Optional, Union, cast

from ._status import Status
from .errors import LibraryNotFoundError, RestsignError

Bytes = Union[str, bytes, bytearray, memoryview]
"""A byte argument: bytes as they are, str as its UTF-8 encoding."""

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
"""A file system path, encoded as the OS does (os.fsencode)."""

NONCE_MAX = 2**63 - 1


def candidates() -> List[str]:
    """Library paths or sonames to try, in order."""
    env = os.environ.get("RESTSIGN_LIB", "")
    if env:
        return [env]
    built: List[str] = []
    for directory in Path(__file__).resolve().parents:
        if (directory / "Cargo.toml").is_file():
            built = [str(p) for p in (directory / "target" / kind / "librestsign.so" for kind in ("release", "debug")) if p.is_file()]
            break
    found = ctypes.util.find_library("restsign")
    return built + ([found] if found else []) + ["librestsign.so.0.1", "librestsign.so"]


_lib: Optional[ctypes.CDLL] = None
_lock = threading.Lock()


def lib() -> ctypes.CDLL:
    """The loaded library, its functions declared (loaded on first use, so `import restsign`
    never fails for want of it)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _declare(_open())
    return _lib


def _open() -> ctypes.CDLL:
    tried = []
    for name in candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            tried.append(f"{name} ({e})")
    raise LibraryNotFoundError(
        "restsign: cannot load librestsign: set RESTSIGN_LIB to the path of librestsign.so, or install "
        "the library where the dynamic loader finds it (cmake --install build, then ldconfig, or "
        "LD_LIBRARY_PATH); tried " + ", ".join(tried)
    )


# The C signatures. Handles are opaque pointers (c_void_p); every fallible call returns int32.
_S = c_int32
_P = c_void_p
_PP = POINTER(c_void_p)
_STR = c_char_p  # a (const char *, len) pair's pointer, or a NUL-terminated text
_SZ = c_size_t
_PSZ = POINTER(c_size_t)
_PU64 = POINTER(c_uint64)
_VIEW = POINTER(POINTER(c_char))  # const char **: a view's pointer, sliced to bytes on our side
_INTO = [c_void_p, c_size_t, _PSZ]  # (out, out_cap, *out_len)
_SIGN = [_P, _STR, _STR, _SZ, _STR, _SZ, c_uint64]

_PROTOTYPES = {
    "restsign_strerror": (c_char_p, [_S]),
    "restsign_version": (c_char_p, []),
    "restsign_scheme_count": (_SZ, []),
    "restsign_scheme_name": (c_char_p, [_SZ]),
    "restsign_scheme_nonce_unit": (_S, [_STR, POINTER(c_int32)]),
    "restsign_max_tag_len": (_SZ, []),
    "restsign_nonce_new_memory": (_S, [c_int32, _PP]),
    "restsign_nonce_new_file": (_S, [_STR, _STR, _SZ, c_int32, _PP]),
    "restsign_nonce_next": (_S, [_P, _PU64]),
    "restsign_nonce_free": (None, [_P]),
    "restsign_signer_new": (_S, [_STR, _STR, _SZ, _STR, _SZ, _PP]),
    "restsign_signer_new_with_nonce": (_S, [_STR, _STR, _SZ, _STR, _SZ, _P, _PP]),
    "restsign_signer_new_shared": (_S, [_STR, _STR, _SZ, _STR, _SZ, _STR, _PP]),
    "restsign_signer_next_nonce": (_S, [_P, _PU64]),
    "restsign_signer_free": (None, [_P]),
    "restsign_signer_sign_into": (_S, _SIGN + _INTO),
    "restsign_signer_headers_into": (_S, _SIGN + _INTO),
    "restsign_signer_signature_len": (_S, [_P, _SZ, _PSZ]),
    "restsign_request_new": (_S, [_P, _STR, _STR, _SZ, _PP]),
    "restsign_request_add_param": (_S, [_P, _STR, _SZ, _STR, _SZ]),
    "restsign_request_set_body": (_S, [_P, _STR, _SZ]),
    "restsign_request_set_json": (_S, [_P, _STR, _SZ]),
    "restsign_request_sign": (_S, [_P]),
    "restsign_request_sign_with_nonce": (_S, [_P, c_uint64]),
    "restsign_request_body": (_S, [_P, _VIEW, _PSZ]),
    "restsign_request_query": (_S, [_P, _VIEW, _PSZ]),
    "restsign_request_target": (_S, [_P, _VIEW, _PSZ]),
    "restsign_request_signature": (_S, [_P, _VIEW, _PSZ]),
    "restsign_request_header_block": (_S, [_P, _VIEW, _PSZ]),
    "restsign_request_header_count": (_S, [_P, _PSZ]),
    "restsign_request_header": (_S, [_P, _SZ, _VIEW, _PSZ]),
    "restsign_request_nonce": (_S, [_P, _PU64]),
    "restsign_request_free": (None, [_P]),
    "restsign_verifier_new": (_S, [_STR, _STR, _SZ, _STR, _SZ, _PP]),
    "restsign_verifier_new_shared": (_S, [_STR, _STR, _SZ, _STR, _SZ, _STR, _PP]),
    "restsign_verifier_add_key": (_S, [_P, _STR, _SZ, _STR, _SZ]),
    "restsign_verifier_check": (_S, [_P, _STR, _STR, _SZ, _STR, _SZ, _STR, _SZ, _P]),
    "restsign_verifier_check_request": (_S, [_P, _STR, _STR, _SZ, _STR, _SZ, _STR, _SZ, _P]),
    "restsign_verifier_add_key_passphrase": (_S, [_P, _STR, _SZ, _STR, _SZ, _STR, _SZ]),
    "restsign_verifier_set_window_ms": (_S, [_P, c_uint64]),
    "restsign_verifier_free": (None, [_P]),
    "restsign_verdict_new": (_S, [_PP]),
    "restsign_verdict_free": (None, [_P]),
    "restsign_verdict_status": (_S, [_P]),
    "restsign_verdict_reason": (c_char_p, [_P]),
    "restsign_verdict_key": (_S, [_P] + _INTO),
    "restsign_verdict_nonce": (_S, [_P, _PU64]),
    "restsign_verdict_expected_message": (_S, [_P] + _INTO),
    "restsign_verdict_expected_signature": (_S, [_P] + _INTO),
    "restsign_verdict_received_signature": (_S, [_P] + _INTO),
    "restsign_verdict_part": (_S, [_P] + _INTO),
    "restsign_recipe_preset": (_S, [_STR, _SZ, _PP]),
    "restsign_recipe_parse": (_S, [_STR, _SZ, _PP, c_char_p, _SZ, _PSZ]),
    "restsign_recipe_name": (c_char_p, [_P]),
    "restsign_recipe_free": (None, [_P]),
    "restsign_signer_options_new": (_S, [_PP]),
    "restsign_signer_options_set_passphrase": (_S, [_P, _STR, _SZ]),
    "restsign_signer_options_set_nonce": (_S, [_P, _P]),
    "restsign_signer_options_set_base_url": (_S, [_P, _STR, _SZ]),
    "restsign_signer_options_free": (None, [_P]),
    "restsign_signer_new_recipe": (_S, [_P, _STR, _SZ, _STR, _SZ, _P, _PP]),
    "restsign_request_set_time": (_S, [_P, c_uint64]),
    "restsign_request_set_uuid": (_S, [_P, _STR, _SZ]),
    "restsign_request_url": (_S, [_P, _VIEW, _PSZ]),
}

# Functions a newer library may have; Nonce.redis() says so when the loaded one lacks them.
# restsign_nonce_new_redis(url, url_len, key, key_len, unit, &out), from the Redis nonce work.
_OPTIONAL = {
    "restsign_nonce_new_redis": (_S, [_STR, _SZ, _STR, _SZ, c_int32, _PP]),
}


def _declare(library: ctypes.CDLL) -> ctypes.CDLL:
    for table, required in ((_PROTOTYPES, True), (_OPTIONAL, False)):
        for name, (restype, argtypes) in table.items():
            try:
                fn = getattr(library, name)
            except AttributeError:
                if required:
                    raise LibraryNotFoundError(f"restsign: {library._name} lacks {name}: it is not a librestsign this binding knows")
                continue
            fn.restype = restype
            fn.argtypes = argtypes
    return library


def has(name: str) -> bool:
    """Whether the loaded library exports `name` (for functions newer than some libraries)."""
    return hasattr(lib(), name)


# ---- what the classes share (internal) ----


def check(status: int) -> None:
    """Raises the status unless it is OK."""
    if status:
        raise RestsignError.from_status(status)


def to_bytes(value: Bytes, what: str) -> bytes:
    """A byte argument: str as UTF-8, bytes-like as it is."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"restsign: the {what} must be str or bytes, not {type(value).__name__}")


def text(value: Bytes, what: str, status: Status) -> bytes:
    """A NUL-terminated argument (a scheme name, a method, a path): C would see one with a NUL cut
    short, so it cannot be a valid one and is refused with `status`, the library's own answer to
    an invalid value of that kind."""
    data = to_bytes(value, what)
    if b"\0" in data:
        raise RestsignError.from_status(status)
    return data


def path(value: PathArg, status: Status) -> bytes:
    """A file system path (str, bytes or os.PathLike) for C; one with a NUL is refused with `status`."""
    try:
        data = os.fsencode(value)
    except TypeError:
        raise TypeError(f"restsign: a path must be str, bytes or os.PathLike, not {type(value).__name__}") from None
    if b"\0" in data:
        raise RestsignError.from_status(status)
    return data


def nonce(value: int) -> int:
    """A nonce in 0..2^63-1 (ctypes would silently wrap anything outside uint64)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"restsign: the nonce must be an int, not {type(value).__name__}")
    if not 0 <= value <= NONCE_MAX:
        raise ValueError(f"restsign: the nonce must be an integer from 0 to {NONCE_MAX}, got {value}")
    return value


def unit(value: int) -> int:
    """A unit as C's int32_t: a larger int would arrive truncated, perhaps as a valid unit."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"restsign: the nonce unit must be an int, not {type(value).__name__}")
    if not -(2**31) <= value < 2**31:
        raise RestsignError.from_status(Status.ERR_INVALID_UNIT)
    return value


class OutputBuffer:
    """The output of calls under the C API's buffer contract (out, out_cap, *out_len), and where
    requests lend their views (data, len). One per thread (ctypes releases the GIL during calls),
    grown to the largest output asked for; every result is copied out before the call returns."""

    __slots__ = ("out", "cap", "len", "len_ref", "data", "data_ref")

    def __init__(self) -> None:
        self.len = c_size_t()
        self.len_ref = byref(self.len)
        self.data = POINTER(c_char)()
        self.data_ref = byref(self.data)
        # Room for any header scheme's signature and header lines (names, nonce, a long key).
        self.grow(1024)

    def grow(self, cap: int) -> None:
        self.out = ctypes.create_string_buffer(cap)
        self.cap = cap

    def into(self, fn: Callable[..., int], *args: object) -> bytes:
        """fn(*args, out, cap, &len), growing the buffer once if the text does not fit."""
        status = fn(*args, self.out, self.cap, self.len_ref)
        if status == Status.ERR_BUFFER_TOO_SMALL:
            self.grow(self.len.value)
            status = fn(*args, self.out, self.cap, self.len_ref)
        check(status)
        return cast(bytes, self.out[: self.len.value])  # a c_char array slices to bytes

    def view(self, fn: Callable[..., int], *args: object) -> bytes:
        """fn(*args, &data, &len), a view the C API lends, copied out."""
        check(fn(*args, self.data_ref, self.len_ref))
        return cast(bytes, self.data[: self.len.value])  # a char pointer slices to bytes


_local = threading.local()


def buffer() -> OutputBuffer:
    """This thread's output buffer."""
    try:
        return _local.buffer  # type: ignore[no-any-return]
    except AttributeError:
        _local.buffer = OutputBuffer()
        return _local.buffer  # type: ignore[no-any-return]
