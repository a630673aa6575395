"""The streaming decoder, on both backends: any chunking gives the messages
``decode_all`` gives; bad input gives the framer's errors at stream offsets;
a failed stream stays failed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import MESSAGES

import ldapber
from ldapber import Codec, DecodeError, IncompleteError, PDUTooLargeError, Rule
from ldapber.proto import Framer

PDUS = [ldapber.encode(m) for m in MESSAGES]
STREAM = b"".join(PDUS)
STARTS = [sum(len(p) for p in PDUS[:i]) for i in range(len(PDUS))]


def feed_all(codec: Codec, data: bytes, sizes: list[int], how: str = "iter", **options: object) -> list[object]:
    """Feed ``data`` in chunks of ``sizes`` (the rest in one), taking the
    messages after each chunk by iterating or with read()."""
    dec = codec.StreamDecoder(**options)
    out: list[object] = []
    pos = 0
    for size in [*sizes, len(data)]:
        chunk = data[pos:pos + size]
        pos += len(chunk)
        dec.feed(memoryview(chunk) if size % 3 == 0 else bytearray(chunk) if size % 3 == 1 else chunk)
        out.extend(dec if how == "iter" else dec.read())
        if pos >= len(data):
            break
    assert dec.buffered == 0 and dec.position == len(data)
    return out


def outcome(fn: object) -> object:
    """A call's result, or its error as comparable data."""
    try:
        return ("ok", fn())  # type: ignore[operator]
    except DecodeError as err:
        return (type(err).__name__, err.offset, err.rule, err.path, err.message)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(1, 300), max_size=40), st.sampled_from(["iter", "read"]))
def test_any_chunking_gives_decode_all(codec: Codec, sizes: list[int], how: str) -> None:
    assert feed_all(codec, STREAM, sizes, how) == codec.decode_all(STREAM) == MESSAGES


def test_one_byte_at_a_time_buffers_at_most_one_pdu(codec: Codec) -> None:
    dec, out, peak = codec.StreamDecoder(), [], 0
    for _ in range(20):
        for byte in STREAM:
            dec.feed(bytes([byte]))
            out.extend(dec)
            peak = max(peak, dec.buffered)
    assert out == MESSAGES * 20
    assert peak < max(len(p) for p in PDUS)  # each message is handed out as soon as its last byte is in


def test_messages_are_independent_of_the_buffer(codec: Codec) -> None:
    data = bytearray(STREAM)
    dec = codec.StreamDecoder()
    dec.feed(data)
    out = dec.read()
    data[:] = b"\0" * len(data)  # the caller's buffer is reused
    dec.feed(STREAM)  # and the decoder's own buffer is overwritten
    assert dec.read() == out == MESSAGES


def test_pdu_cut_at_every_offset_waits_then_completes(codec: Codec) -> None:
    pdu = max(PDUS, key=len)
    for cut in range(len(pdu)):
        dec = codec.StreamDecoder()
        dec.feed(pdu[:cut])
        assert list(dec) == [] and dec.read() == [] and dec.buffered == cut
        dec.feed(pdu[cut:])
        assert list(dec) == [ldapber.decode(pdu)]


def test_oversize_announcement_refused_from_its_header(codec: Codec) -> None:
    for header, size in ((b"\x30\x84\xff\xff\xff\xfa", 2**32 - 6 + 6), (b"\x30\x84\x80\x00\x00\x00", 2**31 + 6)):
        dec = codec.StreamDecoder()
        with pytest.raises(PDUTooLargeError) as info:
            dec.feed(header)  # refused at once: nothing of the body is waited for
        err = info.value
        assert (err.size, err.limit, err.offset, err.rule) == (size, ldapber.DEFAULT_MAX_PDU_SIZE, 0, Rule.LENGTH_TOO_LARGE)
        assert dec.buffered == 6


def test_max_pdu_size_is_the_limit_inclusive(codec: Codec) -> None:
    pdu = PDUS[0]
    assert list(feed_all(codec, pdu, [], max_pdu_size=len(pdu))) == [MESSAGES[0]]
    dec = codec.StreamDecoder(max_pdu_size=len(pdu) - 1)
    with pytest.raises(PDUTooLargeError) as info:
        dec.feed(pdu[:2])
    assert info.value.size == len(pdu)


@pytest.mark.parametrize("bad, rule", [
    (b"\x30\x80", Rule.INDEFINITE_LENGTH),
    (b"\x30\xff", Rule.LENGTH_RESERVED),
    (b"\x31\x00", Rule.UNEXPECTED_TAG),
    (b"\x00", Rule.UNEXPECTED_TAG),  # one octet is enough to refuse
    (b"\x30\x88\x01\x00\x00\x00\x00\x00\x00\x00", Rule.LENGTH_TOO_LARGE),
])
def test_bad_header_after_a_valid_pdu(codec: Codec, bad: bytes, rule: Rule) -> None:
    """The framer's cases: the valid message comes out first, then the
    error, at its offset in the stream, on both read() and iteration."""
    for how in ("iter", "read"):
        dec = codec.StreamDecoder()
        dec.feed(PDUS[0] + PDUS[1] + bad)
        got = []
        with pytest.raises(DecodeError) as info:
            if how == "iter":
                got.extend(dec)
            else:
                got.extend(dec.read())
                dec.read()
        assert got == MESSAGES[:2]
        assert info.value.rule is rule and info.value.offset == STARTS[2]
        assert info.value.path == "LDAPMessage"
        framer = Framer()
        framer.feed(PDUS[0] + PDUS[1] + bad)
        with pytest.raises(DecodeError) as framed:
            list(framer)
        assert (framed.value.rule, framed.value.offset) == (info.value.rule, info.value.offset)


def test_malformed_pdu_error_counts_from_the_stream_start(codec: Codec) -> None:
    bad = bytes.fromhex("300c020101600702010304008002")  # password runs past its element
    expected = outcome(lambda: codec.decode(bad))
    dec = codec.StreamDecoder()
    dec.feed(STREAM)
    dec.feed(bad)
    dec.feed(PDUS[0])
    assert dec.read() == MESSAGES
    with pytest.raises(DecodeError) as info:
        dec.read()
    got = outcome(lambda: (_ for _ in ()).throw(info.value))
    assert got[0] == expected[0] and got[1] == expected[1] + len(STREAM)  # type: ignore[index,operator]
    assert got[2:] == expected[2:]  # type: ignore[index]
    assert info.value.path == "LDAPMessage.protocolOp.bindRequest.authentication.simple"


def test_a_failed_stream_refuses_further_use(codec: Codec) -> None:
    dec = codec.StreamDecoder()
    dec.feed(PDUS[0] + b"\x30\x80")
    assert dec.read() == [MESSAGES[0]]
    with pytest.raises(DecodeError) as first:
        dec.read()
    for call in (lambda: dec.feed(PDUS[0]), dec.read, lambda: next(dec)):
        with pytest.raises(DecodeError) as again:
            call()
        assert not isinstance(again.value, IncompleteError)
        assert "cannot continue" in str(again.value) and again.value.offset == first.value.offset


def test_options_are_those_of_decode(codec: Codec) -> None:
    request = ldapber.LDAPMessage(5, ldapber.SearchRequest("o=x", ldapber.Scope.BASE_OBJECT, 0, 0, 0, True,
                                                           ldapber.Present("cn"), []))
    true_as_01 = ldapber.encode(request).replace(b"\x01\x01\xff", b"\x01\x01\x01")
    assert true_as_01 != ldapber.encode(request)
    strict = outcome(lambda: feed_all(codec, true_as_01, [4]))
    assert strict[0] == "DecodeError" and strict == outcome(lambda: [codec.decode(true_as_01)])
    assert feed_all(codec, true_as_01, [4], strict=False) == [request] == [codec.decode(true_as_01, strict=False)]
    assert feed_all(codec, true_as_01, [4], relax=[Rule.BOOLEAN_VALUE]) == [request]
    deep = ldapber.encode(MESSAGES[[type(m.protocol_op).__name__ for m in MESSAGES].index("SearchRequest")])
    for depth in (1, 3, 5, 100):
        assert outcome(lambda d=depth: feed_all(codec, deep, [7], max_depth=d)) == \
            outcome(lambda d=depth: [codec.decode(deep, max_depth=d)])
    for bad in ({"max_depth": 0}, {"max_depth": 10_000}, {"max_pdu_size": 1}, {"relax": ["no-such-rule"]},
                {"max_pdu_size": "16"}):
        with pytest.raises(ValueError):
            codec.StreamDecoder(**bad)
    with pytest.raises(TypeError):
        codec.StreamDecoder().feed("text")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_backends_agree_on_mutated_streams(both: tuple[Codec, Codec], data: st.DataObject) -> None:
    stream = bytearray(STREAM)
    for _ in range(data.draw(st.integers(1, 4))):
        stream[data.draw(st.integers(0, len(stream) - 1))] = data.draw(st.integers(0, 255))
    sizes = data.draw(st.lists(st.integers(1, 200), max_size=10))
    strict = data.draw(st.booleans())
    results = []
    for codec in both:
        dec, out = codec.StreamDecoder(strict=strict), []
        pos, err = 0, None
        try:
            for size in [*sizes, len(stream)]:
                dec.feed(bytes(stream[pos:pos + size]))
                pos += size
                out.extend(dec.read())
                if pos >= len(stream):
                    break
        except DecodeError as exc:
            err = (type(exc).__name__, exc.offset, exc.rule, exc.path, exc.message)
        results.append((out, err, dec.buffered))
    assert results[0] == results[1]


def test_public_name_is_the_selected_backend() -> None:
    assert ldapber.StreamDecoder is ldapber.codec_for(ldapber.BACKEND).StreamDecoder
    assert "chunking" in (ldapber.StreamDecoder.__doc__ or "")


# -- envelop: a server's batch of stored entries, framed in one call ---------------------------
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mid=st.one_of(st.sampled_from([0, 1, 127, 128, 255, 256, 2**15, 2**23 - 1, 2**23, 2**31 - 1]),
                     st.integers(0, 2**31 - 1)),
       sizes=st.lists(st.one_of(st.integers(0, 300), st.sampled_from([0x7F, 0x80, 0xFF, 0x100, 70_000])),
                      max_size=5))
def test_envelop_frames_each_op_as_encode_would(codec: Codec, mid: int, sizes: list[int]) -> None:
    entries = [ldapber.SearchResultEntry(f"cn=e{n}", [ldapber.PartialAttribute("cn", [b"v" * n])]) for n in sizes]
    ops = [codec.encode_value(e) for e in entries]
    framed = codec.envelop(mid, ops)
    assert framed == b"".join(codec.encode(ldapber.LDAPMessage(mid, e)) for e in entries)
    assert [m.protocol_op for m in codec.decode_all(framed)] == entries


def test_envelop_refuses_what_no_message_can_carry(codec: Codec) -> None:
    for mid in (-1, 2**31):
        with pytest.raises(ValueError, match="out of range"):
            codec.envelop(mid, [])
    with pytest.raises(TypeError, match=r"ops\[1\]: expected bytes, got str"):
        codec.envelop(1, [b"\x04\x00", "text"])
