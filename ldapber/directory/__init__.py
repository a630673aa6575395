"""The data model of a small in-memory LDAP server: schema, entries, matching rules, filter evaluation.

>>> from ldapber.directory import DEFAULT_SCHEMA, Entry, evaluate
>>> from ldapber.model.filters import parse_filter
>>> alice = Entry.from_record("uid=alice,ou=people,dc=example,dc=com", [
...     ("objectClass", [b"inetOrgPerson", b"posixAccount"]), ("uid", [b"alice"]), ("cn", [b"Alice Liddell"]),
...     ("sn", [b"Liddell"]), ("uidNumber", [b"1000"]), ("gidNumber", [b"100"]),
...     ("homeDirectory", [b"/home/alice"])])
>>> DEFAULT_SCHEMA.check_entry(alice)
>>> evaluate(parse_filter("(&(objectClass=person)(name=liddell)(uidNumber>=999))"), alice)
True
>>> evaluate(parse_filter("(shoeSize=12)"), alice) is None  # Undefined
True

Modules, each using only those before it: :mod:`.errors` (DirectoryError,
SchemaViolation), :mod:`.syntaxes` (value syntaxes), :mod:`.rules` (matching
rules, string preparation), :mod:`.schema` (definitions, entry checks),
:mod:`.standard` (:data:`DEFAULT_SCHEMA`), :mod:`.entry` (:class:`Entry`),
:mod:`.matching` (filter evaluation, Compare), :mod:`.index` (equality and
presence indexes), :mod:`.dit` (the tree), :mod:`.service` (the operations
a server answers).
"""

from .entry import Entry
from .errors import DirectoryError, SchemaViolation
from .matching import Undefined, approx_key, compare, evaluate, normalize, substrings_match
from .rules import RULES, MatchingRule, dn_key, get_rule, prepare_string, prepare_substring
from .schema import (
    DIRECTORY_OPERATION,
    DISTRIBUTED_OPERATION,
    DSA_OPERATION,
    USER_APPLICATIONS,
    AttributeType,
    ObjectClass,
    Schema,
    split_description,
)
from .standard import DEFAULT_SCHEMA
from .syntaxes import SYNTAX_OIDS, SYNTAXES, InvalidValue, is_valid

__all__ = [
    "AttributeType", "ObjectClass", "Schema", "SchemaViolation", "DirectoryError", "split_description", "DEFAULT_SCHEMA",
    "USER_APPLICATIONS", "DIRECTORY_OPERATION", "DISTRIBUTED_OPERATION", "DSA_OPERATION",
    "Entry", "evaluate", "compare", "normalize", "approx_key", "substrings_match", "Undefined",
    "MatchingRule", "RULES", "get_rule", "prepare_string", "prepare_substring", "dn_key",
    "SYNTAX_OIDS", "SYNTAXES", "InvalidValue", "is_valid",
]
