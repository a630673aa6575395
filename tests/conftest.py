"""Shared fixtures: every codec test runs over both backends.

``codec`` is parametrized over the compiled and the pure-Python backend
(:class:`ldapber.Codec`); the compiled one is skipped, with the real import
error as the reason, only where the extension was not built (a test in
``test_backend.py`` fails instead when it should have been).
"""

from __future__ import annotations

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
