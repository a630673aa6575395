"""``SearchResultEntry`` read by attribute name (issue 20's entry view), on
decoded entries of both backends and on what the client returns."""

from __future__ import annotations

import pytest

from ldapber import Codec, LDAPMessage, PartialAttribute, SearchResultEntry, encode


def entry() -> SearchResultEntry:
    return SearchResultEntry("uid=jj,ou=people,dc=example,dc=com", [
        PartialAttribute("objectClass", [b"top", b"person"]),
        PartialAttribute("cn", [b"J\xc3\xa9r\xc3\xb4me"]),
        PartialAttribute("cn;lang-fr", [b"J\xc3\xa9r\xc3\xb4me J."]),
        PartialAttribute("jpegPhoto", [b"\xff\xd8\xff"]),
        PartialAttribute("CN", [b"JJ"]),  # a server may repeat a description: values are joined
    ])


def test_values_by_description(codec: Codec) -> None:
    e = codec.decode(encode(LDAPMessage(2, entry()))).protocol_op
    assert isinstance(e, SearchResultEntry) and e == entry()
    assert e.dn == "uid=jj,ou=people,dc=example,dc=com"
    assert e["objectclass"] == [b"top", b"person"]  # case-insensitive
    assert e["cn"] == [b"J\xc3\xa9r\xc3\xb4me", b"JJ"] and e.text("cn") == ["Jérôme", "JJ"]
    assert e["CN;LANG-FR"] == [b"J\xc3\xa9r\xc3\xb4me J."]  # options are part of the name
    assert e.first("jpegPhoto") == b"\xff\xd8\xff" and e.first("mail") is None
    with pytest.raises(UnicodeDecodeError):
        e.text("jpegPhoto")
    assert e.get("mail") is None and e.get("mail", []) == [] and e.text("mail") == []
    with pytest.raises(KeyError):
        e["mail"]
    with pytest.raises(TypeError):
        e[0]  # type: ignore[index]
    assert "cn" in e and "mail" not in e and 0 not in e
    assert list(e) == e.keys() == ["objectClass", "cn", "cn;lang-fr", "jpegPhoto", "CN"]
    assert e.as_dict() == {"objectClass": [b"top", b"person"], "cn": [b"J\xc3\xa9r\xc3\xb4me"],
                           "cn;lang-fr": [b"J\xc3\xa9r\xc3\xb4me J."], "jpegPhoto": [b"\xff\xd8\xff"], "CN": [b"JJ"]}
    # the view reads the entry as it is now, and changes nothing
    e.attributes.append(PartialAttribute("mail", [b"jj@example.com"]))
    assert e["mail"] == [b"jj@example.com"] and len(e.attributes) == 6


def test_an_entry_with_no_attributes_is_still_true() -> None:
    empty = SearchResultEntry("cn=x", [])
    assert empty and list(empty) == [] and empty.get("cn") is None
