"""Typed extended operations and the Notice of Disconnection."""

from __future__ import annotations

import pytest

from ldapber import Codec, ExtendedRequest, ExtendedResponse, LDAPMessage, ResultCode
from ldapber.extended import (
    CANCEL_OID,
    NOTICE_OF_DISCONNECTION_OID,
    PASSWORD_MODIFY_OID,
    STARTTLS_OID,
    WHOAMI_OID,
    CancelRequest,
    ExtendedValueError,
    PasswordModifyRequest,
    PasswordModifyResponse,
    StartTLSRequest,
    WhoAmIRequest,
    WhoAmIResponse,
    decode_extended_request,
    is_notice_of_disconnection,
    notice_of_disconnection,
)


@pytest.mark.parametrize(
    "typed, oid, value_hex",
    [
        (StartTLSRequest(), STARTTLS_OID, None),
        (WhoAmIRequest(), WHOAMI_OID, None),
        (PasswordModifyRequest(b"uid=a,dc=x", b"old", b"new"), PASSWORD_MODIFY_OID,
         "3016800a7569643d612c64633d788103 6f6c64 82036e6577"),
        (PasswordModifyRequest(), PASSWORD_MODIFY_OID, None),
        (CancelRequest(7), CANCEL_OID, "3003020107"),
    ],
)
def test_requests_round_trip(codec: Codec, typed: object, oid: str, value_hex: str | None) -> None:
    req = typed.to_request()  # type: ignore[attr-defined]
    assert req.request_name == oid
    assert req.request_value == (None if value_hex is None else bytes.fromhex(value_hex.replace(" ", "")))
    back = codec.decode(codec.encode(LDAPMessage(2, req))).protocol_op
    assert decode_extended_request(back) == typed


def test_responses_round_trip(codec: Codec) -> None:
    for typed in (WhoAmIResponse("dn:cn=a,dc=x"), WhoAmIResponse(""), PasswordModifyResponse(b"s3cret"),
                  PasswordModifyResponse()):
        resp = codec.decode(codec.encode(LDAPMessage(2, typed.to_response()))).protocol_op
        assert type(typed).from_response(resp) == typed
    assert PasswordModifyResponse(b"x").to_response().response_value == bytes.fromhex("3003800178")


def test_unknown_requests_pass_through_and_bad_values_are_named() -> None:
    other = ExtendedRequest("1.2.3.4", request_value=b"\x01")
    assert decode_extended_request(other) is other
    with pytest.raises(ExtendedValueError) as info:
        decode_extended_request(ExtendedRequest(CANCEL_OID, request_value=b"\x30\x03\x04\x01\x07"))
    assert info.value.name == "Cancel request"
    with pytest.raises(ExtendedValueError):
        decode_extended_request(ExtendedRequest(CANCEL_OID))
    with pytest.raises(ExtendedValueError):
        decode_extended_request(ExtendedRequest(STARTTLS_OID, request_value=b""))


def test_notice_of_disconnection(codec: Codec) -> None:
    msg = notice_of_disconnection(ResultCode.PROTOCOL_ERROR, "malformed PDU")
    data = codec.encode(msg)
    assert data == bytes.fromhex("3031020100782c0a0102040004") + b"\x0dmalformed PDU" + \
        b"\x8a\x16" + NOTICE_OF_DISCONNECTION_OID.encode()
    back = codec.decode(data)
    assert is_notice_of_disconnection(back) and back.protocol_op.result_code is ResultCode.PROTOCOL_ERROR
    assert not is_notice_of_disconnection(LDAPMessage(1, ExtendedResponse(ResultCode.SUCCESS, "", "")))
