"""The one place that chooses between the compiled and the pure-Python codec.

``LDAPBER_PURE_PYTHON=1`` forces the pure-Python backend; otherwise the
compiled extension is used when it was built, and the fallback otherwise,
with a RuntimeWarning at import (``IMPORT_ERROR`` also says why).
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

from .compiler.modules import MODULES

__all__ = ["BACKEND", "IMPORT_ERROR", "STEMS", "load"]

#: The generated modules, by stem; each has a ``_c`` and a ``_py`` twin.
STEMS = tuple(spec.stem for spec in MODULES)


def load(backend: str) -> dict[str, ModuleType]:
    """The generated codec modules of ``backend`` ("cython" or "python").

    A compiled module built from other generated sources than the ones on
    disk (the sources were regenerated, the extension not rebuilt) is refused
    with ImportError: stale compiled code is never used silently."""
    suffix = {"cython": "_c", "python": "_py"}[backend]
    mods = {stem: importlib.import_module(f"ldapber._generated.{stem}{suffix}") for stem in STEMS}
    if backend == "cython":
        for stem, mod in mods.items():
            twin = importlib.import_module(f"ldapber._generated.{stem}_py")
            if getattr(mod, "GENERATED_FROM", None) != twin.GENERATED_FROM:
                raise ImportError(f"ldapber._generated.{stem}_c is stale: rebuild with "
                                  "'pip install -e .' or 'python setup.py build_ext --inplace'")
    return mods


IMPORT_ERROR: ImportError | None = None
if os.environ.get("LDAPBER_PURE_PYTHON", "") not in ("", "0"):
    BACKEND = "python"
else:
    try:
        load("cython")
        BACKEND = "cython"
    except ImportError as exc:  # the extension was not built here (or is stale, or shadowed by a source tree)
        IMPORT_ERROR = exc
        BACKEND = "python"
        # No silent slow path: said once, at import, with the reason and the fix.
        warnings.warn(f"ldapber: the compiled codec is unavailable ({exc}); the pure-Python backend, several "
                      "times slower, is in use. Build the extension ('python -m pip install -e .' in a checkout, "
                      "or 'python setup.py build_ext --inplace'), or set LDAPBER_PURE_PYTHON=1 to choose the "
                      "pure-Python backend and silence this warning", RuntimeWarning, stacklevel=2)
