"""Build: regenerate stale generated sources, then compile the Cython codecs.

``LDAPBER_PURE_PYTHON=1`` skips the extensions (the pure-Python backend is
then used); ``LDAPBER_DEBUG=1`` keeps the symbol tables Linux builds strip.  Otherwise a failed compile fails the build: a silent fallback
would hide a broken extension.
"""

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.sdist import sdist

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

#: What a compiled build reads besides the .py files: in every sdist, however it was made
#: (LDAPBER_PURE_PYTHON=1 lists no extensions, so setuptools would leave them out).
BUILD_SOURCES = ["ldapber/_ber/cruntime.pxi", "ldapber/_ber/cstream.pxi", "ldapber/_ber/slots.h"]


ext_modules = []
if os.environ.get("LDAPBER_PURE_PYTHON", "") in ("", "0"):
    from Cython.Build import cythonize

    directives = {"language_level": "3", "boundscheck": False, "wraparound": False, "cdivision": True}
    stems = [spec.stem for spec in build.MODULES]
    # The runtime's `cdef inline` helpers are small fast paths with their slow
    # paths split off; gcc's size heuristics still declined to inline some of
    # them into the large generated functions (a call each per element).
    # Cython spells `inline` as CYTHON_INLINE unless it is already defined.
    macros = [] if sys.platform == "win32" else [("CYTHON_INLINE", "__inline__ __attribute__((always_inline))")]
    # Release builds drop the symbol tables (10.6 MB -> 1.5 MB for rfc4511_c on
    # Linux); LDAPBER_DEBUG=1 keeps them for a debugger or a profiler.
    strip = sys.platform.startswith("linux") and os.environ.get("LDAPBER_DEBUG", "") in ("", "0")
    # Each module includes the whole BER runtime and uses part of it (a control's
    # module needs no CHOICE layout, say): the helpers it leaves unused are static
    # and dropped from its binary, so gcc's and clang's "defined but not used" says
    # nothing to act on.  Every other warning stays on.
    quiet = [] if sys.platform == "win32" else ["-Wno-unused-function"]
    extensions = [
        Extension(f"ldapber._generated.{stem}_c", [f"ldapber/_generated/{stem}_c.pyx"],
                  depends=BUILD_SOURCES, extra_compile_args=quiet,
                  define_macros=macros, extra_link_args=["-Wl,-s"] if strip else [])
        for stem in stems
    ]
    ext_modules = cythonize(extensions, compiler_directives=directives, quiet=True)

class SdistWithoutTests(sdist):
    """The sdist builds the package, compiled or not, and ships no tests:
    they need the repository around them (bench/, fuzz/, slapd), which the
    sdist is not."""

    def make_distribution(self):
        self.filelist.exclude_pattern(r"^tests/", is_regex=True)
        generated = sorted(p.relative_to(HERE).as_posix() for p in (HERE / "ldapber" / "_generated").glob("*_c.pyx"))
        self.filelist.extend(BUILD_SOURCES + generated)
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()


setup(ext_modules=ext_modules, cmdclass={"sdist": SdistWithoutTests})
