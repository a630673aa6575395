"""The accelerator's search requests (ldapber.integrations._ldap3_search)
against ldap3's own ``search_operation``, offline: for each set of arguments
the same bytes on the wire, the same ``connection.request`` dict, the same
exception; or ldap3's pyasn1 request where the builder leaves it to pyasn1.
The slapd differential (test_ldap3_accel.py) runs the operations end to end."""

from __future__ import annotations

from typing import Any

import pytest

ldap3 = pytest.importorskip("ldap3")

from ldap3.operation import search  # noqa: E402
from ldap3.protocol.rfc4511 import LDAPMessage as Pyasn1Message  # noqa: E402
from ldap3.protocol.rfc4511 import MessageID, ProtocolOp  # noqa: E402
from ldap3.utils.asn1 import encode as pyasn1_encode  # noqa: E402

from ldapber import LDAPMessage, encode  # noqa: E402
from ldapber.integrations import _ldap3_search  # noqa: E402

BASE = "dc=example,dc=com"
FILTERS = [
    "(objectClass=*)", "(uid=alice)", "(cn=Ada Anders)", "(cn=)", "  (cn=a)  ", "(&(uid=a)(sn=b))",
    "(|(uid=a*)(cn=*o*)(sn=*x))", "(!(uid=bob))", "(&(|(uid=a*)(cn=*o*))(!(uid=bob))(mail=*))",
    "(cn=a*b*c)", "(cn=*a**b*)", "(cn=**)", "(sn>=x)", "(sn<=y)", "(cn~=z)", r"(cn=a\2ab)", r"(cn=\28x\29)",
    r"(cn=back\5cslash)", r"(cn=\00nul)", r"(cn=Jos\c3\a9)", "(cn=José)", "(cn=日本)", r"(cn=\ff)",
    r"(cn=bad\zzescape)", "(cn=star*)", "(cn=*)", "(description=*user 1 of*)", "(cn;lang-en=x)",
    "(&(a=1)(|(b=2)(!(c=3)))(d>=4)(e<=5)(f~=6)(g=7*))",
]
EXTENSIBLE = ["(ou:dn:=people)", "(o:dn:2.5.13.2:=v)", "(:caseExactMatch:=w)"]
BAD_FILTERS = ["", "cn=a", "(cn=a", "(cn=a))", "((cn=a)", "(&(cn=a)(!(b=1)(c=2)))", "(cn=a)(sn=b)", "()"]


def args(flt: str, **over: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    given: dict[str, Any] = {"search_base": BASE, "search_filter": flt, "search_scope": ldap3.SUBTREE,
                             "dereference_aliases": ldap3.DEREF_ALWAYS, "attributes": ["cn", "mail"],
                             "size_limit": 0, "time_limit": 0, "types_only": False, "auto_escape": True,
                             "auto_encode": True}
    given.update(over)
    keys = ("search_base", "search_filter", "search_scope", "dereference_aliases", "attributes", "size_limit",
            "time_limit", "types_only", "auto_escape", "auto_encode")
    named = {k: given[k] for k in ("schema", "validator", "check_names") if k in given}
    return tuple(given[k] for k in keys), named


def ldap3_side(positional: tuple[Any, ...], named: dict[str, Any]) -> tuple[str, Any, Any]:
    """('ok', bytes, dict) from ldap3's own path, or ('raised', type, message)."""
    try:
        request = search.search_operation(*positional, **named)
        message = Pyasn1Message()
        message["messageID"] = MessageID(9)
        message["protocolOp"] = ProtocolOp().setComponentByName("searchRequest", request)
        return "ok", pyasn1_encode(message), search.search_request_to_dict(request)
    except Exception as exc:  # the exception is what is compared
        return "raised", type(exc), str(exc)


def our_side(positional: tuple[Any, ...], named: dict[str, Any]) -> tuple[str, Any, Any] | None:
    """The same from the accelerator's builder; None where it leaves the request to pyasn1."""
    try:
        built = _ldap3_search._build(*positional, **named)
    except _ldap3_search.Unencodable:
        return None
    except Exception as exc:  # the exception is what is compared
        return "raised", type(exc), str(exc)
    return "ok", encode(LDAPMessage(9, built.op)), built.fields


@pytest.mark.parametrize("flt", FILTERS + BAD_FILTERS)
@pytest.mark.parametrize("auto_escape", [True, False])
def test_filters_build_as_ldap3_builds_them(flt: str, auto_escape: bool) -> None:
    positional, named = args(flt, auto_escape=auto_escape)
    ours = our_side(positional, named)
    theirs = ldap3_side(positional, named)
    if ours is None:  # left to pyasn1: only for what the builder cannot reproduce
        assert flt in (r"(cn=\ff)",) or theirs[0] == "raised", flt
        return
    assert ours == theirs, flt


@pytest.mark.parametrize("flt", EXTENSIBLE)
def test_extensible_matches_are_left_to_pyasn1(flt: str) -> None:
    assert our_side(*args(flt)) is None


@pytest.mark.parametrize("over", [
    {"search_scope": ldap3.BASE}, {"search_scope": ldap3.LEVEL}, {"search_scope": 0}, {"search_scope": 2},
    {"search_scope": "WRONG"}, {"search_scope": 7}, {"dereference_aliases": ldap3.DEREF_NEVER},
    {"dereference_aliases": 2}, {"dereference_aliases": "SOMETIMES"}, {"size_limit": 10, "time_limit": 5},
    {"types_only": True}, {"types_only": 1}, {"attributes": None}, {"attributes": "cn"}, {"attributes": []},
    {"attributes": ["*", "+", "1.1"]}, {"attributes": ("cn", "sn;binary")}, {"search_base": ""},
    {"search_base": "cn=José,dc=example,dc=com"}, {"attributes": ["cné"]},
])
def test_options_build_as_ldap3_builds_them(over: dict[str, Any]) -> None:
    positional, named = args("(uid=a)", **over)
    ours, theirs = our_side(positional, named), ldap3_side(positional, named)
    assert ours == theirs, over


@pytest.mark.parametrize("over", [
    {"size_limit": -1}, {"size_limit": 2**31}, {"time_limit": "5"}, {"size_limit": True}, {"search_base": b"dc=x"},
    {"attributes": [b"cn"]}, {"search_base": "dc=\udcff"},
])
def test_what_pyasn1_decides_is_left_to_it(over: dict[str, Any]) -> None:
    assert our_side(*args("(uid=a)", **over)) is None


def offline_schema() -> Any:
    """The slapd 2.4 schema ldap3 ships, as a connection with check_names reads it."""
    return ldap3.Server("offline", get_info=ldap3.OFFLINE_SLAPD_2_4).schema


@pytest.mark.parametrize("attributes", [["cn"], ["cn;lang-en"], ["nosuch"], ["nosuch;x"], ["*"], ["+"]])
@pytest.mark.parametrize("flt", ["(cn=a)", "(nosuch=a)", "(objectClass=person)", "(objectClass=nosuchclass)"])
@pytest.mark.parametrize("check_names", [True, False])
def test_schema_checks_raise_as_ldap3_raises(attributes: list[str], flt: str, check_names: bool) -> None:
    positional, named = args(flt, attributes=attributes, schema=offline_schema(), check_names=check_names)
    ours, theirs = our_side(positional, named), ldap3_side(positional, named)
    assert ours == theirs, (attributes, flt)


def test_the_schema_cases_include_refusals() -> None:
    refused = [ldap3_side(*args(flt, attributes=attributes, schema=offline_schema(), check_names=True))[0]
               for attributes in (["nosuch"], ["cn"]) for flt in ("(cn=a)", "(nosuch=a)")]
    assert refused.count("raised") == 3
