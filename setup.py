"""Build: regenerate stale generated sources, then compile the Cython codecs.

``LDAPBER_PURE_PYTHON=1`` skips the extensions (the pure-Python backend is
then used).  Otherwise a failed compile fails the build: a silent fallback
would hide a broken extension.
"""

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent


def _load_compiler():
    """Import ldapber.compiler without importing ldapber (whose generated
    modules may be the very files about to be regenerated)."""
    pkg = HERE / "ldapber" / "compiler"
    spec = importlib.util.spec_from_file_location(
        "_ldapber_compiler", pkg / "__init__.py", submodule_search_locations=[str(pkg)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["_ldapber_compiler"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("_ldapber_compiler.build")


build = _load_compiler()
for path in build.write_all():
    print(f"regenerated {path.relative_to(HERE)}")

ext_modules = []
if os.environ.get("LDAPBER_PURE_PYTHON", "") in ("", "0"):
    from Cython.Build import cythonize

    directives = {"language_level": "3", "boundscheck": False, "wraparound": False, "cdivision": True}
    stems = [spec.stem for spec in build.MODULES]
    extensions = [
        Extension(f"ldapber._generated.{stem}_c", [f"ldapber/_generated/{stem}_c.pyx"],
                  depends=["ldapber/_ber/cruntime.pxi", "ldapber/_ber/slots.h"])
        for stem in stems
    ]
    ext_modules = cythonize(extensions, compiler_directives=directives, quiet=True)

setup(ext_modules=ext_modules)
