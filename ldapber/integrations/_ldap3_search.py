"""ldap3's search requests built as ldapber objects, without pyasn1.

For a small search, building ldap3's pyasn1 request costs more than the rest
of the operation: ``search_operation`` assigns a dozen pyasn1 components and
compiles the filter into pyasn1 objects, which ``decode_request`` then reads
back into ``connection.request``.  While the accelerator is installed,
``search_operation`` (as ``Connection.search`` calls it) builds instead a
:class:`FastSearch`: the ldapber ``SearchRequest`` and the request dict,
from the filter tree of ldap3's own ``parse_filter`` (its checks and errors)
and the same checks of scope, aliases and attributes, raised with the same
messages.  ``BaseStrategy.send`` sends it as ldap3 would send its own.

Anything else keeps ldap3's pyasn1 path, the same request: a connection whose
strategy is not one the accelerator serves (MOCK, REUSABLE, LDIF), ldap3
logging at PROTOCOL detail or more, DIGEST-MD5 signing, an extensible match
(whose text in the request dict is pyasn1's rendering), a value that is not
UTF-8 or a string that is not encodable, a limit that is not a plain int in
range, a base or attribute given as bytes.
"""

from __future__ import annotations

import threading
from typing import Any

from ldap3 import (  # type: ignore[import-untyped]
    BASE,
    DEREF_ALWAYS,
    DEREF_BASE,
    DEREF_NEVER,
    DEREF_SEARCH,
    LEVEL,
    NO_ATTRIBUTES,
    SEQUENCE_TYPES,
    SUBTREE,
    get_config_parameter,
)
from ldap3.core import connection as _connection  # type: ignore[import-untyped]
from ldap3.core.exceptions import (  # type: ignore[import-untyped]
    LDAPAttributeError,
    LDAPInvalidDereferenceAliasesError,
    LDAPInvalidScopeError,
    LDAPSASLBindInProgressError,
    LDAPSocketOpenError,
)
from ldap3.operation import search as _search  # type: ignore[import-untyped]
from ldap3.protocol.convert import build_controls_list, prepare_filter_for_sending  # type: ignore[import-untyped]
from ldap3.protocol.rfc4511 import LDAPMessage as Pyasn1LDAPMessage  # type: ignore[import-untyped]
from ldap3.protocol.rfc4511 import MessageID, ProtocolOp
from ldap3.strategy.asynchronous import AsyncStrategy  # type: ignore[import-untyped]
from ldap3.strategy.asyncStream import AsyncStreamStrategy  # type: ignore[import-untyped]
from ldap3.strategy.base import BaseStrategy  # type: ignore[import-untyped]
from ldap3.strategy.restartable import RestartableStrategy  # type: ignore[import-untyped]
from ldap3.strategy.safeRestartable import SafeRestartableStrategy  # type: ignore[import-untyped]
from ldap3.strategy.safeSync import SafeSyncStrategy  # type: ignore[import-untyped]
from ldap3.strategy.sync import SyncStrategy  # type: ignore[import-untyped]
from ldap3.utils.conv import escape_filter_chars  # type: ignore[import-untyped]
from ldap3.utils.log import ERROR, PROTOCOL, log, log_enabled  # type: ignore[import-untyped]

from .. import (
    And,
    ApproxMatch,
    EncodeError,
    EqualityMatch,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    Not,
    Or,
    Present,
    SearchRequest,
    SubstringFilter,
    encode,
)
from .. import Any as AnySubstring
from ._ldap3_requests import Unencodable, _control, send_encoded, sending, signs_requests
from .ldap3 import original

#: The strategies whose requests reach the patched ``BaseStrategy.send``
#: unchanged (RESTARTABLE's ``send`` passes them on).
SERVED = frozenset({SyncStrategy, SafeSyncStrategy, RestartableStrategy, SafeRestartableStrategy, AsyncStrategy,
                    AsyncStreamStrategy})
MAX_INT = 2147483647
_AVAS: dict[int, tuple[type[Any], str]] = {_search.MATCH_EQUAL: (EqualityMatch, "="), _search.MATCH_GREATER_OR_EQUAL: (GreaterOrEqual, ">="),
         _search.MATCH_LESS_OR_EQUAL: (LessOrEqual, "<="), _search.MATCH_APPROX: (ApproxMatch, "~=")}
_SCOPES = ((BASE, 0), (LEVEL, 1), (SUBTREE, 2))
_DEREFS = ((DEREF_NEVER, 0), (DEREF_SEARCH, 1), (DEREF_BASE, 2), (DEREF_ALWAYS, 3))


class FastSearch:
    """A search request as ldap3 would have built it: ``op`` is the ldapber
    ``SearchRequest``, ``fields`` the dict ``decode_request`` would make of
    it (without ``type`` and ``controls``), ``args`` what ldap3's
    ``search_operation`` was called with (for its pyasn1 request)."""

    __slots__ = ("args", "fields", "op")

    def __init__(self, op: SearchRequest, fields: dict[str, Any], args: tuple[Any, dict[str, Any]]) -> None:
        self.op = op
        self.fields = fields
        self.args = args

    def pyasn1(self) -> Any:
        positional, named = self.args
        return original(_connection, "search_operation")(*positional, **named)


# -- the connection a search_operation call is for ------------------------------
_current = threading.local()


def search(self: Any, *args: Any, **kwargs: Any) -> Any:
    """``Connection.search``, noting the connection for ``search_operation``."""
    before = getattr(_current, "connection", None)
    _current.connection = self
    try:
        return original(_connection.Connection, "search")(self, *args, **kwargs)
    finally:
        _current.connection = before


def _served(connection: Any) -> bool:
    if connection is None or type(connection.strategy) not in SERVED or log_enabled(PROTOCOL):
        return False
    return not signs_requests(connection)


def search_operation(*args: Any, **kwargs: Any) -> Any:
    """ldap3's ``search_operation``: a :class:`FastSearch` for a connection
    the accelerator serves, else (or for a request it leaves to pyasn1)
    ldap3's pyasn1 request."""
    if _served(getattr(_current, "connection", None)):
        try:
            return _build(*args, **kwargs)
        except Unencodable:
            pass
    return original(_connection, "search_operation")(*args, **kwargs)


def _text(value: object) -> str:
    """A string as ldap3 sends it, which reads back as itself."""
    if type(value) is not str:
        raise Unencodable("not a str")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Unencodable("a string UTF-8 cannot encode") from None
    return value


def _shown(value: bytes) -> str:
    """``str()`` of ldap3's pyasn1 value (UTF-8)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise Unencodable("a value that is not UTF-8") from None


def _limit(value: object) -> int:
    if type(value) is not int or not 0 <= value <= MAX_INT:  # type: ignore[operator]
        raise Unencodable("a limit pyasn1 checks")
    return value  # type: ignore[return-value]


def _code(value: object, table: tuple[tuple[str, int], ...], error: type[Exception], message: str) -> int:
    for name, code in table:  # the comparisons ldap3 makes, in its order
        if value == name or value == code:
            return code
    raise error(message)


def _build(search_base: Any, search_filter: Any, search_scope: Any, dereference_aliases: Any, attributes: Any,
           size_limit: Any, time_limit: Any, types_only: Any, auto_escape: Any, auto_encode: Any, schema: Any = None,
           validator: Any = None, check_names: Any = False) -> FastSearch:
    args = ((search_base, search_filter, search_scope, dereference_aliases, attributes, size_limit, time_limit,
             types_only, auto_escape, auto_encode), {"schema": schema, "validator": validator, "check_names": check_names})
    base = _text(search_base)
    scope = _code(search_scope, _SCOPES, LDAPInvalidScopeError, "invalid scope type")
    deref = _code(dereference_aliases, _DEREFS, LDAPInvalidDereferenceAliasesError, "invalid dereference aliases type")
    sizes = _limit(size_limit), _limit(time_limit)
    root = _search.parse_filter(search_filter, schema, auto_escape, auto_encode, validator, check_names)
    flt, flt_text = _filter(root.elements[0])
    if not isinstance(attributes, SEQUENCE_TYPES):
        attributes = [NO_ATTRIBUTES]
    selection = _selection(attributes, schema)
    op = SearchRequest(base, scope, deref, sizes[0], sizes[1], bool(types_only), flt, selection)
    fields = {"base": base, "scope": scope, "dereferenceAlias": deref, "sizeLimit": sizes[0], "timeLimit": sizes[1],
              "typesOnly": bool(types_only), "filter": flt_text, "attributes": list(selection)}
    return FastSearch(op, fields, args)


def _selection(attributes: Any, schema: Any) -> list[str]:
    """``build_attribute_selection``'s checks, and the selectors."""
    excluded = [v.lower() for v in get_config_parameter("ATTRIBUTES_EXCLUDED_FROM_CHECK")]
    out = []
    for attribute in attributes:
        if schema and schema.attribute_types:
            name = attribute[0:attribute.index(";")] if ";" in attribute else attribute
            if name not in schema.attribute_types and attribute.lower() not in excluded:
                raise LDAPAttributeError("invalid attribute type in attribute list: " + attribute)
        out.append(_text(attribute))
    return out


def _filter(node: Any) -> tuple[Any, str]:
    """``compile_filter`` of ldap3's filter tree, as an ldapber Filter, and
    its text as ``filter_to_string`` writes it."""
    tag = node.tag
    if tag == _search.AND or tag == _search.OR:
        inner = [_filter(e) for e in node.elements]
        filters, text = [f for f, _ in inner], "".join(t for _, t in inner)
        return (And(filters), "(&" + text + ")") if tag == _search.AND else (Or(filters), "(|" + text + ")")
    if tag == _search.NOT:
        negated, text = _filter(node.elements[0])
        return Not(negated), "(!" + text + ")"
    assertion = node.assertion
    if tag in _AVAS:
        ava, op = _AVAS[tag]
        attr, value = _text(assertion["attr"]), prepare_filter_for_sending(assertion["value"])
        return ava(attr, value), "(" + attr + op + escape_filter_chars(_shown(value)) + ")"
    if tag == _search.MATCH_PRESENT:
        attr = _text(assertion["attr"])
        return Present(attr), "(" + attr + "=*)"
    if tag == _search.MATCH_SUBSTRING:
        attr = _text(assertion["attr"])
        parts: list[Any] = []
        text = "(" + attr + "="
        if assertion.get("initial"):
            value = prepare_filter_for_sending(assertion["initial"])
            parts.append(Initial(value))
            text += _shown(value) + "*"
        for middle in assertion.get("any") or ():
            value = prepare_filter_for_sending(middle)
            parts.append(AnySubstring(value))
            text += (_shown(value) if text.endswith("*") else "*" + _shown(value)) + "*"
        if assertion.get("final"):
            value = prepare_filter_for_sending(assertion["final"])
            parts.append(Final(value))
            text += "*" + _shown(value)
        if not parts:  # "(cn=**)": pyasn1 writes the empty list ldapber refuses (SIZE (1..MAX))
            raise Unencodable("a substring filter without substrings")
        return SubstringFilter(attr, parts), text + ")"
    raise Unencodable("an extensible match, or a node ldap3 refuses")


# -- sending ---------------------------------------------------------------------------
def send(self: Any, message_type: str, request: Any, controls: Any = None) -> Any:
    """``BaseStrategy.send``: a :class:`FastSearch` is sent as ldap3 sends its
    own requests (the same checks, errors, message ids, ``connection.request``
    and outstanding entry); anything else goes to ldap3's ``send``."""
    if type(request) is not FastSearch:
        return original(BaseStrategy, "send")(self, message_type, request, controls)
    connection = self.connection
    if type(self).sending is not sending or signs_requests(connection):  # a sending of someone else's, or signing now
        return original(BaseStrategy, "send")(self, message_type, request.pyasn1(), controls)
    connection.request = None
    if not connection.listening:
        connection.last_error = "unable to send message, socket is not open"
        if log_enabled(ERROR):
            log(ERROR, "<%s> for <%s>", connection.last_error, connection)
        raise LDAPSocketOpenError(connection.last_error)
    if connection.sasl_in_progress and message_type not in ["bindRequest"]:  # as per RFC4511 (4.2.1)
        connection.last_error = "cannot send operation requests while SASL bind is in progress"
        if log_enabled(ERROR):
            log(ERROR, "<%s> for <%s>", connection.last_error, connection)
        raise LDAPSASLBindInProgressError(connection.last_error)
    message_id = connection.server.next_message_id()
    message_controls = build_controls_list(controls)
    connection.request = dict(request.fields, type=message_type, controls=controls)
    self._outstanding[message_id] = connection.request
    try:
        ours = None if message_controls is None else [_control(c) for c in message_controls]
        encoded = encode(LDAPMessage(message_id, request.op, controls=ours))
    except (Unencodable, EncodeError):  # a control ldapber cannot write as pyasn1 does: pyasn1's request
        ldap_message = Pyasn1LDAPMessage()
        ldap_message["messageID"] = MessageID(message_id)
        ldap_message["protocolOp"] = ProtocolOp().setComponentByName(message_type, request.pyasn1())
        if message_controls is not None:
            ldap_message["controls"] = message_controls
        self.sending(ldap_message)
        return message_id
    send_encoded(self, encoded)
    return message_id


__all__ = ["FastSearch", "SERVED", "search", "search_operation", "send"]
