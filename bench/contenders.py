"""Adapters: one decode / encode callable per contender, and the checks that
prove each result is a correct, complete decode of the corpus.

Contenders
----------
``ldapber-cython``  ``codec_for("cython")``: the compiled backend
``ldapber-python``  ``codec_for("python")``: the pure-Python fallback
``pyasn1``          pyasn1 BER codec with ``pyasn1_modules.rfc2251`` specs.
                    Decode = ``decoder.decode`` *plus* :func:`materialize`,
                    which walks the whole result and converts every field to
                    plain str / bytes / int / bool, so pyasn1 pays for the
                    same work ldapber does (it would otherwise hand back
                    objects still to be converted).  Encode = ``encoder.encode``
                    of a pyasn1 object built once, outside the timing.
``ldap3-fast``      ``ldap3.utils.asn1.decode_message_fast``, ldap3's
                    hand-written decoder.  Its nested lists of
                    ``(class, constructed, tag, value)`` tuples are its full
                    decode.  It decodes server responses only (no requests)
                    and cannot encode.

Correctness
-----------
The timed callables return their result; the tests check it *outside* the
timing: ldapber results must equal the model objects the corpus was encoded
from (field-wise ``==``), peer results are reduced by :func:`canonical_pyasn1`
/ :func:`canonical_ldap3` to the same plain form as :func:`canonical_model`
gives for the expected message, and every field must match.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any as _Any

# ldap3.utils.asn1 patches pyasn1's BOOLEAN encoder (TRUE as 0xFF) when
# imported; import it here, first, so pyasn1 encodes the same way in every
# test whatever the test order.  The corpus has no TRUE boolean anyway.
with warnings.catch_warnings():  # ldap3 2.9 uses pyasn1's deprecated tagMap/typeMap
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3.utils.asn1 import decode_message_fast
from pyasn1.codec.ber import decoder as pyasn1_decoder
from pyasn1.codec.ber import encoder as pyasn1_encoder
from pyasn1.type import univ
from pyasn1_modules import rfc2251

from ldapber import (
    And,
    BindRequest,
    EqualityMatch,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    Not,
    Or,
    Present,
    SearchRequest,
    SearchResultEntry,
    Simple,
    SubstringFilter,
    codec_for,
)
from ldapber import Any as AnySubstring

from .workload import Sample

LDAPBER_CYTHON = "ldapber-cython"
LDAPBER_PYTHON = "ldapber-python"
PYASN1 = "pyasn1"
LDAP3_FAST = "ldap3-fast"

#: Report order.  The first is the reference every ratio is taken against.
CONTENDERS = (LDAPBER_CYTHON, LDAPBER_PYTHON, PYASN1, LDAP3_FAST)
ENCODERS = (LDAPBER_CYTHON, LDAPBER_PYTHON, PYASN1)
#: Protocol ops ldap3's fast decoder knows (it is a client: responses only).
LDAP3_DECODES = ("small-entry", "large-entry")

_BACKEND = {LDAPBER_CYTHON: "cython", LDAPBER_PYTHON: "python"}
#: One spec instance, reused for every decode (as an application would).
_SPEC = rfc2251.LDAPMessage()


def decodes(contender: str, message: str) -> bool:
    return contender != LDAP3_FAST or message in LDAP3_DECODES


# -- pyasn1 -------------------------------------------------------------------
def materialize(value: _Any) -> _Any:
    """Every field of a decoded pyasn1 value as plain Python: SEQUENCE/SET
    -> dict of the components present, SEQUENCE OF/SET OF -> list, CHOICE ->
    ``{alternative: value}``, LDAPString (and its subtypes: LDAPDN,
    AttributeDescription, ...) -> str, other OCTET STRING -> bytes, BOOLEAN
    -> bool, INTEGER/ENUMERATED -> int, NULL -> None."""
    if isinstance(value, univ.Choice):  # before Set: Choice derives from it
        return {value.getName(): materialize(value.getComponent())}
    if isinstance(value, univ.SequenceOfAndSetOfBase):
        return [materialize(v) for v in value]
    if isinstance(value, univ.SequenceAndSetBase):
        out = {}
        for idx, named in enumerate(value.componentType.namedTypes):
            component = value.getComponentByPosition(idx, default=None, instantiate=False)
            if component is not None and component.isValue:
                out[named.name] = materialize(component)
        return out
    if isinstance(value, rfc2251.LDAPString):
        return value.asOctets().decode("utf-8")
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    if isinstance(value, univ.Boolean):  # before Integer: Boolean derives from it
        return bool(value)
    if isinstance(value, univ.Integer):
        return int(value)
    if isinstance(value, univ.Null):
        return None
    raise TypeError(f"materialize: unhandled pyasn1 type {type(value).__name__}")


def pyasn1_decode(data: bytes) -> dict:
    obj, _rest = pyasn1_decoder.decode(data, asn1Spec=_SPEC)
    return materialize(obj)


def pyasn1_object(sample: Sample) -> univ.Sequence:
    """The pyasn1 object the encode benchmark encodes, built once (by
    decoding the reference bytes with the rfc2251 spec) and checked to
    encode back to exactly those bytes."""
    obj, rest = pyasn1_decoder.decode(sample.data, asn1Spec=rfc2251.LDAPMessage())
    assert not rest
    assert pyasn1_encoder.encode(obj) == sample.data, f"{sample.name}: pyasn1 encodes differently"
    return obj


# -- callables per contender ----------------------------------------------------
def decoder_for(contender: str) -> Callable[[bytes], _Any]:
    """``f(pdu_bytes) -> decoded message`` for one PDU."""
    if contender in _BACKEND:
        return codec_for(_BACKEND[contender]).decode
    if contender == PYASN1:
        return pyasn1_decode
    if contender == LDAP3_FAST:
        return decode_message_fast
    raise KeyError(contender)


def stream_decoder_for(contender: str) -> tuple[Callable[[_Any], list], str]:
    """``(f, input kind)`` for the stream benchmark: ldapber decodes the one
    buffer with ``decode_all`` (input kind "buffer"); the peers have no such
    call, so they loop over the PDUs, already split outside the timing (input
    kind "pdus", which spares them the framing work)."""
    if contender in _BACKEND:
        return codec_for(_BACKEND[contender]).decode_all, "buffer"
    decode = decoder_for(contender)

    def decode_each(pdus: tuple[bytes, ...]) -> list:
        return [decode(pdu) for pdu in pdus]

    return decode_each, "pdus"


def encoder_for(contender: str, sample: Sample) -> tuple[Callable[[_Any], bytes], _Any]:
    """``(f, argument)`` such that ``f(argument)`` encodes ``sample``; the
    argument (model object or pyasn1 object) is built here, outside the timing."""
    if contender in _BACKEND:
        return codec_for(_BACKEND[contender]).encode, sample.message
    if contender == PYASN1:
        return pyasn1_encoder.encode, pyasn1_object(sample)
    raise KeyError(f"{contender} cannot encode")


# -- correctness ------------------------------------------------------------------
# The canonical form: entries as ("entry", id, dn, ((type, (vals...)), ...)),
# search requests as ("search", id, base, scope, deref, size, time, types_only,
# filter, (attrs...)), binds as ("bind", id, version, name, password); filter
# nodes as ("and"|"or", (...)), ("not", f), ("present", type),
# ("eq"|"ge"|"le", type, value), ("substrings", type, ((kind, value), ...)).
def _canonical_filter(f: _Any) -> tuple:
    if isinstance(f, And):
        return ("and", tuple(_canonical_filter(x) for x in f.filters))
    if isinstance(f, Or):
        return ("or", tuple(_canonical_filter(x) for x in f.filters))
    if isinstance(f, Not):
        return ("not", _canonical_filter(f.value))
    if isinstance(f, Present):
        return ("present", f.value)
    if isinstance(f, SubstringFilter):
        kinds = {Initial: "initial", AnySubstring: "any", Final: "final"}
        return ("substrings", f.type, tuple((kinds[type(s)], s.value) for s in f.substrings))
    for cls, kind in ((EqualityMatch, "eq"), (GreaterOrEqual, "ge"), (LessOrEqual, "le")):
        if type(f) is cls:
            return (kind, f.attribute_desc, f.assertion_value)
    raise TypeError(f"no canonical form for filter {f!r}")


def canonical_model(msg: LDAPMessage) -> tuple:
    op = msg.protocol_op
    if isinstance(op, SearchResultEntry):
        return ("entry", msg.message_id, op.object_name,
                tuple((a.type, tuple(a.vals)) for a in op.attributes))
    if isinstance(op, SearchRequest):
        return ("search", msg.message_id, op.base_object, int(op.scope), int(op.deref_aliases),
                op.size_limit, op.time_limit, op.types_only, _canonical_filter(op.filter),
                tuple(op.attributes))
    if isinstance(op, BindRequest) and isinstance(op.authentication, Simple):
        return ("bind", msg.message_id, op.version, op.name, op.authentication.value)
    raise TypeError(f"no canonical form for {msg!r}")


_PYASN1_FILTER_KINDS = {"equalityMatch": "eq", "greaterOrEqual": "ge", "lessOrEqual": "le"}


def _canonical_pyasn1_filter(f: dict) -> tuple:
    ((kind, value),) = f.items()
    if kind in ("and", "or"):
        return (kind, tuple(_canonical_pyasn1_filter(x) for x in value))
    if kind == "not":
        return ("not", _canonical_pyasn1_filter(value))
    if kind == "present":
        return ("present", value)
    if kind == "substrings":  # rfc2251 types the pieces as LDAPString (str)
        pieces = tuple((k, v.encode("utf-8")) for s in value["substrings"] for k, v in s.items())
        return ("substrings", value["type"], pieces)
    if kind in _PYASN1_FILTER_KINDS:
        return (_PYASN1_FILTER_KINDS[kind], value["attributeDesc"], value["assertionValue"])
    raise TypeError(f"no canonical form for pyasn1 filter {kind}")


def canonical_pyasn1(msg: dict) -> tuple:
    ((kind, op),) = msg["protocolOp"].items()
    mid = msg["messageID"]
    if kind == "searchResEntry":
        return ("entry", mid, op["objectName"],
                tuple((a["type"], tuple(a["vals"])) for a in op["attributes"]))
    if kind == "searchRequest":
        return ("search", mid, op["baseObject"], op["scope"], op["derefAliases"], op["sizeLimit"],
                op["timeLimit"], op["typesOnly"], _canonical_pyasn1_filter(op["filter"]),
                tuple(op["attributes"]))
    if kind == "bindRequest":
        return ("bind", mid, op["version"], op["name"], op["authentication"]["simple"])
    raise TypeError(f"no canonical form for pyasn1 {kind}")


def canonical_ldap3(msg: dict) -> tuple:
    """ldap3-fast's output for a SearchResultEntry (protocolOp 4):
    ``payload = [(0, False, 4, dn), (0, True, 16, [attr, ...])]`` with
    ``attr = (0, True, 16, [(0, False, 4, type), (0, True, 17, [(.., val), ...])])``.
    Octet strings come back as bytes; the DN and types are decoded here."""
    assert msg["protocolOp"] == 4 and msg["controls"] is None, msg["protocolOp"]
    dn, attrs = msg["payload"]
    return ("entry", msg["messageID"], dn[3].decode("utf-8"),
            tuple((a[3][0][3].decode("utf-8"), tuple(v[3] for v in a[3][1][3])) for a in attrs[3]))


def check_decoded(contender: str, result: _Any, expected: LDAPMessage) -> None:
    """Assert that ``result`` is ``contender``'s complete, correct decode of
    ``expected``."""
    if contender in _BACKEND:
        assert type(result) is LDAPMessage and result == expected, f"{contender} decoded {result!r}"
    elif contender == PYASN1:
        assert canonical_pyasn1(result) == canonical_model(expected)
    elif contender == LDAP3_FAST:
        assert canonical_ldap3(result) == canonical_model(expected)
    else:
        raise KeyError(contender)


def check_decoded_all(contender: str, results: list, expected: tuple[LDAPMessage, ...]) -> None:
    assert len(results) == len(expected), (len(results), len(expected))
    if contender in _BACKEND:
        assert all(type(r) is LDAPMessage for r in results) and list(results) == list(expected)
    else:
        for result, message in zip(results, expected, strict=True):
            check_decoded(contender, result, message)
