"""A fixed set of valid messages covering every PDU type, shared by tests."""

from __future__ import annotations

from ldapber import (
    AbandonRequest, AddRequest, AddResponse, And, ApproxMatch, Any, Attribute, AttributeValueAssertion,
    BindRequest, BindResponse, Change, CompareRequest, CompareResponse, Control, DelRequest, DelResponse,
    DerefAliases, EqualityMatch, ExtendedRequest, ExtendedResponse, Final, GreaterOrEqual, Initial,
    IntermediateResponse, LDAPMessage, LessOrEqual, MatchingRuleAssertion, ModifyDNRequest, ModifyDNResponse,
    ModifyRequest, ModifyResponse, Not, Operation, Or, PartialAttribute, Present, ResultCode, SaslCredentials,
    Scope, SearchRequest, SearchResultDone, SearchResultEntry, SearchResultReference, Simple, SubstringFilter,
    UnbindRequest,
)

FILTER = And([
    EqualityMatch("objectClass", b"person"),
    Or([GreaterOrEqual("age", b"18"), LessOrEqual("age", b"65"), ApproxMatch("sn", b"smyth")]),
    Not(Present("mail")),
    SubstringFilter("cn", [Initial(b"Jo"), Any(b"h"), Final(b"n")]),
    MatchingRuleAssertion(matching_rule="2.5.13.2", type="ou", match_value=b"sales", dn_attributes=True),
])

MESSAGES = [
    LDAPMessage(1, BindRequest(3, "cn=admin,dc=example,dc=com", Simple(b"secret"))),
    LDAPMessage(1, BindRequest(3, "", SaslCredentials("GSSAPI", credentials=b"\x60\x00"))),
    LDAPMessage(1, BindResponse(ResultCode.SUCCESS, "", "", server_sasl_creds=b"ok")),
    LDAPMessage(2, UnbindRequest()),
    LDAPMessage(3, SearchRequest("dc=example,dc=com", Scope.WHOLE_SUBTREE, DerefAliases.DEREF_ALWAYS, 100, 30,
                                 False, FILTER, ["cn", "mail", "+"]),
                controls=[Control("1.2.840.113556.1.4.319", criticality=True, control_value=b"0\x05\x02\x01\x05\x04\x00")]),
    LDAPMessage(3, SearchResultEntry("cn=Jöhn Smith,dc=example,dc=com", [
        PartialAttribute("objectClass", [b"top", b"person"]), PartialAttribute("cn", [b"J\xc3\xb6hn Smith"]),
        PartialAttribute("jpegPhoto", [bytes(range(256)) * 4])])),
    LDAPMessage(3, SearchResultReference(["ldap://a.example.com/dc=example,dc=com??sub"])),
    LDAPMessage(3, SearchResultDone(ResultCode.REFERRAL, "dc=example,dc=com", "see referral",
                                    referral=["ldap://b.example.com/"])),
    LDAPMessage(4, ModifyRequest("cn=a,dc=x", [Change(Operation.REPLACE, PartialAttribute("mail", [b"a@x"])),
                                               Change(Operation.DELETE, PartialAttribute("phone", []))])),
    LDAPMessage(4, ModifyResponse(ResultCode.NO_SUCH_OBJECT, "dc=x", "no such entry")),
    LDAPMessage(5, AddRequest("cn=b,dc=x", [Attribute("objectClass", [b"person"]), Attribute("sn", [b"b"])])),
    LDAPMessage(5, AddResponse(ResultCode.ENTRY_ALREADY_EXISTS, "", "")),
    LDAPMessage(6, DelRequest("cn=b,dc=x")),
    LDAPMessage(6, DelResponse(ResultCode.NOT_ALLOWED_ON_NON_LEAF, "", "")),
    LDAPMessage(7, ModifyDNRequest("cn=b,dc=x", "cn=c", True, new_superior="ou=people,dc=x")),
    LDAPMessage(7, ModifyDNResponse(ResultCode.SUCCESS, "", "")),
    LDAPMessage(8, CompareRequest("cn=b,dc=x", AttributeValueAssertion("sn", b"b"))),
    LDAPMessage(8, CompareResponse(ResultCode.COMPARE_TRUE, "", "")),
    LDAPMessage(9, AbandonRequest(8)),
    LDAPMessage(10, ExtendedRequest("1.3.6.1.4.1.1466.20037")),
    LDAPMessage(10, ExtendedResponse(ResultCode.SUCCESS, "", "", response_name="1.3.6.1.4.1.1466.20037",
                                     response_value=b"")),
    LDAPMessage(0, ExtendedResponse(ResultCode.UNAVAILABLE, "", "shutting down",
                                    response_name="1.3.6.1.4.1.1466.20036")),
    LDAPMessage(11, IntermediateResponse(response_name="1.3.6.1.4.1.4203.1.9.1.4", response_value=b"\x01")),
    LDAPMessage(2147483647, DelRequest("")),
]
