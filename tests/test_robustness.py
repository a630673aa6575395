"""Hostile and unusual input: truncation, corruption, huge lengths, long
tags, bad objects.  Invariant: a value or a DecodeError/EncodeError, never any
other exception, and never a read or allocation beyond what the input holds."""

from __future__ import annotations

import pytest
from ber import BIND, integer, message, octets, tlv
from samples import MESSAGES

import ldapber
from ldapber import (
    And,
    Any,
    BindRequest,
    Codec,
    Control,
    DecodeError,
    DelRequest,
    DerefAliases,
    EncodeError,
    Final,
    IncompleteError,
    Initial,
    LDAPMessage,
    PartialAttribute,
    PDUTooLargeError,
    Present,
    Rule,
    Scope,
    SearchRequest,
    SearchResultEntry,
    Simple,
    SubstringFilter,
    UnknownAlternative,
)


@pytest.fixture(scope="module")
def encoded() -> list[bytes]:
    return [ldapber.codec_for("python").encode(m) for m in MESSAGES]


def test_samples_round_trip(codec: Codec) -> None:
    for m in MESSAGES:
        data = codec.encode(m)
        assert codec.decode(data) == m
        assert ldapber.pdu_length(data) == len(data)


def test_every_truncation_is_incomplete(codec: Codec, encoded: list[bytes]) -> None:
    for data in encoded:
        for cut in range(len(data)):
            with pytest.raises(IncompleteError):
                codec.decode(data[:cut])
            with pytest.raises(IncompleteError):
                codec.decode_prefix(data[:cut])


def test_pdu_length_needs_only_the_header(encoded: list[bytes]) -> None:
    big = b"\x30\x84\x00\x01\x00\x00"
    assert ldapber.pdu_length(big) == 6 + 0x10000
    assert ldapber.pdu_length(b"") is None and ldapber.pdu_length(b"\x30") is None
    assert ldapber.pdu_length(b"\x30\x84\x00\x01") is None
    for data in encoded:
        assert ldapber.pdu_length(data[:6] if len(data) > 200 else data[:2]) == len(data)
    with pytest.raises(DecodeError):
        ldapber.pdu_length(b"\x31\x00")
    with pytest.raises(DecodeError):
        ldapber.pdu_length(b"\x30\x80")


def test_every_single_byte_corruption(codec: Codec, encoded: list[bytes]) -> None:
    for data in encoded[:12]:
        for i in range(len(data)):
            for new in {0x00, 0xFF, data[i] ^ 0x01, data[i] ^ 0x20, data[i] ^ 0x80}:
                bad = data[:i] + bytes([new]) + data[i + 1:]
                try:
                    msg = codec.decode(bad)
                except DecodeError:
                    continue
                again = codec.encode(msg)  # whatever decodes must encode again, stably
                assert codec.decode(again) == msg


def test_huge_declared_length_allocates_nothing(codec: Codec) -> None:
    # Beyond max_pdu_size: refused from the header, not "wait for 4 GiB".
    with pytest.raises(PDUTooLargeError) as too_large:
        codec.decode(b"\x30\x84\xff\xff\xff\xff\x02\x01\x01")
    assert too_large.value.size == 0xFFFFFFFF + 6
    # Within a raised limit, a PDU cut short says how much is missing, and nothing is allocated for it.
    with pytest.raises(IncompleteError) as info:
        codec.decode_prefix(b"\x30\x84\xff\xff\xff\xff\x02\x01\x01", max_pdu_size=2**32 + 5)
    assert info.value.needed == 0xFFFFFFFF + 6 - 9
    with pytest.raises(DecodeError) as info2:
        codec.decode(message(1, tlv(0x60, integer(3), b"\x04\x84\xff\xff\xff\xff", octets(0x80, ""))))
    assert info2.value.rule is Rule.LENGTH_OVERFLOW


def test_long_form_tag_in_unknown_elements(codec: Codec) -> None:
    ext = b"\x9f\x81\x00\x01\x07"  # [128] with a two-octet tag number
    data = message(1, tlv(0x60, integer(3), octets(0x04, ""), octets(0x80, ""), ext))
    assert codec.decode(data).protocol_op.extensions == (ext,)
    too_long = b"\x9f\x81\x81\x81\x81\x01\x00"
    bad = message(1, tlv(0x60, integer(3), octets(0x04, ""), octets(0x80, ""), too_long))
    with pytest.raises(DecodeError) as info:
        codec.decode(bad)
    assert info.value.rule is Rule.TRAILING_DATA and "4 octets" in info.value.message
    op = b"\x7f\x81\x00\x00"  # [APPLICATION 128] as the protocolOp
    assert codec.decode(message(1, op)).protocol_op == UnknownAlternative(op)


def test_buffers_of_every_kind(codec: Codec) -> None:
    data = BIND + b"\x30\x05"
    for buf in (bytearray(data), memoryview(data), memoryview(bytearray(data))):
        msg, used = codec.decode_prefix(buf)
        assert used == len(BIND) and msg.protocol_op == BindRequest(3, "", Simple(b""))
    assert codec.decode(memoryview(BIND)).message_id == 1
    with pytest.raises(TypeError):
        codec.decode("not bytes")  # type: ignore[arg-type]


def test_decode_all_stream(codec: Codec, encoded: list[bytes]) -> None:
    stream = b"".join(encoded)
    assert codec.decode_all(stream) == MESSAGES
    with pytest.raises(IncompleteError) as info:
        codec.decode_all(stream + encoded[0][:3])
    assert info.value.offset == len(stream)


def search(filter_: object) -> LDAPMessage:
    return LDAPMessage(1, SearchRequest("", Scope.BASE_OBJECT, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False,
                                        filter_, []))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "msg, path, words",
    [
        (LDAPMessage(-1, DelRequest("x")), "LDAPMessage.messageID", "outside"),
        (LDAPMessage(2**31, DelRequest("x")), "LDAPMessage.messageID", "outside"),
        (LDAPMessage(1, BindRequest(0, "", Simple(b""))), "LDAPMessage.protocolOp.bindRequest.version", "outside"),
        (LDAPMessage(1, BindRequest(128, "", Simple(b""))), "LDAPMessage.protocolOp.bindRequest.version", "outside"),
        (search(And([])), "LDAPMessage.protocolOp.searchRequest.filter.and", "size 0"),
        (search(And([Present("a"), And([])])), "LDAPMessage.protocolOp.searchRequest.filter.and[1].and", "size 0"),
        (search(SubstringFilter("cn", [])), "LDAPMessage.protocolOp.searchRequest.filter.substrings.substrings", "size"),
        (search(SubstringFilter("cn", [Any(b"a"), Initial(b"b")])),
         "LDAPMessage.protocolOp.searchRequest.filter.substrings.substrings", "first"),
        (search(SubstringFilter("cn", [Final(b"a"), Any(b"b")])),
         "LDAPMessage.protocolOp.searchRequest.filter.substrings.substrings", "last"),
        (LDAPMessage(1, DelRequest("\ud800")), "LDAPMessage.protocolOp.delRequest", "Unicode"),
        (LDAPMessage(1, DelRequest(b"cn=x")), "LDAPMessage.protocolOp.delRequest", "expected str"),  # type: ignore[arg-type]
        (LDAPMessage(1, "bind"), "LDAPMessage.protocolOp", "alternative"),  # type: ignore[arg-type]
        (LDAPMessage("1", DelRequest("x")), "LDAPMessage.messageID", "expected int"),  # type: ignore[arg-type]
        (LDAPMessage(True, DelRequest("x")), "LDAPMessage.messageID", "expected int"),  # type: ignore[arg-type]
        (LDAPMessage(1, DelRequest("x"), controls=[Control("1.2", criticality=1)]),  # type: ignore[arg-type]
         "LDAPMessage.controls[0].criticality", "expected bool"),
        (LDAPMessage(1, DelRequest("x"), controls=Control("1.2")),  # type: ignore[arg-type]
         "LDAPMessage.controls", "expected list"),
        (LDAPMessage(1, DelRequest("x"), extensions=(b"\x04\x05ab",)), "LDAPMessage", "one valid BER element"),
        (LDAPMessage(1, UnknownAlternative(b"\x5a\x01")), "LDAPMessage.protocolOp", "one valid BER element"),
    ],
)
def test_encode_errors(codec: Codec, msg: LDAPMessage, path: str, words: str) -> None:
    with pytest.raises(EncodeError) as info:
        codec.encode(msg)
    assert info.value.path == path and words in str(info.value), str(info.value)


def test_encoding_is_strict_der_like(codec: Codec) -> None:
    msg = LDAPMessage(1, DelRequest("x"), controls=[Control("1.2", criticality=False), Control("1.3", criticality=True)])
    data = codec.encode(msg)
    # criticality FALSE omitted, TRUE as 0xFF, definite minimal lengths.
    assert data == tlv(0x30, integer(1), octets(0x4A, "x"),
                       tlv(0xA0, tlv(0x30, octets(0x04, "1.2")), tlv(0x30, octets(0x04, "1.3"), b"\x01\x01\xff")))
    big = LDAPMessage(1, DelRequest("x" * 300))
    assert codec.encode(big)[:4] == b"\x30\x82\x01\x33"
    assert codec.encode(LDAPMessage(128, DelRequest("")))[2:6] == b"\x02\x02\x00\x80"


def test_unknown_alternative_may_not_borrow_a_known_tag(codec: Codec) -> None:
    with pytest.raises(EncodeError) as info:
        codec.encode(LDAPMessage(1, UnknownAlternative(b"\x42\x00")))  # the unbindRequest tag
    assert info.value.path == "LDAPMessage.protocolOp" and "0x42" in str(info.value)


def test_entry_points_leave_a_handled_error_alone(codec: Codec) -> None:
    # The compiled entry points name the root type from a ``finally``; one
    # that succeeds inside an ``except`` block must not touch the error
    # being handled there.
    good = codec.encode(LDAPMessage(1, DelRequest("x")))
    try:
        codec.decode(b"\x30\x03\x02\x01")
    except DecodeError as handled:
        root, path = handled.root, handled.path
        assert codec.decode(good) == LDAPMessage(1, DelRequest("x"))
        assert codec.encode(LDAPMessage(1, DelRequest("x"))) == good
        assert (handled.root, handled.path) == (root, path) == ("LDAPMessage", "LDAPMessage")
    try:
        codec.encode(LDAPMessage(-1, DelRequest("x")))
    except EncodeError as handled:
        assert codec.encode(LDAPMessage(1, DelRequest("x"))) == good
        assert handled.path == "LDAPMessage.messageID"


@pytest.mark.parametrize("mid", [0, 1, 2**30 - 1, 2**30, 2**31 - 1])
def test_message_ids_across_the_int_layouts(codec: Codec, mid: int) -> None:
    # One-digit ints take the compiled encoders' inline path, larger ones the
    # general one: both give the same minimal INTEGER.
    data = codec.encode(LDAPMessage(mid, DelRequest("x")))
    assert codec.decode(data).message_id == mid
    assert data[2] == 0x02 and data[3] == (mid.bit_length() + 8) // 8


def test_encoder_survives_a_huge_message_then_small_ones(codec: Codec) -> None:
    # The kept writer shrinks after a message of more than 1 MiB or many
    # elements; what follows must encode exactly as before.
    small = LDAPMessage(1, DelRequest("x"))
    expected = codec.encode(small)
    many = LDAPMessage(2, SearchRequest("", Scope.BASE_OBJECT, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False,
                                        And([Present(f"a{i}") for i in range(5000)]), []))
    huge = LDAPMessage(3, DelRequest("x" * (2 << 20)))
    for msg in (many, huge):
        assert codec.decode(codec.encode(msg)) == msg
        assert codec.encode(small) == expected


class _MySimple(Simple):
    __slots__ = ()


class _MyPresent(Present):
    pass  # with a __dict__


class _MyUnknown(UnknownAlternative):
    __slots__ = ()


class _MyMessage(LDAPMessage):
    __slots__ = ("note",)


def test_subclasses_encode_as_their_alternative(codec: Codec) -> None:
    # A CHOICE value whose class is a subclass of an alternative misses the
    # compiled encoder's identity chain and is matched by its layout.
    base = LDAPMessage(1, BindRequest(3, "cn=a", Simple(b"pw")))
    assert codec.encode(LDAPMessage(1, BindRequest(3, "cn=a", _MySimple(b"pw")))) == codec.encode(base)
    filtered = search(And([Present("cn")]))
    mine = search(And([_MyPresent("cn")]))
    assert codec.encode(mine) == codec.encode(filtered)
    unknown = LDAPMessage(1, UnknownAlternative(b"\x7f\x30\x00"))
    assert codec.encode(LDAPMessage(1, _MyUnknown(b"\x7f\x30\x00"))) == codec.encode(unknown)
    own = _MyMessage(1, DelRequest("x"))
    own.note = "kept"
    assert codec.encode(own) == codec.encode(LDAPMessage(1, DelRequest("x")))


class _Meddler(bytearray):
    """A value whose ``__bytes__`` (which the encoders call to copy it)
    runs ``act`` first: user code in the middle of an encode."""

    act = staticmethod(lambda: None)

    def __bytes__(self) -> bytes:
        type(self).act()
        return bytes(bytearray(self))


def test_a_list_shrunk_mid_encode_is_an_error(codec: Codec) -> None:
    # The encoders write a list's items last to first; when an item's own
    # code empties the list, the next read would be past its end (the
    # compiled encoder read freed memory there, the Python one raised a bare
    # IndexError).
    vals: list[object] = [b"a" * 100] * 50

    class Clear(_Meddler):
        act = staticmethod(vals.clear)

    vals.append(Clear(b"zz"))
    with pytest.raises(EncodeError) as info:
        codec.encode(_entry(vals))  # type: ignore[arg-type]
    assert "changed size" in str(info.value)
    assert info.value.path == "LDAPMessage.protocolOp.searchResEntry.attributes[0].vals[49]"
    attributes = [PartialAttribute("sn", [b"s"]), PartialAttribute("cn", [b"c"])]

    class ClearOuter(_Meddler):
        act = staticmethod(attributes.clear)

    attributes[1].vals.append(ClearOuter(b"x"))
    with pytest.raises(EncodeError) as info:
        codec.encode(LDAPMessage(1, SearchResultEntry("cn=x", attributes)))
    assert info.value.path == "LDAPMessage.protocolOp.searchResEntry.attributes[0]"


def test_fields_replaced_mid_encode_are_read_safely(codec: Codec) -> None:
    # The compiled encoder reads an exact str/bytes/int field without taking
    # a reference; user code run while encoding a later-written sibling may
    # replace (and so free) the earlier fields' values.  What comes out is
    # the message as it stands once the meddling is done.
    pa = PartialAttribute("".join(["c", "n"]), [])
    entry = SearchResultEntry("".join(["cn=", "x"]), [pa])
    msg = LDAPMessage(7, entry)

    def swap() -> None:
        pa.type = "".join(["s", "n"])  # the old str loses its last reference
        entry.object_name = "".join(["cn=", "y"])
        msg.message_id = 9

    class Swap(_Meddler):
        act = staticmethod(swap)

    pa.vals.append(Swap(b"v"))
    data = codec.encode(msg)
    assert codec.decode(data) == LDAPMessage(9, SearchResultEntry("cn=y", [PartialAttribute("sn", [b"v"])]))


class _Mimic(type):
    """A metaclass whose classes compare and hash equal to Simple, and that
    counts the calls: a set lookup of such a class runs user code."""

    calls = 0

    def __eq__(cls, other: object) -> bool:
        type(cls).calls += 1
        return other is Simple or type.__eq__(cls, other)

    def __hash__(cls) -> int:
        type(cls).calls += 1
        return hash(Simple)


def test_choice_alternatives_are_found_by_identity(codec: Codec) -> None:
    # A class that only compares equal to an alternative is none: the
    # compiled encoder used to take it for one and then loop forever looking
    # for its branch.  A real subclass is found on its layout chain without
    # running its metaclass's code, which could retype the value and free
    # the class being walked.
    class Fake(metaclass=_Mimic):
        __slots__ = ("value",)

    fake = Fake()
    fake.value = b"pw"
    with pytest.raises(EncodeError) as info:
        codec.encode(LDAPMessage(1, BindRequest(3, "cn=x", fake)))  # type: ignore[arg-type]
    assert info.value.path == "LDAPMessage.protocolOp.bindRequest.authentication"
    assert "AuthenticationChoice alternative" in str(info.value)

    class Sub(Simple, metaclass=_Mimic):
        __slots__ = ()

    _Mimic.calls = 0
    expected = codec.encode(LDAPMessage(1, BindRequest(3, "cn=x", Simple(b"pw"))))
    assert codec.encode(LDAPMessage(1, BindRequest(3, "cn=x", Sub(b"pw")))) == expected
    assert _Mimic.calls == 0


def _entry(values: list[bytes], attr: str = "cn") -> LDAPMessage:
    return LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute(attr, values)]))


def test_repeated_short_values_decode_right(codec: Codec) -> None:
    # The compiled decoder shares one object per recently seen short
    # attribute value or description; values that collide in its caches
    # (same length, first and last eight bytes) must still come out as sent.
    left, right = b"a" * 10 + b"X" + b"a" * 10, b"a" * 10 + b"Y" + b"a" * 10
    names = ["attr" + "x" * 10 + c + "x" * 10 for c in "XY"]
    for _ in range(3):
        for values, attr in (([left, right, left], names[0]), ([right, left], names[1]),
                             ([b"", b"a", b"top" * 8, b"top" * 9], "cn")):
            msg = _entry(values, attr)
            decoded = codec.decode(codec.encode(msg))
            assert decoded == msg
            assert all(type(v) is bytes for v in decoded.protocol_op.attributes[0].vals)


def test_short_values_are_shared_only_when_equal(both: tuple[Codec, Codec]) -> None:
    codec = both[0]  # the compiled backend (skipped where it is not built)
    data = codec.encode(_entry([b"top", b"person"]))
    first, second = codec.decode(data), codec.decode(data)
    # The same short value decodes to the same immutable object ...
    assert first.protocol_op.attributes[0].vals[0] is second.protocol_op.attributes[0].vals[0]
    # ... a long one to a fresh copy.
    long_data = codec.encode(_entry([b"v" * 100]))
    a, b = codec.decode(long_data), codec.decode(long_data)
    assert a == b and a.protocol_op.attributes[0].vals[0] is not b.protocol_op.attributes[0].vals[0]
