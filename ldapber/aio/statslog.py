"""One line per connection event and per operation, in the style of
slapd's ``stats`` log level, on the logger ``ldapber.server.stats`` (INFO):

    conn=1000 ACCEPT from IP=127.0.0.1:50312
    conn=1000 op=1 BIND dn="uid=alice,ou=people,dc=example,dc=com" method=128
    conn=1000 op=1 RESULT tag=97 err=0 etime=0.000412 text=
    conn=1000 op=2 SRCH base="dc=example,dc=com" scope=2 deref=0 filter="(uid=a*)"
    conn=1000 op=2 SEARCH RESULT tag=101 err=0 nentries=1 etime=0.000870 text=
    conn=1000 closed

``python -m ldapber serve -v`` shows them; a library that embeds the server
sets the logger's level itself.  Nothing is formatted unless the logger is
enabled for INFO.
"""

from __future__ import annotations

import logging

from ..model import (
    AbandonRequest,
    AddRequest,
    BindRequest,
    CompareRequest,
    DelRequest,
    ExtendedRequest,
    LDAPResult,
    ModifyDNRequest,
    ModifyRequest,
    SaslCredentials,
    SearchRequest,
    UnbindRequest,
)
from ..model.filters import filter_to_string
from ..proto.operations import TARGET_FIELD

__all__ = ["stats", "describe_request", "describe_result"]

stats = logging.getLogger("ldapber.server.stats")

#: The BER tag of each final response (what slapd's RESULT lines print).
_TAGS = {"BindResponse": 97, "SearchResultDone": 101, "ModifyResponse": 103, "AddResponse": 105,
         "DelResponse": 107, "ModifyDNResponse": 109, "CompareResponse": 111, "ExtendedResponse": 120}


#: slapd's names of the operations whose stats line is just their target DN.
_VERBS = {AddRequest: "ADD", ModifyRequest: "MOD", DelRequest: "DEL", ModifyDNRequest: "MODRDN"}


def _quoted(text: object) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def describe_request(op: object) -> str:
    """The part of a stats line that says what was asked."""
    if isinstance(op, BindRequest):
        auth = op.authentication
        method = f"mech={auth.mechanism}" if isinstance(auth, SaslCredentials) else "method=128"
        return f"BIND dn={_quoted(op.name)} {method}"
    if isinstance(op, SearchRequest):
        return (f"SRCH base={_quoted(op.base_object)} scope={int(op.scope)} deref={int(op.deref_aliases)} "
                f"filter={_quoted(_filter_text(op.filter))}")
    if isinstance(op, CompareRequest):
        return f"CMP dn={_quoted(op.entry)} attr={_quoted(op.ava.attribute_desc)}"
    verb = _VERBS.get(type(op))
    if verb is not None:  # ADD, MOD, DEL, MODRDN: the target DN
        return f"{verb} dn={_quoted(getattr(op, TARGET_FIELD[type(op)]))}"
    if isinstance(op, ExtendedRequest):
        return f"EXT oid={op.request_name}"
    if isinstance(op, AbandonRequest):
        return f"ABANDON msg={op.value}"
    if isinstance(op, UnbindRequest):
        return "UNBIND"
    return type(op).__name__


def _filter_text(flt: object) -> str:
    try:
        return filter_to_string(flt)
    except Exception:  # noqa: BLE001 - a log line must not fail an operation
        return "?"


def describe_result(result: object, entries: int, seconds: float) -> str:
    """The part of a stats line that says how it ended."""
    if not isinstance(result, LDAPResult):
        return f"RESULT etime={seconds:.6f}"
    name = type(result).__name__
    head = "SEARCH RESULT" if name == "SearchResultDone" else "RESULT"
    counted = f" nentries={entries}" if name == "SearchResultDone" else ""
    text = result.diagnostic_message.replace("\n", " ")
    return (f"{head} tag={_TAGS.get(name, 0)} err={int(result.result_code)}{counted} etime={seconds:.6f} "
            f"text={text}")
