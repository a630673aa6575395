"""ldapber: LDAP (RFC 4511) messages encoded and decoded in BER, fast and strictly.

>>> import ldapber
>>> msg = ldapber.decode(bytes.fromhex("300c020101600702010304008000"))
>>> msg.protocol_op
BindRequest(version=3, name='', authentication=Simple(value=b''))
>>> ldapber.encode(msg).hex()
'300c020101600702010304008000'
"""

from . import model
from ._backend import BACKEND
from ._version import __version__
from .codec import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PDU_SIZE,
    MAX_DEPTH_LIMIT,
    Codec,
    StreamDecoder,
    codec_for,
    decode,
    decode_all,
    decode_prefix,
    decode_value,
    encode,
    encode_value,
    pdu_length,
)
from .errors import DecodeError, EncodeError, IncompleteError, LDAPBERError, PDUTooLargeError, Rule
from .model import *  # noqa: F403
from .model.results import (  # the error raised for each result code
    AdminLimitExceededError,
    AffectsMultipleDSAsError,
    AliasDereferencingProblemError,
    AliasProblemError,
    AttributeOrValueExistsError,
    AuthMethodNotSupportedError,
    BusyError,
    ConfidentialityRequiredError,
    ConstraintViolationError,
    EntryAlreadyExistsError,
    InappropriateAuthenticationError,
    InappropriateMatchingError,
    InsufficientAccessRightsError,
    InvalidAttributeSyntaxError,
    InvalidCredentialsError,
    InvalidDNSyntaxError,
    LDAPResultError,
    LoopDetectError,
    NamingViolationError,
    NoSuchAttributeError,
    NoSuchObjectError,
    NotAllowedOnNonLeafError,
    NotAllowedOnRDNError,
    ObjectClassModsProhibitedError,
    ObjectClassViolationError,
    OperationsError,
    OtherError,
    ProtocolError,
    ReferralError,
    SizeLimitExceededError,
    StrongerAuthRequiredError,
    TimeLimitExceededError,
    UnavailableCriticalExtensionError,
    UnavailableError,
    UndefinedAttributeTypeError,
    UnwillingToPerformError,
)

__all__ = [  # literal, for type checkers; tests/test_public_names.py keeps it complete
    "FILTER_MAX_DEPTH", "MAX_DEPTH_LIMIT",
    "__version__", "AbandonRequest", "AddRequest", "AddResponse", "AdminLimitExceededError",
    "AffectsMultipleDSAsError", "AliasDereferencingProblemError", "AliasProblemError", "And", "Any", "ApproxMatch",
    "Asn1Object", "Asn1Sequence", "Asn1Value", "Attribute", "AttributeOrValueExistsError", "AttributeTypeAndValue",
    "AttributeValueAssertion", "AuthenticationChoice", "AuthMethodNotSupportedError", "BACKEND", "BindRequest",
    "BindResponse", "BusyError", "CancelRequestValue", "Change", "Codec", "codec_for", "CompareRequest",
    "CompareResponse", "ConfidentialityRequiredError", "ConstraintViolationError", "Control", "decode", "decode_all",
    "decode_prefix", "decode_value", "DecodeError", "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_PDU_SIZE", "DelRequest",
    "DelResponse", "DerefAliases", "DN", "DNSyntaxError", "encode", "encode_value", "EncodeError",
    "EntryAlreadyExistsError", "EqualityMatch", "escape_dn_value", "escape_filter_value", "ExtendedRequest",
    "ExtendedResponse", "Filter", "filter_to_string", "FilterSyntaxError", "Final", "from_dict", "GreaterOrEqual",
    "InappropriateAuthenticationError", "InappropriateMatchingError", "IncompleteError", "Initial",
    "InsufficientAccessRightsError", "IntermediateResponse", "InvalidAttributeSyntaxError",
    "InvalidCredentialsError", "InvalidDNSyntaxError", "JSONFormError", "LDAPBERError", "LDAPMessage", "LDAPResult",
    "LDAPResultError", "LDAPURL", "LessOrEqual", "LoopDetectError", "MatchingRuleAssertion", "model",
    "ModifyDNRequest", "ModifyDNResponse", "ModifyRequest", "ModifyResponse", "NamingViolationError",
    "NoSuchAttributeError", "NoSuchObjectError", "Not", "NotAllowedOnNonLeafError", "NotAllowedOnRDNError",
    "ObjectClassModsProhibitedError", "ObjectClassViolationError", "Operation", "OperationsError", "Or",
    "OtherError", "parse_dn", "parse_filter", "parse_url", "PartialAttribute", "PasswdModifyRequestValue",
    "PasswdModifyResponseValue", "pdu_length", "PDUTooLargeError", "Present", "ProtocolError", "ProtocolOp", "RDN",
    "RealSearchControlValue", "ReferralError", "ResultCode", "results", "Rule", "SaslCredentials", "Scope",
    "SearchRequest", "SearchResultDone", "SearchResultEntry", "SearchResultReference", "Simple",
    "SizeLimitExceededError", "SortKey", "SortResult", "SortResultCode", "StreamDecoder",
    "StrongerAuthRequiredError", "Substring", "SubstringFilter", "TimeLimitExceededError", "to_dict",
    "UnavailableCriticalExtensionError", "UnavailableError", "UnbindRequest", "UndefinedAttributeTypeError",
    "UnknownAlternative", "UnwillingToPerformError", "URLExtension", "URLSyntaxError",
]
