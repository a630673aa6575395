"""Hypothesis strategies for every object of the RFC 4511 model.

Every strategy draws only *valid* objects: ones the encoder must accept and
the decoder must give back unchanged (same classes, same field types).  So:

* strings are ``str`` without lone surrogates; OCTET STRINGs are ``bytes``;
* lists are ``list`` (the decoder returns lists);
* ENUMERATED fields are enum members for the values the module lists and
  plain ``int`` for the others (the decoder returns exactly that);
* SIZE (1..MAX) lists are non-empty; substrings put Initial only first and
  Final only last;
* ``Attribute`` (AddRequest) vs ``PartialAttribute`` (SearchResultEntry,
  ModifyRequest) and ``AttributeValueAssertion`` (CompareRequest) vs the
  Filter subclasses are the classes the decoder builds;
* ``extensions`` (raw trailing TLVs, EXTENSIBILITY IMPLIED) and
  ``UnknownAlternative`` use tags no component of the enclosing type
  claims, so the decoder cannot mistake them for a known component.

``oracle_messages()`` (``ext=False, unknown=False``) restricts the draw to
what a third-party codec compiled from the plain module understands.
"""

from __future__ import annotations

from hypothesis import strategies as st

from ldapber import (
    AbandonRequest,
    AddRequest,
    AddResponse,
    And,
    Any,
    ApproxMatch,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    BindResponse,
    Change,
    CompareRequest,
    CompareResponse,
    Control,
    DelRequest,
    DelResponse,
    DerefAliases,
    EqualityMatch,
    ExtendedRequest,
    ExtendedResponse,
    Final,
    GreaterOrEqual,
    Initial,
    IntermediateResponse,
    LDAPMessage,
    LessOrEqual,
    MatchingRuleAssertion,
    ModifyDNRequest,
    ModifyDNResponse,
    ModifyRequest,
    ModifyResponse,
    Not,
    Operation,
    Or,
    PartialAttribute,
    Present,
    ResultCode,
    SaslCredentials,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Simple,
    SubstringFilter,
    UnbindRequest,
    UnknownAlternative,
)

MAX_INT = 2**31 - 1

# -- scalars -------------------------------------------------------------------
# Mostly short ASCII, sometimes any code point but a surrogate (multi-byte UTF-8).
_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10)
_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
text = st.one_of(_ascii, _ascii, _unicode)
#: LDAPOID values: numericoids (RFC 4512 1.4), what strict decoding accepts.
_arc = st.one_of(st.integers(0, 9), st.integers(0, 2**70)).map(str)
oids = st.lists(_arc, min_size=2, max_size=8).map(".".join)
octets = st.one_of(st.binary(max_size=12), st.binary(min_size=120, max_size=300))  # long-form lengths too
small_octets = st.binary(max_size=12)
uint31 = st.one_of(
    st.sampled_from([0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 2**23, 2**24, MAX_INT - 1, MAX_INT]),
    st.integers(0, MAX_INT),
)
booleans = st.booleans()


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def enum_values(cls: type, unknown_examples: tuple[int, ...], unknown: bool = True) -> st.SearchStrategy:
    """Members of an IntEnum mostly; with ``unknown``, sometimes a plain int
    it does not list (EXTENSIBILITY IMPLIED: every ENUMERATED is extensible)."""
    members = st.sampled_from(list(cls))
    if not unknown:
        return members
    known = {int(m) for m in cls}  # type: ignore[attr-defined]
    others = st.one_of(
        st.sampled_from([v for v in unknown_examples if v not in known]),
        st.integers(0, MAX_INT).filter(lambda v: v not in known),
    )
    return st.one_of(members, members, members, others)


UNKNOWN_RESULT_CODES = (9, 15, 22, 35, 70, 81, 92, 118, 122, 4096, 16654, MAX_INT)


def result_codes(unknown: bool = True) -> st.SearchStrategy:
    return enum_values(ResultCode, UNKNOWN_RESULT_CODES, unknown)


def scopes(unknown: bool = True) -> st.SearchStrategy:
    return enum_values(Scope, (3, 4, 127, 128, MAX_INT), unknown)


def derefs(unknown: bool = True) -> st.SearchStrategy:
    return enum_values(DerefAliases, (4, 5, 255, MAX_INT), unknown)


def operations(unknown: bool = True) -> st.SearchStrategy:
    return enum_values(Operation, (3, 4, 127, 128, MAX_INT), unknown)


# -- raw TLVs: extensions and unknown alternatives -----------------------------
def _length(n: int, style: int) -> bytes:
    """Definite length octets: minimal (0), long form even when short would do
    (1), long form with a leading zero octet (2) -- all valid BER."""
    if style == 0:
        if n < 0x80:
            return bytes((n,))
        body = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes((0x80 | len(body),)) + body
    body = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    if style == 2:
        body = b"\x00" + body
    return bytes((0x80 | len(body),)) + body


_LENGTH_STYLES = st.sampled_from([0, 0, 0, 1, 2])


@st.composite
def tlv(draw: st.DrawFn, tags: st.SearchStrategy[bytes]) -> bytes:
    """One BER element with one of ``tags`` (identifier octets) and any
    content (a constructed element's content is not looked into)."""
    tag = draw(tags)
    content = draw(small_octets)
    style = draw(_LENGTH_STYLES)
    return tag + _length(len(content), style) + content


def _one_octet(numbers: list[int], cls: int) -> list[bytes]:
    """Identifier octets of class ``cls`` (0x40 application, 0x80 context,
    0xC0 private), primitive and constructed, for tag numbers < 31."""
    return [bytes((cls | form | n,)) for n in numbers for form in (0x00, 0x20)]


# Private-class tags (and a few multi-octet ones) are claimed by no SEQUENCE
# component of RFC 4511, so they are always read back as extensions.
_EXTENSION_TAGS = st.sampled_from(
    _one_octet([0, 1, 5, 17, 30], 0xC0) + [b"\xdf\x1f", b"\xff\x81\x00", b"\x9f\x64", b"\x5e", b"\x7e"]
)
extension_tlv = tlv(_EXTENSION_TAGS)


def extension_lists(enabled: bool) -> st.SearchStrategy[tuple[bytes, ...]]:
    if not enabled:
        return st.just(())
    return st.one_of(st.just(()), st.just(()), st.just(()), st.lists(extension_tlv, min_size=1, max_size=2).map(tuple))


# Tags no alternative of the CHOICE claims (in either form).
_KNOWN_APPLICATION = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19, 23, 24, 25}
PROTOCOL_OP_UNKNOWN_TAGS = _one_octet([n for n in range(31) if n not in _KNOWN_APPLICATION], 0x40) + [
    b"\x7f\x21",  # [APPLICATION 33], constructed, two identifier octets
    b"\x5f\x81\x00",  # [APPLICATION 128], primitive, three identifier octets
]
FILTER_UNKNOWN_TAGS = _one_octet(list(range(10, 31)), 0x80) + [b"\xbf\x1f", b"\x9f\x81\x7f"]
AUTH_UNKNOWN_TAGS = _one_octet([1, 2, 4, 9, 30], 0x80) + [b"\xbf\x2a"]
SUBSTRING_UNKNOWN_TAGS = _one_octet([3, 4, 7, 30], 0x80) + [b"\x9f\x1f"]


def unknown_alternatives(tags: list[bytes]) -> st.SearchStrategy[UnknownAlternative]:
    return tlv(st.sampled_from(tags)).map(UnknownAlternative)


# -- shared pieces -------------------------------------------------------------
def referrals() -> st.SearchStrategy:
    return optional(st.lists(text, min_size=1, max_size=3))


def controls(ext: bool = True) -> st.SearchStrategy[Control]:
    return st.builds(
        Control, oids, criticality=booleans, control_value=optional(octets), extensions=extension_lists(ext)
    )


def partial_attributes(cls: type = PartialAttribute, ext: bool = True, min_vals: int = 0) -> st.SearchStrategy:
    return st.builds(cls, text, st.lists(octets, min_size=min_vals, max_size=3), extensions=extension_lists(ext))


def avas(cls: type = AttributeValueAssertion, ext: bool = True) -> st.SearchStrategy:
    return st.builds(cls, text, octets, extensions=extension_lists(ext))


# -- filters -------------------------------------------------------------------
_any_items = st.builds(Any, octets)
_MIDDLES = {
    False: st.lists(_any_items, max_size=3),
    True: st.lists(
        st.one_of(_any_items, _any_items, _any_items, unknown_alternatives(SUBSTRING_UNKNOWN_TAGS)), max_size=3
    ),
}


@st.composite
def substring_lists(draw: st.DrawFn, unknown: bool = True) -> list:
    """Non-empty; Initial at most once and first, Final at most once and last;
    Any (and, with ``unknown``, unknown alternatives) in between."""
    items = []
    if draw(booleans):
        items.append(Initial(draw(octets)))
    items.extend(draw(_MIDDLES[unknown]))
    if draw(booleans) or not items:
        items.append(Final(draw(octets)))
    return items


def substring_filters(ext: bool = True, unknown: bool = True) -> st.SearchStrategy[SubstringFilter]:
    return st.builds(SubstringFilter, text, substring_lists(unknown), extensions=extension_lists(ext))


def matching_rule_assertions(ext: bool = True) -> st.SearchStrategy[MatchingRuleAssertion]:
    return st.builds(
        MatchingRuleAssertion,
        matching_rule=optional(text),
        type=optional(text),
        match_value=octets,
        dn_attributes=booleans,
        extensions=extension_lists(ext),
    )


def leaf_filters(ext: bool = True, unknown: bool = True) -> st.SearchStrategy:
    leaves = [
        avas(EqualityMatch, ext),
        avas(GreaterOrEqual, ext),
        avas(LessOrEqual, ext),
        avas(ApproxMatch, ext),
        st.builds(Present, text),
        substring_filters(ext, unknown),
        matching_rule_assertions(ext),
    ]
    if unknown:
        leaves.append(unknown_alternatives(FILTER_UNKNOWN_TAGS))
    return st.one_of(*leaves)


def filters(max_depth: int = 4, ext: bool = True, unknown: bool = True) -> st.SearchStrategy:
    """Any Filter, nested at most ``max_depth`` filters deep (a leaf is depth 1)."""
    leaf = leaf_filters(ext, unknown)
    if max_depth <= 1:
        return leaf
    sub = filters(max_depth - 1, ext, unknown)
    return st.one_of(
        leaf,
        leaf,
        st.builds(And, st.lists(sub, min_size=1, max_size=3)),
        st.builds(Or, st.lists(sub, min_size=1, max_size=3)),
        st.builds(Not, sub),
    )


# -- protocol operations -------------------------------------------------------
def _result_fields(cls: type, ext: bool, unknown: bool, **extra: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        cls, result_codes(unknown), text, text, referral=referrals(), extensions=extension_lists(ext), **extra
    )


def bind_requests(ext: bool = True, unknown: bool = True) -> st.SearchStrategy[BindRequest]:
    auth = [
        st.builds(Simple, octets),
        st.builds(SaslCredentials, text, credentials=optional(octets), extensions=extension_lists(ext)),
    ]
    if unknown:
        auth.append(unknown_alternatives(AUTH_UNKNOWN_TAGS))
    versions = st.one_of(st.just(3), st.integers(1, 127))
    return st.builds(BindRequest, versions, text, st.one_of(*auth), extensions=extension_lists(ext))


def bind_responses(ext: bool = True, unknown: bool = True) -> st.SearchStrategy[BindResponse]:
    return _result_fields(BindResponse, ext, unknown, server_sasl_creds=optional(octets))


def search_requests(ext: bool = True, unknown: bool = True, filter_depth: int = 4) -> st.SearchStrategy:
    return st.builds(
        SearchRequest,
        text,
        scopes(unknown),
        derefs(unknown),
        uint31,
        uint31,
        booleans,
        filters(filter_depth, ext, unknown),
        st.lists(text, max_size=3),
        extensions=extension_lists(ext),
    )


def search_result_entries(ext: bool = True) -> st.SearchStrategy[SearchResultEntry]:
    return st.builds(
        SearchResultEntry,
        text,
        st.lists(partial_attributes(PartialAttribute, ext), max_size=3),
        extensions=extension_lists(ext),
    )


def search_result_references() -> st.SearchStrategy[SearchResultReference]:
    return st.builds(SearchResultReference, st.lists(text, min_size=1, max_size=3))


def modify_requests(ext: bool = True, unknown: bool = True) -> st.SearchStrategy[ModifyRequest]:
    change = st.builds(
        Change, operations(unknown), partial_attributes(PartialAttribute, ext), extensions=extension_lists(ext)
    )
    return st.builds(ModifyRequest, text, st.lists(change, max_size=3), extensions=extension_lists(ext))


def add_requests(ext: bool = True) -> st.SearchStrategy[AddRequest]:
    return st.builds(
        AddRequest,
        text,
        st.lists(partial_attributes(Attribute, ext, min_vals=1), max_size=3),
        extensions=extension_lists(ext),
    )


def del_requests() -> st.SearchStrategy[DelRequest]:
    return st.builds(DelRequest, text)


def modify_dn_requests(ext: bool = True) -> st.SearchStrategy[ModifyDNRequest]:
    return st.builds(
        ModifyDNRequest, text, text, booleans, new_superior=optional(text), extensions=extension_lists(ext)
    )


def compare_requests(ext: bool = True) -> st.SearchStrategy[CompareRequest]:
    return st.builds(CompareRequest, text, avas(AttributeValueAssertion, ext), extensions=extension_lists(ext))


def abandon_requests() -> st.SearchStrategy[AbandonRequest]:
    return st.builds(AbandonRequest, uint31)


def extended_requests(ext: bool = True) -> st.SearchStrategy[ExtendedRequest]:
    return st.builds(ExtendedRequest, oids, request_value=optional(octets), extensions=extension_lists(ext))


def extended_responses(ext: bool = True, unknown: bool = True) -> st.SearchStrategy[ExtendedResponse]:
    return _result_fields(ExtendedResponse, ext, unknown, response_name=optional(oids), response_value=optional(octets))


def intermediate_responses(ext: bool = True) -> st.SearchStrategy[IntermediateResponse]:
    return st.builds(
        IntermediateResponse,
        response_name=optional(oids),
        response_value=optional(octets),
        extensions=extension_lists(ext),
    )


#: The LDAPResult-shaped responses that add nothing to LDAPResult.
RESULT_CLASSES = (
    SearchResultDone,
    ModifyResponse,
    AddResponse,
    DelResponse,
    ModifyDNResponse,
    CompareResponse,
)


def ldap_results(cls: type, ext: bool = True, unknown: bool = True) -> st.SearchStrategy:
    return _result_fields(cls, ext, unknown)


def protocol_ops(ext: bool = True, unknown: bool = True, filter_depth: int = 4) -> st.SearchStrategy:
    """Any protocolOp alternative; with ``unknown``, also UnknownAlternative
    elements and ENUMERATED values the module does not list."""
    ops = [
        bind_requests(ext, unknown),
        bind_responses(ext, unknown),
        st.just(UnbindRequest()),
        search_requests(ext, unknown, filter_depth),
        search_result_entries(ext),
        search_result_references(),
        modify_requests(ext, unknown),
        add_requests(ext),
        del_requests(),
        modify_dn_requests(ext),
        compare_requests(ext),
        abandon_requests(),
        extended_requests(ext),
        extended_responses(ext, unknown),
        intermediate_responses(ext),
        *(ldap_results(cls, ext, unknown) for cls in RESULT_CLASSES),
    ]
    if unknown:
        ops.append(unknown_alternatives(PROTOCOL_OP_UNKNOWN_TAGS))
    return st.one_of(*ops)


def messages(
    ext: bool = True, unknown: bool = True, filter_depth: int = 4, ops: st.SearchStrategy | None = None
) -> st.SearchStrategy[LDAPMessage]:
    """Any LDAPMessage (``ops`` narrows the protocol operations drawn)."""
    return st.builds(
        LDAPMessage,
        uint31,
        protocol_ops(ext, unknown, filter_depth) if ops is None else ops,
        controls=optional(st.lists(controls(ext), max_size=3)),
        extensions=extension_lists(ext),
    )


def oracle_messages(filter_depth: int = 4, ops: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Messages a codec compiled from the plain module understands: no raw
    extensions, no unknown CHOICE alternatives, only listed ENUMERATED values."""
    return messages(ext=False, unknown=False, filter_depth=filter_depth, ops=ops)
