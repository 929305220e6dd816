"""The package itself: constants agree with the C header, type information ships."""

import re
from pathlib import Path

import restsign


def test_status_codes_match_the_header(header_text):
    codes = {m[1]: int(m[2]) for m in re.finditer(r"#define RESTSIGN_((?:OK|ERR_\w+)) (\d+)", header_text)}
    assert codes == {s.name: s.value for s in restsign.Status}


def test_nonce_units_match_the_header(header_text):
    units = {m[1]: int(m[2]) for m in re.finditer(r"#define RESTSIGN_NONCE_UNIT_(\w+) (\d+)", header_text)}
    assert units == {u.name: u.value for u in restsign.NonceUnit}


def test_typed():
    assert (Path(restsign.__file__).parent / "py.typed").is_file()


def test_every_status_has_the_library_s_text():
    for status in restsign.Status:
        assert str(restsign.RestsignError.from_status(status))
    assert restsign.RestsignError.from_status(1000).status == 1000
