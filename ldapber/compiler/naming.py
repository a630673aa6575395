"""The one rule that turns ASN.1 names into Python names.

* Fields: ``snake_case`` of the ASN.1 identifier.  A word boundary is placed
  before an upper-case letter that follows a lower-case letter or digit, and
  before the last capital of a run of capitals that is followed by a
  lower-case letter, unless that letter is a plural ``s`` ending the word
  (``affectsMultipleDSAs`` -> ``affects_multiple_dsas``); hyphens become
  underscores; a Python keyword gets a
  trailing underscore.  ``messageID`` -> ``message_id``, ``matchedDN`` ->
  ``matched_dn``, ``typesOnly`` -> ``types_only``, ``and`` -> ``and_``.
* Classes: a type reference keeps its name (``LDAPMessage``); an inline type
  takes its identifier with the first letter capitalised (``resultCode`` ->
  ``ResultCode``).
* Enumeration members: ``UPPER_SNAKE`` of the identifier
  (``noSuchObject`` -> ``NO_SUCH_OBJECT``).
* A ``SEQUENCE OF``/``SET OF`` that is wrapped in a class is held in a field
  named after its element, plus ``s`` (``SET OF filter Filter`` -> ``filters``);
  any other wrapped value is held in ``value``.
"""

from __future__ import annotations

import keyword
import re

__all__ = ["snake", "upper_snake", "class_name", "plural_field"]

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])(?![A-Z]s(?:[A-Z]|$))")


def snake(name: str) -> str:
    out = _BOUNDARY.sub("_", name.replace("-", "_")).lower()
    return out + "_" if keyword.iskeyword(out) else out


def upper_snake(name: str) -> str:
    return _BOUNDARY.sub("_", name.replace("-", "_")).upper()


def class_name(identifier: str) -> str:
    return identifier[:1].upper() + identifier[1:].replace("-", "_")


def plural_field(element_name: str) -> str:
    return snake(element_name).rstrip("_") + "s"
