"""LDIF (RFC 2849): parsing, change records, errors with line numbers, writing, round trips, the sample file."""

from __future__ import annotations

import base64
import hashlib
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ldapber
from ldapber.errors import LDAPBERError
from ldapber.ldif import LDIFChange, LDIFError, LDIFRecord, dump_ldif, load_ldif, parse_ldif

SAMPLE = Path(ldapber.__file__).parent / "samples" / "directory.ldif"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def error_of(text: str | bytes, **kwargs: object) -> LDIFError:
    with pytest.raises(LDIFError) as info:
        parse_ldif(text, **kwargs)  # type: ignore[arg-type]
    return info.value


# -- content records --------------------------------------------------------

RFC_EXAMPLE_1 = """\
version: 1
dn: cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com
objectclass: top
objectclass: person
objectclass: organizationalPerson
cn: Barbara Jensen
cn: Barbara J Jensen
cn: Babs Jensen
sn: Jensen
uid: bjensen
telephonenumber: +1 408 555 1212
description: A big sailing fan.

dn: cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com
objectclass: top
objectclass: person
objectclass: organizationalPerson
cn: Bjorn Jensen
sn: Jensen
telephonenumber: +1 408 555 1212
"""


def test_rfc_example_1_two_entries() -> None:
    records = parse_ldif(RFC_EXAMPLE_1)
    assert records == [
        LDIFRecord("cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com", [
            ("objectclass", [b"top", b"person", b"organizationalPerson"]),
            ("cn", [b"Barbara Jensen", b"Barbara J Jensen", b"Babs Jensen"]),
            ("sn", [b"Jensen"]),
            ("uid", [b"bjensen"]),
            ("telephonenumber", [b"+1 408 555 1212"]),
            ("description", [b"A big sailing fan."]),
        ]),
        LDIFRecord("cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com", [
            ("objectclass", [b"top", b"person", b"organizationalPerson"]),
            ("cn", [b"Bjorn Jensen"]),
            ("sn", [b"Jensen"]),
            ("telephonenumber", [b"+1 408 555 1212"]),
        ]),
    ]


def test_rfc_example_2_folding_and_no_fill() -> None:
    text = (
        "version: 1\n"
        "dn:cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com\n"
        "objectclass:top\n"
        "description:Babs is a big sailing fan, and travels extensively in sea\n"
        " rch of perfect sailing conditions.\n"
        "title:Product Manager, Rod and Reel Division\n"
    )
    (record,) = parse_ldif(text)
    assert isinstance(record, LDIFRecord)
    assert record.dn == "cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com"
    assert record.attributes[1] == (
        "description", [b"Babs is a big sailing fan, and travels extensively in search of perfect sailing conditions."])
    assert record.attributes[2] == ("title", [b"Product Manager, Rod and Reel Division"])


def test_folding_drops_exactly_one_space_anywhere_in_the_line() -> None:
    # Folded inside the DN, inside an attribute name, before the colon, and a continuation keeping a space.
    text = "dn: cn=fo\n o,dc=ex\n ample\nobjectCl\n ass: top\ncn\n : a\ndescription: one\n  two\n"
    (record,) = parse_ldif(text)
    assert record == LDIFRecord("cn=foo,dc=example", [
        ("objectClass", [b"top"]), ("cn", [b"a"]), ("description", [b"one two"])])


def test_folded_keywords_and_base64() -> None:
    value = bytes(range(256))
    encoded = b64(value)
    folded = "\n ".join(encoded[i:i + 10] for i in range(0, len(encoded), 10))
    text = f"dn: cn=x\nchange\n type: add\ndata:: {folded}\n"
    (change,) = parse_ldif(text)
    assert change == LDIFChange("cn=x", "add", attributes=[("data", [value])])


def test_comments_including_folded_comments_are_ignored() -> None:
    text = (
        "# leading comment\n"
        "version: 1\n"
        "# a comment that is\n"
        " folded: this line is still comment\n"
        "dn: cn=a\n"
        "# between attributes\n"
        "cn: a\n"
        "#cn: not an attribute\n"
        "#\n"
        " dn: still the comment\n"
        "sn: b # not a comment\n"
        "\n"
        "# between records\n"
        "\n"
        "dn: cn=b\n"
        "cn: b\n"
        "# trailing comment\n"
    )
    assert parse_ldif(text) == [
        LDIFRecord("cn=a", [("cn", [b"a"]), ("sn", [b"b # not a comment"])]),
        LDIFRecord("cn=b", [("cn", [b"b"])]),
    ]


def test_comments_may_hold_any_bytes() -> None:
    data = b"# caf\xc3\xa9 and \xff\xfe not UTF-8\n \xff continued\nDn: cn=a\ncn: a\n"
    assert parse_ldif(data) == [LDIFRecord("cn=a", [("cn", [b"a"])])]
    assert parse_ldif("# J\u00f6hn Sm\u00efth \U0001f600\ndn: cn=a\ncn: a\n") == parse_ldif(data)


def test_record_separators_and_trailing_blank_lines() -> None:
    text = "\n\nversion: 1\n\n\n\ndn: cn=a\ncn: a\n\n\n\ndn: cn=b\ncn: b\n\n\n"
    assert [r.dn for r in parse_ldif(text)] == ["cn=a", "cn=b"]
    assert parse_ldif("dn: cn=a\ncn: a") == [LDIFRecord("cn=a", [("cn", [b"a"])])]  # no final newline


def test_crlf_and_mixed_line_endings() -> None:
    lf = "version: 1\n\ndn: cn=a,\n dc=b\ncn: a\ndescription:: " + b64("x\r\ny") + "\n\ndn: cn=c\ncn: c\n"
    crlf = lf.replace("\n", "\r\n")
    mixed = lf.replace("\n", "\r\n", 3)
    expected = parse_ldif(lf)
    assert expected[0] == LDIFRecord("cn=a,dc=b", [("cn", [b"a"]), ("description", [b"x\r\ny"])])
    assert parse_ldif(crlf) == expected
    assert parse_ldif(crlf.encode()) == expected
    assert parse_ldif(mixed) == expected


def test_fill_and_empty_values() -> None:
    text = "dn:    cn=a\ncn:     spaced\nseeAlso:\nother:   \nb::\nempty::   \ntrailing: x  \n"
    (record,) = parse_ldif(text)
    assert record == LDIFRecord("cn=a", [
        ("cn", [b"spaced"]), ("seeAlso", [b""]), ("other", [b""]), ("b", [b""]), ("empty", [b""]),
        ("trailing", [b"x  "]),  # a trailing space SHOULD be base64-encoded, but MAY be plain
    ])


def test_empty_dn_is_allowed() -> None:
    assert parse_ldif("dn:\nobjectClass: top\n") == [LDIFRecord("", [("objectClass", [b"top"])])]


def test_version_line_is_optional_and_must_be_1() -> None:
    body = "dn: cn=a\ncn: a\n"
    assert parse_ldif("version: 1\n" + body) == parse_ldif(body) == parse_ldif("VERSION:1\n\n" + body)
    assert parse_ldif("version: 1\n") == []
    assert parse_ldif("") == []
    assert parse_ldif("# only a comment\n") == []
    for bad in ("version: 2", "version: 0", "version: 01", "version:: MQ==", "version: 1 "):
        err = error_of(f"{bad}\n\n{body}")
        assert err.line == 1 and "version" in err.message


def test_version_elsewhere_is_an_error() -> None:
    err = error_of("dn: cn=a\ncn: a\n\nversion: 1\n")
    assert err.line == 4 and "first line" in err.message
    # Inside a record, after the dn, "version" is just an attribute.
    assert parse_ldif("dn: cn=a\nversion: 1\n") == [LDIFRecord("cn=a", [("version", [b"1"])])]


def test_base64_values_and_dns_rfc_example_4() -> None:
    text = (
        "version: 1\n"
        "dn:: b3U95Za25qWt6YOoLG89QWlyaXVz\n"
        "# dn:: ou=<JapaneseOU>,o=Airius\n"
        "objectclass: top\n"
        "objectclass: organizationalUnit\n"
        "ou:: 5Za25qWt6YOo\n"
        "ou;lang-ja:: 5Za25qWt6YOo\n"
        "ou;lang-ja;phonetic:: 44GI44GE44GO44KH44GG44G2\n"
        "ou;lang-en: Sales\n"
        "description: Japanese office\n"
    )
    (record,) = parse_ldif(text)
    assert record.dn == "ou=営業部,o=Airius"
    assert record.attributes == [
        ("objectclass", [b"top", b"organizationalUnit"]),
        ("ou", ["営業部".encode()]),
        ("ou;lang-ja", ["営業部".encode()]),
        ("ou;lang-ja;phonetic", ["えいぎょうぶ".encode()]),
        ("ou;lang-en", [b"Sales"]),
        ("description", [b"Japanese office"]),
    ]


def test_attribute_merging_is_case_insensitive_and_keeps_first_spelling() -> None:
    text = "dn: cn=a\ncn: 1\nsn: s\nCN: 2\ncn;lang-en: 3\nCn;LANG-EN: 4\ncN: 1\n"
    (record,) = parse_ldif(text)
    assert record.attributes == [("cn", [b"1", b"2", b"1"]), ("sn", [b"s"]), ("cn;lang-en", [b"3", b"4"])]


def test_attribute_descriptions_with_oids_and_options() -> None:
    text = "dn: cn=a\n2.5.4.3: oid\n1.3.6.1.4.1.1466.0;binary:: AAE=\nx-My-Attr;opt-1;2: y\n"
    (record,) = parse_ldif(text)
    assert record.attributes == [
        ("2.5.4.3", [b"oid"]), ("1.3.6.1.4.1.1466.0;binary", [b"\x00\x01"]), ("x-My-Attr;opt-1;2", [b"y"])]


def test_plain_values_keep_safe_control_characters() -> None:
    # SAFE-CHAR is %x01-09 / %x0B-0C / %x0E-7F: tab, VT, FF, DEL are allowed unencoded (no splitlines()!).
    (record,) = parse_ldif(b"dn: cn=a\x0b\x0c\ncn: a\tb\x0b\x0c\x7f\x01\n")
    assert record == LDIFRecord("cn=a\x0b\x0c", [("cn", [b"a\tb\x0b\x0c\x7f\x01"])])


# -- file:// URLs -----------------------------------------------------------

def test_file_urls(tmp_path: Path) -> None:
    photo = tmp_path / "a photo.jpg"
    photo.write_bytes(b"\xff\xd8binary\x00\r\n\xff\xd9")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    url = photo.as_uri()  # percent-encodes the space
    assert "%20" in url
    text = f"dn: cn=a\njpegPhoto:< {url}\nempty:<{empty.as_uri()}\nlocal:< file://localhost{empty}\n"
    (record,) = parse_ldif(text)
    assert record.attributes == [
        ("jpegPhoto", [b"\xff\xd8binary\x00\r\n\xff\xd9"]), ("empty", [b""]), ("local", [b""])]


def test_file_url_in_a_change_record_and_a_control(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x30\x00")
    text = f"dn: cn=a\ncontrol: 1.2.3 true:< {blob.as_uri()}\nchangetype: add\nx:< {blob.as_uri()}\n"
    (change,) = parse_ldif(text)
    assert change == LDIFChange("cn=a", "add", attributes=[("x", [b"\x30\x00"])], controls=[("1.2.3", True, b"\x30\x00")])


@pytest.mark.parametrize("url, fragment", [
    ("http://example.com/photo.jpg", "only file://"),
    ("ftp://example.com/x", "only file://"),
    ("file:/tmp/x", "only file://"),
    ("file://relative/path", "absolute local path"),
    ("file://otherhost/tmp/x", "absolute local path"),
    ("file:///tmp/x?q=1", "query"),
    ("photo.jpg", "only file://"),
    ("", "only file://"),
])
def test_unsupported_urls(url: str, fragment: str) -> None:
    err = error_of(f"dn: cn=a\ncn: a\njpegPhoto:< {url}\n")
    assert err.line == 3 and fragment in err.message


def test_missing_url_file(tmp_path: Path) -> None:
    err = error_of(f"dn: cn=a\ncn: a\nphoto:< {(tmp_path / 'nope').as_uri()}\n", path="x.ldif")
    assert err.line == 3 and "cannot read" in err.message and err.path == "x.ldif"


# -- change records ---------------------------------------------------------

RFC_EXAMPLE_6 = """\
version: 1
# Add a new entry
dn: cn=Fiona Jensen, ou=Marketing, dc=airius, dc=com
changetype: add
objectclass: top
objectclass: person
cn: Fiona Jensen
sn: Jensen

# Delete an existing entry
dn: cn=Robert Jensen, ou=Marketing, dc=airius, dc=com
changetype: delete

# Modify an entry's relative distinguished name
dn: cn=Paul Jensen, ou=Product Development, dc=airius, dc=com
changetype: modrdn
newrdn: cn=Paula Jensen
deleteoldrdn: 1

# Rename an entry and move all of its children
dn: ou=PD Accountants, ou=Product Development, dc=airius, dc=com
changetype: moddn
newrdn: ou=Product Development Accountants
deleteoldrdn: 0
newsuperior: ou=Accounting, dc=airius, dc=com

dn: cn=Paula Jensen, ou=Product Development, dc=airius, dc=com
changetype: modify
add: postaladdress
postaladdress: 123 Anystreet $ Sunnyvale, CA $ 94086
-
delete: description
-
replace: telephonenumber
telephonenumber: +1 408 555 1234
telephonenumber: +1 408 555 5678
-
delete: facsimiletelephonenumber
facsimiletelephonenumber: +1 408 555 9876
-

dn: cn=Ingrid Jensen, ou=Product Support, dc=airius, dc=com
changetype: modify
replace: postaladdress
-
delete: description
-

# Delete with the Tree Delete control
dn: ou=Product Development, dc=airius, dc=com
control: 1.2.840.113556.1.4.805 true
changetype: delete
"""


def test_rfc_example_6_and_7_change_records() -> None:
    records = parse_ldif(RFC_EXAMPLE_6)
    assert records == [
        LDIFChange("cn=Fiona Jensen, ou=Marketing, dc=airius, dc=com", "add", attributes=[
            ("objectclass", [b"top", b"person"]), ("cn", [b"Fiona Jensen"]), ("sn", [b"Jensen"])]),
        LDIFChange("cn=Robert Jensen, ou=Marketing, dc=airius, dc=com", "delete"),
        LDIFChange("cn=Paul Jensen, ou=Product Development, dc=airius, dc=com", "modrdn",
                   new_rdn="cn=Paula Jensen", delete_old_rdn=True),
        LDIFChange("ou=PD Accountants, ou=Product Development, dc=airius, dc=com", "moddn",
                   new_rdn="ou=Product Development Accountants", delete_old_rdn=False,
                   new_superior="ou=Accounting, dc=airius, dc=com"),
        LDIFChange("cn=Paula Jensen, ou=Product Development, dc=airius, dc=com", "modify", modifications=[
            ("add", "postaladdress", [b"123 Anystreet $ Sunnyvale, CA $ 94086"]),
            ("delete", "description", []),
            ("replace", "telephonenumber", [b"+1 408 555 1234", b"+1 408 555 5678"]),
            ("delete", "facsimiletelephonenumber", [b"+1 408 555 9876"]),
        ]),
        LDIFChange("cn=Ingrid Jensen, ou=Product Support, dc=airius, dc=com", "modify", modifications=[
            ("replace", "postaladdress", []), ("delete", "description", [])]),
        LDIFChange("ou=Product Development, dc=airius, dc=com", "delete",
                   controls=[("1.2.840.113556.1.4.805", True, None)]),
    ]
    # Fields of other changetypes stay at their defaults.
    assert records[1].attributes == [] and records[1].modifications == [] and records[1].new_rdn is None


def test_controls_with_values_and_criticality() -> None:
    text = (
        "dn: cn=a\n"
        "control: 1.2.3\n"
        "control: 1.2.4 false\n"
        "control: 1.2.5 TRUE: plain value\n"
        "control: 1.2.6:: " + b64(b"\x30\x03\x02\x01\x05") + "\n"
        "control: 1.2.7 true:\n"
        "control:   1.2.8   false::\n"
        "changetype: modify\n"
        "replace: cn\n"
        "cn: b\n"
        "-\n"
    )
    (change,) = parse_ldif(text)
    assert isinstance(change, LDIFChange)
    assert change.controls == [
        ("1.2.3", False, None), ("1.2.4", False, None), ("1.2.5", True, b"plain value"),
        ("1.2.6", False, b"\x30\x03\x02\x01\x05"), ("1.2.7", True, b""), ("1.2.8", False, b""),
    ]
    assert change.modifications == [("replace", "cn", [b"b"])]


def test_modify_with_several_ops_options_and_base64() -> None:
    text = (
        "dn:: " + b64("cn=Jöhn,dc=example") + "\n"
        "ChangeType: Modify\n"
        "ADD: mail\n"
        "mail: a@example.com\n"
        "MAIL: b@example.com\n"
        "-\n"
        "replace: cn;lang-de\n"
        "cn;lang-de:: " + b64("Jöhn") + "\n"
        "-\n"
        "Delete: 2.5.4.20\n"
        "2.5.4.20: +1 555\n"
        "-\n"
        "replace: description\n"
        "description:\n"
        "-\n"
    )
    (change,) = parse_ldif(text)
    assert change == LDIFChange("cn=Jöhn,dc=example", "modify", modifications=[
        ("add", "mail", [b"a@example.com", b"b@example.com"]),
        ("replace", "cn;lang-de", ["Jöhn".encode()]),
        ("delete", "2.5.4.20", [b"+1 555"]),
        ("replace", "description", [b""]),
    ])


def test_modify_without_modifications() -> None:
    assert parse_ldif("dn: cn=a\nchangetype: modify\n") == [LDIFChange("cn=a", "modify")]


def test_modrdn_with_base64_newrdn_and_newsuperior() -> None:
    text = (
        "dn: cn=a,dc=x\nchangetype: modrdn\n"
        "newrdn:: " + b64("cn=Ä") + "\n"
        "deleteoldrdn:   0\n"
        "newsuperior:: " + b64("ou=Ünits,dc=x") + "\n"
    )
    assert parse_ldif(text) == [LDIFChange("cn=a,dc=x", "modrdn", new_rdn="cn=Ä", delete_old_rdn=False,
                                           new_superior="ou=Ünits,dc=x")]
    # newsuperior may be empty (move to the root).
    (change,) = parse_ldif("dn: cn=a\nchangetype: moddn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewsuperior:\n")
    assert change.new_superior == "" and change.delete_old_rdn is True


def test_add_change_merges_attributes() -> None:
    (change,) = parse_ldif("dn: cn=a\nchangetype: add\ncn: a\nsn: b\nCN: c\n")
    assert change == LDIFChange("cn=a", "add", attributes=[("cn", [b"a", b"c"]), ("sn", [b"b"])])


def test_content_and_change_records_cannot_mix() -> None:
    err = error_of("dn: cn=a\ncn: a\n\n# change\ndn: cn=b\nchangetype: delete\n")
    assert err.line == 5 and "content and change records" in err.message
    err = error_of("dn: cn=b\nchangetype: delete\n\ndn: cn=a\ncn: a\n")
    assert err.line == 4


# -- errors, each with its line ---------------------------------------------

ERRORS = [
    # (text, line, fragment of the message)
    (" dn: cn=a\ncn: a\n", 1, "continuation"),
    ("dn: cn=a\ncn: a\n\n continued\n", 4, "continuation"),
    ("version: 1\ndn: cn=a\nthis line has no colon\n", 3, "no colon"),
    ("dn: cn=a\ncn: a\ncn : b\n", 3, "invalid attribute description"),
    ("dn: cn=a\n1cn: b\n", 2, "invalid attribute description"),
    ("dn: cn=a\ncn;: b\n", 2, "invalid attribute description"),
    ("dn: cn=a\ncn;lang_en: b\n", 2, "invalid attribute description"),
    ("dn: cn=a\n1.2.: b\n", 2, "invalid attribute description"),
    ("dn: cn=a\n: b\n", 2, "invalid attribute description"),
    ("dn: cn=a\nc\u00f6: b\n", 2, "invalid attribute description"),
    ("cn: a\ndn: cn=a\n", 1, "must start with a dn"),
    ("# c\n\ndn: cn=a\ncn: a\n\nobjectClass: top\n", 6, "must start with a dn"),
    ("dn: cn=a\ncn: a\ndn: cn=b\ncn: b\n", 3, "dn: line inside a record"),
    ("dn: cn=a\n", 1, "no attributes"),
    ("dn: cn=a\ncn:: YWJj*\n", 2, "invalid base64"),
    ("dn: cn=a\ncn:: YWJ\n", 2, "invalid base64"),
    ("dn: cn=a\ncn:: YW Jj\n", 2, "invalid base64"),
    ("dn: cn=a\ncn:: YWJj \n", 2, "invalid base64"),
    ("dn:: YWJj*\ncn: a\n", 1, "invalid base64"),
    ("dn:: /w==\ncn: a\n", 1, "not valid UTF-8"),
    ("dn:< file:///etc/hostname\ncn: a\n", 1, "by URL"),
    ("dn: cn=a\ncn: a\x00b\n", 2, "NUL"),
    ("dn: cn=a\x00\ncn: a\n", 1, "NUL"),
    ("dn: cn=a\ncn: J\u00f6hn\n", 2, "non-ASCII"),
    ("dn: cn=J\u00f6hn\ncn: a\n", 1, "non-ASCII"),
    ("dn: cn=a\ncn: :colon\n", 2, "starts with ':'"),
    ("dn: cn=a\ncn: <less\n", 2, "starts with '<'"),
    ("dn: cn=a\ncn: a\rb\n", 2, "carriage return"),
    ("dn: cn=a\ncontrol: 1.2.3\ncn: a\n", 2, "followed by a changetype"),
    ("dn: cn=a\ncontrol: 1.2.3 maybe\nchangetype: delete\n", 2, "malformed control"),
    ("dn: cn=a\ncontrol: abc\nchangetype: delete\n", 2, "malformed control"),
    ("dn: cn=a\ncontrol: 1.2.3 true : v\nchangetype: delete\n", 2, "malformed control"),
    ("dn: cn=a\ncontrol: 1.2.3:: ***\nchangetype: delete\n", 2, "invalid base64"),
    ("dn: cn=a\nchangetype: rename\n", 2, "unknown changetype"),
    ("dn: cn=a\nchangetype:: YWRk\ncn: a\n", 2, "unknown changetype"),
    ("dn: cn=a\nchangetype: add\n", 2, "at least one attribute"),
    ("dn: cn=a\nchangetype: delete\ncn: a\n", 3, "no further lines"),
    ("dn: cn=a\nchangetype: modify\nadd: cn\ncn: a\n", 3, "not ended by a '-'"),
    ("dn: cn=a\nchangetype: modify\nadd: cn\ncn: a\nsn: b\n-\n", 5, "in the modification of cn"),
    ("dn: cn=a\nchangetype: modify\nincrement: uidNumber\nuidNumber: 1\n-\n", 3, "expected add:, delete: or replace:"),
    ("dn: cn=a\nchangetype: modify\nadd:: Y24=\n-\n", 3, "expected add:, delete: or replace:"),
    ("dn: cn=a\nchangetype: modify\n-\n", 3, "'-' without a modification"),
    ("dn: cn=a\nchangetype: modify\nadd: cn\ncn: a\n- \n", 5, "trailing spaces"),
    ("dn: cn=a\ncn: a\n-\n", 3, "outside the modifications"),
    ("dn: cn=a\nchangetype: add\ncn: a\n-\n", 4, "outside the modifications"),
    ("dn: cn=a\nchangetype: modify\nreplace: c n\n-\n", 3, "invalid attribute description"),
    ("dn: cn=a\nchangetype: modrdn\n", 2, "needs a newrdn"),
    ("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\n", 2, "needs a deleteoldrdn"),
    ("dn: cn=a\nchangetype: modrdn\ndeleteoldrdn: 1\n", 3, "expected newrdn"),
    ("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 2\n", 4, "0 or 1"),
    ("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: true\n", 4, "0 or 1"),
    ("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewparent: dc=x\n", 5, "expected newsuperior"),
    ("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewsuperior: dc=x\ncn: b\n", 6, "unexpected line"),
    ("dn: cn=a\nchangetype: moddn\nnewrdn:< file:///x\ndeleteoldrdn: 1\n", 3, "by URL"),
    ("dn: cn=a\nchangetype: moddn\nnewrdn: :x\ndeleteoldrdn: 1\n", 3, "starts with ':'"),
    ("\ufeffversion: 1\ndn: cn=a\ncn: a\n", 1, "byte-order mark"),
]


@pytest.mark.parametrize("text, line, fragment", ERRORS)
def test_errors_name_their_line(text: str, line: int, fragment: str) -> None:
    err = error_of(text)
    assert err.line == line, str(err)
    assert fragment in err.message
    assert str(err) == f"<input>:{line}: {err.message}"
    # The same error, with the same line, with CRLF endings and as bytes.
    err2 = error_of(text.replace("\n", "\r\n").encode())
    assert (err2.line, err2.message) == (line, err.message)


def test_error_line_of_a_folded_line_is_its_first_physical_line() -> None:
    err = error_of("dn: cn=a\ncn: a\ndescription:: YWJj\n ZGVm\n ***\n")
    assert err.line == 3


def test_ldif_error_type_str_and_pickle() -> None:
    err = LDIFError("bad thing", line=7, path="dir.ldif")
    assert isinstance(err, LDAPBERError) and isinstance(err, ValueError)
    assert str(err) == "dir.ldif:7: bad thing"
    assert str(LDIFError("m")) == "m"
    assert str(LDIFError("m", path="f")) == "f: m"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is LDIFError and (back.message, back.line, back.path) == ("bad thing", 7, "dir.ldif")


def test_load_ldif_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.ldif"
    good.write_bytes(b"version: 1\r\n\r\ndn: cn=a\r\ncn: a\r\n")
    assert load_ldif(good) == load_ldif(str(good)) == [LDIFRecord("cn=a", [("cn", [b"a"])])]
    bad = tmp_path / "bad.ldif"
    bad.write_text("version: 1\n\ndn: cn=a\ncn:: !!\n")
    with pytest.raises(LDIFError) as info:
        load_ldif(bad)
    assert info.value.line == 4 and info.value.path == str(bad)
    assert str(info.value).startswith(f"{bad}:4: invalid base64")
    with pytest.raises(FileNotFoundError):
        load_ldif(tmp_path / "missing.ldif")


def test_parsing_is_linear_in_long_folded_values() -> None:
    # 200,000 continuation lines and 20,000 records: quadratic joining or merging would not finish in time.
    value = b"x" * 200_000
    text = b"dn: cn=a\ncn: " + b"\n ".join(value[i:i + 1] for i in range(len(value))) + b"\n"
    assert parse_ldif(text)[0].attributes == [("cn", [value])]
    many = "".join(f"dn: cn={i}\ncn: {i}\nmember: {i}\n\n" for i in range(20_000))
    assert len(parse_ldif(many)) == 20_000


# -- writing ----------------------------------------------------------------

@pytest.mark.parametrize("value, plain", [
    (b"simple", True),
    (b"", True),
    (b"a b", True),
    (b"tab\tand \x7f DEL", True),
    (b"colon: inside", True),
    (b"less<inside", True),
    (b"#hash", True),
    (b"-", True),
    (b" leading space", False),
    (b":leading colon", False),
    (b"<leading less-than", False),
    (b"trailing space ", False),
    (b"nul\x00byte", False),
    (b"line\nfeed", False),
    (b"carriage\rreturn", False),
    ("J\u00f6hn".encode(), False),
    (b"\xff\xfe", False),
])
def test_dump_base64_decision(value: bytes, plain: bool) -> None:
    text = dump_ldif([LDIFRecord("cn=a", [("description", [value])])], width=1000)
    line = text.splitlines()[3]
    if plain:
        assert line == ("description: " + value.decode() if value else "description:")
    else:
        assert line == "description:: " + b64(value)
    assert parse_ldif(text) == [LDIFRecord("cn=a", [("description", [value])])]


@pytest.mark.parametrize("dn, plain", [
    ("", True), ("cn=a,dc=b", True), ("cn=J\u00f6hn", False), (" cn=a", False), ("cn=a ", False),
    (":x", False), ("<x", False), ("cn=a\nb", False),
])
def test_dump_dn_base64_decision(dn: str, plain: bool) -> None:
    text = dump_ldif([LDIFRecord(dn, [("cn", [b"a"])])])
    line = text.splitlines()[2]
    if plain:
        assert line == (f"dn: {dn}" if dn else "dn:")
    else:
        assert line == "dn:: " + b64(dn)
    assert parse_ldif(text)[0].dn == dn


def test_dump_exact_output() -> None:
    records = [
        LDIFRecord("dc=example,dc=com", [("objectClass", [b"top", b"domain"]), ("dc", [b"example"])]),
        LDIFRecord("cn=J\u00f6hn,dc=example,dc=com", [("cn", ["J\u00f6hn".encode()]), ("seeAlso", [b""])]),
    ]
    assert dump_ldif(records) == (
        "version: 1\n"
        "\n"
        "dn: dc=example,dc=com\n"
        "objectClass: top\n"
        "objectClass: domain\n"
        "dc: example\n"
        "\n"
        f"dn:: {b64('cn=Jöhn,dc=example,dc=com')}\n"
        f"cn:: {b64('Jöhn')}\n"
        "seeAlso:\n"
    )
    assert dump_ldif([]) == "version: 1\n"


def test_dump_folds_at_width() -> None:
    value = bytes(range(200))  # base64: 268 characters
    record = LDIFRecord("cn=" + "n" * 100, [("jpegPhoto", [value]), ("description", [b"w" * 75])])
    text = dump_ldif([record])
    lines = text.splitlines()
    assert max(len(line) for line in lines) == 76
    assert lines[2] == "dn: cn=" + "n" * 69 and lines[3] == " " + "n" * 31
    assert all(len(line) <= 76 for line in lines)
    assert parse_ldif(text) == [record]
    for width in (2, 3, 10, 40, 77, 1000):
        text = dump_ldif([record], width=width)
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines)
        # A folded line is cut at exactly the width.
        assert all(len(line) == width for line, after in zip(lines, lines[1:], strict=False) if after.startswith(" "))
        assert parse_ldif(text) == [record]
    # A line of exactly the width is not folded.
    exact = dump_ldif([LDIFRecord("cn=a", [("cn", [b"x" * 72])])])
    assert exact.splitlines()[3] == "cn: " + "x" * 72
    with pytest.raises(ValueError):
        dump_ldif([record], width=1)


@pytest.mark.parametrize("record, fragment", [
    (LDIFRecord("cn=a", []), "no attributes"),
    (LDIFRecord("cn=a", [("cn", [])]), "no values"),
    (LDIFRecord("cn=a", [("c n", [b"a"])]), "invalid attribute description"),
    (LDIFRecord("cn=a", [("cn;", [b"a"])]), "invalid attribute description"),
    (LDIFRecord("cn=a", [("c\u00f6", [b"a"])]), "invalid attribute description"),
    (LDIFRecord("cn=a", [("cn", [b"a"]), ("CN", [b"b"])]), "twice"),
    (LDIFRecord("cn=a", [("cn", [b"a"]), ("dn", [b"b"])]), "cannot be written"),
    (LDIFRecord("cn=a", [("changetype", [b"add"]), ("cn", [b"a"])]), "cannot be written"),
    (LDIFRecord("cn=a", [("Control", [b"1.2.3"]), ("cn", [b"a"])]), "cannot be written"),
    (LDIFRecord("cn=\udc80", [("cn", [b"a"])]), "UTF-8"),
])
def test_dump_rejects_what_would_not_read_back(record: LDIFRecord, fragment: str) -> None:
    with pytest.raises(LDIFError) as info:
        dump_ldif([record])
    assert fragment in str(info.value) and info.value.line is None


def test_dump_allows_control_and_changetype_after_the_first_attribute() -> None:
    record = LDIFRecord("cn=a", [("cn", [b"a"]), ("changetype", [b"add"]), ("control", [b"1.2.3"])])
    assert parse_ldif(dump_ldif([record])) == [record]


def test_dump_type_errors() -> None:
    with pytest.raises(TypeError):
        dump_ldif([LDIFChange("cn=a", "delete")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        dump_ldif([LDIFRecord("cn=a", [("cn", ["text"])])])  # type: ignore[list-item]


# -- round trips ------------------------------------------------------------

ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEYCHARS = ALPHA + "0123456789-"
PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
KEYSTRING = st.builds(str.__add__, st.sampled_from(ALPHA), st.text(KEYCHARS, max_size=12))
NUMERICOID = st.lists(st.integers(0, 99999), min_size=1, max_size=6).map(lambda arcs: ".".join(map(str, arcs)))
OPTIONS = st.lists(st.text(KEYCHARS, min_size=1, max_size=8), max_size=2)
DESCRIPTIONS = st.builds(lambda t, opts: ";".join([t, *opts]), KEYSTRING | NUMERICOID, OPTIONS).filter(
    lambda d: d.lower() != "dn")
# Printable ASCII with and without the leading and trailing characters that force base64.
EDGY = st.builds(lambda pre, body, post: pre + body + post,
                 st.sampled_from(["", " ", ":", "<", "#", "-"]), PRINTABLE, st.sampled_from(["", " ", ":"]))
VALUES = st.binary(max_size=120) | st.text(max_size=80).map(str.encode) | EDGY.map(str.encode)
DNS = st.text(max_size=60) | EDGY


@st.composite
def ldif_records(draw: st.DrawFn) -> LDIFRecord:
    # A first attribute named control or changetype would read back as a change record: dump_ldif refuses it.
    descriptions = draw(st.lists(DESCRIPTIONS, min_size=1, max_size=6, unique_by=str.lower).filter(
        lambda ds: ds[0].lower() not in ("control", "changetype")))
    attributes = [(d, draw(st.lists(VALUES, min_size=1, max_size=4))) for d in descriptions]
    return LDIFRecord(draw(DNS), attributes)


@settings(max_examples=200, deadline=None)
@given(st.lists(ldif_records(), max_size=5), st.integers(2, 120))
def test_round_trip(recs: list[LDIFRecord], width: int) -> None:
    text = dump_ldif(recs, width=width)
    assert text.isascii()
    assert all(len(line) <= width for line in text.splitlines())
    assert parse_ldif(text) == recs
    assert parse_ldif(text.replace("\n", "\r\n").encode()) == recs


@settings(max_examples=100, deadline=None)
@given(ldif_records(), st.integers(2, 120), st.integers(2, 120))
def test_folding_does_not_change_meaning(record: LDIFRecord, w1: int, w2: int) -> None:
    assert parse_ldif(dump_ldif([record], width=w1)) == parse_ldif(dump_ldif([record], width=w2)) == [record]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_input_parses_or_raises_ldif_error(data: bytes) -> None:
    try:
        result = parse_ldif(b"dn: cn=a\n" + data)
    except LDIFError as err:
        assert err.line is not None and err.line >= 1
    else:
        assert all(isinstance(r, (LDIFRecord, LDIFChange)) for r in result)


# -- the sample directory ---------------------------------------------------

def _ssha_verifies(stored: bytes, password: bytes) -> bool:
    assert stored.startswith(b"{SSHA}")
    raw = base64.b64decode(stored[6:], validate=True)
    digest, salt = raw[:20], raw[20:]
    assert 4 <= len(salt) <= 8
    return hashlib.sha1(password + salt).digest() == digest


def test_sample_directory() -> None:
    records = load_ldif(SAMPLE)
    assert all(isinstance(r, LDIFRecord) for r in records)
    entries = {r.dn.lower(): {a.lower(): v for a, v in r.attributes} for r in records if isinstance(r, LDIFRecord)}
    assert len(entries) == len(records) == 10

    def classes(dn: str) -> set[str]:
        return {v.decode().lower() for v in entries[dn]["objectclass"]}

    base = entries["dc=example,dc=com"]
    assert classes("dc=example,dc=com") == {"top", "dcobject", "organization"}
    assert base["dc"] == [b"example"] and base["o"]
    for ou in ("people", "groups"):
        dn = f"ou={ou},dc=example,dc=com"
        assert classes(dn) == {"top", "organizationalunit"} and entries[dn]["ou"] == [ou.encode()]

    people = [dn for dn in entries if dn.endswith(",ou=people,dc=example,dc=com")]
    assert len(people) == 6
    for dn in people:
        attrs = entries[dn]
        assert {"top", "person", "organizationalperson", "inetorgperson"} <= classes(dn)
        for must in ("cn", "sn", "givenname", "uid", "mail", "telephonenumber", "userpassword"):
            assert attrs[must], (dn, must)
        assert dn.startswith("uid=" + attrs["uid"][0].decode() + ",")
        (password,) = attrs["userpassword"]
        assert _ssha_verifies(password, b"password"), dn
        assert not _ssha_verifies(password, b"Password")

    posix = [dn for dn in people if "posixaccount" in classes(dn)]
    assert len(posix) == 1
    for must in ("cn", "uid", "uidnumber", "gidnumber", "homedirectory"):
        assert entries[posix[0]][must]
    assert int(entries[posix[0]]["uidnumber"][0]) > 0

    photos = [entries[dn]["jpegphoto"][0] for dn in people if "jpegphoto" in entries[dn]]
    assert len(photos) == 1 and photos[0].startswith(b"\xff\xd8") and photos[0].endswith(b"\xff\xd9")
    names = {v.decode() for dn in people for v in entries[dn]["cn"]}
    assert "J\u00f6hn Sm\u00efth" in names
    assert b"cn:: " + b64("J\u00f6hn Sm\u00efth").encode() in SAMPLE.read_bytes()

    groups = [dn for dn in entries if "groupofnames" in classes(dn)]
    assert groups == ["cn=admins,ou=groups,dc=example,dc=com"]
    members = [m.decode().lower() for m in entries[groups[0]]["member"]]
    assert len(members) == 3 and all(m in people for m in members) and entries[groups[0]]["cn"]

    # Every user's password is documented in a comment, and the sample survives a dump/parse round trip.
    assert b"password is the cleartext: password" in SAMPLE.read_bytes()
    assert parse_ldif(dump_ldif(r for r in records if isinstance(r, LDIFRecord))) == records


def test_runs_of_blank_lines_anywhere_separate_records_only() -> None:
    # One, two or three blank lines, at the start too: the one-call split of
    # plain records and the line-by-line reading agree (line numbers included).
    text = "\n" + "dn: cn=a,dc=x\ncn: a\n\n\n\ndn: cn=b,dc=x\ncn: b\n\n\ndn: cn=c,dc=x\ncn: c\n\n"
    records = parse_ldif(text)
    assert [r.dn for r in records] == ["cn=a,dc=x", "cn=b,dc=x", "cn=c,dc=x"]
    with pytest.raises(LDIFError) as err:
        parse_ldif("\n\n\ndn: cn=a,dc=x\ncn: a\n\n\n\ndn: cn=b,dc=x\nno colon here\n")
    assert str(err.value).startswith("<input>:10:"), str(err.value)  # the 10th line, counting the blank ones
