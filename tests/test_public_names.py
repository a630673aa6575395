"""Public names that type checkers see (issue 19): every package ``__all__``
is a literal list (mypy and pyright cannot evaluate ``[*other.__all__]`` or a
comprehension), complete, and importable; and the README's examples pass
``mypy --strict`` against ldapber installed from a wheel, not the source tree,
built without a deprecation warning."""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import ldapber
from ldapber.model import results

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ldapber", "ldapber.model", "ldapber.model.results")


def literal_all(module: str) -> list[str]:
    """``__all__`` as the source spells it: one assignment of a list of strings, never changed after."""
    path = Path(importlib.import_module(module).__file__)  # type: ignore[arg-type]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [node for node in ast.walk(tree)
             if isinstance(node, (ast.Assign, ast.AugAssign)) and "__all__" in ast.unparse(node).split("=")[0]]
    assert len(found) == 1 and isinstance(found[0], ast.Assign), f"{module}: __all__ must be assigned once"
    value = found[0].value
    assert isinstance(value, ast.List) and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                               for e in value.elts), f"{module}: __all__ is not a literal list"
    return [e.value for e in value.elts]  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", PACKAGES)
def test_all_is_literal_and_importable(module: str) -> None:
    names = literal_all(module)
    assert len(names) == len(set(names)), f"{module}: a name listed twice"
    mod = importlib.import_module(module)
    assert names == list(mod.__all__)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, missing


def test_no_public_name_is_left_out() -> None:
    generated = set()
    for stem in ("rfc4511", "rfc2696", "rfc2891", "rfc3062", "rfc3909"):
        generated |= set(importlib.import_module(f"ldapber._generated.{stem}_model").__all__)
    assert generated <= set(ldapber.model.__all__)
    errors = {name for name, obj in vars(results).items()
              if isinstance(obj, type) and issubclass(obj, results.LDAPResultError)}
    assert errors <= set(results.__all__) and errors <= set(ldapber.__all__)
    assert set(ldapber.model.__all__) - {"results"} <= set(ldapber.__all__)
    codec = importlib.import_module("ldapber.codec")
    assert set(codec.__all__) - {"Codec"} <= set(ldapber.__all__) | {"codec_for"}
    for name in ("LDAPResultError", "NoSuchObjectError", "InvalidCredentialsError", "PDUTooLargeError",
                 "MAX_DEPTH_LIMIT", "FILTER_MAX_DEPTH"):  # named in docstrings and the README
        assert name in ldapber.__all__, name


def readme_examples() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    return "\n".join(blocks)


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_readme_examples_type_check_strictly_against_an_installed_wheel(tmp_path: Path) -> None:
    # The wheel is built pure-Python (LDAPBER_PURE_PYTHON=1): type checking
    # reads the .py files and py.typed, which the compiled wheel ships alike.
    env = {**os.environ, "LDAPBER_PURE_PYTHON": "1"}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, env=env,
                           timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    # The build log has no deprecation warnings (setuptools' license table, say, which stops building in 2027).
    log = built.stdout + built.stderr
    assert "Deprecat" not in log, [line for line in log.splitlines() if "Deprecat" in line][:5]
    wheel = next((tmp_path / "dist").glob("ldapber-*.whl"))
    import zipfile

    shipped = zipfile.ZipFile(wheel).namelist()
    assert "ldapber/py.typed" in shipped and "ldapber/asn1/rfc4511.asn" in shipped
    assert [n for n in shipped if n.endswith((".c", ".pyx", ".pxi", ".h"))] == []  # sources stay in the sdist
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    example = tmp_path / "examples.py"
    example.write_text(readme_examples(), encoding="utf-8")
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
                              str(python), "--config-file", os.devnull, str(example)],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-4000:]


_WITHOUT_EXTENSION = """
import sys, warnings
sys.path.insert(0, {root!r})
sys.modules["ldapber._generated.rfc4511_c"] = None  # as if the extension were not built
warnings.simplefilter("default")
import ldapber
print("backend", ldapber.BACKEND)
"""


@pytest.mark.parametrize("pure", [False, True], ids=["missing", "chosen"])
def test_a_missing_extension_is_said_once_unless_pure_python_is_chosen(pure: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LDAPBER_PURE_PYTHON"}
    if pure:
        env["LDAPBER_PURE_PYTHON"] = "1"
    out = subprocess.run([sys.executable, "-c", _WITHOUT_EXTENSION.format(root=str(ROOT))], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0 and "backend python" in out.stdout, out.stderr
    warned = out.stderr.count("RuntimeWarning: ldapber: the compiled codec is unavailable")
    assert warned == (0 if pure else 1), out.stderr
    if not pure:
        assert "LDAPBER_PURE_PYTHON=1" in out.stderr and "pip install -e ." in out.stderr


def test_the_sdist_builds_and_ships_no_tests(tmp_path: Path) -> None:
    """The sdist holds what a compiled build needs (the runtime's .pxi and
    .h, the generated .pyx), even when made without the extension, and no
    tests (they need the repository: bench/, fuzz/); a compiled wheel builds
    from it."""
    import tarfile

    made = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(tmp_path / "sdist")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "LDAPBER_PURE_PYTHON": "1"})
    assert made.returncode == 0, made.stderr[-2000:]
    sdist = next((tmp_path / "sdist").glob("ldapber-*.tar.gz"))
    names = tarfile.open(sdist).getnames()
    root = names[0].split("/")[0]
    for needed in ("ldapber/_ber/cruntime.pxi", "ldapber/_ber/slots.h", "ldapber/_generated/rfc4511_c.pyx",
                   "LICENSE", "pyproject.toml", "setup.py"):
        assert f"{root}/{needed}" in names, needed
    assert [n for n in names if "/tests/" in n] == []
    env = {k: v for k, v in os.environ.items() if k != "LDAPBER_PURE_PYTHON"}  # compiled, from the sdist alone
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
                            "-w", str(tmp_path / "wheel"), str(sdist)], capture_output=True, text=True, timeout=900,
                           env=env)
    assert built.returncode == 0, built.stderr[-2000:]
    # No warning from Cython or the C compiler, and no deprecation from setuptools, in the compiled build
    # (setuptools' notice that this environment writes no bytecode is no warning about the build).
    log = (built.stdout + built.stderr).splitlines()
    warned = [line for line in log if re.search(r"warning[:\s]|Deprecat", line, flags=re.I)
              and "byte-compiling is disabled" not in line]
    assert warned == [], warned[:5]
    import zipfile

    shipped = zipfile.ZipFile(next((tmp_path / "wheel").glob("ldapber-*.whl"))).namelist()
    assert any(n.startswith("ldapber/_generated/rfc4511_c.") and n.endswith((".so", ".pyd")) for n in shipped)
