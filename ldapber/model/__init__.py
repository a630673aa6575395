"""The protocol object model: what decoding returns and encoding takes.

Classes are generated from the ASN.1 modules (``ldapber/_generated``) and
re-exported here; see :mod:`ldapber.compiler.naming` for how ASN.1 names map
to Python names.
"""

from .._generated.rfc2696_model import *  # noqa: F403
from .._generated.rfc2891_model import *  # noqa: F403
from .._generated.rfc3062_model import *  # noqa: F403
from .._generated.rfc3909_model import *  # noqa: F403
from .._generated.rfc4511_model import *  # noqa: F403
from . import results
from ._base import Asn1Object, Asn1Sequence, Asn1Value, UnknownAlternative
from .dn import DN, RDN, AttributeTypeAndValue, DNSyntaxError, escape_dn_value, parse_dn
from .filters import (
    FILTER_CLASSES,
    FILTER_MAX_DEPTH,
    FilterSyntaxError,
    escape_filter_value,
    filter_to_string,
    parse_filter,
)
from .jsonform import JSONFormError, from_dict, to_dict
from .url import LDAPURL, URLExtension, URLSyntaxError, parse_url

# str() of a filter object is its RFC 4515 string form.
for _cls in FILTER_CLASSES:
    _cls.__str__ = filter_to_string  # type: ignore[assignment,method-assign]
del _cls

__all__ = [  # literal, for type checkers; tests/test_public_names.py keeps it complete
    "FILTER_MAX_DEPTH",
    "ResultCode", "Scope", "DerefAliases", "Operation", "SaslCredentials", "Simple", "BindRequest", "LDAPResult",
    "BindResponse", "AttributeValueAssertion", "Initial", "Any", "Final", "SubstringFilter", "MatchingRuleAssertion",
    "And", "Or", "Not", "EqualityMatch", "GreaterOrEqual", "LessOrEqual", "Present", "ApproxMatch", "SearchRequest",
    "PartialAttribute", "SearchResultEntry", "SearchResultDone", "Change", "ModifyRequest", "ModifyResponse",
    "Attribute", "AddRequest", "AddResponse", "DelResponse", "ModifyDNRequest", "ModifyDNResponse", "CompareRequest",
    "CompareResponse", "ExtendedRequest", "ExtendedResponse", "IntermediateResponse", "UnbindRequest",
    "SearchResultReference", "DelRequest", "AbandonRequest", "Control", "LDAPMessage", "AuthenticationChoice",
    "Substring", "Filter", "ProtocolOp", "RealSearchControlValue", "PasswdModifyRequestValue",
    "PasswdModifyResponseValue", "SortResultCode", "SortKey", "SortResult", "CancelRequestValue", "Asn1Object",
    "Asn1Sequence", "Asn1Value", "UnknownAlternative", "FilterSyntaxError", "escape_filter_value",
    "filter_to_string", "parse_filter", "results", "DN", "RDN", "AttributeTypeAndValue", "DNSyntaxError",
    "escape_dn_value", "parse_dn", "LDAPURL", "URLExtension", "URLSyntaxError", "parse_url", "JSONFormError",
    "from_dict", "to_dict",
]
