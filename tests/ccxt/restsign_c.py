"""restsign through its C API (ctypes), for the ccxt comparison.

    lib = Restsign()                      # RESTSIGN_LIB, else target/release/librestsign.so
    recipe = lib.preset("binance")        # or lib.parse(toml_text)
    out = lib.sign(recipe, key, secret, passphrase, method, path, params, time_ms, nonce, uuid)
        -> {"url": str, "body": str, "headers": [(name, value), ...]}

Only the calls listed in the recipe-engine brief are used; every status is checked and turned into
RestsignError with restsign's own message.
"""
import ctypes
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIB = os.path.join(_HERE, "..", "..", "target", "release", "librestsign.so")

P = ctypes.c_void_p
S = ctypes.c_size_t
CP = ctypes.c_char_p


class RestsignError(Exception):
    pass


class Restsign:
    def __init__(self, path=None):
        path = path or os.environ.get("RESTSIGN_LIB") or DEFAULT_LIB
        self.lib = lib = ctypes.CDLL(os.path.abspath(path))
        st = ctypes.c_int32
        sig = {
            "restsign_recipe_preset": [CP, S, ctypes.POINTER(P)],
            "restsign_recipe_parse": [CP, S, ctypes.POINTER(P), ctypes.c_char_p, S,
                                      ctypes.POINTER(S)],
            "restsign_signer_options_new": [ctypes.POINTER(P)],
            "restsign_signer_options_set_passphrase": [P, CP, S],
            "restsign_signer_new_recipe": [P, CP, S, CP, S, P, ctypes.POINTER(P)],
            "restsign_request_new": [P, CP, CP, S, ctypes.POINTER(P)],
            "restsign_request_add_param": [P, CP, S, CP, S],
            "restsign_request_set_time": [P, ctypes.c_uint64],
            "restsign_request_set_uuid": [P, CP, S],
            "restsign_request_sign_with_nonce": [P, ctypes.c_uint64],
            "restsign_request_url": [P, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(S)],
            "restsign_request_body": [P, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(S)],
            "restsign_request_header_count": [P, ctypes.POINTER(S)],
            "restsign_request_header": [P, S, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(S)],
        }
        for name, args in sig.items():
            f = getattr(lib, name)
            f.argtypes, f.restype = args, st
        for name in ("restsign_recipe_free", "restsign_signer_options_free",
                     "restsign_request_free", "restsign_signer_free"):
            f = getattr(lib, name)
            f.argtypes, f.restype = [P], None
        lib.restsign_strerror.argtypes, lib.restsign_strerror.restype = [st], CP

    def _check(self, status, what):
        if status != 0:
            msg = self.lib.restsign_strerror(status).decode("utf-8", "replace")
            raise RestsignError(f"{what}: status {status}: {msg}")

    def preset(self, name):
        out = P()
        b = name.encode()
        self._check(self.lib.restsign_recipe_preset(b, len(b), ctypes.byref(out)),
                    f"restsign_recipe_preset({name!r})")
        return Recipe(self, out)

    def parse(self, text):
        out, err, err_len = P(), ctypes.create_string_buffer(1024), S()
        b = text.encode()
        status = self.lib.restsign_recipe_parse(b, len(b), ctypes.byref(out), err, len(err),
                                                ctypes.byref(err_len))
        if status != 0:
            raise RestsignError(err.raw[:min(err_len.value, len(err))].decode("utf-8", "replace"))
        return Recipe(self, out)

    def _view(self, fn, handle, what, *extra):
        data, n = ctypes.c_void_p(), S()
        self._check(fn(handle, *extra, ctypes.byref(data), ctypes.byref(n)), what)
        return ctypes.string_at(data, n.value) if n.value else b""

    def sign(self, recipe, key, secret, passphrase, method, path, params, time_ms, nonce, uuid):
        """Signs one request; strings in, strings out (UTF-8)."""
        lib = self.lib
        opts, signer, req = P(), P(), P()
        try:
            self._check(lib.restsign_signer_options_new(ctypes.byref(opts)), "options_new")
            if passphrase is not None:
                b = passphrase.encode()
                self._check(lib.restsign_signer_options_set_passphrase(opts, b, len(b)),
                            "set_passphrase")
            k, s = key.encode(), secret.encode()
            self._check(lib.restsign_signer_new_recipe(recipe.handle, k, len(k), s, len(s), opts,
                                                       ctypes.byref(signer)), "signer_new_recipe")
            p = path.encode()
            self._check(lib.restsign_request_new(signer, method.encode(), p, len(p),
                                                 ctypes.byref(req)), "request_new")
            for name, value in params:
                n, v = name.encode(), value.encode()
                self._check(lib.restsign_request_add_param(req, n, len(n), v, len(v)),
                            f"add_param({name!r})")
            self._check(lib.restsign_request_set_time(req, time_ms), "set_time")
            u = uuid.encode()
            self._check(lib.restsign_request_set_uuid(req, u, len(u)), "set_uuid")
            self._check(lib.restsign_request_sign_with_nonce(req, nonce), "sign_with_nonce")
            url = self._view(lib.restsign_request_url, req, "url")
            body = self._view(lib.restsign_request_body, req, "body")
            count = S()
            self._check(lib.restsign_request_header_count(req, ctypes.byref(count)),
                        "header_count")
            headers = []
            for i in range(count.value):
                line = self._view(lib.restsign_request_header, req, f"header {i}", S(i))
                name, sep, value = line.decode().partition(": ")
                if not sep:
                    raise RestsignError(f"header line without ': ': {line!r}")
                headers.append((name, value))
            return {"url": url.decode(), "body": body.decode(), "headers": headers}
        finally:
            lib.restsign_request_free(req)
            lib.restsign_signer_free(signer)
            lib.restsign_signer_options_free(opts)


class Recipe:
    def __init__(self, rs, handle):
        self.rs, self.handle = rs, handle

    def __del__(self):
        self.rs.lib.restsign_recipe_free(self.handle)
