"""Small helpers shared by the codec emitters (:mod:`emit_codec` and
:mod:`emit_pyfast`): identifiers, literals and range tests."""

from __future__ import annotations

import re

from . import ir

__all__ = ["ENUM_MAX", "INT64_MIN", "INT64_MAX", "fn", "hx", "range_test", "default_expr"]

ENUM_MAX = 2**31 - 1  # the range of ENUMERATED values, known or not
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # the widest INTEGER the codecs carry


def fn(key: str) -> str:
    """A unit key made into an identifier."""
    return re.sub(r"[^0-9A-Za-z_]", "_", key)


def hx(tag: int) -> str:
    return f"0x{tag:02X}"


def range_test(var: str, lo: int | None, hi: int | None) -> str | None:
    """A test that is true when ``var`` is outside ``lo..hi`` (None: no test)."""
    tests = []
    if lo is not None:
        tests.append(f"{var} < {lo}")
    if hi is not None:
        tests.append(f"{var} > {hi}")
    return " or ".join(tests) or None


def default_expr(f: ir.Field) -> str:
    """A field's DEFAULT value as a Python expression."""
    if isinstance(f.node, ir.Prim) and f.node.kind == "enumerated":
        return f"{f.node.enum.name}.{f.default}"  # type: ignore[union-attr]
    return repr(f.default)
