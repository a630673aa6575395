"""RFC 4511's sequencing facts, shared by the client and server machines.

Which response types answer which request, which of them end the
operation, which requests get no response at all, and the limits on
message IDs (section 4.1.1.1).
"""

from __future__ import annotations

from ..errors import LDAPBERError
from ..extended import STARTTLS_OID
from ..model import (
    AbandonRequest,
    AddRequest,
    AddResponse,
    BindRequest,
    BindResponse,
    CompareRequest,
    CompareResponse,
    DelRequest,
    DelResponse,
    ExtendedRequest,
    ExtendedResponse,
    IntermediateResponse,
    LDAPMessage,
    ModifyDNRequest,
    ModifyDNResponse,
    ModifyRequest,
    ModifyResponse,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    UnbindRequest,
)

__all__ = [
    "MAX_MESSAGE_ID", "LocalProtocolError", "RemoteProtocolError", "FINAL_RESPONSE", "INTERIM_RESPONSES",
    "NO_RESPONSE", "REQUEST_TYPES", "RESPONSE_TYPES", "is_starttls",
]

#: maxInt (RFC 4511 4.1.1): message IDs of requests are 1..MAX_MESSAGE_ID.
MAX_MESSAGE_ID = 2**31 - 1

#: The response that completes each request type.
FINAL_RESPONSE: dict[type, type] = {
    BindRequest: BindResponse,
    SearchRequest: SearchResultDone,
    ModifyRequest: ModifyResponse,
    AddRequest: AddResponse,
    DelRequest: DelResponse,
    ModifyDNRequest: ModifyDNResponse,
    CompareRequest: CompareResponse,
    ExtendedRequest: ExtendedResponse,
}

#: Responses that may come before the final one (IntermediateResponse may
#: answer any request, RFC 4511 4.13).
INTERIM_RESPONSES: dict[type, tuple[type, ...]] = {
    SearchRequest: (SearchResultEntry, SearchResultReference, IntermediateResponse),
}

#: Requests that are never answered.
NO_RESPONSE: tuple[type, ...] = (AbandonRequest, UnbindRequest)

REQUEST_TYPES: tuple[type, ...] = (*FINAL_RESPONSE, *NO_RESPONSE)
RESPONSE_TYPES: tuple[type, ...] = (
    *FINAL_RESPONSE.values(), SearchResultEntry, SearchResultReference, IntermediateResponse,
)


class LocalProtocolError(LDAPBERError):
    """This side tried something RFC 4511 forbids in the connection's
    current state (a bug in the caller, not in the peer)."""


class RemoteProtocolError(LDAPBERError):
    """The peer broke RFC 4511's sequencing rules or sent an undecodable PDU;
    the connection cannot continue."""


_VERDICTS: dict[tuple[type, type], tuple[bool, bool]] = {}  # by (request class, response class)


def allowed_response(request: object, response: object) -> tuple[bool, bool]:
    """(may ``response`` answer ``request``, does it end the operation):
    decided by their classes, once per pair of classes."""
    key = (type(request), type(response))
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = _VERDICTS[key] = _judge(*key)
    return verdict


def allowed_response_type(request: object, response_type: type) -> tuple[bool, bool]:
    """:func:`allowed_response` for a response known by its class only (one sent pre-encoded)."""
    key = (type(request), response_type)
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = _VERDICTS[key] = _judge(*key)
    return verdict


def _judge(kind: type, response_type: type) -> tuple[bool, bool]:
    final = FINAL_RESPONSE.get(kind)
    if final is not None and issubclass(response_type, final):
        return True, True
    interim = INTERIM_RESPONSES.get(kind, (IntermediateResponse,))
    if final is not None and issubclass(response_type, interim):
        return True, False
    return False, False


def is_starttls(msg: LDAPMessage) -> bool:
    """Whether ``msg`` is a StartTLS extended request (RFC 4511 4.14)."""
    op = msg.protocol_op
    return isinstance(op, ExtendedRequest) and op.request_name == STARTTLS_OID
