"""The ASN.1 modules ldapber ships and how each is compiled."""

from __future__ import annotations

from .resolve import ModuleSpec

__all__ = ["MODULES"]

#: RFC 4511 Appendix B, verbatim, and the control / extended-operation value
#: modules compiled by the same compiler.
MODULES = (
    ModuleSpec(
        "rfc4511.asn",
        "rfc4511",
        text_types=frozenset({"LDAPString", "LDAPOID"}),
        interned_types=frozenset({"AttributeDescription", "AttributeValue", "AttributeSelection.selector"}),
        first_last={"SubstringFilter.substrings": ("initial", "final")},
        stream_root="LDAPMessage",
        oid_types=frozenset({"LDAPOID"}),
        mixins={"SearchResultEntry": "ldapber.model._views:EntryView"},
    ),
    ModuleSpec("rfc2696.asn", "rfc2696"),
    ModuleSpec("rfc3062.asn", "rfc3062"),
    ModuleSpec("rfc2891.asn", "rfc2891", text_types=frozenset({"AttributeDescription", "MatchingRuleId"})),
    ModuleSpec("rfc3909.asn", "rfc3909"),
)
