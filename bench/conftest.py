"""Fixtures of the benchmark suite: the corpus (built once per session and
self-checked) and the contender guard.

Rounds last at least 100 µs (:data:`MIN_TIME`) unless
``--benchmark-min-time`` says otherwise; benchmarks of captured samples run
at most :data:`CAPTURED_MAX_TIME`.

The garbage collector is left at its default settings: no test here calls
``gc`` and the suite does not pass ``--benchmark-disable-gc``.  (ldapber's
own ``decode_all`` pauses the collector while it runs; that is the library's
behaviour and part of what the stream benchmark measures.)
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from itertools import repeat
from typing import Any

import pytest

from . import workload
from .peers import CONTENDERS, LDAPBER_CYTHON

#: Round length used unless --benchmark-min-time is given: long enough that
#: sub-microsecond calls are timed in loops, not one timer pair per call
#: (pytest-benchmark's own default, 5 µs, leaves the timer's overhead in
#: ldapber-cython's sub-microsecond calls and so understates its ratios).
#: Applied when bench/ is named on the command line (its conftest is then
#: loaded before pytest-benchmark reads its options).
MIN_TIME = 0.0001
#: Longest a benchmark of a captured sample (bench/captured.py: some 40 small
#: PDUs, times 8 contenders, twice) may run, whatever --benchmark-max-time
#: says, so the captured corpus does not multiply the length of a run.
CAPTURED_MAX_TIME = 0.1


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    given = any(str(arg).startswith("--benchmark-min-time") for arg in config.invocation_params.args)
    if hasattr(config.option, "benchmark_min_time") and not given:
        config.option.benchmark_min_time = MIN_TIME


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    max_time = getattr(config.option, "benchmark_max_time", None)
    if max_time is None:
        return
    captured = set(workload.MESSAGES) - set(workload.BUILT)
    capped = min(float(max_time), CAPTURED_MAX_TIME)
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is not None and spec.params.get("message") in captured and not item.get_closest_marker("benchmark"):
            item.add_marker(pytest.mark.benchmark(max_time=capped))


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import version

    names = ("pyasn1", "pyasn1-modules", "ldap3", "asn1tools", "ldaptor", "scapy")
    peers = ", ".join(f"{name} {version(name)}" for name in names)
    return [f"ldapber bench: {platform.python_implementation()} {platform.python_version()}; peers: {peers}",
            f"contenders: {', '.join(CONTENDERS)}; corpus: {len(workload.BUILT)} built messages, "
            f"{len(workload.MESSAGES) - len(workload.BUILT)} captured"]


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


#: Calls shorter than this are timed in batches of about this long (see
#: :func:`timed`).
BATCH_BELOW = 20e-6


def per_call(f: Callable[[Any], Any], arg: Any) -> float:
    """How long one call takes, to size a batch: the best of 5 runs of 10
    calls.  A single timed call also counts the timer's own cost and any
    pause, and so could make a batch of 50-ns calls a few microseconds long,
    where the benchmark's per-round cost is no longer negligible."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in repeat(None, 10):
            f(arg)
        best = min(best, time.perf_counter() - started)
    return best / 10


def timed(benchmark, f: Callable[[Any], Any], arg: Any) -> Any:
    """``benchmark(f, arg)``, except that a call shorter than BATCH_BELOW is
    timed in a batch of calls in a plain loop, as ``timeit`` does, and the
    batch size is recorded (``extra_info["calls"]``; bench/figures.py divides
    by it).  pytest-benchmark calls the function under test as
    ``f(*args, **kwargs)``, which costs some 50-100 ns a call: nothing
    beside a pyasn1 decode, but as much as an ldapber encode of a bind.
    Every contender is timed the same way.  Returns the last call's result."""
    f(arg)  # warm up: caches, compiled specs
    started = time.perf_counter()
    f(arg)
    once = time.perf_counter() - started
    calls = 1 if once >= BATCH_BELOW else max(1, min(1000, int(BATCH_BELOW / max(per_call(f, arg), 1e-9))))
    if calls == 1:
        return benchmark(f, arg)
    benchmark.extra_info["calls"] = calls

    def batch() -> Any:
        result = None
        for _ in repeat(None, calls):
            result = f(arg)
        return result

    return benchmark(batch)
