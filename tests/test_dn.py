"""RFC 4514 distinguished names: parse, print, compare, helpers, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldapber import DN, RDN, AttributeTypeAndValue, DNSyntaxError, parse_dn

ATV = AttributeTypeAndValue

# RFC 4514 section 4, the RFC's own examples.
RFC_EXAMPLES = [
    ("UID=jsmith,DC=example,DC=net", [[("UID", "jsmith")], [("DC", "example")], [("DC", "net")]]),
    ("OU=Sales+CN=J.  Smith,DC=example,DC=net",
     [[("OU", "Sales"), ("CN", "J.  Smith")], [("DC", "example")], [("DC", "net")]]),
    ('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net',
     [[("CN", 'James "Jim" Smith, III')], [("DC", "example")], [("DC", "net")]]),
    ("CN=Before\\0dAfter,DC=example,DC=net", [[("CN", "Before\rAfter")], [("DC", "example")], [("DC", "net")]]),
    ("1.3.6.1.4.1.1466.0=#04024869", [[("1.3.6.1.4.1.1466.0", b"\x04\x02Hi")]]),
    ("CN=Lu\\C4\\8Di\\C4\\87", [[("CN", "Lučić")]]),
]


def structure(dn: DN) -> list[list[tuple[str, str | bytes]]]:
    return [[(a.type, a.value) for a in rdn] for rdn in dn]


@pytest.mark.parametrize("text, expected", RFC_EXAMPLES)
def test_rfc4514_examples(text: str, expected: list) -> None:
    dn = parse_dn(text)
    assert structure(dn) == expected
    assert structure(parse_dn(str(dn))) == expected


def test_printing_escapes() -> None:
    dn = DN([RDN(ATV("cn", ' #lead, "q" <a>;b+c\\ ')), RDN(ATV("o", "x\x00y"))])
    assert str(dn) == 'cn=\\ #lead\\, \\"q\\" \\<a\\>\\;b\\+c\\\\\\ ,o=x\\00y'
    assert structure(parse_dn(str(dn))) == structure(dn)
    assert str(DN([RDN(ATV("cn", "#x"))])) == "cn=\\#x"
    assert str(parse_dn("cn=日本,dc=例")) == "cn=日本,dc=例"


def test_lenient_spaces_and_empty() -> None:
    assert structure(parse_dn("cn = a , dc = b")) == [[("cn", "a")], [("dc", "b")]]
    assert structure(parse_dn("cn=a\\ ,dc=b")) == [[("cn", "a ")], [("dc", "b")]]
    assert parse_dn("") == DN() and not parse_dn("") and str(DN()) == ""
    assert structure(parse_dn("cn=")) == [[("cn", "")]]


def test_comparison_like_servers() -> None:
    assert parse_dn("CN=John  Smith , DC=Example,dc=COM") == parse_dn("cn=john smith,dc=example,dc=com")
    assert parse_dn("cn=a+sn=b,dc=x") == parse_dn("sn=B+cn=A,dc=x")
    assert parse_dn("cn=a,dc=x") != parse_dn("cn=b,dc=x")
    assert parse_dn("x=#0401") != parse_dn("x=#0402") and parse_dn("x=#0401") == parse_dn("X=#0401")
    assert parse_dn("cn=a,dc=x") == "CN=A, DC=X"
    assert hash(parse_dn("CN=A,DC=X")) == hash(parse_dn("cn=a,dc=x"))
    assert len({parse_dn("cn=a,dc=x"), parse_dn("CN=A,DC=x")}) == 1


def test_helpers() -> None:
    dn = parse_dn("uid=jj,ou=People,dc=example,dc=com")
    assert dn.rdn == RDN(("uid", "jj")) and dn.rdn.value("UID") == "jj"
    assert dn.parent == "ou=People,dc=example,dc=com"
    assert dn.is_descendant_of("dc=example,dc=com") and dn.is_descendant_of(DN())
    assert not dn.is_descendant_of(dn) and dn.is_descendant_of(dn, strict=False)
    assert not dn.is_descendant_of("dc=other,dc=com")
    assert parse_dn("ou=People,dc=example,dc=com").child("uid=jj") == dn
    assert DN.join("uid=jj", RDN(("ou", "People")), parse_dn("dc=example,dc=com")) == dn
    assert DN().parent is None and DN().rdn is None
    assert len(dn) == 4 and dn[1] == "ou=people"


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("cn", 2, "'='"),
        ("=a", 0, "attribute type"),
        ("cn=a,", 5, "attribute type"),
        ("cn=a;dc=b", 4, "escaped"),
        ('cn=a"b', 4, "escaped"),
        ("cn=a\\zz", 4, "backslash"),
        ("cn=#123", 4, "pairs"),
        ("cn=#zz", 4, "pairs"),
        ("cn=\\ff", 6, "UTF-8"),
        ("1cn=a", 1, "'='"),
    ],
)
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(DNSyntaxError) as info:
        parse_dn(text)
    assert info.value.position == position and words in info.value.message, str(info.value)
    assert isinstance(info.value, ValueError)


types = st.from_regex(r"\A(?:[A-Za-z][A-Za-z0-9-]{0,6}|[0-9]{1,3}(?:\.[0-9]{1,3}){0,3})\Z")
values = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=10), st.binary(min_size=1, max_size=6))
rdns = st.lists(st.builds(ATV, types, values), min_size=1, max_size=3).map(lambda avas: RDN(*avas))
dns = st.lists(rdns, max_size=5).map(DN)


@settings(max_examples=300, deadline=None)
@given(dns)
def test_parse_of_str_round_trips_exactly(dn: DN) -> None:
    again = parse_dn(str(dn))
    assert structure(again) == structure(dn)
    assert again == dn


def _structure(text: str) -> object:
    """What a parser makes of ``text``: every RDN's (type, value) pairs, or the error's position."""
    from ldapber.model.dn import _Parser
    try:
        dn = _Parser(text).dn()
    except DNSyntaxError as err:
        return ("error", err.position)
    return [[(a.type, a.value) for a in rdn] for rdn in dn.rdns]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="cnuidCN0129 ,=+.-\\#\";é", max_size=24))
def test_the_simple_dn_fast_path_agrees_with_the_parser(text: str) -> None:
    try:
        got: object = [[(a.type, a.value) for a in rdn] for rdn in parse_dn(text).rdns]
    except DNSyntaxError as err:
        got = ("error", err.position)
    assert got == _structure(text)


@pytest.mark.parametrize("text", ["uid=a,ou=b , dc=c", " cn = x y  ,dc=com", "", "   ", "cn=", "cn=a=b"])
def test_simple_dns_take_the_fast_path(text: str) -> None:
    from ldapber.model.dn import _simple_dn
    fast = _simple_dn(text)
    assert fast is not None and [[(a.type, a.value) for a in r] for r in fast.rdns] == _structure(text)
