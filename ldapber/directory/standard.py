"""The standard schema a small LDAP server ships: :data:`DEFAULT_SCHEMA`.

Definitions follow the RFCs that define them:

* RFC 4512: ``top``, ``alias``, ``extensibleObject``, ``subschema``; the
  operational attributes a server maintains (createTimestamp,
  modifyTimestamp, creatorsName, modifiersName, structuralObjectClass,
  subschemaSubentry) and the root DSE attributes (namingContexts,
  supportedLDAPVersion, supportedControl, supportedExtension,
  supportedFeatures, supportedSASLMechanisms, altServer) and the subschema
  attributes (objectClasses, attributeTypes, ...);
* X.501 ``hasSubordinates``, RFC 5020 ``entryDN``, RFC 4530 ``entryUUID``,
  RFC 3045 ``vendorName``/``vendorVersion``;
* RFC 4519: every user attribute type and object class (person,
  organizationalPerson, organization, organizationalUnit, groupOfNames,
  dcObject, ...);
* RFC 2798 ``inetOrgPerson`` and its attributes (RFC 1274 / 2079 / 4524 ones
  included), RFC 4524 ``account``;
* RFC 2307 ``posixAccount``, ``shadowAccount``, ``posixGroup``.

Deliberate deviations, each for a reason:

* X.500 long names are aliases after the RFC 4519 short names
  (``("cn", "commonName")``, ``("sn", "surname")``, ...), as RFC 4519's IANA
  registrations list them.
* ``uidNumber`` and ``gidNumber`` also get ``ORDERING integerOrderingMatch``
  (as in RFC 2307bis and OpenLDAP) so ``(uidNumber>=1000)`` works; RFC 2307
  gives them only an EQUALITY rule.
* Syntaxes outside :data:`ldapber.directory.syntaxes.SYNTAXES` are
  approximated: textual ones (Delivery Method, Facsimile Telephone Number,
  Telex Number, Guide, ...) by directoryString, binary ones (Certificate,
  JPEG, Binary, Fax) by octetString; matching rules this package does not
  implement (certificateExactMatch) are left out.  The subschema
  attributes are directoryString with their RFC 4512 first-component rules.
* Root DSE attributes keep the RFC 4512 definitions, which give most of
  them no EQUALITY rule: a filter on ``namingContexts`` is Undefined.
"""

from __future__ import annotations

from .schema import DIRECTORY_OPERATION, DSA_OPERATION, AttributeType, ObjectClass, Schema

__all__ = ["DEFAULT_SCHEMA", "ATTRIBUTE_TYPES", "OBJECT_CLASSES"]

_DS, _IA5, _INT, _DN, _OCT = "directoryString", "ia5String", "integer", "dn", "octetString"
_CI, _CIS, _CIO = "caseIgnoreMatch", "caseIgnoreSubstringsMatch", "caseIgnoreOrderingMatch"


def _text(oid: str, *names: str, single: bool = False, syntax: str = _DS) -> AttributeType:
    """A caseIgnore string attribute (EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch)."""
    return AttributeType(oid, names, syntax, _CI, None, _CIS, single_value=single)


def _name(oid: str, *names: str, single: bool = False) -> AttributeType:
    """A subtype of ``name`` (RFC 4519 2.18)."""
    return AttributeType(oid, names, sup="name", single_value=single)


def _dn_attr(oid: str, *names: str, single: bool = False) -> AttributeType:
    return AttributeType(oid, names, _DN, "distinguishedNameMatch", single_value=single)


def _phone(oid: str, *names: str) -> AttributeType:
    return AttributeType(oid, names, "telephoneNumber", "telephoneNumberMatch", None, "telephoneNumberSubstringsMatch")


def _ia5(oid: str, *names: str, equality: str, substr: str | None = None, single: bool = False) -> AttributeType:
    return AttributeType(oid, names, _IA5, equality, None, substr, single_value=single)


def _integer(oid: str, *names: str, ordering: bool = False) -> AttributeType:
    return AttributeType(oid, names, _INT, "integerMatch", "integerOrderingMatch" if ordering else None,
                         single_value=True)


def _opaque(oid: str, *names: str, syntax: str = _DS, single: bool = False) -> AttributeType:
    """A type with no matching rule (RFC syntax not modelled, or none defined)."""
    return AttributeType(oid, names, syntax, single_value=single)


def _operational(oid: str, name: str, syntax: str, equality: str | None, ordering: str | None = None, *,
                 usage: str = DIRECTORY_OPERATION, single: bool = True, nomod: bool = True) -> AttributeType:
    return AttributeType(oid, (name,), syntax, equality, ordering, single_value=single, usage=usage,
                         no_user_modification=nomod)


_SUBSCHEMA_SYNTAX = _DS  # the *Description syntaxes, approximated

ATTRIBUTE_TYPES: tuple[AttributeType, ...] = (
    # RFC 4512.
    AttributeType("2.5.4.0", ("objectClass",), "oid", "objectIdentifierMatch"),
    AttributeType("2.5.4.1", ("aliasedObjectName", "aliasedEntryName"), _DN, "distinguishedNameMatch",
                  single_value=True),
    _operational("2.5.18.1", "createTimestamp", "generalizedTime", "generalizedTimeMatch",
                 "generalizedTimeOrderingMatch"),
    _operational("2.5.18.2", "modifyTimestamp", "generalizedTime", "generalizedTimeMatch",
                 "generalizedTimeOrderingMatch"),
    _operational("2.5.18.3", "creatorsName", _DN, "distinguishedNameMatch"),
    _operational("2.5.18.4", "modifiersName", _DN, "distinguishedNameMatch"),
    _operational("2.5.18.10", "subschemaSubentry", _DN, "distinguishedNameMatch"),
    _operational("2.5.21.9", "structuralObjectClass", "oid", "objectIdentifierMatch"),
    _operational("2.5.21.10", "governingStructureRule", _INT, "integerMatch"),
    _operational("2.5.18.9", "hasSubordinates", "boolean", "booleanMatch"),  # X.501
    _operational("1.3.6.1.1.20", "entryDN", _DN, "distinguishedNameMatch"),  # RFC 5020
    _operational("1.3.6.1.1.16.4", "entryUUID", "uuid", "uuidMatch", "uuidOrderingMatch"),  # RFC 4530
    # RFC 4512 4.2: subschema attributes (user-modifiable, multi-valued).
    _operational("2.5.21.6", "objectClasses", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    _operational("2.5.21.5", "attributeTypes", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    _operational("2.5.21.4", "matchingRules", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    _operational("2.5.21.8", "matchingRuleUse", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.16", "ldapSyntaxes", _SUBSCHEMA_SYNTAX,
                 "objectIdentifierFirstComponentMatch", single=False, nomod=False),
    _operational("2.5.21.2", "dITContentRules", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    _operational("2.5.21.1", "dITStructureRules", _SUBSCHEMA_SYNTAX, "integerFirstComponentMatch",
                 single=False, nomod=False),
    _operational("2.5.21.7", "nameForms", _SUBSCHEMA_SYNTAX, "objectIdentifierFirstComponentMatch",
                 single=False, nomod=False),
    # RFC 4512 5.1: root DSE (dSAOperation); no EQUALITY rule unless the RFC gives one.
    _operational("1.3.6.1.4.1.1466.101.120.6", "altServer", _IA5, None, usage=DSA_OPERATION, single=False,
                 nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.5", "namingContexts", _DN, None, usage=DSA_OPERATION, single=False,
                 nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.13", "supportedControl", "oid", None, usage=DSA_OPERATION,
                 single=False, nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.7", "supportedExtension", "oid", None, usage=DSA_OPERATION,
                 single=False, nomod=False),
    _operational("1.3.6.1.4.1.4203.1.3.5", "supportedFeatures", "oid", "objectIdentifierMatch",
                 usage=DSA_OPERATION, single=False, nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.15", "supportedLDAPVersion", _INT, None, usage=DSA_OPERATION,
                 single=False, nomod=False),
    _operational("1.3.6.1.4.1.1466.101.120.14", "supportedSASLMechanisms", _DS, None, usage=DSA_OPERATION,
                 single=False, nomod=False),
    # RFC 3045 (EQUALITY caseExactIA5Match on a Directory String, as the RFC writes it).
    _operational("1.3.6.1.1.4", "vendorName", _DS, "caseExactIA5Match", usage=DSA_OPERATION),
    _operational("1.3.6.1.1.5", "vendorVersion", _DS, "caseExactIA5Match", usage=DSA_OPERATION),
    # RFC 4519.
    _text("2.5.4.41", "name"),
    _dn_attr("2.5.4.49", "distinguishedName"),
    _text("2.5.4.15", "businessCategory"),
    AttributeType("2.5.4.6", ("c", "countryName"), "countryString", sup="name", single_value=True),
    _name("2.5.4.3", "cn", "commonName"),
    _ia5("0.9.2342.19200300.100.1.25", "dc", "domainComponent", equality="caseIgnoreIA5Match",
         substr="caseIgnoreIA5SubstringsMatch", single=True),
    _text("2.5.4.13", "description"),
    _text("2.5.4.27", "destinationIndicator", syntax="printableString"),
    AttributeType("2.5.4.46", ("dnQualifier",), "printableString", _CI, _CIO, _CIS),
    _opaque("2.5.4.47", "enhancedSearchGuide"),
    _opaque("2.5.4.23", "facsimileTelephoneNumber"),
    _name("2.5.4.44", "generationQualifier"),
    _name("2.5.4.42", "givenName"),
    _text("2.5.4.51", "houseIdentifier"),
    _name("2.5.4.43", "initials"),
    AttributeType("2.5.4.25", ("internationalISDNNumber",), "numericString", "numericStringMatch", None,
                  "numericStringSubstringsMatch"),
    _name("2.5.4.7", "l", "localityName"),
    AttributeType("2.5.4.31", ("member",), sup="distinguishedName"),
    _name("2.5.4.10", "o", "organizationName"),
    _name("2.5.4.11", "ou", "organizationalUnitName"),
    AttributeType("2.5.4.32", ("owner",), sup="distinguishedName"),
    _text("2.5.4.19", "physicalDeliveryOfficeName"),
    AttributeType("2.5.4.16", ("postalAddress",), "postalAddress", "caseIgnoreListMatch", None,
                  "caseIgnoreListSubstringsMatch"),
    _text("2.5.4.17", "postalCode"),
    _text("2.5.4.18", "postOfficeBox"),
    _opaque("2.5.4.28", "preferredDeliveryMethod", single=True),
    AttributeType("2.5.4.26", ("registeredAddress",), "postalAddress", sup="postalAddress"),
    AttributeType("2.5.4.33", ("roleOccupant",), sup="distinguishedName"),
    _opaque("2.5.4.14", "searchGuide"),
    AttributeType("2.5.4.34", ("seeAlso",), sup="distinguishedName"),
    _text("2.5.4.5", "serialNumber", syntax="printableString"),
    _name("2.5.4.4", "sn", "surname"),
    _name("2.5.4.8", "st", "stateOrProvinceName"),
    _text("2.5.4.9", "street", "streetAddress"),
    _phone("2.5.4.20", "telephoneNumber"),
    _opaque("2.5.4.22", "teletexTerminalIdentifier"),
    _opaque("2.5.4.21", "telexNumber"),
    _name("2.5.4.12", "title"),
    _text("0.9.2342.19200300.100.1.1", "uid", "userid"),
    AttributeType("2.5.4.50", ("uniqueMember",), "nameAndOptionalUID", "uniqueMemberMatch"),
    AttributeType("2.5.4.35", ("userPassword",), _OCT, "octetStringMatch"),
    AttributeType("2.5.4.24", ("x121Address",), "numericString", "numericStringMatch", None,
                  "numericStringSubstringsMatch"),
    AttributeType("2.5.4.45", ("x500UniqueIdentifier",), "bitString", "bitStringMatch"),
    # RFC 2798 (inetOrgPerson) and the RFC 1274 / 2079 / 4523 types it uses.
    _text("2.16.840.1.113730.3.1.1", "carLicense"),
    _text("2.16.840.1.113730.3.1.2", "departmentNumber"),
    _text("2.16.840.1.113730.3.1.241", "displayName", single=True),
    _text("2.16.840.1.113730.3.1.3", "employeeNumber", single=True),
    _text("2.16.840.1.113730.3.1.4", "employeeType"),
    _opaque("0.9.2342.19200300.100.1.60", "jpegPhoto", syntax=_OCT),
    _text("2.16.840.1.113730.3.1.39", "preferredLanguage", single=True),
    _opaque("2.16.840.1.113730.3.1.40", "userSMIMECertificate", syntax=_OCT),
    _opaque("2.16.840.1.113730.3.1.216", "userPKCS12", syntax=_OCT),
    AttributeType("0.9.2342.19200300.100.1.55", ("audio",), _OCT, "octetStringMatch"),
    _phone("0.9.2342.19200300.100.1.20", "homePhone", "homeTelephoneNumber"),
    AttributeType("0.9.2342.19200300.100.1.39", ("homePostalAddress",), "postalAddress", "caseIgnoreListMatch",
                  None, "caseIgnoreListSubstringsMatch"),
    _ia5("0.9.2342.19200300.100.1.3", "mail", "rfc822Mailbox", equality="caseIgnoreIA5Match",
         substr="caseIgnoreIA5SubstringsMatch"),
    _dn_attr("0.9.2342.19200300.100.1.10", "manager"),
    _phone("0.9.2342.19200300.100.1.41", "mobile", "mobileTelephoneNumber"),
    _phone("0.9.2342.19200300.100.1.42", "pager", "pagerTelephoneNumber"),
    _opaque("0.9.2342.19200300.100.1.7", "photo", syntax=_OCT),
    _text("0.9.2342.19200300.100.1.6", "roomNumber"),
    _dn_attr("0.9.2342.19200300.100.1.21", "secretary"),
    _opaque("2.5.4.36", "userCertificate", syntax=_OCT),
    AttributeType("1.3.6.1.4.1.250.1.57", ("labeledURI",), _DS, "caseExactMatch", None, "caseExactSubstringsMatch"),
    _text("0.9.2342.19200300.100.1.9", "host"),  # RFC 4524, for 'account'
    # RFC 2307.
    _integer("1.3.6.1.1.1.1.0", "uidNumber", ordering=True),
    _integer("1.3.6.1.1.1.1.1", "gidNumber", ordering=True),
    _ia5("1.3.6.1.1.1.1.2", "gecos", equality="caseIgnoreIA5Match", substr="caseIgnoreIA5SubstringsMatch",
         single=True),
    _ia5("1.3.6.1.1.1.1.3", "homeDirectory", equality="caseExactIA5Match", single=True),
    _ia5("1.3.6.1.1.1.1.4", "loginShell", equality="caseExactIA5Match", single=True),
    _integer("1.3.6.1.1.1.1.5", "shadowLastChange"),
    _integer("1.3.6.1.1.1.1.6", "shadowMin"),
    _integer("1.3.6.1.1.1.1.7", "shadowMax"),
    _integer("1.3.6.1.1.1.1.8", "shadowWarning"),
    _integer("1.3.6.1.1.1.1.9", "shadowInactive"),
    _integer("1.3.6.1.1.1.1.10", "shadowExpire"),
    _integer("1.3.6.1.1.1.1.11", "shadowFlag"),
    _ia5("1.3.6.1.1.1.1.12", "memberUid", equality="caseExactIA5Match", substr="caseExactIA5SubstringsMatch"),
)

_TELECOM = ("x121Address", "registeredAddress", "destinationIndicator", "preferredDeliveryMethod", "telexNumber",
            "teletexTerminalIdentifier", "telephoneNumber", "internationalISDNNumber", "facsimileTelephoneNumber")
_POSTAL = ("street", "postOfficeBox", "postalCode", "postalAddress", "physicalDeliveryOfficeName", "st", "l")

OBJECT_CLASSES: tuple[ObjectClass, ...] = (
    # RFC 4512.
    ObjectClass("2.5.6.0", ("top",), "abstract", must=("objectClass",)),
    ObjectClass("2.5.6.1", ("alias",), "structural", ("top",), must=("aliasedObjectName",)),
    ObjectClass("1.3.6.1.4.1.1466.101.120.111", ("extensibleObject",), "auxiliary", ("top",)),
    ObjectClass("2.5.20.1", ("subschema",), "auxiliary",
                may=("dITStructureRules", "nameForms", "dITContentRules", "objectClasses", "attributeTypes",
                     "matchingRules", "matchingRuleUse")),
    # RFC 4519.
    ObjectClass("2.5.6.11", ("applicationProcess",), "structural", ("top",), ("cn",),
                ("seeAlso", "ou", "l", "description")),
    ObjectClass("2.5.6.2", ("country",), "structural", ("top",), ("c",), ("searchGuide", "description")),
    ObjectClass("1.3.6.1.4.1.1466.344", ("dcObject",), "auxiliary", ("top",), ("dc",)),
    ObjectClass("2.5.6.14", ("device",), "structural", ("top",), ("cn",),
                ("serialNumber", "seeAlso", "owner", "ou", "o", "l", "description")),
    ObjectClass("2.5.6.9", ("groupOfNames",), "structural", ("top",), ("member", "cn"),
                ("businessCategory", "seeAlso", "owner", "ou", "o", "description")),
    ObjectClass("2.5.6.17", ("groupOfUniqueNames",), "structural", ("top",), ("uniqueMember", "cn"),
                ("businessCategory", "seeAlso", "owner", "ou", "o", "description")),
    ObjectClass("2.5.6.3", ("locality",), "structural", ("top",), (),
                ("street", "seeAlso", "searchGuide", "st", "l", "description")),
    ObjectClass("2.5.6.4", ("organization",), "structural", ("top",), ("o",),
                ("userPassword", "searchGuide", "seeAlso", "businessCategory", *_TELECOM, *_POSTAL,
                 "description")),
    ObjectClass("2.5.6.7", ("organizationalPerson",), "structural", ("person",), (),
                ("title", *_TELECOM, *_POSTAL, "ou")),
    ObjectClass("2.5.6.8", ("organizationalRole",), "structural", ("top",), ("cn",),
                (*_TELECOM, "seeAlso", "roleOccupant", *_POSTAL, "ou", "description")),
    ObjectClass("2.5.6.5", ("organizationalUnit",), "structural", ("top",), ("ou",),
                ("businessCategory", "description", *_TELECOM, *_POSTAL, "searchGuide", "seeAlso", "userPassword")),
    ObjectClass("2.5.6.6", ("person",), "structural", ("top",), ("sn", "cn"),
                ("userPassword", "telephoneNumber", "seeAlso", "description")),
    ObjectClass("2.5.6.10", ("residentialPerson",), "structural", ("person",), ("l",),
                ("businessCategory", *_TELECOM, *_POSTAL)),
    ObjectClass("1.3.6.1.1.3.1", ("uidObject",), "auxiliary", ("top",), ("uid",)),
    # RFC 2798.
    ObjectClass("2.16.840.1.113730.3.2.2", ("inetOrgPerson",), "structural", ("organizationalPerson",), (),
                ("audio", "businessCategory", "carLicense", "departmentNumber", "displayName", "employeeNumber",
                 "employeeType", "givenName", "homePhone", "homePostalAddress", "initials", "jpegPhoto",
                 "labeledURI", "mail", "manager", "mobile", "o", "pager", "photo", "roomNumber", "secretary",
                 "uid", "userCertificate", "x500uniqueIdentifier", "preferredLanguage", "userSMIMECertificate",
                 "userPKCS12")),
    # RFC 4524.
    ObjectClass("0.9.2342.19200300.100.4.5", ("account",), "structural", ("top",), ("uid",),
                ("description", "seeAlso", "l", "o", "ou", "host")),
    # RFC 2307.
    ObjectClass("1.3.6.1.1.1.2.0", ("posixAccount",), "auxiliary", ("top",),
                ("cn", "uid", "uidNumber", "gidNumber", "homeDirectory"),
                ("userPassword", "loginShell", "gecos", "description")),
    ObjectClass("1.3.6.1.1.1.2.1", ("shadowAccount",), "auxiliary", ("top",), ("uid",),
                ("userPassword", "shadowLastChange", "shadowMin", "shadowMax", "shadowWarning", "shadowInactive",
                 "shadowExpire", "shadowFlag", "description")),
    ObjectClass("1.3.6.1.1.1.2.2", ("posixGroup",), "structural", ("top",), ("cn", "gidNumber"),
                ("userPassword", "memberUid", "description")),
)

#: The schema of RFC 4512, 4519, 2798, 2307 (and the few others above).
DEFAULT_SCHEMA = Schema(ATTRIBUTE_TYPES, OBJECT_CLASSES)
