"""ldapber's LDAPMessages -> the dicts ldap3 2.9's fast decoder builds.

ldap3 turns every response into a dict (``BaseStrategy.decode_response_fast``
over ``ldap3.utils.asn1.decode_message_fast``); its users read them from
``conn.response``, ``conn.result`` and ``conn.entries``.  A
:class:`Converter` builds the same dicts, key for key, value for value (the
same types, the same key order, ldap3's ``CaseInsensitiveDict`` with the same
contents), from the objects ldapber decoded.  Where ldap3 has a quirk the
conversion keeps it; where a message has a form whose ldap3 result this
module does not reproduce (a referral in a bind response, an unknown
extension element, a control value ldapber cannot read...), it raises
:class:`Unconverted` and the caller hands the PDU's bytes to ldap3's own
decoder.

Text: ldapber decodes LDAPStrings as UTF-8 (invalid bytes kept as surrogate
escapes); ldap3 decodes the bytes with its configured server encoding and
then its additional encodings.  Valid UTF-8 under the default configuration
is taken as decoded; anything else goes through ldap3's own ``to_unicode``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from typing import Any

from ldap3.core.results import RESULT_CODES  # type: ignore[import-untyped]
from ldap3.protocol.convert import referrals_to_list, search_refs_to_list_fast  # type: ignore[import-untyped]
from ldap3.protocol.formatters.formatters import format_unicode  # type: ignore[import-untyped]
from ldap3.protocol.formatters.standard import find_attribute_helpers  # type: ignore[import-untyped]
from ldap3.protocol.oid import Oids  # type: ignore[import-untyped]
from ldap3.utils.ciDict import CaseInsensitiveDict  # type: ignore[import-untyped]
from ldap3.utils.config import get_config_parameter  # type: ignore[import-untyped]
from ldap3.utils.conv import to_unicode  # type: ignore[import-untyped]

from .. import (
    AddResponse,
    BindResponse,
    CompareResponse,
    Control,
    DecodeError,
    DelResponse,
    ExtendedResponse,
    IntermediateResponse,
    LDAPMessage,
    LDAPResult,
    ModifyDNResponse,
    ModifyResponse,
    PartialAttribute,
    RealSearchControlValue,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    decode_value,
)
from ._framing import RELAX

PAGED_RESULTS = "1.2.840.113556.1.4.319"
DIR_SYNC = "1.2.840.113556.1.4.841"
READ_ENTRY = frozenset({"1.3.6.1.1.13.1", "1.3.6.1.1.13.2"})  # pre-read, post-read (RFC 4527)

#: ldap3's name of each LDAPResult-only response.
RESULT_TYPES: dict[type, str] = {
    SearchResultDone: "searchResDone", ModifyResponse: "modifyResponse", AddResponse: "addResponse",
    DelResponse: "delResponse", ModifyDNResponse: "modDNResponse", CompareResponse: "compareResponse",
}

Dict = dict[str, Any]


class Unconverted(Exception):
    """This message is ldap3's own decoder's to convert (the reason is the message)."""


def _surrogate_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


_SCHEMALESS: dict[str, tuple[str, Any, Callable[[bytes], Any], bool]] = {}


class Converter:
    """Converts the messages of one batch for one ldap3 connection.

    Made per batch of received bytes: it reads the connection's settings
    (schema, formatters, ``check_names``, ldap3's configuration) once, and
    caches per attribute name how ldap3 would key and format it, which
    cannot change within a batch.
    """

    __slots__ = ("schema", "custom_formatter", "check_names", "case_insensitive", "utf8", "_names")

    def __init__(self, connection: Any) -> None:
        server = connection.server
        self.schema = server.schema
        self.custom_formatter = server.custom_formatter
        self.check_names = connection.check_names
        self.case_insensitive = bool(get_config_parameter("CASE_INSENSITIVE_ATTRIBUTE_NAMES"))
        try:
            self.utf8 = codecs.lookup(get_config_parameter("DEFAULT_SERVER_ENCODING")).name == "utf-8"
        except (LookupError, TypeError):
            self.utf8 = False  # ldap3's to_unicode decides (and fails as it would)
        # attribute name -> (ldap3's key, its case-insensitive key, formatter, single-valued);
        # with no schema and no custom formatters the answer depends on the name
        # alone: one table shared by every batch then (ldap3's standard formatters).
        if self.schema is None and self.custom_formatter is None and self.utf8:
            self._names = _SCHEMALESS if len(_SCHEMALESS) < 4096 else {}
        else:
            self._names = {}

    # -- text ---------------------------------------------------------------------
    def text(self, value: str) -> str:
        """What ``to_unicode(raw, from_server=True)`` gives for the bytes ldapber decoded as ``value``."""
        if self.utf8 and (value.isascii() or not _has_surrogates(value)):
            return value
        return to_unicode(_surrogate_bytes(value), from_server=True)  # type: ignore[no-any-return]

    def raw_and_text(self, value: str) -> tuple[bytes, str]:
        """The bytes on the wire and ldap3's text of them."""
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError:  # invalid UTF-8 on the wire, kept as surrogate escapes
            raw = _surrogate_bytes(value)
            return raw, to_unicode(raw, from_server=True)
        return raw, (value if self.utf8 else to_unicode(raw, from_server=True))

    def values_text(self, vals: list[bytes]) -> list[str] | list[bytes] | None:
        """ldap3's ``decode_vals_fast``: each value as server text, or None for none."""
        if not vals:
            return None
        if self.utf8:
            try:
                return [v.decode("utf-8") for v in vals]
            except UnicodeDecodeError:
                pass
        return [to_unicode(v, from_server=True) for v in vals]

    # -- messages -----------------------------------------------------------------
    def convert(self, message: LDAPMessage) -> Dict:
        """The dict ldap3's fast decoder builds for ``message``."""
        if message.extensions:
            raise Unconverted("an unknown element after the LDAPMessage's components")
        op = message.protocol_op
        kind = type(op)
        if kind is SearchResultEntry:
            out = self.entry(op)  # type: ignore[arg-type]
        elif kind in RESULT_TYPES:
            out = self.result(op)  # type: ignore[arg-type]
            out["type"] = RESULT_TYPES[kind]
        elif kind is BindResponse:
            out = self.bind(op)  # type: ignore[arg-type]
        elif kind is ExtendedResponse:
            out = self.extended(op)  # type: ignore[arg-type]
        elif kind is SearchResultReference:
            uris: Sequence[str] = op.uris  # type: ignore[union-attr]
            out = {"uri": search_refs_to_list_fast([_surrogate_bytes(u) for u in uris]), "type": "searchResRef"}
        elif kind is IntermediateResponse:
            out = self.intermediate(op)  # type: ignore[arg-type]
        else:
            raise Unconverted(f"{kind.__name__} is not a response ldap3's fast decoder reads")
        if message.controls:
            out["controls"] = controls = {}
            for control in message.controls:
                oid, info = self.control(control)
                controls[oid] = info
        return out

    def entry(self, op: SearchResultEntry) -> Dict:
        """``searchResEntry``: raw_dn, dn, raw_attributes, attributes."""
        if op.extensions:
            raise Unconverted("an unknown element in a SearchResultEntry")
        raw_dn, dn = self.raw_and_text(op.object_name)
        raw_store: dict[str, Any] = {}
        store: dict[str, Any] = {}
        keymap: dict[Any, str] = {}
        names = self._names
        check, insensitive = self.check_names, self.case_insensitive
        for attribute in op.attributes:
            info = names.get(attribute.type)
            if info is None:
                info = self._name(attribute.type)
            key, ci_key, formatter, single = info
            vals = attribute.vals
            if check:
                if not vals:
                    value: Any = []
                elif formatter is format_unicode:
                    try:
                        value = [v.decode("utf-8") for v in vals]
                    except UnicodeDecodeError:
                        value = [format_unicode(v) for v in vals]
                else:
                    value = [formatter(v) for v in vals]
                if single and vals:
                    value = value[0]
            else:
                value = self.values_text(vals)
            if insensitive and ci_key in keymap:  # a name seen in another case: ldap3 updates the first
                key = keymap[ci_key]
            else:
                keymap[ci_key] = key
            raw_store[key] = vals if vals else None
            store[key] = value
        return {"raw_dn": raw_dn, "dn": dn, "raw_attributes": self._mapping(raw_store, keymap),
                "attributes": self._mapping(store, keymap), "type": "searchResEntry"}

    def _mapping(self, store: dict[str, Any], keymap: dict[Any, str]) -> Any:
        # What ldap3 fills, item by item: a CaseInsensitiveDict (its default) or a dict.
        if not self.case_insensitive:
            return store
        mapping = CaseInsensitiveDict.__new__(CaseInsensitiveDict)
        mapping._store = store
        mapping._case_insensitive_keymap = dict(keymap)
        return mapping

    def _name(self, name: str) -> tuple[str, Any, Callable[[bytes], Any], bool]:
        # How ldap3 keys and formats the values of attribute `name` (its
        # format_attribute_values, decided once per name and batch).
        key = self.text(name)
        ci_key = CaseInsensitiveDict._ci_key(key)
        schema = self.schema
        attr_type = None
        if schema and schema.attribute_types and key in schema.attribute_types:
            attr_type = schema.attribute_types[key]
        helpers = find_attribute_helpers(attr_type, key, self.custom_formatter)
        if isinstance(helpers, tuple):
            formatter = helpers[0] or format_unicode
        else:  # a custom formatter
            formatter = helpers
        info = (key, ci_key, formatter, bool(attr_type and attr_type.single_value))
        self._names[name] = info
        return info

    def plain_attributes(self, attributes: list[PartialAttribute]) -> Any:
        """ldap3's ``attributes_to_dict_fast`` (the attributes of a pre-/post-read control)."""
        if not self.case_insensitive:
            return {self.text(a.type): self.values_text(a.vals) for a in attributes}
        mapping = CaseInsensitiveDict()
        for a in attributes:
            mapping[self.text(a.type)] = self.values_text(a.vals)
        return mapping

    def result(self, op: LDAPResult) -> Dict:
        """The LDAPResult fields as ldap3's ``ldap_result_to_dict_fast`` gives them."""
        if op.extensions:
            raise Unconverted("an unknown element in an LDAPResult")
        code = int(op.result_code)
        return {"result": code, "description": RESULT_CODES[code], "dn": self.text(op.matched_dn),
                "message": self.text(op.diagnostic_message), "referrals": self._referrals(op.referral)}

    def _referrals(self, referral: list[str] | None) -> list[str] | None:
        if referral is None:
            return None
        return referrals_to_list([self.text(uri) for uri in referral])  # type: ignore[no-any-return]

    def bind(self, op: BindResponse) -> Dict:
        if op.referral is not None:
            raise Unconverted("a referral in a BindResponse (ldap3's fast decoder fails on it)")
        if op.matched_dn.startswith("NTLM"):
            raise Unconverted("a Sicily (NTLM) bind response")
        out = self.result(op)
        out["saslCreds"] = op.server_sasl_creds
        out["type"] = "bindResponse"
        return out

    def extended(self, op: ExtendedResponse) -> Dict:
        if op.referral is not None:
            raise Unconverted("a referral in an ExtendedResponse (ldap3's fast decoder fails on it)")
        out = self.result(op)
        name, value = op.response_name, op.response_value
        out["responseName"] = None if name is None else self.text(name)
        out["responseValue"] = value if value is not None else (None if name is None else b"")
        out["type"] = "extendedResp"
        return out

    def intermediate(self, op: IntermediateResponse) -> Dict:
        if op.extensions:
            raise Unconverted("an unknown element in an IntermediateResponse")
        out: Dict = {}
        if op.response_name is not None:
            out["responseName"] = self.text(op.response_name)
        if op.response_value is not None:
            out["responseValue"] = op.response_value
        out["type"] = "intermediateResponse"
        return out

    def control(self, control: Control) -> tuple[str, Dict]:
        """ldap3's ``decode_control_fast``: (OID, description, criticality and value)."""
        if control.extensions:
            raise Unconverted("an unknown element in a Control")
        oid = self.text(control.control_type)
        value: Any = control.control_value
        try:
            if oid == PAGED_RESULTS:
                paged = decode_value(RealSearchControlValue, _present(value), relax=RELAX)
                value = {"size": int(paged.size), "cookie": paged.cookie}
            elif oid in READ_ENTRY:
                entry = decode_value(SearchResultEntry, _present(value), relax=RELAX)
                value = {"result": self.plain_attributes(entry.attributes)}
            elif oid == DIR_SYNC:
                raise Unconverted("the DirSync control")
        except DecodeError as err:
            raise Unconverted(f"control {oid}: {err}") from None
        return oid, {"description": Oids.get(oid, ""), "criticality": bool(control.criticality), "value": value}


def _present(value: bytes | None) -> bytes:
    if value is None:
        raise Unconverted("a control without the value ldap3 expects")
    return value


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
