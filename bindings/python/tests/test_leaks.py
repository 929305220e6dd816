"""Handles are freed: creating and dropping many objects does not grow the process."""

import gc
import resource

import restsign


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


KC = 'name = "kc"\nhash = "sha256"\npassphrase = true\nmessage = "{ts}{method}{path}{?query}{body}"\n[headers]\nS = "{signature}"\n'


def churn(n):
    for i in range(n):
        signer = restsign.Signer("poloniex", "k", "s" * 100)
        req = signer.request("POST", "/tradingApi").param("command", "returnBalances").sign()
        req.body(), req.headers(), req.header_dict()
        restsign.Nonce.memory(restsign.NonceUnit.MILLIS).next()
        v = restsign.Verifier("poloniex", "k", "s" * 100)
        try:
            v.check("POST", "/tradingApi", req.headers(), req.body() + b"x")
        except restsign.RejectedError:
            pass
        with restsign.Signer("viabtc", "k", "s") as closed:
            closed.sign("GET", "", "a=%d" % i)
        # Recipes: a parsed one, the options (passphrase, base URL), a refused text's message.
        kc = restsign.Signer.from_recipe(restsign.Recipe.parse(KC), "k", "s" * 100, passphrase="p", base_url="http://127.0.0.1:1")
        kc.request("GET", "/x").param("a", "b").set_time(1_700_000_000_000).sign().url()
        try:
            restsign.Recipe.parse(KC + "bogus = 1\n")
        except restsign.RecipeError:
            pass


def test_objects_do_not_leak():
    churn(3000)  # warm up: the allocator's pools, the thread's buffer
    gc.collect()
    before = rss_kib()
    churn(20000)
    gc.collect()
    grown = rss_kib() - before
    # 20,000 rounds of six handles: a leak of even one small allocation per round shows as MBs.
    assert grown < 1024, f"RSS grew by {grown} KiB"
