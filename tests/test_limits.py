"""Issue 18, classes 3 and 5, in both backends: one ``max_pdu_size`` for
every decode entry point (refused from the header alone, rule
length-too-large), and LDAPOID values checked for the numericoid syntax
(rule oid-syntax, relaxable)."""

from __future__ import annotations

import pytest
from ber import integer, message, octets, tlv

import ldapber
from ldapber import (
    DEFAULT_MAX_PDU_SIZE,
    Codec,
    Control,
    DecodeError,
    EncodeError,
    ExtendedRequest,
    ExtendedResponse,
    IncompleteError,
    IntermediateResponse,
    LDAPMessage,
    ResultCode,
    Rule,
    UnbindRequest,
)
from ldapber.errors import LENIENT_RULES, PDUTooLargeError

HUGE = {
    "2^31": b"\x30\x84\x80\x00\x00\x00",
    "2^32-1": b"\x30\x84\xff\xff\xff\xff",
    "limit+1": b"\x30\x83" + (DEFAULT_MAX_PDU_SIZE + 1 - 5).to_bytes(3, "big"),
}


@pytest.mark.parametrize("header", HUGE.values(), ids=HUGE.keys())
def test_every_entry_point_refuses_a_huge_header_at_once(codec: Codec, header: bytes) -> None:
    data = header + b"\x02\x01\x01\x42\x00"
    calls = {
        "decode": lambda: codec.decode(data),
        "decode_prefix": lambda: codec.decode_prefix(data),
        "decode_prefix (header only)": lambda: codec.decode_prefix(header),
        "decode_all": lambda: codec.decode_all(data),
        "decode_value": lambda: codec.decode_value("LDAPMessage", data),
        "decode (memoryview)": lambda: codec.decode(memoryview(bytearray(data))),
    }
    for name, call in calls.items():
        with pytest.raises(PDUTooLargeError) as err:
            call()
        assert err.value.rule is Rule.LENGTH_TOO_LARGE and err.value.limit == DEFAULT_MAX_PDU_SIZE, name
        assert not isinstance(err.value, IncompleteError), name
    stream = codec.StreamDecoder()
    with pytest.raises(PDUTooLargeError):
        stream.feed(header)


def test_one_option_sets_the_limit_everywhere(codec: Codec) -> None:
    message = ldapber.encode(LDAPMessage(7, UnbindRequest()))  # 7 bytes
    assert codec.decode(message, max_pdu_size=7).message_id == 7
    refused = {
        "decode": lambda: codec.decode(message, max_pdu_size=6),
        "decode_prefix": lambda: codec.decode_prefix(message + message, max_pdu_size=6),
        "decode_all": lambda: codec.decode_all(message + message, max_pdu_size=6),
        "decode_value": lambda: codec.decode_value("LDAPMessage", message, max_pdu_size=6),
    }
    for name, call in refused.items():
        with pytest.raises(PDUTooLargeError, match="exceeds the limit of 6") as err:
            call()
        assert err.value.size == 7, name
    # decode_all judges each PDU on its own: the second's offset is reported.
    big = ldapber.encode(LDAPMessage(8, ldapber.DelRequest("cn=" + "x" * 40)))
    with pytest.raises(PDUTooLargeError) as err:
        codec.decode_all(message + big, max_pdu_size=20)
    assert err.value.offset == len(message)
    stream = codec.StreamDecoder(max_pdu_size=6)
    with pytest.raises(PDUTooLargeError):
        stream.feed(message)
    for bad in (1, 0, -5, True, "7"):
        with pytest.raises(ValueError, match="max_pdu_size"):
            codec.decode(message, max_pdu_size=bad)  # type: ignore[arg-type]


def test_a_cut_pdu_within_the_limit_is_still_incomplete(codec: Codec) -> None:
    data = ldapber.encode(LDAPMessage(1, ldapber.DelRequest("cn=" + "x" * 300)))
    with pytest.raises(IncompleteError) as err:
        codec.decode_prefix(data[:-10])
    assert err.value.needed == 10


OIDS = {
    "1.3.6.1.4.1.1466.20037": True, "0.0": True, "2.999.18446744073709551616": True,
    "1": False, "": False, "01.2": False, "1.02": False, "1..2": False, "1.2.": False, ".1.2": False,
    "foo": False, "1.2.3a": False, "1.2 ": False, "١.٢": False,  # Arabic-Indic digits are not DIGITs
}


def oid_messages(oid: str) -> dict[str, tuple[LDAPMessage, bytes]]:
    """Each LDAPOID field holding ``oid``: the object, and its bytes written
    by hand (the encoders refuse an invalid one)."""
    return {
        "controlType": (LDAPMessage(1, UnbindRequest(), controls=[Control(oid)]),
                        message(1, b"\x42\x00", tlv(0xA0, tlv(0x30, octets(0x04, oid))))),
        "requestName": (LDAPMessage(1, ExtendedRequest(oid)), message(1, tlv(0x77, octets(0x80, oid)))),
        "responseName": (LDAPMessage(1, ExtendedResponse(ResultCode.SUCCESS, "", "", response_name=oid)),
                         message(1, tlv(0x78, integer(0, 0x0A), octets(0x04, ""), octets(0x04, ""),
                                        octets(0x8A, oid)))),
        "intermediate": (LDAPMessage(1, IntermediateResponse(response_name=oid)),
                         message(1, tlv(0x79, octets(0x80, oid)))),
    }


@pytest.mark.parametrize(("oid", "valid"), OIDS.items(), ids=[repr(o) for o in OIDS])
def test_ldapoid_values_are_numericoids(codec: Codec, oid: str, valid: bool) -> None:
    for where, (msg, data) in oid_messages(oid).items():
        assert codec.decode(data, relax={Rule.OID_SYNTAX}) == msg, where
        assert codec.decode(data, strict=False) == msg, where  # lenient relaxes it
        if valid:
            assert codec.decode(data) == msg and codec.encode(msg) == data, where
            continue
        with pytest.raises(DecodeError) as err:
            codec.decode(data)
        assert err.value.rule is Rule.OID_SYNTAX and "numericoid" in err.value.message, where
        assert err.value.path.endswith(where if where != "intermediate" else "responseName"), err.value.path
        # what the strict decoder refuses, the encoders refuse too (both of the Python backend's)
        with pytest.raises(EncodeError, match="numericoid") as refused:
            codec.encode(msg)
        assert refused.value.path.endswith(where if where != "intermediate" else "responseName"), refused.value.path


def test_oid_syntax_is_a_lenient_rule() -> None:
    assert Rule.OID_SYNTAX in LENIENT_RULES and Rule.OID_SYNTAX.bit
