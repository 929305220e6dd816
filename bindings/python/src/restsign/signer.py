"""Signers: restsign_signer_*."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_uint64, c_void_p
from typing import TYPE_CHECKING, Callable, List, NoReturn, Optional, Tuple, Union

from . import _ffi
from ._ffi import Bytes
from ._status import Status
from .nonce import Nonce

if TYPE_CHECKING:
    from .recipe import Recipe

__all__ = ["Signer"]


class Signer:
    """One credential (scheme, key, secret), keyed once, that signs requests. The secret is copied
    into the library and wiped there when the signer is closed or collected; this object keeps only
    the handle. One signer may be used by any number of threads at once."""

    __slots__ = ("_handle", "_lib", "__weakref__")
    _handle: Optional[c_void_p]
    _lib: ctypes.CDLL

    def __init__(self, scheme: Bytes, key: Bytes, secret: Bytes, nonce: Optional[Nonce] = None) -> None:
        """`scheme` is one of Signer.schemes() (e.g. "mtgox-v2"); `key` and `secret` as the API gave
        them (base64 text for the MtGox schemes); `nonce` is where requests draw nonces from (None:
        an in-process sequence shared by every signer of this process for this key). Raises
        RestsignError when the library rejects the credential."""
        if nonce is None:
            self._create("restsign_signer_new", *_credential(scheme, key, secret))
        else:
            if not isinstance(nonce, Nonce):
                raise TypeError("restsign: the nonce source must be a restsign.Nonce")
            self._create("restsign_signer_new_with_nonce", *_credential(scheme, key, secret), nonce._live())

    @classmethod
    def shared(cls, scheme: Bytes, key: Bytes, secret: Bytes, state_path: Optional[_ffi.PathArg] = None) -> "Signer":
        """A signer whose request nonces are shared by every process on this host that signs with
        this key: a state file at `state_path`, or when None the library's per-key default
        ($XDG_RUNTIME_DIR/restsign/nonce-<hash of the key>, else /tmp/restsign-<uid>/...), in the
        scheme's unit."""
        args = _credential(scheme, key, secret)
        path = None if state_path is None else _ffi.path(state_path, Status.ERR_NONCE_STATE_IO)
        self = object.__new__(cls)
        self._create("restsign_signer_new_shared", *args, path)
        return self

    @classmethod
    def from_recipe(
        cls,
        recipe: Union["Recipe", Bytes],
        key: Bytes,
        secret: Bytes,
        passphrase: Optional[Bytes] = None,
        nonce: Optional[Nonce] = None,
        base_url: Optional[Bytes] = None,
    ) -> "Signer":
        """A signer for any recipe (a restsign.Recipe, or a preset's name): `passphrase` for the
        APIs that have one (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin; a recipe that needs one
        raises Status.ERR_PASSPHRASE_MISSING without it), `nonce` the source of request nonces
        (None: the default), `base_url` (http(s)://host[:port]) instead of the recipe's."""
        from .recipe import Recipe

        if isinstance(recipe, Recipe):
            r = recipe
        elif isinstance(recipe, (str, bytes, bytearray, memoryview)):
            r = Recipe.preset(recipe)
        else:
            raise TypeError(f"restsign: a recipe must be a restsign.Recipe or a preset name, not {type(recipe).__name__}")
        if nonce is not None and not isinstance(nonce, Nonce):
            raise TypeError("restsign: the nonce source must be a restsign.Nonce")
        lib = _ffi.lib()
        k = _ffi.to_bytes(key, "key")
        x = _ffi.to_bytes(secret, "secret")
        options: Optional[c_void_p] = None
        if passphrase is not None or nonce is not None or base_url is not None:
            options = c_void_p()
            _ffi.check(lib.restsign_signer_options_new(byref(options)))
        try:
            if passphrase is not None:
                p = _ffi.to_bytes(passphrase, "passphrase")
                _ffi.check(lib.restsign_signer_options_set_passphrase(options, p, len(p)))
            if nonce is not None:
                _ffi.check(lib.restsign_signer_options_set_nonce(options, nonce._live()))
            if base_url is not None:
                u = _ffi.to_bytes(base_url, "base URL")
                _ffi.check(lib.restsign_signer_options_set_base_url(options, u, len(u)))
            self = object.__new__(cls)
            self._create("restsign_signer_new_recipe", r._live(), k, len(k), x, len(x), options)
            return self
        finally:
            if options:
                lib.restsign_signer_options_free(options)

    def _create(self, function: str, *args: object) -> None:
        self._handle = None
        lib = self._lib = _ffi.lib()
        handle = c_void_p()
        _ffi.check(getattr(lib, function)(*args, byref(handle)))
        self._handle = handle

    def sign(self, method: Bytes, path: Bytes, payload: Bytes, nonce: int = 0) -> str:
        """The signature text: the hex or base64 tag the scheme's signature header carries, or for
        mtgox-stream the whole signed call (base64 of key, tag and payload).

        `method` is the HTTP method; `path` the endpoint path as the scheme signs it
        ("/api/wallet/" for apiauth, "BTCUSD/money/order/add" for mtgox-v2; ignored by the others);
        `payload` the exact bytes sent (body, query string without "?", or JSON); `nonce` (0 to
        2^63 - 1) is signed by apiauth, which sends it in a header (the other schemes carry theirs
        inside the payload)."""
        return self._into(self._lib.restsign_signer_sign_into, method, path, payload, nonce).decode("ascii")

    def headers(self, method: Bytes, path: Bytes, payload: Bytes, nonce: int = 0) -> List[str]:
        """Every HTTP header the scheme needs for this request, as "Name: value" strings.
        Arguments as for sign(); mtgox-stream has none (Status.ERR_NO_HEADERS)."""
        block = self._into(self._lib.restsign_signer_headers_into, method, path, payload, nonce)
        # Each line ends in CRLF; keys cannot contain CR or LF, so splitting on CRLF is exact.
        return block.decode("utf-8", "surrogateescape").split("\r\n")[:-1]

    def _into(self, fn: Callable[..., int], method: Bytes, path: Bytes, payload: Bytes, nonce: int) -> bytes:
        m = _ffi.text(method, "method", Status.ERR_INVALID_METHOD)
        p = _ffi.to_bytes(path, "path")
        d = _ffi.to_bytes(payload, "payload")
        return _ffi.buffer().into(fn, self._handle, m, p, len(p), d, len(d), _ffi.nonce(nonce))

    def request(self, method: Bytes, path: Bytes) -> "Request":
        """A request to build (parameters, a body or JSON) and sign with this signer."""
        return Request(self, method, path)

    def next_nonce(self) -> int:
        """Draws the next nonce from this signer's source (the one its requests would use)."""
        n = c_uint64()
        _ffi.check(self._lib.restsign_signer_next_nonce(self._handle, byref(n)))
        return n.value

    def signature_length(self, payload_length: int) -> int:
        """The length of the signature text sign() returns for a payload of that many bytes."""
        if not 0 <= payload_length < 2**64:
            raise ValueError("restsign: a payload length is from 0 to 2^64 - 1")
        n = c_size_t()
        _ffi.check(self._lib.restsign_signer_signature_len(self._handle, payload_length, byref(n)))
        return n.value

    @staticmethod
    def schemes() -> List[str]:
        """The scheme names the library knows."""
        lib = _ffi.lib()
        names: List[bytes] = [lib.restsign_scheme_name(i) for i in range(lib.restsign_scheme_count())]
        return [name.decode() for name in names]

    @staticmethod
    def version() -> str:
        """The library's version, "MAJOR.MINOR.PATCH"."""
        version: bytes = _ffi.lib().restsign_version()
        return version.decode()

    def close(self) -> None:
        """Releases the signer now (its requests keep it alive); the library wipes the secret when
        the last reference goes. Idempotent; a closed signer raises Status.ERR_NULL_HANDLE."""
        handle, self._handle = self._handle, None
        if handle:
            self._lib.restsign_signer_free(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self.close()

    def __enter__(self) -> "Signer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        # A copy (copy.copy, pickle) would share the handle and free it twice.
        raise TypeError("restsign.Signer cannot be copied or pickled")


def _credential(scheme: Bytes, key: Bytes, secret: Bytes) -> Tuple[bytes, bytes, int, bytes, int]:
    """The arguments every restsign_signer_new* and restsign_verifier_new* starts with."""
    s = _ffi.text(scheme, "scheme", Status.ERR_UNKNOWN_SCHEME)
    k = _ffi.to_bytes(key, "key")
    x = _ffi.to_bytes(secret, "secret")
    return (s, k, len(k), x, len(x))


from .request import Request  # noqa: E402  (Request needs Signer defined first)
