"""The backend flag tells the truth, and the README and CI agree."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import ldapber
from ldapber import _backend
from ldapber.__main__ import bundled_samples

ROOT = Path(__file__).resolve().parent.parent


def test_compiled_backend_loaded() -> None:
    """After the README install the compiled extension must be in use
    (unless the fallback was forced): a silent fallback hides a broken build."""
    if os.environ.get("LDAPBER_PURE_PYTHON", "") not in ("", "0"):
        assert ldapber.BACKEND == "python"
    else:
        assert ldapber.BACKEND == "cython", f"extension not loaded: {_backend.IMPORT_ERROR}"
        assert ldapber.codec_for("cython").modules["rfc4511"].__file__.endswith((".so", ".pyd"))


def test_env_var_forces_fallback() -> None:
    env = dict(os.environ, LDAPBER_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", "import ldapber; print(ldapber.BACKEND)"],
                         env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "python"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    setup_cmd, test_cmd = readme_commands()
    assert "pip install" in setup_cmd and "-m ldapber" in setup_cmd
    assert "[test]" in test_cmd and "pytest" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()


def test_main_job_decodes_every_bundled_sample() -> None:
    out = subprocess.run([sys.executable, "-m", "ldapber"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    n = out.stdout.count("== ")
    assert n >= 10 and f"{n} of {n} decoded" in out.stdout
    assert out.stdout.count("re-encoded: identical") == n - 1  # the AD sample is re-encoded minimally
    assert len(bundled_samples()) == n


def test_readme_python_examples_run() -> None:
    """Every Python example, pasted in order into one session, against the
    server the README starts (on a free port here instead of 3389)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.+?)\n```", text, re.S)
    assert len(blocks) >= 3
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdout is not None and b"ldapber serving" in server.stdout.readline()
        namespace: dict[str, object] = {}  # one session, as a reader pastes them in order
        for block in blocks:
            exec(compile(block.replace(":3389", f":{port}"), "README.md", "exec"), namespace)  # noqa: S102
    finally:
        server.terminate()
        server.wait(10)
