"""The native reference (bench/native): OpenLDAP's liblber in C on the corpus.

Skipped, with the reason, where it cannot be built (no C compiler, no
lber.h / liblber).  Checks that liblber's walk visits every element of each
PDU and that its ber_printf output decodes, with ldapber, to the same
message; then a one-round smoke run of the timing (no assertion on times).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import native
from .workload import Sample, Stream


@pytest.fixture(scope="module")
def binary() -> Path:
    built = native.build()
    if isinstance(built, native.Unavailable):
        pytest.skip(f"native reference {built}")
    return built


def test_count_tlv() -> None:
    # BindRequest v3, name "", simple "": 6 elements, 2 bytes of primitive content (id, version)
    assert native.count_tlv(bytes.fromhex("300c020101600702010304008000")) == (6, 2)
    # long-form lengths, two PDUs back to back
    assert native.count_tlv(bytes.fromhex("30840000000302010130030201 02".replace(" ", ""))) == (4, 2)
    with pytest.raises(ValueError):
        native.count_tlv(bytes.fromhex("3003020201"))


def test_unavailable_reason(tmp_path: Path) -> None:
    missing = native.build(cc=str(tmp_path / "no-such-cc"), cache_dir=tmp_path)
    assert isinstance(missing, native.Unavailable) and not missing
    assert "no C compiler" in missing.reason and str(missing).startswith("unavailable: ")


def test_cross_check(binary: Path, corpus: dict[str, Sample], stream: Stream) -> None:
    report = native.check(corpus, stream, binary=binary)  # raises CheckError on any disagreement
    for name in corpus:
        assert report[name]["decode"] == "ok", (name, report[name])
        assert report[name]["encode"] == "ok", (name, report[name])
    assert report["<stream>"]["decode"] == "ok" and report["<stream>"]["pdus"] == len(stream.pdus)


def test_cross_check_without_der(binary: Path, corpus: dict[str, Sample]) -> None:
    """ber_alloc_t(0): 4-byte lengths everywhere, still the same messages."""
    report = native.check(corpus, der=False, binary=binary)
    assert all(r["encode"] == "ok" and not r["identical"] for r in report.values())


def test_rejected_pdu_is_reported(binary: Path, corpus: dict[str, Sample]) -> None:
    good = next(iter(corpus.values())).data
    samples = {"truncated": good[:-1], "trailing": good + b"\0", "empty": b"", "good": good}
    result = native.measure(samples, rounds=1, min_round_ms=0.01, binary=binary)["messages"]
    for name in ("truncated", "trailing", "empty"):
        assert result[name]["decode_error"] and result[name]["decode_ns"] is None, result[name]
        assert result[name]["encode_ns"] is None and result[name]["encode_error"], result[name]
    assert result["good"]["decode_error"] is None and result["good"]["decode_ns"] > 0


def test_measure_smoke(binary: Path, corpus: dict[str, Sample], stream: Stream) -> None:
    result = native.measure(corpus, stream.buffer, rounds=1, binary=binary)
    assert result["liblber"]["library"]
    for name, sample in corpus.items():
        r = result["messages"][name]
        assert r["bytes"] == len(sample.data)
        assert r["decode_ns"] > 0 and r["encode_ns"] > 0, r
    s = result["stream"]
    assert s["pdus"] == len(stream.pdus) and s["bytes"] == len(stream.buffer) and s["mb_per_s"] > 0
