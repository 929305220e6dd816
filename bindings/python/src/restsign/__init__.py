"""restsign for Python: signs crypto-exchange API requests (HMAC + nonce) with librestsign.

A thin ctypes wrapper (no compiler needed): it converts arguments, turns status codes into
exceptions, and leaves all signing to the library. See README.md for where the library is loaded
from (RESTSIGN_LIB, the build tree, the dynamic loader).

    import restsign
    signer = restsign.Signer("poloniex", key, secret)
    req = signer.request("POST", "/tradingApi").param("command", "returnBalances").sign()
    req.body(), req.headers()

    kucoin = restsign.Signer.from_recipe("kucoin", key, secret, passphrase=passphrase)
    req = kucoin.request("GET", "/api/v1/accounts").sign()
    req.url(), req.header_dict()
"""

from ._ffi import candidates as library_candidates
from ._status import NonceUnit, Status
from .errors import LibraryNotFoundError, RejectedError, RestsignError
from .nonce import Nonce
from .recipe import Recipe, RecipeError
from .request import Request
from .signer import Signer
from .verifier import Verdict, Verifier

__all__ = [
    "LibraryNotFoundError",
    "Nonce",
    "NonceUnit",
    "Recipe",
    "RecipeError",
    "RejectedError",
    "Request",
    "RestsignError",
    "Signer",
    "Status",
    "Verdict",
    "Verifier",
    "library_candidates",
]
