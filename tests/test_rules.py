"""Each BER rule of RFC 4511 section 5.1 and each module constraint, in strict
and in lenient mode, checking the error's rule, byte offset and ASN.1 path."""

from __future__ import annotations

import pytest
from ber import BIND, integer, message, octets, tlv

import ldapber
from ldapber import (
    Codec,
    Control,
    DecodeError,
    IncompleteError,
    Not,
    ResultCode,
    Rule,
    Scope,
    SearchResultDone,
    UnknownAlternative,
    pdu_length,
)


def search(filter_: bytes, types_only: bytes = b"\x01\x01\x00") -> bytes:
    op = tlv(0x63, octets(0x04, "dc=x"), integer(2, 0x0A), integer(0, 0x0A), integer(0), integer(0),
             types_only, filter_, tlv(0x30))
    return message(2, op)


PRESENT = octets(0x87, "cn")


def expect(codec: Codec, data: bytes, rule: Rule, offset: int, path: str, **kw: object) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        codec.decode(data, **kw)  # type: ignore[arg-type]
    err = info.value
    assert (err.rule, err.offset, err.path) == (rule, offset, path), str(err)
    assert path in str(err) and rule.value in str(err)
    return err


# -- framing rules: rejected in every mode ---------------------------------------
@pytest.mark.parametrize("strict", [True, False])
def test_indefinite_length_outer(codec: Codec, strict: bool) -> None:
    data = b"\x30\x80" + BIND[2:] + b"\x00\x00"
    expect(codec, data, Rule.INDEFINITE_LENGTH, 0, "LDAPMessage", strict=strict)


@pytest.mark.parametrize("strict", [True, False])
def test_indefinite_length_inner(codec: Codec, strict: bool) -> None:
    data = message(1, b"\x60\x80" + integer(3) + octets(0x04, "") + octets(0x80, "") + b"\x00\x00")
    expect(codec, data, Rule.INDEFINITE_LENGTH, 5, "LDAPMessage.protocolOp.bindRequest", strict=strict)


@pytest.mark.parametrize("strict", [True, False])
def test_constructed_octet_string(codec: Codec, strict: bool) -> None:
    data = message(1, tlv(0x60, integer(3), tlv(0x24, octets(0x04, "cn=a")), octets(0x80, "")))
    expect(codec, data, Rule.CONSTRUCTED_STRING, 10, "LDAPMessage.protocolOp.bindRequest.name", strict=strict)


@pytest.mark.parametrize("strict", [True, False])
def test_boolean_length(codec: Codec, strict: bool) -> None:
    data = search(PRESENT, types_only=b"\x01\x02\xff\xff")
    expect(codec, data, Rule.PRIMITIVE_LENGTH, data.index(b"\x01\x02\xff"), "LDAPMessage.protocolOp.searchRequest.typesOnly", strict=strict)


@pytest.mark.parametrize("strict", [True, False])
def test_trailing_garbage_inside_element(codec: Codec, strict: bool) -> None:
    data = message(1, tlv(0x60, integer(3), octets(0x04, ""), octets(0x80, ""), b"\xff"))
    expect(codec, data, Rule.TRAILING_DATA, len(data) - 1, "LDAPMessage.protocolOp.bindRequest", strict=strict)


def test_length_beyond_enclosing_element(codec: Codec) -> None:
    data = bytearray(BIND)
    data[11] = 0x05  # name claims 5 bytes inside a 7-byte BindRequest
    expect(codec, bytes(data), Rule.LENGTH_OVERFLOW, 10, "LDAPMessage.protocolOp.bindRequest.name")


def test_length_beyond_data_is_incomplete(codec: Codec) -> None:
    with pytest.raises(IncompleteError) as info:
        codec.decode(BIND[:-1])
    assert info.value.needed == 1 and info.value.rule is Rule.TRUNCATED


def test_missing_component(codec: Codec) -> None:
    data = message(1, tlv(0x60, integer(3), octets(0x04, "")))
    expect(codec, data, Rule.MISSING_COMPONENT, 12, "LDAPMessage.protocolOp.bindRequest.authentication")


def test_unexpected_tag(codec: Codec) -> None:
    data = message(1, tlv(0x60, octets(0x04, "x"), octets(0x04, ""), octets(0x80, "")))
    expect(codec, data, Rule.UNEXPECTED_TAG, 7, "LDAPMessage.protocolOp.bindRequest.version")


def test_trailing_bytes_after_pdu(codec: Codec) -> None:
    expect(codec, BIND + b"\x00", Rule.TRAILING_DATA, len(BIND), "LDAPMessage")
    msg, used = codec.decode_prefix(BIND + b"\x30")
    assert used == len(BIND) and msg.message_id == 1


def test_length_octet_ff_is_reserved(codec: Codec) -> None:
    data = message(1, tlv(0x60, integer(3), b"\x04\xff" + b"\x00" * 127, octets(0x80, "")))
    expect(codec, data, Rule.LENGTH_RESERVED, data.index(b"\x04\xff"), "LDAPMessage.protocolOp.bindRequest.name")


def test_length_too_large(codec: Codec) -> None:
    data = message(1, tlv(0x60, integer(3), b"\x04\x88" + b"\x01" * 8, octets(0x80, "")))
    expect(codec, data, Rule.LENGTH_TOO_LARGE, data.index(b"\x04\x88"), "LDAPMessage.protocolOp.bindRequest.name")


# -- non-minimal LENGTH octets are valid BER, accepted in every mode --------------
@pytest.mark.parametrize("strict", [True, False])
def test_non_minimal_lengths_accepted(codec: Codec, strict: bool) -> None:
    body = integer(1) + b"\x60\x84\x00\x00\x00\x0c" + integer(3) + b"\x04\x81\x00" + b"\x80\x82\x00\x02pw"
    data = b"\x30\x84" + len(body).to_bytes(4, "big") + body
    msg = codec.decode(data, strict=strict)
    assert msg.protocol_op.authentication.value == b"pw"
    assert pdu_length(data) == len(data)


# -- relaxable rules: strict rejects, lenient accepts -------------------------------
def test_boolean_true_must_be_ff(codec: Codec) -> None:
    data = search(PRESENT, types_only=b"\x01\x01\x01")
    expect(codec, data, Rule.BOOLEAN_VALUE, data.index(b"\x01\x01\x01"), "LDAPMessage.protocolOp.searchRequest.typesOnly")
    assert codec.decode(data, strict=False).protocol_op.types_only is True
    assert codec.decode(data, relax={Rule.BOOLEAN_VALUE}).protocol_op.types_only is True


def control_msg(ctrl_body: bytes) -> bytes:
    return tlv(0x30, integer(1), tlv(0x42), tlv(0xA0, tlv(0x30, ctrl_body)))


def test_default_value_encoded_explicitly(codec: Codec) -> None:
    data = control_msg(octets(0x04, "1.2.3") + b"\x01\x01\x00")
    expect(codec, data, Rule.DEFAULT_VALUE, data.index(b"\x01\x01\x00"), "LDAPMessage.controls[0].criticality")
    msg = codec.decode(data, strict=False)
    assert msg.controls == [Control("1.2.3", criticality=False)]
    assert codec.decode(data, relax={"default-value"}).controls[0].criticality is False


def test_non_minimal_integer(codec: Codec) -> None:
    data = tlv(0x30, b"\x02\x03\x00\x00\x05", tlv(0x42))
    expect(codec, data, Rule.MINIMAL_INTEGER, 2, "LDAPMessage.messageID")
    assert codec.decode(data, strict=False).message_id == 5
    neg = tlv(0x30, b"\x02\x02\xff\x80", tlv(0x42))
    expect(codec, neg, Rule.MINIMAL_INTEGER, 2, "LDAPMessage.messageID")


def test_integer_wider_than_64_bits_rejected_even_lenient(codec: Codec) -> None:
    data = tlv(0x30, b"\x02\x09\x01" + b"\x00" * 8, tlv(0x42))
    expect(codec, data, Rule.INTEGER_SIZE, 2, "LDAPMessage.messageID", strict=False)


@pytest.mark.parametrize("strict", [True, False])
def test_value_range(codec: Codec, strict: bool) -> None:
    neg = tlv(0x30, integer(-1), tlv(0x42))
    expect(codec, neg, Rule.VALUE_RANGE, 2, "LDAPMessage.messageID", strict=strict)
    big = tlv(0x30, integer(2**31), tlv(0x42))
    expect(codec, big, Rule.VALUE_RANGE, 2, "LDAPMessage.messageID", strict=strict)
    v0 = message(1, tlv(0x60, integer(0), octets(0x04, ""), octets(0x80, "")))
    expect(codec, v0, Rule.VALUE_RANGE, 7, "LDAPMessage.protocolOp.bindRequest.version", strict=strict)
    assert codec.decode(v0, relax=["value-range"]).protocol_op.version == 0


@pytest.mark.parametrize("strict", [True, False])
def test_empty_and_or_sets(codec: Codec, strict: bool) -> None:
    expect(codec, search(tlv(0xA0)), Rule.SIZE_CONSTRAINT, search(tlv(0xA0)).index(b"\xa0\x00"), "LDAPMessage.protocolOp.searchRequest.filter.and",
           strict=strict)
    nested = tlv(0xA1, PRESENT, tlv(0xA0, PRESENT), tlv(0xA1))
    err = expect(codec, search(nested), Rule.SIZE_CONSTRAINT, search(nested).index(b"\xa1\x00"),
                 "LDAPMessage.protocolOp.searchRequest.filter.or[2].or", strict=strict)
    assert "0" in err.message
    assert codec.decode(search(tlv(0xA0)), relax={"size-constraint"}).protocol_op.filter.filters == []


def test_empty_substrings_referral_reference_vals(codec: Codec) -> None:
    expect(codec, search(tlv(0xA4, octets(0x04, "cn"), tlv(0x30))), Rule.SIZE_CONSTRAINT, 34,
           "LDAPMessage.protocolOp.searchRequest.filter.substrings.substrings")
    done = message(3, tlv(0x65, integer(10, 0x0A), octets(0x04, ""), octets(0x04, ""), tlv(0xA3)))
    expect(codec, done, Rule.SIZE_CONSTRAINT, done.index(b"\xa3\x00"), "LDAPMessage.protocolOp.searchResDone.referral")
    expect(codec, message(3, tlv(0x73)), Rule.SIZE_CONSTRAINT, 5, "LDAPMessage.protocolOp.searchResRef")
    add = message(4, tlv(0x68, octets(0x04, "cn=a"), tlv(0x30, tlv(0x30, octets(0x04, "cn"), tlv(0x31)))))
    expect(codec, add, Rule.SIZE_CONSTRAINT, add.index(b"\x31\x00"), "LDAPMessage.protocolOp.addRequest.attributes[0].vals")
    # A PartialAttribute (in a search entry) may have no values.
    entry = message(5, tlv(0x64, octets(0x04, "cn=a"), tlv(0x30, tlv(0x30, octets(0x04, "cn"), tlv(0x31)))))
    assert codec.decode(entry).protocol_op.attributes[0].vals == []


@pytest.mark.parametrize(
    "subs, index",
    [
        ([(0x81, "a"), (0x80, "b")], 1),  # initial not first
        ([(0x80, "a"), (0x80, "b")], 1),  # initial twice
        ([(0x82, "a"), (0x81, "b")], 1),  # final not last
        ([(0x82, "a"), (0x82, "b")], 1),  # final twice
    ],
)
def test_substring_order(codec: Codec, subs: list[tuple[int, str]], index: int) -> None:
    items = [octets(tag, text) for tag, text in subs]
    data = search(tlv(0xA4, octets(0x04, "cn"), tlv(0x30, *items)))
    offset = data.index(tlv(0x30, *items)) + 2 + sum(len(i) for i in items[:index])
    expect(codec, data, Rule.SUBSTRING_ORDER, offset,
           f"LDAPMessage.protocolOp.searchRequest.filter.substrings.substrings[{index}]")
    assert len(codec.decode(data, relax={Rule.SUBSTRING_ORDER}).protocol_op.filter.substrings) == 2


def test_invalid_utf8(codec: Codec) -> None:
    for bad in (b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xff"):  # invalid, overlong, surrogate, stray
        data = message(1, tlv(0x60, integer(3), octets(0x04, bad), octets(0x80, "")))
        expect(codec, data, Rule.UTF8, 10, "LDAPMessage.protocolOp.bindRequest.name", strict=False)
        name = codec.decode(data, relax={Rule.UTF8}).protocol_op.name
        assert name.encode("utf-8", "surrogateescape") == bad


def test_unrelaxable_rule_cannot_be_relaxed(codec: Codec) -> None:
    with pytest.raises(ValueError):
        codec.decode(BIND, relax={"indefinite-length"})
    with pytest.raises(ValueError):
        codec.decode(BIND, relax={"no-such-rule"})


# -- EXTENSIBILITY IMPLIED: tolerated and kept, in strict mode too -------------------
def test_unknown_trailing_sequence_elements_kept(codec: Codec) -> None:
    extra = (octets(0x04, "x"), b"\x9f\x1f\x00")  # the second has a multi-octet tag (number 31)
    data = message(1, tlv(0x60, integer(3), octets(0x04, ""), octets(0x80, ""), *extra))
    msg = codec.decode(data)
    assert msg.protocol_op.extensions == extra
    assert codec.encode(msg) == data


def test_unknown_protocol_op_kept(codec: Codec) -> None:
    op = octets(0x5A, b"\x01\x02")  # [APPLICATION 26], not in RFC 4511
    data = message(9, op)
    msg = codec.decode(data)
    assert isinstance(msg.protocol_op, UnknownAlternative)
    assert msg.protocol_op.raw == op and msg.protocol_op.tag == 0x5A
    assert codec.encode(msg) == data


def test_unknown_filter_alternative_kept(codec: Codec) -> None:
    data = search(tlv(0xA0, PRESENT, octets(0x8A, "future")))
    f = codec.decode(data).protocol_op.filter
    assert isinstance(f.filters[1], UnknownAlternative) and f.filters[1].raw == octets(0x8A, "future")
    assert codec.encode(codec.decode(data)) == data


def test_unknown_enumerated_values_kept(codec: Codec) -> None:
    done = message(3, tlv(0x65, integer(92, 0x0A), octets(0x04, ""), octets(0x04, "")))
    res = codec.decode(done).protocol_op
    assert isinstance(res, SearchResultDone) and res.result_code == 92 and not isinstance(res.result_code, ResultCode)
    assert codec.encode(codec.decode(done)) == done
    known = codec.decode(message(3, tlv(0x65, integer(32, 0x0A), octets(0x04, ""), octets(0x04, "")))).protocol_op
    assert known.result_code is ResultCode.NO_SUCH_OBJECT
    scope = codec.decode(search(PRESENT).replace(b"\x0a\x01\x02", b"\x0a\x01\x07", 1)).protocol_op.scope
    assert scope == 7 and not isinstance(scope, Scope)


# -- limits -----------------------------------------------------------------------------
def nested_not(levels: int) -> bytes:
    """A filter of ``levels`` nested NOTs around (cn=*), built in linear time."""
    inner = PRESENT
    headers = []
    size = len(inner)
    for _ in range(levels):
        head = bytes([0xA2]) + (bytes([size]) if size < 0x80 else bytes([0x84]) + size.to_bytes(4, "big"))
        headers.append(head)
        size += len(head)
    return b"".join(reversed(headers)) + inner


def test_depth_limit(codec: Codec) -> None:
    # The filter starts at level 3: 256 nested NOTs fit the default, and one
    # more than DEFAULT_MAX_DEPTH - 2 does not.
    assert isinstance(codec.decode(search(nested_not(256))).protocol_op.filter.value, Not)
    too_deep = search(nested_not(ldapber.DEFAULT_MAX_DEPTH - 1))
    with pytest.raises(DecodeError) as info:
        codec.decode(too_deep)
    assert info.value.rule is Rule.MAX_DEPTH and f"deeper than {ldapber.DEFAULT_MAX_DEPTH}" in info.value.message
    assert info.value.path.startswith("LDAPMessage.protocolOp.searchRequest.filter.not.not.")
    assert isinstance(codec.decode(too_deep, max_depth=ldapber.DEFAULT_MAX_DEPTH + 1).protocol_op.filter.value, Not)
    assert isinstance(codec.decode(search(nested_not(1000)), max_depth=1002).protocol_op.filter.value, Not)


def test_million_nested_nots_is_a_clean_error(codec: Codec) -> None:
    data = search(nested_not(10**6))
    with pytest.raises(DecodeError) as info:
        codec.decode(data)
    assert info.value.rule is Rule.MAX_DEPTH


def test_max_depth_is_bounded(codec: Codec) -> None:
    with pytest.raises(ValueError):
        codec.decode(BIND, max_depth=10**6)
