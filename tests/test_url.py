"""RFC 4516 LDAP URLs: parse, build, percent-encoding, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldapber import LDAPURL, Scope, URLExtension, URLSyntaxError, parse_dn, parse_filter, parse_url

# RFC 4516 section 4, the RFC's own examples.
RFC_EXAMPLES = [
    ("ldap:///o=University%20of%20Michigan,c=US", LDAPURL(dn="o=University of Michigan,c=US")),
    ("ldap://ldap1.example.net/o=University%20of%20Michigan,c=US",
     LDAPURL(host="ldap1.example.net", dn="o=University of Michigan,c=US")),
    ("ldap://ldap1.example.net/o=University%20of%20Michigan,c=US?postalAddress",
     LDAPURL(host="ldap1.example.net", dn="o=University of Michigan,c=US", attributes=("postalAddress",))),
    ("ldap://ldap1.example.net:6666/o=University%20of%20Michigan,c=US??sub?(cn=Babs%20Jensen)",
     LDAPURL(host="ldap1.example.net", port=6666, dn="o=University of Michigan,c=US", scope=Scope.WHOLE_SUBTREE,
             filter="(cn=Babs Jensen)")),
    ("LDAP://ldap1.example.com/c=GB?objectClass?ONE",
     LDAPURL(host="ldap1.example.com", dn="c=GB", attributes=("objectClass",), scope=Scope.SINGLE_LEVEL)),
    ("ldap://ldap2.example.com/o=Question%3f,c=US?mail", LDAPURL(host="ldap2.example.com", dn="o=Question?,c=US",
                                                              attributes=("mail",))),
    ("ldap://ldap3.example.com/o=Babsco,c=US???(four-octet=%5c00%5c00%5c00%5c04)",
     LDAPURL(host="ldap3.example.com", dn="o=Babsco,c=US", filter="(four-octet=\\00\\00\\00\\04)")),
    ("ldap://ldap.example.com/o=An%20Example%5C2C%20Inc.,c=US", LDAPURL(host="ldap.example.com",
                                                                      dn="o=An Example\\2C Inc.,c=US")),
    ("ldap:///??sub??e-bindname=cn=Manager%2cdc=example%2cdc=com",
     LDAPURL(scope=Scope.WHOLE_SUBTREE, extensions=(URLExtension("e-bindname", "cn=Manager,dc=example,dc=com"),))),
    ("ldap:///??sub??!e-bindname=cn=Manager%2cdc=example%2cdc=com",
     LDAPURL(scope=Scope.WHOLE_SUBTREE,
             extensions=(URLExtension("e-bindname", "cn=Manager,dc=example,dc=com", critical=True),))),
]


@pytest.mark.parametrize("text, expected", RFC_EXAMPLES)
def test_rfc4516_examples(text: str, expected: LDAPURL) -> None:
    url = parse_url(text)
    assert url == expected
    assert parse_url(str(url)) == url


def test_parts_feed_the_other_parsers() -> None:
    url = parse_url("ldaps://[::1]:636/ou=People,dc=example,dc=com?cn,mail?one?(uid=jj)")
    assert (url.scheme, url.host, url.port) == ("ldaps", "::1", 636)
    assert parse_dn(url.dn).is_descendant_of("dc=example,dc=com")
    assert str(parse_filter(url.filter or "")) == "(uid=jj)"
    assert str(url) == "ldaps://[::1]:636/ou=People,dc=example,dc=com?cn,mail?one?(uid=jj)"
    assert str(LDAPURL(host="h")) == "ldap://h" and str(LDAPURL(dn="o=x", scope=Scope.BASE_OBJECT)) == "ldap:///o=x??base"


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("http://x/", 0, "ldap://"),
        ("ldap://h:99999/", 8, "port"),
        ("ldap://h:x/", 8, "port"),
        ("ldap://h/o=x??all", 14, "scope"),
        ("ldap://h/o=%zz", 11, "two hex"),
        ("ldap://h/o=x?a?b?c?d?e", 20, "too many"),
        ("ldap://[::1/", 7, "IPv6"),
        ("ldap://h/o=%ff", 11, "UTF-8"),
    ],
)
def test_errors(text: str, position: int, words: str) -> None:
    with pytest.raises(URLSyntaxError) as info:
        parse_url(text)
    assert info.value.position == position and words in info.value.message, str(info.value)


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
urls = st.builds(
    LDAPURL, st.sampled_from(["ldap", "ldaps"]), st.none() | st.from_regex(r"\A[a-z][a-z0-9.-]{0,10}\Z"),
    st.none() | st.integers(1, 65535), texts, st.lists(texts.filter(bool), max_size=3).map(tuple),
    st.none() | st.sampled_from(list(Scope)), st.none() | texts.filter(bool),
    st.lists(st.builds(URLExtension, texts.filter(bool),
                       st.none() | texts, st.booleans()), max_size=2).map(tuple),
).filter(lambda u: u.host is not None or u.port is None)


@settings(max_examples=300, deadline=None)
@given(urls)
def test_build_then_parse_round_trips(url: LDAPURL) -> None:
    assert parse_url(str(url)) == url
