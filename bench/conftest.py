"""Fixtures of the benchmark suite: the corpus (built once per session and
self-checked) and the contender guard.

Rounds last at least 100 µs (:data:`MIN_TIME`) unless
``--benchmark-min-time`` says otherwise.

The garbage collector is left at its default settings: no test here calls
``gc`` and the suite does not pass ``--benchmark-disable-gc``.  (ldapber's
own ``decode_all`` pauses the collector while it runs; that is the library's
behaviour and part of what the stream benchmark measures.)
"""

from __future__ import annotations

import platform

import pytest

from . import workload
from .contenders import LDAPBER_CYTHON

#: Round length used unless --benchmark-min-time is given: long enough that
#: sub-microsecond calls are timed in loops, not one timer pair per call
#: (pytest-benchmark's own default, 5 µs, leaves the timer's overhead in
#: ldapber-cython's sub-microsecond calls and so understates its ratios).
#: Applied when bench/ is named on the command line (its conftest is then
#: loaded before pytest-benchmark reads its options).
MIN_TIME = 0.0001


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    given = any(str(arg).startswith("--benchmark-min-time") for arg in config.invocation_params.args)
    if hasattr(config.option, "benchmark_min_time") and not given:
        config.option.benchmark_min_time = MIN_TIME


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import version

    peers = ", ".join(f"{name} {version(name)}" for name in ("pyasn1", "pyasn1-modules", "ldap3"))
    return [f"ldapber bench: {platform.python_implementation()} {platform.python_version()}; peers: {peers}"]


@pytest.fixture(scope="session")
def corpus() -> dict[str, workload.Sample]:
    workload.self_check()
    return workload.corpus()


@pytest.fixture(scope="session")
def stream(corpus: dict[str, workload.Sample]) -> workload.Stream:
    return workload.stream()


@pytest.fixture
def contender(request: pytest.FixtureRequest) -> str:
    """The contender of a parametrized test (indirect), skipped with the real
    reason where the compiled backend was not built."""
    name: str = request.param
    if name == LDAPBER_CYTHON:
        from ldapber import _backend

        if _backend.BACKEND != "cython":
            pytest.skip(f"compiled backend unavailable: {_backend.IMPORT_ERROR or 'LDAPBER_PURE_PYTHON set'}")
    return name


def record(benchmark, *, op: str, message: str, contender: str, nbytes: int, pdus: int = 1) -> None:
    """Group the benchmark by message and tag it so bench/report.py needs no
    name parsing."""
    benchmark.group = f"{op}: {message}"
    benchmark.extra_info.update(op=op, message=message, contender=contender, bytes=nbytes, pdus=pdus)
