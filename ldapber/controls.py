"""Typed controls: a registry from OID to classes whose values are encoded
and decoded by the compiled ASN.1 modules.

A :class:`~ldapber.Control` on the wire keeps the OID, criticality and raw
value; :func:`decode_control` turns a known one into its typed class here
(and leaves an unknown one as it is), :func:`encode_control` turns a typed
control back into a ``Control`` for a message.  A malformed value of a
known control raises :class:`ControlValueError` naming the control.

Known controls: paged results (RFC 2696), server-side sort request and
response (RFC 2891), ManageDsaIT (RFC 3296), assertion (RFC 4528), pre-read
and post-read request and response (RFC 4527), proxied authorization
(RFC 4370) and subtree delete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import codec as _codec
from .errors import DecodeError, EncodeError, LDAPBERError
from .model import Control, Filter, RealSearchControlValue, SearchResultEntry, SortKey, SortResult, SortResultCode

__all__ = [
    "ControlValueError", "TypedControl", "REGISTRY", "decode_control", "encode_control", "register",
    "PagedResults", "SortRequest", "SortResponse", "ManageDsaIT", "Assertion", "PreReadRequest",
    "PreReadResponse", "PostReadRequest", "PostReadResponse", "ProxiedAuthorization", "SubtreeDelete",
]


class ControlValueError(LDAPBERError, ValueError):
    """The value of a known control is missing, present where it must not
    be, or not a valid encoding; ``oid`` and ``name`` say which control."""

    def __init__(self, name: str, oid: str, reason: str) -> None:
        super().__init__(f"{name} control ({oid}): {reason}")
        self.name = name
        self.oid = oid
        self.reason = reason


@dataclass
class TypedControl:
    """Base of the typed controls: ``criticality`` plus the decoded value."""

    OID: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    criticality: bool = field(default=False, kw_only=True)

    # Subclasses say how their value is written and read.
    def _value(self) -> bytes | None:
        return None

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> TypedControl:
        if value is not None:
            raise ValueError("this control has no value")
        return cls(criticality=criticality)

    def to_control(self) -> Control:
        """The wire form, for ``LDAPMessage.controls``."""
        try:
            value = self._value()
        except (EncodeError, TypeError, ValueError) as err:
            raise ControlValueError(self.NAME, self.OID, f"cannot encode the value: {err}") from None
        return Control(self.OID, criticality=self.criticality, control_value=value)


REGISTRY: dict[str, type[TypedControl]] = {}


def register(cls: type[TypedControl]) -> type[TypedControl]:
    """Add a typed control class to the registry (a class decorator)."""
    if cls.OID in REGISTRY:
        raise ValueError(f"OID {cls.OID} is registered twice")
    REGISTRY[cls.OID] = cls
    return cls


def decode_control(control: Control, *, strict: bool = True) -> TypedControl | Control:
    """The typed form of a known control; an unknown one is returned as is."""
    cls = REGISTRY.get(control.control_type)
    return control if cls is None else _typed(cls, control, strict)


def _typed(cls: type[TypedControl], control: Control, strict: bool) -> TypedControl:
    try:
        return cls._from_value(control.control_value, control.criticality, strict)
    except (DecodeError, ValueError) as err:
        raise ControlValueError(cls.NAME, cls.OID, str(err)) from None


def encode_control(control: TypedControl | Control) -> Control:
    """A ``Control`` for a message, from a typed control (or a Control)."""
    return control if isinstance(control, Control) else control.to_control()


def _require(value: bytes | None) -> bytes:
    if value is None:
        raise ValueError("the value is missing")
    return value


def _decode(type_: Any, value: bytes | None, strict: bool) -> Any:
    return _codec.decode_value(type_, _require(value), strict=strict)


@register
@dataclass
class PagedResults(TypedControl):
    """Simple paged results, RFC 2696: ``size`` is the page size asked for
    (or the server's estimate of the total), ``cookie`` where to continue."""

    OID: ClassVar[str] = "1.2.840.113556.1.4.319"
    NAME: ClassVar[str] = "paged results"
    size: int = 0
    cookie: bytes = b""

    def _value(self) -> bytes:
        return _codec.encode_value(RealSearchControlValue(self.size, self.cookie))

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> PagedResults:
        v = _decode(RealSearchControlValue, value, strict)
        return cls(v.size, v.cookie, criticality=criticality)


@register
@dataclass
class SortRequest(TypedControl):
    """Server-side sort request, RFC 2891: the sort keys, most significant first."""

    OID: ClassVar[str] = "1.2.840.113556.1.4.473"
    NAME: ClassVar[str] = "server-side sort request"
    keys: list[SortKey] = field(default_factory=list)

    def _value(self) -> bytes:
        return _codec.encode_value(self.keys, "SortKeyList")

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> SortRequest:
        return cls(_decode("SortKeyList", value, strict), criticality=criticality)


@register
@dataclass
class SortResponse(TypedControl):
    """Server-side sort response, RFC 2891."""

    OID: ClassVar[str] = "1.2.840.113556.1.4.474"
    NAME: ClassVar[str] = "server-side sort response"
    result: SortResultCode | int = SortResultCode.SUCCESS
    attribute_type: str | None = None

    def _value(self) -> bytes:
        return _codec.encode_value(SortResult(self.result, attribute_type=self.attribute_type))

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> SortResponse:
        v = _decode(SortResult, value, strict)
        return cls(v.sort_result, v.attribute_type, criticality=criticality)


@register
@dataclass
class ManageDsaIT(TypedControl):
    """ManageDsaIT, RFC 3296: treat referral objects as ordinary entries."""

    OID: ClassVar[str] = "2.16.840.1.113730.3.4.2"
    NAME: ClassVar[str] = "ManageDsaIT"


@register
@dataclass
class SubtreeDelete(TypedControl):
    """Subtree delete (1.2.840.113556.1.4.805): delete an entry and everything below it."""

    OID: ClassVar[str] = "1.2.840.113556.1.4.805"
    NAME: ClassVar[str] = "subtree delete"


@register
@dataclass
class Assertion(TypedControl):
    """Assertion, RFC 4528: perform the operation only if the entry matches ``filter``."""

    OID: ClassVar[str] = "1.3.6.1.1.12"
    NAME: ClassVar[str] = "assertion"
    filter: Filter | None = None

    def _value(self) -> bytes:
        if self.filter is None:
            raise ValueError("an assertion needs a filter")
        return _codec.encode_value(self.filter, "Filter")

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> Assertion:
        return cls(_decode("Filter", value, strict), criticality=criticality)


@dataclass
class _ReadRequest(TypedControl):
    """Pre-/post-read request, RFC 4527: the attributes to return."""

    attributes: list[str] = field(default_factory=list)

    def _value(self) -> bytes:
        return _codec.encode_value(self.attributes, "AttributeSelection")

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> _ReadRequest:
        return cls(_decode("AttributeSelection", value, strict), criticality=criticality)


@dataclass
class _ReadResponse(TypedControl):
    """Pre-/post-read response, RFC 4527: the entry as it was / is."""

    entry: SearchResultEntry | None = None

    def _value(self) -> bytes:
        if self.entry is None:
            raise ValueError("a read response carries an entry")
        return _codec.encode_value(self.entry)

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> _ReadResponse:
        return cls(_decode(SearchResultEntry, value, strict), criticality=criticality)


class _PreRead:
    OID: ClassVar[str] = "1.3.6.1.1.13.1"
    NAME: ClassVar[str] = "pre-read"


class _PostRead:
    OID: ClassVar[str] = "1.3.6.1.1.13.2"
    NAME: ClassVar[str] = "post-read"


@dataclass
class PreReadRequest(_PreRead, _ReadRequest):
    """Pre-read request (RFC 4527), in a modify, delete or modify DN request."""


@dataclass
class PreReadResponse(_PreRead, _ReadResponse):
    """Pre-read response (RFC 4527); shares its OID with the request."""


@dataclass
class PostReadRequest(_PostRead, _ReadRequest):
    """Post-read request (RFC 4527), in an add, modify or modify DN request."""


@dataclass
class PostReadResponse(_PostRead, _ReadResponse):
    """Post-read response (RFC 4527); shares its OID with the request."""


# Requests and responses of RFC 4527 share an OID: the registry holds the
# request; decode_response_control picks the response class.
register(PreReadRequest)
register(PostReadRequest)
_RESPONSES: dict[str, type[TypedControl]] = {PreReadResponse.OID: PreReadResponse,
                                             PostReadResponse.OID: PostReadResponse}


def decode_response_control(control: Control, *, strict: bool = True) -> TypedControl | Control:
    """Like :func:`decode_control`, for a control found in a response (where
    a pre-/post-read control carries an entry, not an attribute list)."""
    cls = _RESPONSES.get(control.control_type)
    return decode_control(control, strict=strict) if cls is None else _typed(cls, control, strict)


__all__ += ["decode_response_control"]


@register
@dataclass
class ProxiedAuthorization(TypedControl):
    """Proxied authorization, RFC 4370: act as ``authz_id`` (``dn:...`` or
    ``u:...``, empty for anonymous).  The value is the UTF-8 string itself,
    not BER.  RFC 4370 requires it to be critical."""

    OID: ClassVar[str] = "2.16.840.1.113730.3.4.18"
    NAME: ClassVar[str] = "proxied authorization"
    authz_id: str = ""
    criticality: bool = field(default=True, kw_only=True)

    def _value(self) -> bytes:
        return self.authz_id.encode("utf-8")

    @classmethod
    def _from_value(cls, value: bytes | None, criticality: bool, strict: bool) -> ProxiedAuthorization:
        try:
            text = _require(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the authorization identity is not UTF-8") from None
        if text and not text.startswith(("dn:", "u:")):
            raise ValueError("the authorization identity must start with 'dn:' or 'u:'")
        return cls(text, criticality=criticality)
