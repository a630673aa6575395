"""The sans-I/O framer: any chunking gives the same PDUs; limits from the header."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import MESSAGES

import ldapber
from ldapber import DecodeError, Rule
from ldapber.proto import Framer, PDUTooLargeError

PDUS = [ldapber.encode(m) for m in MESSAGES]
STREAM = b"".join(PDUS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 200), max_size=60))
def test_any_chunking_gives_the_same_pdus(cuts: list[int]) -> None:
    framer, out, pos = Framer(), [], 0
    for size in cuts + [len(STREAM)]:
        framer.feed(STREAM[pos:pos + size])
        pos += size
        out.extend(framer)
        if pos >= len(STREAM):
            break
    assert out == PDUS and framer.buffered == 0
    assert [ldapber.decode(p) for p in out] == MESSAGES


def test_one_byte_at_a_time_and_bounded_buffer() -> None:
    framer, out, peak = Framer(), [], 0
    for _ in range(50):
        for byte in STREAM:
            framer.feed(bytes([byte]))
            pdu = framer.next_pdu()
            if pdu is not None:
                out.append(pdu)
            peak = max(peak, len(framer._buf))
    assert out == PDUS * 50
    assert peak <= 2 * max(len(p) for p in PDUS)  # consumed bytes are released


def test_oversize_pdu_refused_from_its_header() -> None:
    framer = Framer(max_pdu_size=1024)
    framer.feed(b"\x30\x84\x40\x00\x00\x00")  # announces 1 GiB
    with pytest.raises(PDUTooLargeError) as info:
        framer.next_pdu()
    assert info.value.size == 0x40000000 + 6 and info.value.rule is Rule.LENGTH_TOO_LARGE
    assert framer.buffered == 6  # nothing of the body was waited for


def test_malformed_header_offset_counts_from_the_stream_start() -> None:
    framer = Framer()
    framer.feed(PDUS[0] + b"\x30\x80")
    assert framer.next_pdu() == PDUS[0]
    with pytest.raises(DecodeError) as info:
        framer.next_pdu()
    assert info.value.rule is Rule.INDEFINITE_LENGTH and info.value.offset == len(PDUS[0])
    with pytest.raises(ValueError):
        Framer(max_pdu_size=1)
