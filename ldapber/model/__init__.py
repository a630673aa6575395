"""The protocol object model: what decoding returns and encoding takes.

Classes are generated from the ASN.1 modules (``ldapber/_generated``) and
re-exported here; see :mod:`ldapber.compiler.naming` for how ASN.1 names map
to Python names.
"""

from .._generated import rfc2696_model, rfc3062_model, rfc4511_model
from .._generated.rfc2696_model import *  # noqa: F403
from .._generated.rfc3062_model import *  # noqa: F403
from .._generated.rfc4511_model import *  # noqa: F403
from ._base import Asn1Object, Asn1Sequence, Asn1Value, UnknownAlternative

__all__ = [
    *rfc4511_model.__all__, *rfc2696_model.__all__, *rfc3062_model.__all__,
    "Asn1Object", "Asn1Sequence", "Asn1Value", "UnknownAlternative",
]
