"""Fuzzing in CI: the committed corpus, a short atheris run, the sanitized build.

The long campaigns are run by hand (``fuzz/README.md``); what runs here is
bounded: every corpus file through its target, about a minute of
coverage-guided fuzzing over all targets, and the compiled backend built
with AddressSanitizer and UndefinedBehaviorSanitizer replaying the fuzz
corpus and the whole PROTOS-style corpus.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.targets import TARGETS

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_committed_corpus_replays_clean(target: str) -> None:
    cases = sorted((CORPUS / target).iterdir())
    assert cases, f"no corpus for {target}"
    for case in cases:
        TARGETS[target](case.read_bytes())


def test_targets_detect_what_they_check() -> None:
    # A target that cannot fail would make the fuzzing meaningless.
    from fuzz import targets
    original = targets._PY
    try:
        targets._PY = type("Broken", (), {"decode": staticmethod(lambda data: "different"),
                                          "encode": staticmethod(lambda m: b"")})()
        with pytest.raises(AssertionError, match="disagree"):
            targets.decode(next(iter(sorted((CORPUS / "decode").iterdir()))).read_bytes())
    finally:
        targets._PY = original


def test_the_stream_target_detects_a_stream_that_loses_messages() -> None:
    from fuzz import targets

    class Lossy:  # a stream decoder that drops every message after the first
        def __init__(self, **options: object) -> None:
            self.inner = original.StreamDecoder(**options)
            self.given = 0

        def feed(self, data: bytes) -> None:
            self.inner.feed(data)

        def read(self) -> list[object]:
            out = self.inner.read()[:1 - self.given] if self.given < 1 else []
            self.given += len(out)
            return out

        def __iter__(self) -> object:
            return iter(self.read())

    original = targets._PY
    case = (CORPUS / "stream").iterdir()
    longest = max(case, key=lambda f: f.stat().st_size).read_bytes()
    targets.stream(longest)  # passes as it is
    try:
        targets._PY = type("Broken", (), {"StreamDecoder": Lossy, "decode_prefix": original.decode_prefix})()
        with pytest.raises(AssertionError, match="disagree"):
            targets.stream(longest)
    finally:
        targets._PY = original


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_a_short_coverage_guided_run_finds_nothing() -> None:
    out = subprocess.run([sys.executable, "-m", "fuzz.run", "all", "-max_total_time=8"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+)", log)
    assert len(done) == len(TARGETS) and all(int(runs) > 1000 and int(cov) > 0 for runs, cov in done), log[-4000:]


def _has_sanitizers() -> bool:
    cc = os.environ.get("CC", "gcc")
    try:
        path = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return False
    return os.path.isabs(path) and os.path.exists(path)


@pytest.mark.skipif(not _has_sanitizers(), reason="no compiler with the AddressSanitizer runtime")
def test_the_sanitized_build_replays_every_corpus_without_a_finding() -> None:
    out = subprocess.run([sys.executable, "-m", "fuzz.sanitize"], cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert "no finding" in out.stdout and "PROTOS cases" in out.stdout
