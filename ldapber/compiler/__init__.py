"""A small ASN.1 compiler: X.680 subset -> typed IR -> Cython and Python codecs.

Pipeline: :mod:`lexer` -> :mod:`parser` (:mod:`syntax` tree) -> :mod:`resolve`
(:mod:`ir`) -> :mod:`emit_model` / :mod:`emit_codec`.  :mod:`build` runs it
over the modules in :mod:`modules` and writes ``ldapber/_generated/``.
"""

from .errors import CompileError
from .parser import parse_module
from .resolve import ModuleSpec, resolve

__all__ = ["CompileError", "ModuleSpec", "compile_module", "parse_module", "resolve"]


def compile_module(text: str, spec: ModuleSpec, filename: str = "<asn1>"):  # type: ignore[no-untyped-def]
    """Parse and resolve one module; returns its :class:`ir.CompiledModule`."""
    return resolve(parse_module(text, filename), spec, filename)
