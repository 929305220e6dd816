"""Nonce sources, and 4 processes sharing one key's nonces through a state file."""

import multiprocessing
import threading

import pytest
from reference import credential

import restsign
from restsign import NonceUnit

DRAWS = 2000


def test_memory_strictly_increases_across_threads():
    source = restsign.Nonce.memory(NonceUnit.MICROS)
    seen = [[] for _ in range(4)]

    def draw(out):
        for _ in range(DRAWS):
            out.append(source.next())

    threads = [threading.Thread(target=draw, args=(out,)) for out in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [n for out in seen for n in out]
    assert len(set(everything)) == len(everything)
    for out in seen:
        assert out == sorted(out) and len(set(out)) == len(out)


def test_scheme_units():
    assert restsign.Nonce.scheme_unit("mtgox-v1") == NonceUnit.MICROS
    assert restsign.Nonce.scheme_unit("poloniex") == NonceUnit.MILLIS


def test_signer_with_a_source_keeps_it_alive():
    source = restsign.Nonce.memory(NonceUnit.MILLIS)
    signer = restsign.Signer("poloniex", "k", "s", source)
    first = source.next()
    source.close()
    assert signer.next_nonce() > first
    assert signer.request("POST", "/tradingApi").sign().nonce() > first


def _worker_nonce_file(path, out):
    # Each process opens the state file itself, as separate programs would.
    source = restsign.Nonce.file(path, "shared-key", NonceUnit.MILLIS)
    out.put([source.next() for _ in range(DRAWS)])


def _worker_signer_shared(path, out):
    key, secret = credential("poloniex")
    signer = restsign.Signer.shared("poloniex", key, secret, path)
    out.put([signer.request("POST", "/tradingApi").param("command", "returnBalances").sign().nonce() for _ in range(DRAWS)])


@pytest.mark.parametrize("worker", [_worker_nonce_file, _worker_signer_shared])
def test_four_processes_share_one_key_s_nonces(tmp_path, worker):
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited but the path
    out = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(str(tmp_path / "state"), out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = [n for r in results for n in r]
    assert len(everything) == 4 * DRAWS
    assert len(set(everything)) == len(everything), "a nonce was handed out twice"
    for r in results:
        assert all(a < b for a, b in zip(r, r[1:]))
    # The state survives the processes: a new source continues above every value drawn.
    assert restsign.Nonce.file(tmp_path / "state", "shared-key" if worker is _worker_nonce_file else credential("poloniex")[0], NonceUnit.MILLIS).next() > max(everything)
