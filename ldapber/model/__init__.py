"""The protocol object model: what decoding returns and encoding takes.

Classes are generated from the ASN.1 modules (``ldapber/_generated``) and
re-exported here; see :mod:`ldapber.compiler.naming` for how ASN.1 names map
to Python names.
"""

from .._generated import rfc2696_model, rfc2891_model, rfc3062_model, rfc3909_model, rfc4511_model
from .._generated.rfc2696_model import *  # noqa: F403
from .._generated.rfc2891_model import *  # noqa: F403
from .._generated.rfc3062_model import *  # noqa: F403
from .._generated.rfc3909_model import *  # noqa: F403
from .._generated.rfc4511_model import *  # noqa: F403
from . import results
from ._base import Asn1Object, Asn1Sequence, Asn1Value, UnknownAlternative
from .dn import DN, RDN, AttributeTypeAndValue, DNSyntaxError, escape_dn_value, parse_dn
from .filters import FILTER_CLASSES, FilterSyntaxError, escape_filter_value, filter_to_string, parse_filter
from .jsonform import JSONFormError, from_dict, to_dict
from .url import LDAPURL, URLExtension, URLSyntaxError, parse_url

# str() of a filter object is its RFC 4515 string form.
for _cls in FILTER_CLASSES:
    _cls.__str__ = filter_to_string  # type: ignore[assignment,method-assign]
del _cls

__all__ = [
    *rfc4511_model.__all__, *rfc2696_model.__all__, *rfc3062_model.__all__, *rfc2891_model.__all__,
    *rfc3909_model.__all__,
    "Asn1Object", "Asn1Sequence", "Asn1Value", "UnknownAlternative",
    "FilterSyntaxError", "escape_filter_value", "filter_to_string", "parse_filter", "results",
    "DN", "RDN", "AttributeTypeAndValue", "DNSyntaxError", "escape_dn_value", "parse_dn",
    "LDAPURL", "URLExtension", "URLSyntaxError", "parse_url", "JSONFormError", "from_dict", "to_dict",
]
