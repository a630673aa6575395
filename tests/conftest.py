"""Shared fixtures: every codec test runs over both backends; one TLS certificate.

``codec`` is parametrized over the compiled and the pure-Python backend
(:class:`ldapber.Codec`); the compiled one is skipped, with the real import
error as the reason, only where the extension was not built (a test in
``test_backend.py`` fails instead when it should have been).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ldapber import Codec, codec_for

BACKENDS = ("cython", "python")


def _codec(name: str) -> Codec:
    try:
        return codec_for(name)
    except ImportError as exc:  # the extension is not built here
        pytest.skip(f"{name} backend unavailable: {exc}")


@pytest.fixture(params=BACKENDS)
def codec(request: pytest.FixtureRequest) -> Codec:
    return _codec(request.param)


@pytest.fixture
def both() -> tuple[Codec, Codec]:
    """The two backends, for differential tests (compiled, Python)."""
    return _codec("cython"), _codec("python")


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (also the CA clients trust)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True, timeout=60)
    assert made.returncode == 0, made.stderr
    key.chmod(0o644)  # slapd may run as another user
    return cert, key
