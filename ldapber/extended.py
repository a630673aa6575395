"""Typed extended operations and unsolicited notifications.

Each operation is a request class (:meth:`to_request` gives the generic
``ExtendedRequest``) and, where it has one, a response class
(:meth:`from_response` reads an ``ExtendedResponse``).  Values are encoded by
the compiled modules (RFC 3062, RFC 3909) or are the raw strings the RFCs
define (Who am I?).

* StartTLS (RFC 4511 4.14), Who am I? (RFC 4532), Password Modify (RFC 3062),
  Cancel (RFC 3909);
* the Notice of Disconnection (RFC 4511 4.4.1), an ExtendedResponse with
  message ID 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import codec as _codec
from .errors import DecodeError, LDAPBERError
from .model import (
    CancelRequestValue,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    PasswdModifyRequestValue,
    PasswdModifyResponseValue,
    ResultCode,
)

__all__ = [
    "ExtendedValueError", "STARTTLS_OID", "WHOAMI_OID", "PASSWORD_MODIFY_OID", "CANCEL_OID",
    "NOTICE_OF_DISCONNECTION_OID", "StartTLSRequest", "WhoAmIRequest", "WhoAmIResponse",
    "PasswordModifyRequest", "PasswordModifyResponse", "CancelRequest", "decode_extended_request",
    "notice_of_disconnection", "is_notice_of_disconnection",
]

STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
WHOAMI_OID = "1.3.6.1.4.1.4203.1.11.3"
PASSWORD_MODIFY_OID = "1.3.6.1.4.1.4203.1.11.1"
CANCEL_OID = "1.3.6.1.1.8"
NOTICE_OF_DISCONNECTION_OID = "1.3.6.1.4.1.1466.20036"


class ExtendedValueError(LDAPBERError, ValueError):
    """The value of a known extended operation is malformed; ``name`` says which."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _value_of(name: str, type_: type, value: bytes | None) -> object:
    if value is None:
        raise ExtendedValueError(name, "the value is missing")
    try:
        return _codec.decode_value(type_, value)
    except DecodeError as err:
        raise ExtendedValueError(name, str(err)) from None


@dataclass
class StartTLSRequest:
    """StartTLS: no value; the response's success means TLS starts now."""

    OID: ClassVar[str] = STARTTLS_OID

    def to_request(self) -> ExtendedRequest:
        return ExtendedRequest(self.OID)


@dataclass
class WhoAmIRequest:
    """Who am I? (RFC 4532): no value."""

    OID: ClassVar[str] = WHOAMI_OID

    def to_request(self) -> ExtendedRequest:
        return ExtendedRequest(self.OID)


@dataclass
class WhoAmIResponse:
    """The authorization identity (``dn:...``, ``u:...``, or empty for anonymous)."""

    authz_id: str = ""

    def to_response(self, result_code: int = ResultCode.SUCCESS) -> ExtendedResponse:
        return ExtendedResponse(result_code, "", "", response_value=self.authz_id.encode("utf-8"))

    @classmethod
    def from_response(cls, resp: ExtendedResponse) -> WhoAmIResponse:
        raw = resp.response_value or b""
        try:
            return cls(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ExtendedValueError("Who am I? response", "the identity is not UTF-8") from None


@dataclass
class PasswordModifyRequest:
    """Password Modify (RFC 3062); every field is optional."""

    OID: ClassVar[str] = PASSWORD_MODIFY_OID
    user_identity: bytes | None = None
    old_password: bytes | None = None
    new_password: bytes | None = None

    def to_request(self) -> ExtendedRequest:
        if self.user_identity is None and self.old_password is None and self.new_password is None:
            return ExtendedRequest(self.OID)  # RFC 3062: the value may be absent
        value = PasswdModifyRequestValue(user_identity=self.user_identity, old_passwd=self.old_password,
                                         new_passwd=self.new_password)
        return ExtendedRequest(self.OID, request_value=_codec.encode_value(value))

    @classmethod
    def from_request(cls, req: ExtendedRequest) -> PasswordModifyRequest:
        if req.request_value is None:
            return cls()
        v = _value_of("Password Modify request", PasswdModifyRequestValue, req.request_value)
        return cls(v.user_identity, v.old_passwd, v.new_passwd)  # type: ignore[attr-defined]


@dataclass
class PasswordModifyResponse:
    """The password the server generated, if it did."""

    generated_password: bytes | None = None

    def to_response(self, result_code: int = ResultCode.SUCCESS) -> ExtendedResponse:
        value = None
        if self.generated_password is not None:
            value = _codec.encode_value(PasswdModifyResponseValue(gen_passwd=self.generated_password))
        return ExtendedResponse(result_code, "", "", response_value=value)

    @classmethod
    def from_response(cls, resp: ExtendedResponse) -> PasswordModifyResponse:
        if resp.response_value is None:
            return cls()
        v = _value_of("Password Modify response", PasswdModifyResponseValue, resp.response_value)
        return cls(v.gen_passwd)  # type: ignore[attr-defined]


@dataclass
class CancelRequest:
    """Cancel (RFC 3909) the operation with message ID ``cancel_id``."""

    OID: ClassVar[str] = CANCEL_OID
    cancel_id: int = 0

    def to_request(self) -> ExtendedRequest:
        return ExtendedRequest(self.OID, request_value=_codec.encode_value(CancelRequestValue(self.cancel_id)))

    @classmethod
    def from_request(cls, req: ExtendedRequest) -> CancelRequest:
        return cls(_value_of("Cancel request", CancelRequestValue, req.request_value).cancel_id)  # type: ignore[attr-defined]


def decode_extended_request(req: ExtendedRequest) -> object:
    """The typed form of a known extended request; an unknown one as is."""
    name = req.request_name
    if name in (STARTTLS_OID, WHOAMI_OID):
        if req.request_value is not None:
            raise ExtendedValueError("StartTLS" if name == STARTTLS_OID else "Who am I?", "takes no value")
        return StartTLSRequest() if name == STARTTLS_OID else WhoAmIRequest()
    if name == PASSWORD_MODIFY_OID:
        return PasswordModifyRequest.from_request(req)
    if name == CANCEL_OID:
        return CancelRequest.from_request(req)
    return req


def notice_of_disconnection(result_code: int = ResultCode.PROTOCOL_ERROR, message: str = "") -> LDAPMessage:
    """The unsolicited Notice of Disconnection a server sends before closing
    (message ID 0; RFC 4511 4.4.1: protocolError, strongerAuthRequired or unavailable)."""
    return LDAPMessage(0, ExtendedResponse(result_code, "", message, response_name=NOTICE_OF_DISCONNECTION_OID))


def is_notice_of_disconnection(msg: LDAPMessage) -> bool:
    op = msg.protocol_op
    return (msg.message_id == 0 and isinstance(op, ExtendedResponse)
            and op.response_name == NOTICE_OF_DISCONNECTION_OID)
