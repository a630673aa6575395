"""``ldaptor``: Twisted's LDAP library, its pure-Python BER
(``ldaptor.protocols.pureber`` / ``pureldap``).

Decode (timed) = ``pureber.berDecodeObject(context, data)`` with the
top-level decoder context ldaptor's own client and server build (an
``LDAPMessage`` whose protocolOp is any operation), then :func:`materialize`,
a walk over ldaptor's operation objects that leaves every field as a plain
Python value (the canonical component names, CHOICEs as ``(name, value)``;
ldaptor does not decode text, so LDAPString values stay bytes).  ldaptor's
objects are half decoded (filters, AVAs, modifications and added attributes
stay ``BEROctetString`` / ``BERSequence`` objects), so the walk does real work
ldaptor would otherwise leave to its caller, as for pyasn1.

Encode (timed) = ``msg.toWire()`` of ldaptor's own decode of the reference
bytes, built outside the timing (ldaptor's objects cache nothing: toWire()
rebuilds the bytes on every call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ldaptor.protocols import pureber, pureldap

from ..workload import Sample
from .base import Peer
from .canonical import from_plain

__all__ = ["LDAPTOR", "materialize"]

# The context ldaptor's LDAPClient / LDAPServer decode with.
_CONTEXT = pureldap.LDAPBERDecoderContext_TopLevel(
    inherit=pureldap.LDAPBERDecoderContext_LDAPMessage(
        fallback=pureldap.LDAPBERDecoderContext(fallback=pureber.BERDecoderContext()),
        inherit=pureldap.LDAPBERDecoderContext(fallback=pureber.BERDecoderContext()),
    )
)


def _decode_object(data: bytes) -> Any:
    obj, used = pureber.berDecodeObject(_CONTEXT, data)
    if obj is None or used != len(data):  # ldaptor prints unknown tags and returns None
        raise ValueError(f"ldaptor decoded {used} of {len(data)} bytes into {type(obj).__name__}")
    return obj


# -- filters -------------------------------------------------------------------------
def _ava(f: Any) -> dict:
    return {"attributeDesc": f.attributeDesc.value, "assertionValue": f.assertionValue.value}


_SUBSTRING = {
    pureldap.LDAPFilter_substrings_initial: "initial",
    pureldap.LDAPFilter_substrings_any: "any",
    pureldap.LDAPFilter_substrings_final: "final",
}


def _extensible(f: Any) -> dict:
    out = {"matchValue": f.matchValue.value, "dnAttributes": bool(f.dnAttributes and f.dnAttributes.value)}
    if f.matchingRule is not None:
        out["matchingRule"] = f.matchingRule.value
    if f.type is not None:
        out["type"] = f.type.value
    return out


_FILTERS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    pureldap.LDAPFilter_and: ("and", lambda f: [_filter(x) for x in f.data]),
    pureldap.LDAPFilter_or: ("or", lambda f: [_filter(x) for x in f.data]),
    pureldap.LDAPFilter_not: ("not", lambda f: _filter(f.value)),
    pureldap.LDAPFilter_equalityMatch: ("equalityMatch", _ava),
    pureldap.LDAPFilter_substrings: ("substrings", lambda f: {
        "type": f.type, "substrings": [(_SUBSTRING[type(s)], s.value) for s in f.substrings]}),
    pureldap.LDAPFilter_greaterOrEqual: ("greaterOrEqual", _ava),
    pureldap.LDAPFilter_lessOrEqual: ("lessOrEqual", _ava),
    pureldap.LDAPFilter_present: ("present", lambda f: f.value),
    pureldap.LDAPFilter_approxMatch: ("approxMatch", _ava),
    pureldap.LDAPFilter_extensibleMatch: ("extensibleMatch", _extensible),
}


def _filter(f: Any) -> tuple:
    name, walk = _FILTERS[type(f)]
    return (name, walk(f))


# -- operations ----------------------------------------------------------------------
def _result(op: Any) -> dict:
    out = {"resultCode": op.resultCode, "matchedDN": op.matchedDN, "diagnosticMessage": op.errorMessage}
    if op.referral is not None:
        out["referral"] = list(op.referral)
    return out


def _bind_response(op: Any) -> dict:
    out = _result(op)
    if op.serverSaslCreds is not None:
        out["serverSaslCreds"] = op.serverSaslCreds
    return out


def _extended_response(op: Any) -> dict:
    out = _result(op)
    if op.responseName is not None:
        out["responseName"] = op.responseName
    if op.response is not None:
        out["responseValue"] = op.response
    return out


def _bind_request(op: Any) -> dict:
    if op.sasl:
        mechanism, credentials = op.auth
        sasl = {"mechanism": mechanism} if credentials is None else {"mechanism": mechanism, "credentials": credentials}
        auth: tuple = ("sasl", sasl)
    else:
        auth = ("simple", op.auth)
    return {"version": op.version, "name": op.dn, "authentication": auth}


def _search_request(op: Any) -> dict:
    return {"baseObject": op.baseObject, "scope": op.scope, "derefAliases": op.derefAliases,
            "sizeLimit": op.sizeLimit, "timeLimit": op.timeLimit, "typesOnly": bool(op.typesOnly),
            "filter": _filter(op.filter), "attributes": list(op.attributes)}


def _attribute(seq: Any) -> dict:  # BERSequence([BEROctetString type, BERSet(values)])
    attr_type, vals = seq.data
    return {"type": attr_type.value, "vals": [v.value for v in vals.data]}


def _modify_request(op: Any) -> dict:
    changes = []
    for change in op.modification:  # BERSequence([BEREnumerated, attribute])
        operation, modification = change.data
        changes.append({"operation": operation.value, "modification": _attribute(modification)})
    return {"object": op.object, "changes": changes}


def _modify_dn_request(op: Any) -> dict:
    out = {"entry": op.entry, "newrdn": op.newrdn, "deleteoldrdn": bool(op.deleteoldrdn)}
    if op.newSuperior is not None:
        out["newSuperior"] = op.newSuperior
    return out


def _extended_request(op: Any) -> dict:
    if op.requestValue is None:
        return {"requestName": op.requestName}
    return {"requestName": op.requestName, "requestValue": op.requestValue}


_OPS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    pureldap.LDAPBindRequest: ("bindRequest", _bind_request),
    pureldap.LDAPBindResponse: ("bindResponse", _bind_response),
    pureldap.LDAPUnbindRequest: ("unbindRequest", lambda op: None),
    pureldap.LDAPSearchRequest: ("searchRequest", _search_request),
    pureldap.LDAPSearchResultEntry: ("searchResEntry", lambda op: {
        "objectName": op.objectName,
        "attributes": [{"type": t, "vals": list(vals)} for t, vals in op.attributes]}),
    pureldap.LDAPSearchResultDone: ("searchResDone", _result),
    pureldap.LDAPSearchResultReference: ("searchResRef", lambda op: [u.value for u in op.uris]),
    pureldap.LDAPModifyRequest: ("modifyRequest", _modify_request),
    pureldap.LDAPModifyResponse: ("modifyResponse", _result),
    pureldap.LDAPAddRequest: ("addRequest", lambda op: {
        "entry": op.entry, "attributes": [_attribute(a) for a in op.attributes.data]}),
    pureldap.LDAPAddResponse: ("addResponse", _result),
    pureldap.LDAPDelRequest: ("delRequest", lambda op: op.value),
    pureldap.LDAPDelResponse: ("delResponse", _result),
    pureldap.LDAPModifyDNRequest: ("modDNRequest", _modify_dn_request),
    pureldap.LDAPModifyDNResponse: ("modDNResponse", _result),
    pureldap.LDAPCompareRequest: ("compareRequest", lambda op: {"entry": op.entry, "ava": _ava(op.ava)}),
    pureldap.LDAPCompareResponse: ("compareResponse", _result),
    pureldap.LDAPAbandonRequest: ("abandonRequest", lambda op: op.value),
    pureldap.LDAPExtendedRequest: ("extendedReq", _extended_request),
    pureldap.LDAPExtendedResponse: ("extendedResp", _extended_response),
}


def _control(c: tuple) -> dict:
    control_type, criticality, value = c
    out: dict[str, Any] = {"controlType": control_type}
    if criticality is not None:
        out["criticality"] = bool(criticality)
    if value is not None:
        out["controlValue"] = value
    return out


def materialize(msg: Any) -> dict:
    """Every field of ldaptor's LDAPMessage as plain Python."""
    name, walk = _OPS[type(msg.value)]
    out = {"messageID": msg.id, "protocolOp": (name, walk(msg.value))}
    if msg.controls is not None:
        out["controls"] = [_control(c) for c in msg.controls]
    return out


def decode(data: bytes) -> dict:
    return materialize(_decode_object(data))


def prepare(sample: Sample) -> Any:
    return _decode_object(sample.encoded)


def encode(msg: Any) -> bytes:
    return msg.toWire()


LDAPTOR = Peer("ldaptor", decode, from_plain, prepare, encode)
