"""Matching rules (RFC 4517/4518) and filter evaluation (RFC 4511 4.5.1.7), Compare (4.10)."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldapber.directory import (
    DEFAULT_SCHEMA,
    RULES,
    Entry,
    InvalidValue,
    approx_key,
    compare,
    evaluate,
    get_rule,
    normalize,
    prepare_string,
    substrings_match,
)
from ldapber.model import (
    And,
    Any,
    ApproxMatch,
    EqualityMatch,
    Filter,
    Final,
    GreaterOrEqual,
    Initial,
    LessOrEqual,
    MatchingRuleAssertion,
    Not,
    Or,
    Present,
    ResultCode,
    SubstringFilter,
    UnknownAlternative,
)
from ldapber.model.filters import parse_filter

S = DEFAULT_SCHEMA
T, F, U = True, False, None


@pytest.fixture(scope="module")
def alice() -> Entry:
    entry = Entry.from_record("cn=Alice Smith,ou=People,dc=example,dc=com", [
        ("objectClass", [b"top", b"person", b"organizationalPerson", b"inetOrgPerson", b"posixAccount"]),
        ("cn", [b"Alice Smith", b"Ally"]),
        ("cn;lang-de", [b"Alicia"]),
        ("sn", [b"Smith"]),
        ("givenName", ["Jöhanna".encode()]),
        ("uid", [b"alice"]),
        ("uidNumber", [b"1000"]),
        ("gidNumber", [b"100"]),
        ("homeDirectory", [b"/home/alice"]),
        ("telephoneNumber", [b"+1 555-0100"]),
        ("mail", [b"Alice@Example.COM"]),
        ("manager", [b"cn=Bob,ou=People,dc=example,dc=com"]),
        ("userPassword", [b"{SSHA}secret"]),
        ("description", [b"Likes  tea   and\tbiscuits"]),
        ("createTimestamp", [b"20240101120000Z"]),
        ("entryUUID", [b"597ae2f6-16a6-1027-98f4-d28b5365dc14"]),
    ])
    S.check_entry(entry)
    return entry


@pytest.fixture(scope="module")
def group() -> Entry:
    return Entry.from_record("cn=staff,ou=groups,dc=example,dc=com", [
        ("objectClass", [b"groupOfNames"]), ("cn", [b"staff"]),
        ("member", [b"cn=alice, ou=People,dc=example,dc=com", b"cn=bob,ou=people,dc=example,dc=com"]),
    ])


def ev(text: str, entry: Entry) -> bool | None:
    return evaluate(parse_filter(text), entry, S)


# -- normalisation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "value", "key"), [
    ("caseIgnoreMatch", b"  Foo   Bar ", "foo bar"),
    ("caseIgnoreMatch", "ＡＢＣ".encode(), "abc"),  # NFKC: fullwidth letters
    ("caseIgnoreMatch", "Stra\u00dfe".encode(), "strasse"),  # full case folding
    ("caseIgnoreMatch", "a\u00adb\u200bc".encode(), "abc"),  # soft hyphen, zero-width space: mapped to nothing
    ("caseIgnoreMatch", b"a\tb\r\nc", "a b c"),  # control spaces map to SPACE, runs collapse
    ("caseIgnoreMatch", "e\u0301".encode(), "\u00e9"),  # NFKC composes
    ("caseExactMatch", b"  Foo   Bar ", "Foo Bar"),
    ("2.5.13.5", "ＡＢＣ".encode(), "ABC"),
    ("telephoneNumberMatch", b"+1 555-0100", "+15550100"),
    ("telephoneNumberMatch", "+1\u2010555\uff0d0100".encode(), "+15550100"),
    ("numericStringMatch", b"15 079 672 281", "15079672281"),
    ("integerMatch", b"-12", -12),
    ("integerOrderingMatch", b"1000", 1000),
    ("octetStringMatch", b"\x00A", b"\x00A"),
    ("booleanMatch", b"TRUE", True),
    ("bitStringMatch", b"'0101'B", "0101"),
    ("caseIgnoreListMatch", b"1 Main  St.$Anytown", ("1 main st.", "anytown")),
    ("uuidMatch", b"597AE2F6-16a6-1027-98f4-d28b5365dc14", 0x597AE2F616A6102798F4D28B5365DC14),
    ("objectIdentifierMatch", b"2.5.6.6", "2.5.6.6"),
])
def test_normalize(rule: str, value: bytes, key: object) -> None:
    assert normalize(rule, value) == key


def test_normalize_distinguished_names_with_the_schema() -> None:
    a = normalize("distinguishedNameMatch", b"CN=Alice  Smith, OU=People,DC=example,DC=com", S)
    b = normalize("distinguishedNameMatch", b"commonName=alice smith,ou=people,dc=EXAMPLE,2.5.4.49=x,dc=com", S)
    c = normalize("distinguishedNameMatch", b"cn=alice smith,ou=people,dc=example,dc=com", S)
    assert a == c != b
    # Multi-valued RDNs compare in any order; values by each type's equality rule.
    assert normalize("2.5.13.1", b"cn=a+uid=b,dc=x", S) == normalize("2.5.13.1", b"UID=B+CN=A,dc=x", S)
    assert normalize("2.5.13.1", b"uidNumber=10,dc=x", S) == normalize("2.5.13.1", b"uidnumber=10,dc=x", S)
    assert normalize("2.5.13.1", b"mail=A@B,dc=x", S) == normalize("2.5.13.1", b"mail=a@b,dc=x", S)
    # Without a schema, types are only lower-cased.
    assert normalize("2.5.13.1", b"CN=A,DC=x") == normalize("2.5.13.1", b"cn=a,dc=x")
    assert normalize("2.5.13.1", b"commonName=a") != normalize("2.5.13.1", b"cn=a")


def test_normalize_object_identifiers_through_the_schema() -> None:
    assert normalize("objectIdentifierMatch", b"inetOrgPerson", S) == "2.16.840.1.113730.3.2.2"
    assert normalize("objectIdentifierMatch", b"CommonName", S) == "2.5.4.3"
    with pytest.raises(InvalidValue):
        normalize("objectIdentifierMatch", b"noSuchThing", S)
    first = normalize("objectIdentifierFirstComponentMatch", b"( 2.5.4.3 NAME 'cn' SUP name )", S)
    assert first == "2.5.4.3"
    rule = get_rule("objectIdentifierFirstComponentMatch")
    assert rule is not None and rule.assertion_key(b"cn", S) == first


@pytest.mark.parametrize(("rule", "value"), [
    ("integerMatch", b"abc"), ("integerMatch", b"007"), ("booleanMatch", b"true"), ("caseIgnoreMatch", b"\xff"),
    ("caseIgnoreIA5Match", "é".encode()), ("distinguishedNameMatch", b"not a dn"), ("uuidMatch", b"x"),
    ("generalizedTimeMatch", b"2024"),
])
def test_normalize_rejects_values_outside_the_syntax(rule: str, value: bytes) -> None:
    with pytest.raises(InvalidValue):
        normalize(rule, value)


def test_normalize_unknown_rule() -> None:
    with pytest.raises(KeyError):
        normalize("noSuchMatch", b"x")


def test_rules_by_name_and_oid() -> None:
    for name, oid in [("caseIgnoreMatch", "2.5.13.2"), ("caseExactMatch", "2.5.13.5"), ("integerMatch", "2.5.13.14"),
                      ("octetStringMatch", "2.5.13.17"), ("distinguishedNameMatch", "2.5.13.1"),
                      ("caseIgnoreSubstringsMatch", "2.5.13.4"), ("integerOrderingMatch", "2.5.13.15"),
                      ("telephoneNumberMatch", "2.5.13.20"), ("objectIdentifierMatch", "2.5.13.0"),
                      ("generalizedTimeMatch", "2.5.13.27"), ("booleanMatch", "2.5.13.13"),
                      ("caseIgnoreIA5Match", "1.3.6.1.4.1.1466.109.114.2"),
                      ("caseExactIA5Match", "1.3.6.1.4.1.1466.109.114.1")]:
        rule = get_rule(name)
        assert rule is not None and rule is get_rule(oid) is get_rule(name.upper())
        assert rule.oid == oid and rule.name == name
    assert get_rule("nosuch") is None


@settings(max_examples=300)
@given(st.text(), st.booleans())
def test_string_preparation_is_idempotent(text: str, fold: bool) -> None:
    once = prepare_string(text, fold=fold)
    assert prepare_string(once, fold=fold) == once
    assert not once.startswith(" ") and not once.endswith(" ") and "  " not in once


@given(st.text(alphabet=string.ascii_letters + " \t", max_size=30))
def test_case_ignore_ignores_case_and_insignificant_space(text: str) -> None:
    variant = "  " + text.swapcase().replace(" ", "   ") + " "
    assert normalize("caseIgnoreMatch", text.encode()) == normalize("caseIgnoreMatch", variant.encode())


@given(st.text(alphabet="0123456789 -", max_size=20))
def test_telephone_numbers_ignore_spaces_and_hyphens(digits: str) -> None:
    assert normalize("telephoneNumberMatch", ("+" + digits).encode()) == "+" + digits.replace(" ", "").replace("-", "")


def test_approx_key() -> None:
    assert approx_key("Jöhn-Smith") == approx_key("john smith") == "johnsmith"


# -- substrings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "initial", "anys", "final", "expected"), [
    ("abcdef", "ab", ["cd"], "ef", True),
    ("abcdef", "", ["bc", "de"], "", True),
    ("abcdef", "", ["de", "bc"], "", False),  # in order
    ("abab", "", ["ab", "ab"], "", True),
    ("aba", "", ["ab", "ba"], "", False),  # disjoint: no overlap
    ("aa", "a", [], "a", True),
    ("a", "a", [], "a", False),  # initial and final may not share the character
    ("abc", "abc", [], "", True),
    ("xabc", "abc", [], "", False),  # initial anchored at the start
    ("abcx", "", [], "abc", False),  # final anchored at the end
    ("aXbXc", "a", ["b"], "c", True),
])
def test_substrings_match(text: str, initial: str, anys: list[str], final: str, expected: bool) -> None:
    assert substrings_match(text, initial, anys, final) is expected


@settings(max_examples=400)
@given(st.text("ab", max_size=8), st.text("ab", max_size=3), st.lists(st.text("ab", min_size=1, max_size=3),
                                                                         max_size=3), st.text("ab", max_size=3))
def test_substrings_match_agrees_with_a_regex(text: str, initial: str, anys: list[str], final: str) -> None:
    pattern = ".*".join(re.escape(p) for p in [initial, *anys, final])
    assert substrings_match(text, initial, anys, final) == bool(re.fullmatch(pattern, text, re.DOTALL))


@pytest.mark.parametrize(("text", "expected"), [
    ("(cn=al*)", T), ("(cn=AL*SM*H)", T), ("(cn=*smith)", T), ("(cn=*ally*)", T), ("(cn=*ice*ice*)", F),
    ("(cn=alice *)", T), ("(cn=alice  s*)", T), ("(cn=alices*)", F), ("(cn=*e s*)", T), ("(cn=*ith*ith*)", F),
    ("(name=smi*)", T), ("(sn=*mith)", T), ("(cn=bob*)", F),
    ("(telephoneNumber=*555 01*)", T), ("(telephoneNumber=+1555*)", T), ("(telephoneNumber=*0101)", F),
    ("(mail=alice@*)", T), ("(mail=*EXAMPLE.com)", T),
    ("(homeDirectory=*alice)", U),  # homeDirectory has no SUBSTR rule
    ("(uidNumber=1*)", U),
    ("(shoeSize=1*)", U),
    ("(description=*tea and biscuits)", T),
    ("(givenName=jöh*)", T),
])
def test_substring_filters(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_substring_filter_objects(alice: Entry) -> None:
    def sub(*pieces: Initial | Any | Final) -> SubstringFilter:
        return SubstringFilter("cn", list(pieces))
    assert evaluate(sub(Initial(b"ali"), Any(b"ce"), Final(b"th")), alice) is T
    assert evaluate(sub(Any(b"ce"), Initial(b"ali")), alice) is U  # initial not first
    assert evaluate(sub(Final(b"th"), Any(b"x")), alice) is U  # final not last
    assert evaluate(sub(Initial(b"a"), Initial(b"l")), alice) is U
    assert evaluate(sub(Initial(b"\xff")), alice) is U  # not UTF-8: invalid assertion
    assert evaluate(sub(Initial(b"   ")), alice) is T  # only spaces: nothing left to match
    assert evaluate(sub(UnknownAlternative(b"\x83\x01x")), alice) is U  # type: ignore[arg-type]


# -- equality, presence, ordering, approx ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("(cn=alice smith)", T), ("(CN=ALICE   SMITH )", T), ("(commonName=ally)", T), ("(2.5.4.3=Ally)", T),
    ("(cn=alice)", F), ("(cn=Alicia)", T), ("(cn;lang-de=alicia)", T), ("(cn;lang-de=ally)", F),
    ("(name=smith)", T), ("(name=Ally)", T), ("(name=alice)", F),
    ("(uid=ALICE)", T), ("(mail=alice@example.com)", T), ("(homeDirectory=/home/alice)", T),
    ("(homeDirectory=/HOME/alice)", F),  # caseExactIA5Match
    ("(telephoneNumber=+15550100)", T), ("(telephoneNumber=+1 555 0100)", T), ("(telephoneNumber=+15550101)", F),
    ("(uidNumber=1000)", T), ("(uidNumber=0)", F), ("(uidNumber=01000)", U), ("(uidNumber=abc)", U),
    ("(manager=CN=bob, ou=people,dc=EXAMPLE,dc=com)", T), ("(manager=cn=bob)", F), ("(manager=not a dn)", U),
    ("(seeAlso=cn=bob,ou=people,dc=example,dc=com)", F),
    ("(distinguishedName=cn=bob,ou=people,dc=example,dc=com)", F),  # manager is not a distinguishedName subtype
    ("(userPassword={SSHA}secret)", T), ("(userPassword={ssha}secret)", F),
    ("(createTimestamp=202401011200Z)", T), ("(createTimestamp=20240101130000+0100)", T),
    ("(createTimestamp=20240101120001Z)", F), ("(createTimestamp=yesterday)", U),
    ("(entryUUID=597AE2F6-16A6-1027-98F4-D28B5365DC14)", T),
    ("(description=likes tea and biscuits)", T),
    ("(shoeSize=12)", U), ("(jpegPhoto=x)", U),  # unknown type; a type without EQUALITY
    ("(namingContexts=dc=example,dc=com)", U),  # RFC 4512 gives it no EQUALITY rule
])
def test_equality(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_distinguished_name_supertype_covers_dn_valued_subtypes(group: Entry) -> None:
    # member is a subtype of distinguishedName; manager (RFC 1274) is not.
    assert ev("(distinguishedName=cn=Bob,ou=People,dc=example,dc=com)", group) is T


def test_dn_valued_attribute_matching(group: Entry) -> None:
    assert ev("(member=CN=Alice,ou=people,dc=example,dc=com)", group) is T
    assert ev("(member=cn=ALICE,OU=PEOPLE,DC=EXAMPLE,DC=COM)", group) is T
    assert ev("(member=commonName=alice,ou=people,dc=example,dc=com)", group) is T
    assert ev("(member=cn=alice,ou=people,dc=example)", group) is F
    assert ev("(member=cn=carol,ou=people,dc=example,dc=com)", group) is F


@pytest.mark.parametrize(("text", "expected"), [
    ("(objectClass=*)", T), ("(cn=*)", T), ("(CommonName=*)", T), ("(name=*)", T), ("(cn;lang-de=*)", T),
    ("(cn;lang-en=*)", F), ("(cn;LANG-DE=*)", T), ("(mail=*)", T), ("(description=*)", T), ("(title=*)", F),
    ("(distinguishedName=*)", F), ("(shoeSize=*)", U), ("(createTimestamp=*)", T), ("(l=*)", F),
])
def test_presence(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


@pytest.mark.parametrize(("stored", "text", "expected"), [
    (b"999", "(uidNumber>=1000)", F),  # lexically "999" > "1000"; numerically not
    (b"1000", "(uidNumber>=1000)", T),
    (b"10000", "(uidNumber>=1000)", T),
    (b"999", "(uidNumber<=1000)", T),
    (b"10000", "(uidNumber<=999)", F),
    (b"-5", "(uidNumber<=-1)", T),
    (b"1000", "(uidNumber<=1000)", T),
    (b"1000", "(uidNumber>=abc)", U),
    (b"1000", "(uidNumber>=1e3)", U),
    (b"1000", "(uidNumber>= 1000)", U),
])
def test_integer_ordering_is_numeric(stored: bytes, text: str, expected: bool | None) -> None:
    entry = Entry.from_record("uid=x", [("uidNumber", [stored])])
    assert ev(text, entry) is expected


@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6))
def test_integer_ordering_agrees_with_int(stored: int, asserted: int) -> None:
    entry = Entry.from_record("uid=x", [("uidNumber", [str(stored).encode()])])
    assert evaluate(GreaterOrEqual("uidNumber", str(asserted).encode()), entry) is (stored >= asserted)
    assert evaluate(LessOrEqual("uidNumber", str(asserted).encode()), entry) is (stored <= asserted)
    assert evaluate(EqualityMatch("uidNumber", str(asserted).encode()), entry) is (stored == asserted)


@pytest.mark.parametrize(("text", "expected"), [
    ("(createTimestamp>=20231231235959Z)", T), ("(createTimestamp>=20240101120000Z)", T),
    ("(createTimestamp>=20240101120000.001Z)", F), ("(createTimestamp<=20240101070000-0500)", T),
    ("(createTimestamp<=20240101065959-0500)", F), ("(createTimestamp>=20240101130000+0100)", T),
    ("(entryUUID>=00000000-0000-0000-0000-000000000000)", T),
    ("(sn>=a)", U),  # sn (via name) has no ORDERING rule
    ("(cn<=z)", U), ("(shoeSize>=1)", U), ("(mail>=a)", U),
])
def test_ordering(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_string_ordering_rule() -> None:
    entry = Entry.from_record("cn=x", [("dnQualifier", [b"B-2"])])  # caseIgnoreOrderingMatch
    assert ev("(dnQualifier>=b-1)", entry) is T
    assert ev("(dnQualifier>=b-3)", entry) is F
    assert ev("(dnQualifier<=b-2)", entry) is T


@pytest.mark.parametrize(("text", "expected"), [
    ("(cn~=alice smith)", T), ("(cn~=Alice-Smith)", T), ("(cn~=ALÍCE SMITH!)", T), ("(cn~=alice smyth)", F),
    ("(givenName~=johanna)", T), ("(name~=smith)", T), ("(uidNumber~=1000)", T), ("(uidNumber~=1001)", F),
    ("(shoeSize~=1)", U), ("(uidNumber~=x)", U), ("(cn~=!!)", F),  # nothing left to compare loosely
])
def test_approx(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_approx_match_object(alice: Entry) -> None:
    assert evaluate(ApproxMatch("sn", b"S.M.I.T.H."), alice) is T


# -- objectClass -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("(objectClass=person)", T), ("(objectClass=PERSON)", T), ("(objectClass=2.5.6.6)", T),
    ("(objectClass=inetorgperson)", T), ("(objectClass=posixAccount)", T), ("(objectClass=groupOfNames)", F),
    ("(objectClass=2.5.6.9)", F), ("(objectClass=noSuchClass)", U), ("(objectClass=not an oid)", U),
    ("(2.5.4.0=top)", T),
])
def test_object_class_matching(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_object_class_matches_superclasses_not_listed() -> None:
    entry = Entry.from_record("cn=x", [("objectClass", [b"inetOrgPerson"])])
    assert ev("(objectClass=person)", entry) is T
    assert ev("(objectClass=top)", entry) is T
    assert ev("(objectClass=organization)", entry) is F


# -- extensible match --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("(cn:=alice smith)", T),  # no rule: the type's equality
    ("(cn:=nobody)", F),
    ("(cn:caseExactMatch:=Alice Smith)", T), ("(cn:2.5.13.5:=alice smith)", F),
    ("(cn:2.5.13.2:=ALICE SMITH)", T), ("(cn:caseignorematch:=ally)", T),
    ("(name:2.5.13.2:=smith)", T),  # a type and its subtypes
    ("(uidNumber:2.5.13.14:=1000)", T), ("(uidNumber:integerMatch:=999)", F),
    ("(uidNumber:2.5.13.15:=1001)", T), ("(uidNumber:integerOrderingMatch:=1000)", F),  # ordering: value < assertion
    ("(userPassword:2.5.13.17:={SSHA}secret)", T), ("(userPassword:octetStringMatch:={ssha}secret)", F),
    ("(manager:2.5.13.1:=CN=Bob,OU=People,DC=Example,DC=Com)", T),
    ("(cn:2.5.13.4:=*lice*)", T), ("(cn:caseIgnoreSubstringsMatch:=al*sm*)", T), ("(cn:2.5.13.4:=bob*)", F),
    ("(cn:2.5.13.14:=5)", U),  # integerMatch does not apply to a Directory String
    ("(cn:2.5.13.17:=x)", U),
    ("(cn:1.2.3.4:=x)", U), ("(cn:noSuchMatch:=x)", U),  # unknown rules
    ("(shoeSize:2.5.13.2:=x)", U), ("(shoeSize:=x)", U),  # unknown type
    ("(jpegPhoto:=x)", U),  # no equality rule
    ("(uidNumber:2.5.13.14:=abc)", U), ("(cn:2.5.13.4:=nostar)", U),  # invalid assertion values
    ("(:2.5.13.14:=1000)", T),  # no type: every attribute the rule applies to (uidNumber)
    ("(:2.5.13.14:=100)", T),  # gidNumber
    ("(:2.5.13.14:=5)", F),
    ("(:caseExactIA5Match:=/home/alice)", T),
    ("(:2.5.13.2:=people)", F),  # 'people' is only in the DN
])
def test_extensible_match(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("(ou:dn:=people)", T), ("(ou=people)", F), ("(ou:=people)", F),
    ("(:dn:2.5.13.2:=people)", T), ("(:dn:2.5.13.2:=example)", T), ("(:dn:caseIgnoreMatch:=PEOPLE)", T),
    ("(dc:dn:=EXAMPLE)", T), ("(dc:dn:=org)", F), ("(name:dn:2.5.13.2:=people)", T),  # ou is a subtype of name
    ("(cn:dn:=alice smith)", T), ("(o:dn:=people)", F), ("(:dn:2.5.13.14:=1000)", T),
    ("(:dn:2.5.13.4:=peo*)", T), ("(uid:dn:=people)", F),
])
def test_extensible_match_on_dn_attributes(alice: Entry, text: str, expected: bool | None) -> None:
    assert ev(text, alice) is expected


def test_extensible_match_objects(alice: Entry) -> None:
    assert evaluate(MatchingRuleAssertion(match_value=b"x"), alice) is U  # neither type nor rule
    assert evaluate(MatchingRuleAssertion(matching_rule="2.5.13.2", type="ou", match_value=b"People",
                                          dn_attributes=True), alice) is T
    assert evaluate(MatchingRuleAssertion(type="ou", match_value=b"People", dn_attributes=False), alice) is F


# -- three-valued logic -----------------------------------------------------------------------------------------

ITEMS = {T: "(cn=ally)", F: "(cn=nobody)", U: "(shoeSize=1)"}
VALUES = [T, F, U]


def and3(a: bool | None, b: bool | None) -> bool | None:
    return F if F in (a, b) else T if (a, b) == (T, T) else U


def or3(a: bool | None, b: bool | None) -> bool | None:
    return T if T in (a, b) else F if (a, b) == (F, F) else U


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", VALUES)
def test_and_or_truth_tables(alice: Entry, a: bool | None, b: bool | None) -> None:
    assert ev(f"(&{ITEMS[a]}{ITEMS[b]})", alice) is and3(a, b)
    assert ev(f"(|{ITEMS[a]}{ITEMS[b]})", alice) is or3(a, b)


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not_truth_table(alice: Entry, a: bool | None, expected: bool | None) -> None:
    assert ev(f"(!{ITEMS[a]})", alice) is expected
    assert ev(f"(!(!{ITEMS[a]}))", alice) is a


def test_empty_and_or(alice: Entry) -> None:
    assert evaluate(And([]), alice) is T  # RFC 4526 absolute true
    assert evaluate(Or([]), alice) is F  # absolute false
    assert ev("(&)", alice) is T and ev("(|)", alice) is F
    assert ev("(!(&))", alice) is F


def test_nested_filters(alice: Entry) -> None:
    text = "(&(objectClass=person)(|(uidNumber>=5000)(&(name=smith)(!(mail=bob@*))))(!(shoeSize=*)))"
    assert ev(text, alice) is U  # the last Not is Undefined, so the And is
    text = "(&(objectClass=person)(|(uidNumber>=5000)(&(name=smith)(!(mail=bob@*))))(|(shoeSize=*)(uid=alice)))"
    assert ev(text, alice) is T


@given(st.recursive(st.sampled_from(VALUES), lambda children: st.one_of(
    st.builds(lambda xs: ("and", xs), st.lists(children, max_size=4)),
    st.builds(lambda xs: ("or", xs), st.lists(children, max_size=4)),
    st.builds(lambda x: ("not", x), children)), max_leaves=20))
def test_random_filters_follow_three_valued_logic(tree: object) -> None:
    entry = Entry.from_record("cn=x", [("cn", [b"ally"])])

    def build(node: object) -> object:
        if not isinstance(node, tuple):
            return parse_filter(ITEMS[node])  # type: ignore[index]
        op, arg = node
        if op == "not":
            return Not(build(arg))  # type: ignore[arg-type]
        return (And if op == "and" else Or)([build(a) for a in arg])  # type: ignore[misc]

    def expected(node: object) -> bool | None:
        if not isinstance(node, tuple):
            return node  # type: ignore[return-value]
        op, arg = node
        if op == "not":
            value = expected(arg)
            return None if value is None else not value
        results = [expected(a) for a in arg]
        if op == "and":
            return False if False in results else True if all(r is True for r in results) else None
        return True if True in results else False if all(r is False for r in results) else None

    assert evaluate(build(tree), entry) is expected(tree)


def test_deep_filters_do_not_recurse(alice: Entry) -> None:
    deep: Filter = EqualityMatch("cn", b"ally")
    for _ in range(20000):
        deep = Not(deep)
    assert evaluate(deep, alice) is T  # an even number of Nots
    assert evaluate(Not(deep), alice) is F
    parsed = parse_filter("(&" * 99 + "(cn=ally)" + ")" * 99)  # as deep as parse_filter allows
    assert ev(str(parsed), alice) is T


def test_unknown_filter_choice_is_undefined(alice: Entry) -> None:
    assert evaluate(UnknownAlternative(b"\xaa\x00"), alice) is U
    assert evaluate(Or([UnknownAlternative(b"\xaa\x00"), Present("cn")]), alice) is T


def test_not_a_filter(alice: Entry) -> None:
    with pytest.raises(TypeError, match="not a filter"):
        evaluate("(cn=x)", alice)


def test_schema_defaults_to_the_entry_schema(alice: Entry) -> None:
    assert evaluate(Present("cn"), alice) is T


def test_unknown_attributes_stored_in_an_entry_stay_undefined() -> None:
    entry = Entry.from_record("cn=x", [("shoeSize", [b"12"])])
    assert entry.get("shoesize") == [b"12"]
    assert ev("(shoeSize=12)", entry) is U


# -- Compare ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("attribute", "value", "code"), [
    ("cn", b"ALLY", ResultCode.COMPARE_TRUE),
    ("cn", b"bob", ResultCode.COMPARE_FALSE),
    ("commonName", b"alice  smith", ResultCode.COMPARE_TRUE),
    ("name", b"smith", ResultCode.COMPARE_TRUE),  # over subtypes
    ("uidNumber", b"1000", ResultCode.COMPARE_TRUE),
    ("uidNumber", b"999", ResultCode.COMPARE_FALSE),
    ("telephoneNumber", b"+15550100", ResultCode.COMPARE_TRUE),
    ("userPassword", b"{SSHA}secret", ResultCode.COMPARE_TRUE),
    ("objectClass", b"organizationalPerson", ResultCode.COMPARE_TRUE),
    ("objectClass", b"2.5.6.4", ResultCode.COMPARE_FALSE),
    ("manager", b"cn=BOB,ou=people,dc=example,dc=com", ResultCode.COMPARE_TRUE),
    ("description", b"x", ResultCode.COMPARE_TRUE.__class__.COMPARE_FALSE),
    ("title", b"x", ResultCode.NO_SUCH_ATTRIBUTE),
    ("shoeSize", b"12", ResultCode.UNDEFINED_ATTRIBUTE_TYPE),
    ("jpegPhoto", b"x", ResultCode.INAPPROPRIATE_MATCHING),
    ("uidNumber", b"ten", ResultCode.INVALID_ATTRIBUTE_SYNTAX),
    ("title", b"\xff", ResultCode.INVALID_ATTRIBUTE_SYNTAX),  # checked before presence
])
def test_compare(alice: Entry, attribute: str, value: bytes, code: ResultCode) -> None:
    assert compare(alice, attribute, value) == code
    assert compare(alice, attribute, value, S) == code


# -- robustness ---------------------------------------------------------------------------------------------------

_NAMES = st.sampled_from(sorted({n for at in S.attribute_types for n in (at.oid, *at.names)}) + ["shoeSize"])
_RULE_IDS = st.sampled_from(sorted({n for rule in RULES.values() for n in (rule.name, rule.oid)}) + ["1.2.3"])
_VALUES = st.one_of(st.binary(max_size=12), st.sampled_from([
    b"1000", b"-1", b"TRUE", b"alice smith", b"cn=bob,ou=people,dc=example,dc=com", b"20240101120000Z", b"person",
    b"2.5.6.6", b"+1 555 0100", b"a*b", b"'01'B", b"597ae2f6-16a6-1027-98f4-d28b5365dc14", b"x$y", "é".encode()]))
_ITEMS = st.one_of(
    st.builds(EqualityMatch, _NAMES, _VALUES), st.builds(GreaterOrEqual, _NAMES, _VALUES),
    st.builds(LessOrEqual, _NAMES, _VALUES), st.builds(ApproxMatch, _NAMES, _VALUES), st.builds(Present, _NAMES),
    st.builds(SubstringFilter, _NAMES, st.lists(st.one_of(st.builds(Initial, _VALUES), st.builds(Any, _VALUES),
                                                          st.builds(Final, _VALUES)), min_size=1, max_size=3)),
    st.builds(MatchingRuleAssertion, matching_rule=st.none() | _RULE_IDS, type=st.none() | _NAMES,
              match_value=_VALUES, dn_attributes=st.booleans()),
)


@settings(max_examples=1500)
@given(_ITEMS)
def test_any_filter_item_on_known_types_evaluates_without_error(item: Filter) -> None:
    entry = Entry.from_record("cn=Alice Smith+uid=alice,ou=People,dc=example,dc=com", [
        ("objectClass", [b"inetOrgPerson", b"posixAccount"]), ("cn", [b"Alice Smith", b"a*b"]), ("sn", [b"Smith"]),
        ("uidNumber", [b"1000"]), ("manager", [b"cn=Bob,ou=people,dc=example,dc=com"]), ("mail", [b"a@b"]),
        ("createTimestamp", [b"20240101120000Z"]), ("telephoneNumber", [b"+1 555 0100"]), ("userPassword", [b"x"]),
        ("postalAddress", [b"x$y"]), ("x500UniqueIdentifier", [b"'01'B"]), ("hasSubordinates", [b"TRUE"]),
        ("entryUUID", [b"597ae2f6-16a6-1027-98f4-d28b5365dc14"]), ("uniqueMember", [b"cn=a#'01'B"])])
    result = evaluate(item, entry)
    assert result in (True, False, None)
    negated = evaluate(Not(item), entry)
    assert negated is (None if result is None else not result)
