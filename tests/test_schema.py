"""The directory schema (RFC 4512/4517/4519/2798/2307): definitions, lookups, entry checks, entries."""

from __future__ import annotations

from fractions import Fraction

import pytest

import ldapber
from ldapber.directory import (
    DEFAULT_SCHEMA,
    AttributeType,
    Entry,
    ObjectClass,
    Schema,
    SchemaViolation,
    is_valid,
    split_description,
)
from ldapber.directory.syntaxes import InvalidValue, parse_generalized_time, parse_name_and_optional_uid
from ldapber.model import PartialAttribute, ResultCode
from ldapber.model.dn import DN

S = DEFAULT_SCHEMA


def person(dn: str = "uid=alice,ou=people,dc=example,dc=com", /, **extra: list[bytes]) -> Entry:
    """A valid inetOrgPerson + posixAccount entry, with ``extra`` attributes added or replaced."""
    attrs: dict[str, list[bytes]] = {
        "objectClass": [b"top", b"person", b"organizationalPerson", b"inetOrgPerson", b"posixAccount"],
        "uid": [b"alice"], "cn": [b"Alice Liddell"], "sn": [b"Liddell"], "uidNumber": [b"1000"],
        "gidNumber": [b"100"], "homeDirectory": [b"/home/alice"],
    }
    attrs.update(extra)
    return Entry.from_record(dn, [(k, v) for k, v in attrs.items() if v], S)


def violation(entry: Entry) -> ResultCode:
    with pytest.raises(SchemaViolation) as info:
        S.check_entry(entry)
    return info.value.result_code


# -- the result codes -----------------------------------------------------------------------------------


def test_result_code_members_used_exist() -> None:
    names = {m.name for m in ResultCode}
    assert ldapber.ResultCode is ResultCode  # type: ignore[attr-defined]
    for name in ("OBJECT_CLASS_VIOLATION", "UNDEFINED_ATTRIBUTE_TYPE", "INVALID_ATTRIBUTE_SYNTAX",
                 "CONSTRAINT_VIOLATION", "NAMING_VIOLATION", "ATTRIBUTE_OR_VALUE_EXISTS", "NO_SUCH_ATTRIBUTE"):
        assert name in names


# -- definitions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "oid", "syntax", "equality", "ordering", "substr", "single", "operational"), [
    ("cn", "2.5.4.3", "directoryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch", False, False),
    ("commonName", "2.5.4.3", "directoryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch", False, False),
    ("surname", "2.5.4.4", "directoryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch", False, False),
    ("name", "2.5.4.41", "directoryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch", False, False),
    ("c", "2.5.4.6", "countryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch", True, False),
    ("dc", "0.9.2342.19200300.100.1.25", "ia5String", "caseIgnoreIA5Match", None, "caseIgnoreIA5SubstringsMatch",
     True, False),
    ("member", "2.5.4.31", "dn", "distinguishedNameMatch", None, None, False, False),
    ("telephoneNumber", "2.5.4.20", "telephoneNumber", "telephoneNumberMatch", None,
     "telephoneNumberSubstringsMatch", False, False),
    ("userPassword", "2.5.4.35", "octetString", "octetStringMatch", None, None, False, False),
    ("uid", "0.9.2342.19200300.100.1.1", "directoryString", "caseIgnoreMatch", None, "caseIgnoreSubstringsMatch",
     False, False),
    ("mail", "0.9.2342.19200300.100.1.3", "ia5String", "caseIgnoreIA5Match", None, "caseIgnoreIA5SubstringsMatch",
     False, False),
    ("displayName", "2.16.840.1.113730.3.1.241", "directoryString", "caseIgnoreMatch", None,
     "caseIgnoreSubstringsMatch", True, False),
    ("uidNumber", "1.3.6.1.1.1.1.0", "integer", "integerMatch", "integerOrderingMatch", None, True, False),
    ("gidNumber", "1.3.6.1.1.1.1.1", "integer", "integerMatch", "integerOrderingMatch", None, True, False),
    ("homeDirectory", "1.3.6.1.1.1.1.3", "ia5String", "caseExactIA5Match", None, None, True, False),
    ("objectClass", "2.5.4.0", "oid", "objectIdentifierMatch", None, None, False, False),
    ("createTimestamp", "2.5.18.1", "generalizedTime", "generalizedTimeMatch", "generalizedTimeOrderingMatch",
     None, True, True),
    ("modifyTimestamp", "2.5.18.2", "generalizedTime", "generalizedTimeMatch", "generalizedTimeOrderingMatch",
     None, True, True),
    ("creatorsName", "2.5.18.3", "dn", "distinguishedNameMatch", None, None, True, True),
    ("modifiersName", "2.5.18.4", "dn", "distinguishedNameMatch", None, None, True, True),
    ("subschemaSubentry", "2.5.18.10", "dn", "distinguishedNameMatch", None, None, True, True),
    ("hasSubordinates", "2.5.18.9", "boolean", "booleanMatch", None, None, True, True),
    ("structuralObjectClass", "2.5.21.9", "oid", "objectIdentifierMatch", None, None, True, True),
    ("entryDN", "1.3.6.1.1.20", "dn", "distinguishedNameMatch", None, None, True, True),
    ("entryUUID", "1.3.6.1.1.16.4", "uuid", "uuidMatch", "uuidOrderingMatch", None, True, True),
    ("namingContexts", "1.3.6.1.4.1.1466.101.120.5", "dn", None, None, None, False, True),
    ("supportedLDAPVersion", "1.3.6.1.4.1.1466.101.120.15", "integer", None, None, None, False, True),
    ("supportedExtension", "1.3.6.1.4.1.1466.101.120.7", "oid", None, None, None, False, True),
    ("supportedControl", "1.3.6.1.4.1.1466.101.120.13", "oid", None, None, None, False, True),
    ("supportedSASLMechanisms", "1.3.6.1.4.1.1466.101.120.14", "directoryString", None, None, None, False, True),
    ("vendorName", "1.3.6.1.1.4", "directoryString", "caseExactIA5Match", None, None, True, True),
    ("vendorVersion", "1.3.6.1.1.5", "directoryString", "caseExactIA5Match", None, None, True, True),
])
def test_attribute_type_definitions(name: str, oid: str, syntax: str, equality: str | None, ordering: str | None,
                                    substr: str | None, single: bool, operational: bool) -> None:
    at = S.attribute(name)
    assert (at.oid, at.syntax, at.equality, at.ordering, at.substr) == (oid, syntax, equality, ordering, substr)
    assert (at.single_value, at.operational, at.known) == (single, operational, True)


def test_usage_and_no_user_modification() -> None:
    assert S.attribute("createTimestamp").usage == "directoryOperation"
    assert S.attribute("createTimestamp").no_user_modification
    assert S.attribute("namingContexts").usage == "dSAOperation"
    assert S.attribute("cn").usage == "userApplications"
    assert AttributeType("1.2.3", ("x",), "integer", operational=True).usage == "directoryOperation"
    assert AttributeType("1.2.3", ("x",), "integer", usage="dSAOperation").operational
    with pytest.raises(ValueError, match="requires an operational usage"):
        AttributeType("1.2.3", ("x",), "integer", no_user_modification=True)
    with pytest.raises(ValueError, match="usage"):
        AttributeType("1.2.3", ("x",), "integer", usage="bogus")


@pytest.mark.parametrize(("name", "oid", "kind", "sup", "must"), [
    ("top", "2.5.6.0", "abstract", (), ("objectClass",)),
    ("person", "2.5.6.6", "structural", ("top",), ("sn", "cn")),
    ("organizationalPerson", "2.5.6.7", "structural", ("person",), ()),
    ("inetOrgPerson", "2.16.840.1.113730.3.2.2", "structural", ("organizationalPerson",), ()),
    ("organization", "2.5.6.4", "structural", ("top",), ("o",)),
    ("organizationalUnit", "2.5.6.5", "structural", ("top",), ("ou",)),
    ("groupOfNames", "2.5.6.9", "structural", ("top",), ("member", "cn")),
    ("dcObject", "1.3.6.1.4.1.1466.344", "auxiliary", ("top",), ("dc",)),
    ("posixAccount", "1.3.6.1.1.1.2.0", "auxiliary", ("top",), ("cn", "uid", "uidNumber", "gidNumber",
                                                                "homeDirectory")),
    ("extensibleObject", "1.3.6.1.4.1.1466.101.120.111", "auxiliary", ("top",), ()),
])
def test_object_class_definitions(name: str, oid: str, kind: str, sup: tuple[str, ...], must: tuple[str, ...]) -> None:
    oc = S.object_class(name)
    assert oc is not None
    assert (oc.oid, oc.kind, oc.sup, oc.must) == (oid, kind, sup, must)
    assert S.object_class(oid) is oc
    assert S.object_class(name.upper()) is oc


def test_default_schema_from_the_schema_module_still_works_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="import it from ldapber.directory"):
        from ldapber.directory.schema import DEFAULT_SCHEMA as from_schema
    assert from_schema is DEFAULT_SCHEMA
    import ldapber.directory.schema as module
    with pytest.raises(AttributeError):
        _ = module.NO_SUCH_NAME  # type: ignore[attr-defined]


# -- lookups ---------------------------------------------------------------------------------------------------


def test_lookup_by_any_name_or_oid_case_insensitively() -> None:
    cn = S.attribute("cn")
    assert S.attribute("CN") is cn and S.attribute("commonName") is cn and S.attribute("2.5.4.3") is cn
    assert S.attribute("COMMONNAME;lang-de") is cn
    assert cn.name == "cn" and cn.key == "cn"
    assert S.is_known("commonname") and S.is_known("cn;x-tag") and not S.is_known("shoeSize")


def test_unknown_attribute_gets_a_permissive_type() -> None:
    at = S.attribute("shoeSize;x-opt")
    assert not at.known
    assert (at.name, at.key, at.syntax, at.equality) == ("shoeSize", "shoesize", "directoryString", "caseIgnoreMatch")
    assert S.canonical("ShoeSize") == "shoesize"


def test_subtypes_inherit_syntax_and_rules() -> None:
    sn = S.attribute("sn")
    assert sn.sup == "name" and sn.syntax == "directoryString" and sn.equality == "caseIgnoreMatch"
    assert S.attribute("seeAlso").equality == "distinguishedNameMatch"
    assert S.attribute("registeredAddress").equality == "caseIgnoreListMatch"


def test_canonical_keys() -> None:
    assert S.canonical("CommonName") == "cn"
    assert S.canonical("2.5.4.4") == "sn"
    assert S.canonical("CN;Lang-DE;x-B;x-a") == "cn;lang-de;x-a;x-b"
    assert split_description("cn;Lang-DE") == ("cn", frozenset({"lang-de"}))


def test_subtypes_of_supertypes() -> None:
    names = S.subtypes("name")
    assert {"name", "cn", "sn", "o", "ou", "givenname", "l", "st", "title", "c", "initials"} <= names
    assert "mail" not in names and "uid" not in names
    assert {"distinguishedname", "member", "owner", "seealso", "roleoccupant"} <= S.subtypes("distinguishedName")
    assert S.subtypes("cn") == {"cn"}
    assert S.subtypes("shoeSize") == {"shoesize"}


def test_superclasses_and_completion() -> None:
    names = [oc.name for oc in S.superclasses(["inetOrgPerson", "posixAccount"])]
    assert names == ["inetOrgPerson", "organizationalPerson", "person", "top", "posixAccount"]
    assert S.superclasses(["nosuch"]) == []
    completed = S.complete_object_classes([b"inetOrgPerson", b"TOP"])
    assert completed == [b"inetOrgPerson", b"TOP", b"organizationalPerson", b"person"]


def test_resolve_oid_prefers_object_classes() -> None:
    assert S.resolve_oid("person") == "2.5.6.6"
    assert S.resolve_oid("CN") == "2.5.4.3"
    assert S.resolve_oid("nosuch") is None


def test_extended_schema_adds_definitions() -> None:
    shoe = AttributeType("1.3.6.1.4.1.99999.1", ("shoeSize",), "integer", "integerMatch", "integerOrderingMatch",
                         single_value=True)
    athlete = ObjectClass("1.3.6.1.4.1.99999.2", ("athlete",), "auxiliary", ("top",), (), ("shoeSize",))
    extended = S.extended([shoe], [athlete])
    assert extended.attribute("shoeSize").known and not S.attribute("shoeSize").known
    assert extended.object_class("athlete") is athlete
    assert len(extended.attribute_types) == len(S.attribute_types) + 1


@pytest.mark.parametrize(("types", "classes", "message"), [
    ([AttributeType("1.1.1", ("a",), sup="nosuch")], [], "unknown supertype"),
    ([AttributeType("1.1.1", ("a",), sup="b"), AttributeType("1.1.2", ("b",), sup="a")], [], "its own supertype"),
    ([AttributeType("1.1.1", ("a",), "integer"), AttributeType("1.1.2", ("A",), "integer")], [], "defined twice"),
    ([AttributeType("1.1.1", ("a",), "integer", "integerOrderingMatch")], [], "not an equality matching rule"),
    ([AttributeType("1.1.1", ("a",), "integer", ordering="integerMatch")], [], "not an ordering matching rule"),
    ([AttributeType("1.1.1", ("a",), "integer", "noSuchMatch")], [], "not an equality matching rule"),
    ([AttributeType("1.1.1", ("a",), "bogusSyntax")], [], "unknown syntax"),
    ([AttributeType("1.1.1", ("a",))], [], "neither SUP nor SYNTAX"),
    ([AttributeType("1.1.1", ("a",), "integer"), AttributeType("1.1.2", ("b",), sup="a", usage="dSAOperation")], [],
     "usage differs"),
    ([], [ObjectClass("1.2.1", ("x",), must=("nosuch",))], "unknown attribute type"),
    ([], [ObjectClass("1.2.1", ("x",), sup=("nosuch",))], "unknown superclass"),
    ([], [ObjectClass("1.2.1", ("x",), sup=("y",)), ObjectClass("1.2.2", ("y",), sup=("x",))], "its own superclass"),
    ([], [ObjectClass("1.2.1", ("x",)), ObjectClass("1.2.2", ("X",))], "defined twice"),
])
def test_bad_definitions_are_rejected(types: list[AttributeType], classes: list[ObjectClass], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schema(types, classes)


def test_object_class_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="kind"):
        ObjectClass("1.2.3", ("x",), "concrete")


# -- value syntaxes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("syntax", "good", "bad"), [
    ("integer", [b"0", b"1000", b"-5", b"123456789012345678901234567890"], [b"", b"abc", b"01", b"-0", b"+5", b"1 "]),
    ("boolean", [b"TRUE", b"FALSE"], [b"true", b"yes", b"1", b""]),
    ("dn", [b"", b"cn=a,dc=b", b"CN=John Smith\\, III,DC=example,DC=net", b"1.3.6.1.4.1.1466.0=#04024869"],
     [b"not a dn", b"cn=a,,dc=b", b"=x", b"\xff"]),
    ("directoryString", [b"x", "Jöhn".encode(), b" "], [b"", b"\xff\xfe"]),
    ("ia5String", [b"", b"a@b.c"], ["é".encode()]),
    ("printableString", [b"Hello (World) 42?"], [b"", b"a@b", b"a_b"]),
    ("countryString", [b"DE", b"au"], [b"DEU", b"D", b""]),
    ("telephoneNumber", [b"+1 555-0100"], [b"", b"555#1"]),
    ("numericString", [b"15 079 672 281"], [b"", b"12a"]),
    ("generalizedTime", [b"199412161032Z", b"199412160532-0500", b"2024022912Z", b"20240101120000.5Z",
                         b"20161231235960Z"], [b"", b"19941216Z", b"20230230120000Z", b"20241301120000Z",
                                               b"20240101240000Z", b"20240101120000", b"20240101120000+2400"]),
    ("oid", [b"2.5.4.3", b"cn", b"x-my-attr"], [b"2.", b"2.05", b"-x", b"2"]),
    ("octetString", [b"", b"\x00\xff"], []),
    ("bitString", [b"'0101'B", b"''B"], [b"'012'B", b"0101"]),
    ("postalAddress", [b"1234 Main St.$Anytown, CA 12345$USA", b"\\241,000,000 Sweepstakes$PO Box"],
     [b"a$$b", b"a\\x", b""]),
    ("uuid", [b"597ae2f6-16a6-1027-98f4-d28b5365dc14"], [b"597ae2f616a6102798f4d28b5365dc14", b"x"]),
    ("nameAndOptionalUID", [b"cn=a,o=Test,c=GB#'0101'B", b"cn=a"], [b"not a dn"]),
])
def test_syntaxes(syntax: str, good: list[bytes], bad: list[bytes]) -> None:
    for value in good:
        assert is_valid(syntax, value), value
    for value in bad:
        assert not is_valid(syntax, value), value


def test_generalized_time_instants() -> None:
    # RFC 4517 3.3.13: both examples are 10:32 AM UTC, December 16, 1994.
    assert parse_generalized_time(b"199412161032Z") == parse_generalized_time(b"199412160532-0500")
    assert parse_generalized_time(b"1970010100Z") == 0
    assert parse_generalized_time(b"1970010100.5Z") == 1800  # a fraction of an hour
    assert parse_generalized_time(b"197001010001.5Z") == 90  # of a minute
    assert parse_generalized_time(b"19700101000000,25Z") == Fraction(1, 4)  # of a second
    assert parse_generalized_time(b"19700101000000+0130") == -5400
    with pytest.raises(InvalidValue):
        parse_generalized_time(b"00000101000000Z")


def test_name_and_optional_uid_keeps_hashes_of_the_dn() -> None:
    dn, uid = parse_name_and_optional_uid(b"cn=a\\#b,o=x#'01'B")
    assert dn == DN.parse("cn=a\\#b,o=x") and uid == "01"
    assert parse_name_and_optional_uid(b"cn=x")[1] is None


# -- check_entry ------------------------------------------------------------------------------------------------


def test_valid_entries_pass() -> None:
    S.check_entry(person())
    S.check_entry(Entry.from_record("dc=example,dc=com", [
        ("objectClass", [b"top", b"organization", b"dcObject"]), ("o", [b"Example"]), ("dc", [b"example"])]))
    S.check_entry(Entry.from_record("ou=people,dc=example,dc=com", [
        ("objectClass", [b"organizationalUnit"]), ("ou", [b"people"]), ("description", [b"Everyone"])]))
    S.check_entry(Entry.from_record("cn=staff,dc=example,dc=com", [
        ("objectClass", [b"groupOfNames"]), ("cn", [b"staff"]),
        ("member", [b"uid=alice,ou=people,dc=example,dc=com", b"uid=bob,ou=people,dc=example,dc=com"])]))


def test_superclass_requirements_are_inherited() -> None:
    # inetOrgPerson lists no MUST itself; person's sn is required through the chain.
    entry = person(sn=[])
    assert violation(entry) == ResultCode.OBJECT_CLASS_VIOLATION
    # ... even when the superclasses are not listed.
    lone = Entry.from_record("cn=x,dc=example,dc=com", [("objectClass", [b"inetOrgPerson"]), ("cn", [b"x"])])
    with pytest.raises(SchemaViolation, match="'person' requires attribute 'sn'"):
        S.check_entry(lone)


def test_auxiliary_class_requirements() -> None:
    with pytest.raises(SchemaViolation, match="requires attribute 'homeDirectory'") as info:
        S.check_entry(person(homeDirectory=[]))
    assert info.value.result_code == ResultCode.OBJECT_CLASS_VIOLATION


def test_must_is_not_met_by_a_subtype_but_is_by_options() -> None:
    schema = S.extended(object_classes=[ObjectClass("1.3.6.1.4.1.99999.3", ("named",), "structural", ("top",),
                                                    ("name",))])
    entry = Entry.from_record("cn=x", [("objectClass", [b"named"]), ("cn", [b"x"])], schema)
    with pytest.raises(SchemaViolation) as info:  # RFC 4512 2.5.3: cn does not satisfy MUST name
        schema.check_entry(entry)
    assert info.value.result_code == ResultCode.OBJECT_CLASS_VIOLATION
    ok = Entry.from_record("name=x", [("objectClass", [b"named"]), ("name;x-tag", [b"x"])], schema)
    schema.check_entry(ok)


@pytest.mark.parametrize(("classes", "message"), [
    ([b"top", b"dcObject"], "no structural object class"),
    ([b"top"], "no structural object class"),
    ([b"person", b"organization"], "not in one superclass chain"),
    ([b"inetOrgPerson", b"noSuchClass"], "unknown object class 'noSuchClass'"),
])
def test_object_class_problems(classes: list[bytes], message: str) -> None:
    entry = Entry.from_record("cn=x", [("objectClass", classes), ("cn", [b"x"]), ("sn", [b"y"]), ("o", [b"z"]),
                                       ("dc", [b"d"])])
    with pytest.raises(SchemaViolation, match=message) as info:
        S.check_entry(entry)
    assert info.value.result_code == ResultCode.OBJECT_CLASS_VIOLATION


def test_structural_chain_is_one_class_and_its_superclasses() -> None:
    entry = Entry.from_record("cn=x", [("objectClass", [b"person", b"inetOrgPerson"]), ("cn", [b"x"]), ("sn", [b"y"])])
    S.check_entry(entry)
    structural = S.structural_class(entry)
    assert structural is not None and structural.name == "inetOrgPerson"
    assert S.structural_class(Entry("cn=x")) is None


def test_missing_object_class() -> None:
    with pytest.raises(SchemaViolation, match="no objectClass") as info:
        S.check_entry(Entry.from_record("cn=x", [("cn", [b"x"])]))
    assert info.value.result_code == ResultCode.OBJECT_CLASS_VIOLATION


def test_attribute_not_allowed() -> None:
    entry = Entry.from_record("cn=x", [("objectClass", [b"person"]), ("cn", [b"x"]), ("sn", [b"y"]),
                                       ("mail", [b"x@example.com"])])
    with pytest.raises(SchemaViolation, match="'mail' not allowed") as info:
        S.check_entry(entry)
    assert info.value.result_code == ResultCode.OBJECT_CLASS_VIOLATION
    entry.add_values("objectClass", [b"extensibleObject"])  # allows any user attribute
    S.check_entry(entry)


def test_operational_attributes_and_object_class_are_exempt() -> None:
    entry = person(createTimestamp=[b"20240101000000Z"], entryUUID=[b"597ae2f6-16a6-1027-98f4-d28b5365dc14"],
                   creatorsName=[b"cn=admin,dc=example,dc=com"], hasSubordinates=[b"FALSE"])
    S.check_entry(entry)


def test_unknown_attribute_type() -> None:
    with pytest.raises(SchemaViolation, match="shoeSize: undefined attribute type") as info:
        S.check_entry(person(shoeSize=[b"12"]))
    assert info.value.result_code == ResultCode.UNDEFINED_ATTRIBUTE_TYPE
    # extensibleObject allows every *known* user attribute, not unknown ones.
    with pytest.raises(SchemaViolation) as info:
        S.check_entry(person(objectClass=[b"inetOrgPerson", b"posixAccount", b"extensibleObject"], shoeSize=[b"1"]))
    assert info.value.result_code == ResultCode.UNDEFINED_ATTRIBUTE_TYPE


@pytest.mark.parametrize(("name", "value"), [
    ("uidNumber", b"ten"), ("gidNumber", b"01"), ("manager", b"not a dn"), ("hasSubordinates", b"yes"),
    ("description", b""), ("cn", b"\xff"), ("createTimestamp", b"yesterday"), ("mail", "é@x".encode()),
    ("telephoneNumber", b"555#1"), ("entryUUID", b"x"), ("postalAddress", b"a$$b"),
])
def test_invalid_attribute_syntax(name: str, value: bytes) -> None:
    entry = person(**{name: [value]})
    with pytest.raises(SchemaViolation, match=f"{name}: value #0 invalid") as info:
        S.check_entry(entry)
    assert info.value.result_code == ResultCode.INVALID_ATTRIBUTE_SYNTAX


@pytest.mark.parametrize("name", ["uidNumber", "displayName", "homeDirectory"])
def test_single_value_constraint(name: str) -> None:
    entry = person(**{name: [b"1", b"2"]})
    with pytest.raises(SchemaViolation, match="multiple values") as info:
        S.check_entry(entry)
    assert info.value.result_code == ResultCode.CONSTRAINT_VIOLATION


def test_attribute_checks_come_before_class_checks() -> None:
    entry = Entry.from_record("cn=x", [("objectClass", [b"person"]), ("shoeSize", [b"1"])])  # sn, cn missing too
    assert violation(entry) == ResultCode.UNDEFINED_ATTRIBUTE_TYPE


def test_schema_violation_carries_code_and_message() -> None:
    exc = SchemaViolation(ResultCode.NAMING_VIOLATION, "bad rdn")
    assert (exc.result_code, exc.message, str(exc)) == (ResultCode.NAMING_VIOLATION, "bad rdn", "bad rdn")
    assert isinstance(exc, ldapber.LDAPBERError) and isinstance(exc, ValueError)
    assert repr(exc) == "SchemaViolation(NAMING_VIOLATION, 'bad rdn')"


# -- entries ------------------------------------------------------------------------------------------------


def test_get_by_any_alias_and_spelling_is_kept() -> None:
    entry = Entry.from_record("cn=a", [("CommonName", [b"A"]), ("2.5.4.4", [b"Smith"])])
    assert entry.get("cn") == entry.get("CN") == entry.get("2.5.4.3") == [b"A"]
    assert entry.get("surname") == [b"Smith"]
    assert entry.names() == ["CommonName", "2.5.4.4"]
    assert entry.has("commonname") and "sn" in entry and not entry.has("mail")
    assert entry.get("cn;lang-de") == [] and entry.get("name") == []
    assert isinstance(entry.dn, DN) and entry.dn == DN.parse("CN=A")


def test_from_record_merges_repeated_descriptions() -> None:
    entry = Entry.from_record("cn=a", [("cn", [b"a"]), ("objectClass", [b"person"]), ("CN", [b"b"])])
    assert entry.get("cn") == [b"a", b"b"]
    assert entry.names() == ["cn", "objectClass"]


def test_add_values_uses_the_equality_rule() -> None:
    entry = Entry.from_record("cn=a", [("cn", [b"Alice"]), ("userPassword", [b"Secret"]), ("uidNumber", [b"7"]),
                                       ("member", [b"cn=Bob,dc=example,dc=com"])])
    for name, value in [("cn", b"  ALICE "), ("member", b"CN=bob, DC=Example,dc=com"), ("2.5.4.3", b"alice")]:
        with pytest.raises(SchemaViolation) as info:
            entry.add_values(name, [value])
        assert info.value.result_code == ResultCode.ATTRIBUTE_OR_VALUE_EXISTS
    entry.add_values("userPassword", [b"secret"])  # octetStringMatch: case matters
    assert entry.get("userPassword") == [b"Secret", b"secret"]


def test_add_values_is_atomic_and_rejects_duplicates_among_new_values() -> None:
    entry = Entry.from_record("cn=a", [("cn", [b"a"])])
    with pytest.raises(SchemaViolation):
        entry.add_values("cn", [b"b", b"c", b"B"])
    assert entry.get("cn") == [b"a"]
    entry.add_values("cn", [b"b", b"c"])
    assert entry.get("cn") == [b"a", b"b", b"c"]
    entry.add_values("cn", [])
    assert entry.get("cn") == [b"a", b"b", b"c"]


def test_values_without_an_equality_rule_compare_as_octets() -> None:
    entry = Entry.from_record("cn=a", [("jpegPhoto", [b"\x01"])])
    entry.add_values("jpegPhoto", [b"\x02"])
    with pytest.raises(SchemaViolation):
        entry.add_values("jpegPhoto", [b"\x01"])


def test_delete_values() -> None:
    entry = Entry.from_record("cn=a", [("cn", [b"Alice", b"Ally", b"Al"]), ("sn", [b"x"])])
    entry.delete_values("cn", [b"ally"])  # by caseIgnoreMatch
    assert entry.get("cn") == [b"Alice", b"Al"]
    with pytest.raises(SchemaViolation) as info:
        entry.delete_values("cn", [b"al", b"bob"])
    assert info.value.result_code == ResultCode.NO_SUCH_ATTRIBUTE
    assert entry.get("cn") == [b"Alice", b"Al"]  # unchanged
    with pytest.raises(SchemaViolation) as info:
        entry.delete_values("mail")
    assert info.value.result_code == ResultCode.NO_SUCH_ATTRIBUTE
    entry.delete_values("cn", [b"alice", b"AL"])  # the last values: the attribute goes
    assert not entry.has("cn")
    entry.delete_values("surname")
    assert entry.names() == []


def test_delete_the_same_value_twice_needs_two_copies() -> None:
    entry = Entry.from_record("cn=a", [("userPassword", [b"x"])])
    with pytest.raises(SchemaViolation):
        entry.delete_values("userPassword", [b"x", b"x"])


def test_set_replaces_values() -> None:
    entry = Entry.from_record("cn=a", [("cn", [b"a"]), ("sn", [b"s"])])
    entry.set("CommonName", [b"b", b"c"])
    assert entry.get("cn") == [b"b", b"c"] and entry.names() == ["CommonName", "sn"]
    entry.set("cn", [])
    assert not entry.has("cn")
    entry.set("mail", [])  # absent: nothing to do
    with pytest.raises(SchemaViolation) as info:
        entry.set("cn", [b"x", b"X"])
    assert info.value.result_code == ResultCode.ATTRIBUTE_OR_VALUE_EXISTS


def test_copy_is_independent() -> None:
    entry = person()
    twin = entry.copy()
    assert twin == entry and twin is not entry
    twin.add_values("cn", [b"Ally"])
    assert entry.get("cn") == [b"Alice Liddell"] and twin != entry
    assert entry != "not an entry"
    assert "uid=alice" in repr(entry)


def test_object_classes_property() -> None:
    assert person().object_classes[-1] == "posixAccount"


@pytest.mark.parametrize("dn", [
    "uid=alice,ou=people,dc=example,dc=com",
    "UID=ALICE,ou=people,dc=example,dc=com",  # caseIgnoreMatch on uid
    "cn=alice   liddell,ou=people,dc=example,dc=com",
    "cn=Alice Liddell+uid=alice,ou=people,dc=example,dc=com",
    "2.5.4.3=Alice Liddell,dc=com",
    "uidNumber=1000,dc=com",
    "cn=#0c0d416c696365204c696464656c6c,dc=com",  # BER UTF8String "Alice Liddell"
    "",
])
def test_rdn_values_present(dn: str) -> None:
    person(dn).check_rdn()


@pytest.mark.parametrize("dn", [
    "uid=bob,ou=people,dc=example,dc=com",
    "cn=Alice Liddell+uid=bob,dc=com",
    "mail=alice@example.com,dc=com",
    "shoeSize=12,dc=com",
    "jpegPhoto=x,dc=com",  # no equality rule: cannot name
])
def test_rdn_values_missing(dn: str) -> None:
    with pytest.raises(SchemaViolation) as info:
        person(dn).check_rdn()
    assert info.value.result_code == ResultCode.NAMING_VIOLATION


# -- attribute selection (RFC 4511 4.5.1.8, RFC 3673) ------------------------------------------------------


@pytest.fixture
def full() -> Entry:
    return person(mail=[b"alice@example.com"], **{"cn;lang-de": [b"Alicia"]},
                  createTimestamp=[b"20240101000000Z"], entryUUID=[b"597ae2f6-16a6-1027-98f4-d28b5365dc14"])


def types(attributes: list[PartialAttribute]) -> list[str]:
    return [a.type for a in attributes]


USER = ["objectClass", "uid", "cn", "sn", "uidNumber", "gidNumber", "homeDirectory", "mail", "cn;lang-de"]


def test_select_all_user_attributes(full: Entry) -> None:
    assert types(full.to_partial_attributes([], False)) == USER
    assert types(full.to_partial_attributes(["*"], False)) == USER
    assert full.to_partial_attributes([], False)[2] == PartialAttribute("cn", [b"Alice Liddell"])


def test_select_operational_attributes(full: Entry) -> None:
    assert types(full.to_partial_attributes(["+"], False)) == ["createTimestamp", "entryUUID"]
    assert types(full.to_partial_attributes(["*", "+"], False)) == [*USER, "createTimestamp", "entryUUID"]
    assert types(full.to_partial_attributes(["*", "entryUUID"], False)) == [*USER, "entryUUID"]
    assert types(full.to_partial_attributes(["createtimestamp"], False)) == ["createTimestamp"]


def test_select_none(full: Entry) -> None:
    assert full.to_partial_attributes(["1.1"], False) == []
    assert types(full.to_partial_attributes(["1.1", "mail"], False)) == ["mail"]  # 1.1 beside others is ignored


def test_select_by_name_alias_and_supertype(full: Entry) -> None:
    assert types(full.to_partial_attributes(["commonName"], False)) == ["cn", "cn;lang-de"]
    assert types(full.to_partial_attributes(["name"], False)) == ["cn", "sn", "cn;lang-de"]
    assert types(full.to_partial_attributes(["2.5.4.4", "SN", "surname"], False)) == ["sn"]  # once
    assert types(full.to_partial_attributes(["noSuchAttr", "x-foo;bar"], False)) == []


def test_select_with_options(full: Entry) -> None:
    assert types(full.to_partial_attributes(["cn;lang-de"], False)) == ["cn;lang-de"]
    assert types(full.to_partial_attributes(["name;LANG-DE"], False)) == ["cn;lang-de"]
    assert types(full.to_partial_attributes(["cn;lang-en"], False)) == []
    assert types(full.to_partial_attributes(["mail;binary"], False)) == ["mail"]


def test_types_only(full: Entry) -> None:
    selected = full.to_partial_attributes(["cn", "uidNumber"], True)
    assert selected == [PartialAttribute("cn", []), PartialAttribute("uidNumber", []),
                        PartialAttribute("cn;lang-de", [])]


def test_selection_with_another_schema(full: Entry) -> None:
    shoe = AttributeType("1.3.6.1.4.1.99999.1", ("mail2",), sup="mail")
    schema = S.extended([shoe])
    entry = Entry.from_record("cn=a", [("mail2", [b"x@y"]), ("mail", [b"z@y"])], schema)
    assert types(entry.to_partial_attributes(["mail"], False)) == ["mail2", "mail"]
    assert types(entry.to_partial_attributes(["mail"], False, S)) == ["mail"]


def test_package_doctest() -> None:
    import doctest

    import ldapber.directory
    assert doctest.testmod(ldapber.directory).failed == 0


def test_entries_sharing_a_layout_are_still_checked_value_by_value() -> None:
    # The second entry of a layout (same attributes, same order, same classes)
    # skips the layout's own checks, not its values': a bad value, or two
    # values of a single-valued type, is still refused; other classes on the
    # same layout are checked whole.
    S.check_entry(person())
    S.check_entry(person("uid=bob,ou=people,dc=example,dc=com", uid=[b"bob"]))
    assert violation(person("uid=carol,ou=people,dc=example,dc=com", uid=[b"carol"],
                            uidNumber=[b"not a number"])) == ResultCode.INVALID_ATTRIBUTE_SYNTAX
    assert violation(person("uid=dan,ou=people,dc=example,dc=com", uid=[b"dan"],
                            uidNumber=[b"1", b"2"])) == ResultCode.CONSTRAINT_VIOLATION
    assert violation(person("uid=eve,ou=people,dc=example,dc=com", uid=[b"eve"],
                            objectClass=[b"top", b"person", b"organizationalPerson", b"inetOrgPerson",
                                         b"posixAccount", b"shadowAccount", b"device"])) == ResultCode.OBJECT_CLASS_VIOLATION



@pytest.mark.parametrize("extra", [{"uidNumber": [b"x"]}, {"uidNumber": [b"1", b"2"]}, {"cn": [b"A", b"\xff"]}],
                         ids=["bad value", "two single values", "bad second value"])
def test_a_cached_layout_refuses_with_the_whole_check_s_own_error(extra: dict[str, list[bytes]]) -> None:
    # The per-layout checks (taken by the second entry of a layout) raise what
    # the whole-entry check raises for the same entry: same code, same text.
    def refusal(schema: Schema, entry: Entry) -> tuple[ResultCode, str]:
        with pytest.raises(SchemaViolation) as raised:
            schema.check_entry(entry)
        return raised.value.result_code, str(raised.value)

    bad = person("uid=carol,ou=people,dc=example,dc=com", uid=[b"carol"], **extra)
    fresh = S.extended()  # a schema with no layout cached: checks the entry whole
    whole = refusal(fresh, bad)
    fresh.check_entry(person("uid=ann,ou=people,dc=example,dc=com", uid=[b"ann"],
                             **{name: [b"7"] for name in extra}))  # caches the layout (the same attributes, in order)
    assert refusal(fresh, bad) == whole
    assert whole[0] in (ResultCode.INVALID_ATTRIBUTE_SYNTAX, ResultCode.CONSTRAINT_VIOLATION)
