"""ldap3's pyasn1 requests -> ldapber objects -> bytes, for ldap3's ``sending``.

ldap3 builds every request as a pyasn1 ``LDAPMessage`` and encodes it with
pyasn1's BER encoder (with TRUE written as 0xFF).  :func:`encode_request`
reads that tree and encodes the same message with ldapber: the same bytes
(definite minimal lengths, DEFAULT values left out, SET OF in the given
order, as pyasn1's BER encoder writes), in a fraction of the time.  A
request it does not know (a Sicily bind, a string that is not UTF-8, a
component it does not expect) raises :class:`Unencodable` and pyasn1 encodes it.
"""

from __future__ import annotations

from typing import Any

from ldap3 import DIGEST_MD5  # type: ignore[import-untyped]
from ldap3.core.exceptions import LDAPSocketSendError, communication_exception_factory  # type: ignore[import-untyped]
from ldap3.utils.log import ERROR, NETWORK, log, log_enabled  # type: ignore[import-untyped]
from pyasn1.type.base import noValue  # type: ignore[import-untyped]

from .. import (
    AbandonRequest,
    AddRequest,
    And,
    ApproxMatch,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    Change,
    CompareRequest,
    Control,
    DelRequest,
    EncodeError,
    EqualityMatch,
    ExtendedRequest,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    MatchingRuleAssertion,
    ModifyDNRequest,
    ModifyRequest,
    Not,
    Or,
    PartialAttribute,
    Present,
    SaslCredentials,
    SearchRequest,
    Simple,
    SubstringFilter,
    UnbindRequest,
    encode,
)
from .. import Any as AnySubstring


class Unencodable(Exception):
    """This request is pyasn1's to encode (the reason is the message)."""


def _text(value: Any) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise Unencodable("a string that is not UTF-8") from None


def _optional(seq: Any, name: str) -> Any:
    value = seq.getComponentByName(name, instantiate=False)
    return None if value is noValue or not value.isValue else value


def _ava(ava: Any, cls: type[AttributeValueAssertion]) -> AttributeValueAssertion:
    return cls(_text(ava["attributeDesc"]), bytes(ava["assertionValue"]))


_AVAS = {"equalityMatch": EqualityMatch, "greaterOrEqual": GreaterOrEqual, "lessOrEqual": LessOrEqual,
         "approxMatch": ApproxMatch}
_SUBSTRINGS = {"initial": Initial, "any": AnySubstring, "final": Final}


def _filter(flt: Any) -> Any:
    kind = flt.getName()
    component = flt.getComponent()
    if kind in _AVAS:
        return _ava(component, _AVAS[kind])
    if kind == "present":
        return Present(_text(component))
    if kind == "and":
        return And([_filter(f) for f in component])
    if kind == "or":
        return Or([_filter(f) for f in component])
    if kind == "notFilter":
        return Not(_filter(component["innerNotFilter"]))
    if kind == "substringFilter":
        parts: list[Any] = []
        for sub in component["substrings"]:
            parts.append(_SUBSTRINGS[sub.getName()](bytes(sub.getComponent())))
        return SubstringFilter(_text(component["type"]), parts)
    if kind == "extensibleMatch":
        rule, type_ = _optional(component, "matchingRule"), _optional(component, "type")
        dn = _optional(component, "dnAttributes")
        return MatchingRuleAssertion(matching_rule=None if rule is None else _text(rule),
                                     type=None if type_ is None else _text(type_),
                                     match_value=bytes(component["matchValue"]),
                                     dn_attributes=bool(dn) if dn is not None else False)
    raise Unencodable(f"filter {kind}")


def _attributes(seq: Any, cls: type[PartialAttribute]) -> list[Any]:
    return [cls(_text(a["type"]), [bytes(v) for v in a["vals"]]) for a in seq]


def _bind(op: Any) -> BindRequest:
    auth = op["authentication"]
    kind = auth.getName()
    if kind == "simple":
        credentials: Any = Simple(bytes(auth.getComponent()))
    elif kind == "sasl":
        sasl = auth.getComponent()
        given = _optional(sasl, "credentials")
        credentials = SaslCredentials(_text(sasl["mechanism"]), credentials=None if given is None else bytes(given))
    else:
        raise Unencodable(f"{kind} authentication")
    return BindRequest(int(op["version"]), _text(op["name"]), credentials)


def _search(op: Any) -> SearchRequest:
    return SearchRequest(_text(op["baseObject"]), int(op["scope"]), int(op["derefAliases"]), int(op["sizeLimit"]),
                         int(op["timeLimit"]), bool(op["typesOnly"]), _filter(op["filter"]),
                         [_text(a) for a in op["attributes"]])


def _modify(op: Any) -> ModifyRequest:
    changes = []
    for change in op["changes"]:
        mod = change["modification"]
        changes.append(Change(int(change["operation"]), PartialAttribute(_text(mod["type"]),
                                                                        [bytes(v) for v in mod["vals"]])))
    return ModifyRequest(_text(op["object"]), changes)


def _modify_dn(op: Any) -> ModifyDNRequest:
    superior = _optional(op, "newSuperior")
    return ModifyDNRequest(_text(op["entry"]), _text(op["newrdn"]), bool(op["deleteoldrdn"]),
                           new_superior=None if superior is None else _text(superior))


def _extended(op: Any) -> ExtendedRequest:
    value = _optional(op, "requestValue")
    return ExtendedRequest(_text(op["requestName"]), request_value=None if value is None else bytes(value))


_OPS = {
    "bindRequest": _bind,
    "unbindRequest": lambda op: UnbindRequest(),
    "searchRequest": _search,
    "modifyRequest": _modify,
    "addRequest": lambda op: AddRequest(_text(op["entry"]), _attributes(op["attributes"], Attribute)),
    "delRequest": lambda op: DelRequest(_text(op)),
    "modDNRequest": _modify_dn,
    "compareRequest": lambda op: CompareRequest(_text(op["entry"]), _ava(op["ava"], AttributeValueAssertion)),
    "abandonRequest": lambda op: AbandonRequest(int(op)),
    "extendedReq": _extended,
}


def _control(control: Any) -> Control:
    critical = _optional(control, "criticality")
    value = _optional(control, "controlValue")
    return Control(_text(control["controlType"]), criticality=bool(critical) if critical is not None else False,
                   control_value=None if value is None else bytes(value))


def to_ldapber(message: Any) -> LDAPMessage:
    """The ldapber LDAPMessage for ldap3's pyasn1 request ``message``."""
    op = message["protocolOp"]
    kind = op.getName()
    build: Any = _OPS.get(kind)
    if build is None:
        raise Unencodable(f"{kind} is not a request")
    controls = _optional(message, "controls")
    try:
        return LDAPMessage(int(message["messageID"]), build(op.getComponent()),
                           controls=None if controls is None else [_control(c) for c in controls])
    except (KeyError, TypeError, ValueError, RecursionError) as err:  # a component ldap3 did not set as usual
        raise Unencodable(f"{kind}: {err}") from None


def encode_request(message: Any) -> bytes:
    """ldapber's encoding of ldap3's pyasn1 request (the bytes pyasn1 writes)."""
    ours = to_ldapber(message)
    try:
        return encode(ours)
    except EncodeError as err:  # a value out of ldapber's range: pyasn1 decides
        raise Unencodable(str(err)) from None


def signs_requests(connection: Any) -> bool:
    """Whether ldap3 signs this connection's requests (DIGEST-MD5 integrity
    protection, once its client key is set): ldap3's own code must send them."""
    return bool(connection.sasl_mechanism == DIGEST_MD5 and getattr(connection, "_digest_md5_kic", None))


def sending(self: Any, ldap_message: Any) -> None:
    """``BaseStrategy.sending`` with ldapber's encoder: sends the request as
    ldap3 does (its errors and usage counters), or hands it to ldap3's own
    ``sending`` for DIGEST-MD5 signing, NETWORK logging or a request
    :func:`encode_request` leaves to pyasn1."""
    from ldap3.strategy.base import BaseStrategy  # type: ignore[import-untyped]

    from .ldap3 import original

    connection = self.connection
    if (signs_requests(connection) and not connection.sasl_in_progress) or log_enabled(NETWORK):
        return original(BaseStrategy, "sending")(self, ldap_message)  # type: ignore[no-any-return]
    try:
        encoded = encode_request(ldap_message)
    except Unencodable:
        return original(BaseStrategy, "sending")(self, ldap_message)  # type: ignore[no-any-return]
    send_encoded(self, encoded)
    return None


def send_encoded(self: Any, encoded: bytes) -> None:
    """The end of ldap3's ``sending``: ``encoded`` out on the socket, with
    its error and usage counters."""
    connection = self.connection
    try:
        connection.socket.sendall(encoded)
    except OSError as exc:  # socket.error
        connection.last_error = "socket sending error" + str(exc)
        if log_enabled(ERROR):
            log(ERROR, "<%s> for <%s>", connection.last_error, connection)
        raise communication_exception_factory(LDAPSocketSendError, type(exc)(str(exc)))(connection.last_error) from None
    if connection.usage:
        connection._usage.update_transmitted_message(connection.request, len(encoded))
    return None


__all__ = ["Unencodable", "encode_request", "send_encoded", "sending", "to_ldapber"]
