import json
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))  # reference.py


def pytest_report_header(config):
    import restsign

    return [f"restsign {restsign.__file__}, library candidates {restsign.library_candidates()}"]


@pytest.fixture(scope="session")
def vectors():
    """The published known-answer vectors (tests/vectors/, or RESTSIGN_VECTORS)."""
    path = Path(os.environ.get("RESTSIGN_VECTORS", ROOT / "tests" / "vectors" / "seed-vectors.json"))
    return json.loads(path.read_text())["vectors"]


@pytest.fixture(scope="session")
def header_text():
    return (ROOT / "include" / "restsign.h").read_text()
