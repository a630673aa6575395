"""Every message as a plain JSON-compatible value, and back.

The form is derived from the model's own type annotations, so it is the
same for every class and stays stable as long as the ASN.1 modules do:

* an object is ``{"$type": "<ClassName>", "<field>": ..., ...}`` with the
  snake_case field names of the model (``extensions`` only when not empty;
  ``$`` keeps the key apart from fields, several of which are named ``type``);
* ``str`` stays a string, ``bytes`` (OCTET STRING values) become base64
  strings (RFC 4648, with padding), BOOLEAN and INTEGER stay as they are,
  ENUMERATED values are their numbers, absent OPTIONAL fields are ``null``,
  SEQUENCE OF / SET OF are arrays;
* an unknown CHOICE alternative is ``{"$type": "UnknownAlternative", "raw": <base64>}``.

``from_dict(to_dict(obj)) == obj`` for every object of the model.
"""

from __future__ import annotations

import base64
import enum
import sys
import types
import typing
from functools import cache
from typing import Any

from ._base import Asn1Object, Asn1Sequence, UnknownAlternative

__all__ = ["to_dict", "from_dict", "JSONFormError", "TYPE"]

#: The key naming an object's class.
TYPE = "$type"


class JSONFormError(ValueError):
    """A dict that is not the JSON form of a model object; says where."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def to_dict(obj: Any) -> Any:
    """The JSON-compatible form of a model object (or list of them)."""
    if isinstance(obj, UnknownAlternative):
        return {TYPE: "UnknownAlternative", "raw": _b64(obj.raw)}
    if isinstance(obj, Asn1Object):
        out: dict[str, Any] = {TYPE: type(obj).__name__}
        for name in obj._fields:
            out[name] = to_dict(getattr(obj, name))
        if isinstance(obj, Asn1Sequence) and obj.extensions:
            out["extensions"] = [_b64(e) for e in obj.extensions]
        return out
    if isinstance(obj, (bytes, bytearray)):
        return _b64(bytes(obj))
    if isinstance(obj, enum.IntEnum):
        return int(obj)
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    return obj  # str, int, bool, None


@cache
def _classes() -> dict[str, type]:
    from .. import model

    found = {n: getattr(model, n) for n in model.__all__}
    return {n: c for n, c in found.items() if isinstance(c, type) and issubclass(c, Asn1Object)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    module = sys.modules[cls.__module__]
    init = next(k.__dict__["__init__"] for k in cls.__mro__ if "__init__" in k.__dict__)
    return typing.get_type_hints(init, vars(module))


def from_dict(data: Any, path: str = "$") -> Any:
    """The model object whose JSON form is ``data``."""
    if not isinstance(data, dict) or not isinstance(data.get(TYPE), str):
        raise JSONFormError(f"{path}: expected an object with a {TYPE!r}")
    name = data[TYPE]
    if name == "UnknownAlternative":
        return UnknownAlternative(_from_b64(data.get("raw"), f"{path}.raw"))
    cls = _classes().get(name)
    if cls is None:
        raise JSONFormError(f"{path}: unknown type {name!r}")
    hints = _hints(cls)
    kwargs = {}
    for field in cls._fields:  # type: ignore[attr-defined]
        if field not in data:
            raise JSONFormError(f"{path}.{field}: missing")
        kwargs[field] = _convert(data[field], hints[field], f"{path}.{field}")
    if "extensions" in data:
        kwargs["extensions"] = tuple(_from_b64(e, f"{path}.extensions") for e in data["extensions"])
    extra = set(data) - set(cls._fields) - {TYPE, "extensions"}  # type: ignore[attr-defined]
    if extra:
        raise JSONFormError(f"{path}: unexpected {sorted(extra)}")
    return cls(**kwargs)


def _from_b64(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise JSONFormError(f"{path}: expected a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise JSONFormError(f"{path}: invalid base64") from None


def _convert(value: Any, hint: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.IntEnum)]
        if enums:
            if not isinstance(value, int) or isinstance(value, bool):
                raise JSONFormError(f"{path}: expected a number")
            try:
                return enums[0](value)
            except ValueError:
                return value  # a value the module does not list stays an int
        rest = [a for a in args if a is not type(None)]
        if all(isinstance(a, type) and issubclass(a, Asn1Object) for a in rest):
            return from_dict(value, path)  # a CHOICE: the object names its class
        return _convert(value, rest[0], path)
    if origin is list:
        if not isinstance(value, list):
            raise JSONFormError(f"{path}: expected an array")
        (item,) = typing.get_args(hint)
        return [_convert(v, item, f"{path}[{i}]") for i, v in enumerate(value)]
    if hint is bytes:
        return _from_b64(value, path)
    if isinstance(hint, type) and issubclass(hint, Asn1Object):
        return from_dict(value, path)
    if hint in (str, int, bool) and type(value) is not hint:
        raise JSONFormError(f"{path}: expected {hint.__name__}")
    return value
