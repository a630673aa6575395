"""RFC 4515 search filters: parse, print, round-trip, errors with positions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ldapber
from ldapber import (
    And,
    Any,
    ApproxMatch,
    Codec,
    DerefAliases,
    EqualityMatch,
    FilterSyntaxError,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    MatchingRuleAssertion,
    Not,
    Or,
    Present,
    Scope,
    SearchRequest,
    SubstringFilter,
    UnknownAlternative,
    filter_to_string,
    parse_filter,
)

# RFC 4515 section 4, the RFC's own examples, with the objects they denote.
RFC_EXAMPLES = [
    ("(cn=Babs Jensen)", EqualityMatch("cn", b"Babs Jensen")),
    ("(!(cn=Tim Howes))", Not(EqualityMatch("cn", b"Tim Howes"))),
    ("(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
     And([EqualityMatch("objectClass", b"Person"),
          Or([EqualityMatch("sn", b"Jensen"), SubstringFilter("cn", [Initial(b"Babs J")])])])),
    ("(o=univ*of*mich*)", SubstringFilter("o", [Initial(b"univ"), Any(b"of"), Any(b"mich")])),
    ("(seeAlso=)", EqualityMatch("seeAlso", b"")),
    ("(cn:caseExactMatch:=Fred Flintstone)",
     MatchingRuleAssertion(matching_rule="caseExactMatch", type="cn", match_value=b"Fred Flintstone")),
    ("(cn:=Betty Rubble)", MatchingRuleAssertion(type="cn", match_value=b"Betty Rubble")),
    ("(sn:dn:2.4.6.8.10:=Barney Rubble)",
     MatchingRuleAssertion(matching_rule="2.4.6.8.10", type="sn", match_value=b"Barney Rubble", dn_attributes=True)),
    ("(o:dn:=Ace Industry)", MatchingRuleAssertion(type="o", match_value=b"Ace Industry", dn_attributes=True)),
    ("(:1.2.3:=Wilma Flintstone)", MatchingRuleAssertion(matching_rule="1.2.3", match_value=b"Wilma Flintstone")),
    ("(:DN:2.4.6.8.10:=Dino)",
     MatchingRuleAssertion(matching_rule="2.4.6.8.10", match_value=b"Dino", dn_attributes=True)),
    ("(o=Parens R Us \\28for all your parenthetical needs\\29)",
     EqualityMatch("o", b"Parens R Us (for all your parenthetical needs)")),
    ("(cn=*\\2A*)", SubstringFilter("cn", [Any(b"*")])),
    ("(filename=C:\\5cMyFile)", EqualityMatch("filename", b"C:\\MyFile")),
    ("(bin=\\00\\00\\00\\04)", EqualityMatch("bin", b"\x00\x00\x00\x04")),
    ("(sn=Lu\\c4\\8di\\c4\\87)", EqualityMatch("sn", "Lučić".encode())),
    ("(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)", EqualityMatch("1.3.6.1.4.1.1466.0", b"\x04\x02Hi")),
]


@pytest.mark.parametrize("text, expected", RFC_EXAMPLES)
def test_rfc4515_examples(text: str, expected: object) -> None:
    assert parse_filter(text) == expected
    assert parse_filter(str(expected)) == expected


def test_operators_presence_and_shortcuts() -> None:
    assert parse_filter("(cn=*)") == Present("cn")
    assert parse_filter("(age>=18)") == GreaterOrEqual("age", b"18")
    assert parse_filter("(age<=65)") == LessOrEqual("age", b"65")
    assert parse_filter("(sn~=smith)") == ApproxMatch("sn", b"smith")
    assert parse_filter("cn=foo bar") == EqualityMatch("cn", b"foo bar")  # as ldapsearch accepts it
    assert parse_filter("  (cn=x)  ") == EqualityMatch("cn", b"x")
    assert parse_filter("(&)") == And([]) and parse_filter("(|)") == Or([])  # RFC 4526
    assert parse_filter("(cn=a*b*c)") == SubstringFilter("cn", [Initial(b"a"), Any(b"b"), Final(b"c")])
    assert parse_filter("(cn=*c)") == SubstringFilter("cn", [Final(b"c")])
    assert parse_filter("(cn=a=b)") == EqualityMatch("cn", b"a=b")
    assert parse_filter("(cn;lang-en=x)") == EqualityMatch("cn;lang-en", b"x")
    assert parse_filter("(cn=日本)") == EqualityMatch("cn", "日本".encode())


def test_output_escaping() -> None:
    f = EqualityMatch("cn", b"a*b(c)d\\e\x00f\xc3\xa9\x7f\n")
    text = str(f)
    assert text == "(cn=a\\2ab\\28c\\29d\\5ce\\00f\\c3\\a9\\7f\\0a)"
    assert text.isascii() and parse_filter(text) == f


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("(cn=a", 5, "unterminated"),
        ("(cn=a)(", 6, "after the filter"),
        ("(=a)", 1, "attribute"),
        ("(c n=a)", 1, "attribute"),
        ("(cn=a\\2)", 5, "two hex digits"),
        ("(cn=a\\zz)", 5, "two hex digits"),
        ("(cn=(x))", 4, "escaped"),
        ("(!)", 2, "expected '('"),
        ("(&(cn=a)", 8, "expected ')'"),
        ("(cn)", 3, "operator"),
        ("(:=x)", 1, "attribute or a matching rule"),
        ("(cn:a:b:=x)", 1, "matching rule"),
        ("", 0, "operator"),
    ],
)
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert info.value.position == position and words in info.value.message, str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ldapber.LDAPBERError)


def test_depth_is_bounded() -> None:
    limit = ldapber.model.filters.FILTER_MAX_DEPTH
    deep = "(!" * limit + "(cn=a)" + ")" * limit  # one level more than the default
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(deep)
    assert f"deeper than {limit}" in info.value.message
    assert str(parse_filter(deep, max_depth=limit + 1)) == deep
    # The parser keeps open filters on a list: a depth far past the
    # interpreter's recursion limit parses when allowed, and is refused cleanly when not.
    deepest = "(&" * 5000 + "(cn=a)" + ")" * 5000
    assert str(parse_filter(deepest, max_depth=6000)) == deepest
    with pytest.raises(FilterSyntaxError, match="deeper than 4999"):
        parse_filter(deepest, max_depth=4999)
    # What parses by default is what the codec carries by default.
    at_limit = parse_filter("(!" * (limit - 1) + "(cn=a)" + ")" * (limit - 1))
    message = ldapber.LDAPMessage(1, ldapber.SearchRequest("", 0, 0, 0, 0, False, at_limit, []))
    assert ldapber.decode(ldapber.encode(message)) == message
    very_deep = Present("cn")
    for _ in range(100_000):  # printing is iterative
        very_deep = Not(very_deep)
    assert str(very_deep).startswith("(!(!")


def test_no_string_form() -> None:
    for f in (SubstringFilter("cn", [Initial(b""), Any(b"x")]), SubstringFilter("cn", [Any(b"x"), Final(b"")]),
              UnknownAlternative(b"\x8a\x00")):
        with pytest.raises(ValueError):
            filter_to_string(f)


attrs = st.from_regex(r"\A(?:[A-Za-z][A-Za-z0-9-]{0,8}|[0-9]{1,3}(?:\.[0-9]{1,3}){0,3})(?:;[A-Za-z0-9-]{1,5})?\Z")
rules = st.from_regex(r"\A(?:[A-Za-z][A-Za-z0-9-]{0,8}|[0-9]{1,3}(?:\.[0-9]{1,3}){0,3})\Z")
values = st.binary(max_size=12)
nonempty = st.binary(min_size=1, max_size=12)


@st.composite
def substrings(draw: st.DrawFn) -> list[Initial | Any | Final]:
    out: list[Initial | Any | Final] = []
    if draw(st.booleans()):
        out.append(Initial(draw(nonempty)))
    out.extend(Any(v) for v in draw(st.lists(values, max_size=3)))
    if draw(st.booleans()) or not out:
        out.append(Final(draw(nonempty)))
    return out


leaves = st.one_of(
    st.builds(EqualityMatch, attrs, values), st.builds(GreaterOrEqual, attrs, values),
    st.builds(LessOrEqual, attrs, values), st.builds(ApproxMatch, attrs, values), st.builds(Present, attrs),
    st.builds(SubstringFilter, attrs, substrings()),
    st.builds(lambda r, t, v, d: MatchingRuleAssertion(matching_rule=r, type=t, match_value=v, dn_attributes=d),
              rules, attrs | st.none(), values, st.booleans()).filter(lambda m: m.type or m.matching_rule),
)
filters = st.recursive(
    leaves,
    lambda inner: st.one_of(st.builds(And, st.lists(inner, max_size=4)), st.builds(Or, st.lists(inner, max_size=4)),
                            st.builds(Not, inner)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(filters)
def test_parse_of_str_round_trips(f: object) -> None:
    text = str(f)
    assert text.isascii()
    assert parse_filter(text) == f


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters.filter(lambda f: "(&)" not in str(f) and "(|)" not in str(f)))
def test_parsed_filters_encode_and_decode(codec: Codec, f: object) -> None:
    msg = LDAPMessage(1, SearchRequest("dc=x", Scope.WHOLE_SUBTREE, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False,
                                       parse_filter(str(f)), []))  # type: ignore[arg-type]
    assert str(codec.decode(codec.encode(msg)).protocol_op.filter) == str(f)
