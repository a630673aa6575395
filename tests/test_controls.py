"""Typed controls: values through the compiled modules, registry, errors."""

from __future__ import annotations

import pytest

import ldapber
from ldapber import (
    Codec,
    Control,
    DelRequest,
    EqualityMatch,
    LDAPMessage,
    PartialAttribute,
    SearchResultEntry,
    SortKey,
    SortResultCode,
    parse_filter,
)
from ldapber.controls import (
    REGISTRY,
    Assertion,
    ControlValueError,
    ManageDsaIT,
    PagedResults,
    PostReadRequest,
    PostReadResponse,
    PreReadRequest,
    PreReadResponse,
    ProxiedAuthorization,
    SortRequest,
    SortResponse,
    SubtreeDelete,
    decode_control,
    decode_response_control,
    encode_control,
)

TYPED = [
    (PagedResults(100, b"cookie", criticality=True), "300b020164040663 6f6f6b6965"),
    (SortRequest([SortKey("cn", ordering_rule="caseIgnoreOrderingMatch"), SortKey("sn", reverse_order=True)]),
     "3028301d0402636e80176361736549676e6f72654f72646572696e674d6174636830070402736e8101ff"),
    (SortResponse(SortResultCode.NO_SUCH_ATTRIBUTE, "cn"), "30070a01108002636e"),
    (ManageDsaIT(criticality=True), None),
    (SubtreeDelete(), None),
    (Assertion(parse_filter("(cn=a)")), "a307040263 6e0401 61"),
    (PreReadRequest(["cn", "mail"]), "300a0402636e04046d61696c"),
    (PostReadRequest(["*"]), "300304012a"),
    (ProxiedAuthorization("dn:cn=a,dc=x"), "646e3a636e3d612c64633d78"),
]


@pytest.mark.parametrize("typed, value_hex", TYPED, ids=lambda x: type(x).__name__ if not isinstance(x, str) else "")
def test_typed_controls_round_trip_through_messages(codec: Codec, typed: object, value_hex: str | None) -> None:
    wire = encode_control(typed)  # type: ignore[arg-type]
    assert wire.control_type == typed.OID and wire.criticality == typed.criticality  # type: ignore[attr-defined]
    expected = None if value_hex is None else bytes.fromhex(value_hex.replace(" ", ""))
    assert wire.control_value == expected
    msg = LDAPMessage(3, DelRequest("cn=a,dc=x"), controls=[wire])
    back = codec.decode(codec.encode(msg)).controls[0]
    assert decode_control(back) == typed


def test_read_responses_carry_an_entry() -> None:
    entry = SearchResultEntry("cn=a,dc=x", [PartialAttribute("cn", [b"a"])])
    for cls in (PreReadResponse, PostReadResponse):
        wire = cls(entry).to_control()
        assert wire.control_value is not None and wire.control_value[0] == 0x64  # [APPLICATION 4]
        assert decode_response_control(wire) == cls(entry)
    assert decode_response_control(PagedResults(5).to_control()) == PagedResults(5)


def test_unknown_controls_are_kept() -> None:
    raw = Control("1.2.3.4.5", criticality=True, control_value=b"\x01\x02")
    assert decode_control(raw) is raw and encode_control(raw) is raw


@pytest.mark.parametrize(
    "control, name",
    [
        (Control(PagedResults.OID, control_value=b"\x30\x03\x02\x01"), "paged results"),
        (Control(PagedResults.OID), "paged results"),
        (Control(SortRequest.OID, control_value=b"\x04\x00"), "server-side sort request"),
        (Control(ManageDsaIT.OID, control_value=b"x"), "ManageDsaIT"),
        (Control(Assertion.OID, control_value=b"\xa0\x00\x00"), "assertion"),
        (Control(ProxiedAuthorization.OID, control_value=b"cn=a"), "proxied authorization"),
        (Control(ProxiedAuthorization.OID, control_value=b"dn:\xff"), "proxied authorization"),
    ],
)
def test_malformed_values_name_the_control(control: Control, name: str) -> None:
    with pytest.raises(ControlValueError) as info:
        decode_control(control)
    assert info.value.name == name and info.value.oid == control.control_type and name in str(info.value)
    assert isinstance(info.value, ldapber.LDAPBERError)


def test_encoding_errors_name_the_control() -> None:
    with pytest.raises(ControlValueError) as info:
        PagedResults(-1).to_control()
    assert "paged results" in str(info.value)
    with pytest.raises(ControlValueError):
        Assertion().to_control()


def test_registry_covers_the_issue_list() -> None:
    assert set(REGISTRY) == {
        "1.2.840.113556.1.4.319", "1.2.840.113556.1.4.473", "1.2.840.113556.1.4.474", "2.16.840.1.113730.3.4.2",
        "1.3.6.1.1.12", "1.3.6.1.1.13.1", "1.3.6.1.1.13.2", "2.16.840.1.113730.3.4.18", "1.2.840.113556.1.4.805"}
    assert Assertion(EqualityMatch("cn", b"a")).filter == parse_filter("(cn=a)")
