"""The native reference: OpenLDAP's liblber in C on the same PDUs ("speed of light").

:func:`build` compiles ``lber_bench.c`` (beside this file) with the system C
compiler against liblber, once per source / compiler / flags (the hash is in
the binary's name, cached in ``bench/results/.build/``, which git ignores).
Where the compiler, ``lber.h`` or liblber is missing it returns an
:class:`Unavailable` with the reason instead of failing; on Debian the
library comes with ``apt-get install libldap-dev``.  :func:`measure` runs the
program on the corpus and returns its JSON; :func:`check` proves, untimed,
that what it measures is a complete walk and a correct encode.

What is timed (per PDU; median of ``rounds`` rounds of at least
``min_round_ms`` each, ``clock_gettime(CLOCK_MONOTONIC)``):

decode walk
    ``ber_init2`` over the PDU's bytes (no copy) on a ``BerElement`` allocated
    once, then a recursive walk of *every* element: constructed ones entered
    with ``ber_first_element`` / ``ber_next_element`` and checked to end
    exactly at their length; primitives read with the getter their type
    calls for (``ber_get_int`` / ``ber_get_enum`` / ``ber_get_boolean`` /
    ``ber_get_null`` into C values; every string with ``ber_get_stringbv``
    and ``LBER_BV_NOTERM``: pointer and length into the input).  The walk
    reports the elements it visited and the primitive content bytes, and
    :func:`check` compares them with :func:`count_tlv`, an independent TLV
    count in Python.
encode
    ``ber_alloc_t(LBER_USE_DER)`` as libldap does (minimal lengths; with
    ``der=False``, ``ber_alloc_t(0)``: 4-byte lengths ``30 84 00 00 00 xx``
    on every constructed element), the message-specific ``ber_printf`` format
    strings libldap / slapd use (``"{it{O{"`` then ``"{O[W]}"`` per attribute
    for an entry, ``"{it{Oeeiib"`` plus a filter printer for a search, ...;
    one builder per protocolOp kind, chosen by its tag), ``ber_flatten2``
    without copy and ``ber_free``.  The field values come from a C tree read
    from the PDU once, outside the timing.  :func:`check` decodes every
    output with ldapber and requires it to equal ``ldapber.decode`` of the
    original PDU (the bytes are compared too, but need not be equal).
stream
    one ``ber_init2`` over the whole buffer and the same walk PDU after PDU:
    MB/s (10^6 bytes) and messages/s.

Why it is a fair floor, and what it leaves out: the walk builds no objects
and allocates nothing, copies no value, validates no UTF-8, does not check
that INTEGERs are minimal, that BOOLEANs are one byte, that a tag is allowed
where it appears or that a control value is well formed (it stays an opaque
string, as in the TLV count); it does check every tag and length and that
children fill their parents exactly.  ldapber does all of that *and* builds
Python objects, so the ratio of its decode to this walk is the price of a
validated, materialized result over the bare parse.  The encoder gets its
values as ready C pointers and lengths (no str -> bytes encoding), as a C
client has them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import struct
import subprocess
import sysconfig
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("lber_bench.c")
#: Where the binaries are cached (git ignores bench/results/).
CACHE_DIR = Path(__file__).resolve().parents[1] / "results" / ".build"
CFLAGS = ("-O2", "-Wall", "-Wextra", "-std=gnu11")
LIBS = ("-llber",)
INSTALL_HINT = "apt-get install libldap-dev"


@dataclass(frozen=True)
class Unavailable:
    """Why the native reference cannot run here (falsy)."""

    reason: str

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"unavailable: {self.reason}"


class CheckError(AssertionError):
    """liblber's walk or encode disagrees with ldapber."""


def _compiler(cc: str | None) -> list[str] | None:
    if cc is None:
        cc = os.environ.get("CC") or ""
    argv = shlex.split(cc)
    if argv:
        return argv if shutil.which(argv[0]) else None
    configured = shlex.split(sysconfig.get_config_var("CC") or "")
    for candidate in ([configured[0]] if configured else []) + ["cc", "gcc", "clang"]:
        if shutil.which(candidate):
            return [candidate]
    return None


def build(*, cc: str | None = None, cache_dir: Path | None = None) -> Path | Unavailable:
    """The compiled program (built only when the source, compiler or flags
    changed), or :class:`Unavailable` with the reason it cannot be built."""
    compiler = _compiler(cc)
    if compiler is None:
        return Unavailable(f"no C compiler found ({cc or os.environ.get('CC') or 'cc, gcc, clang'})")
    if not SOURCE.is_file():
        return Unavailable(f"{SOURCE} is missing")
    digest = hashlib.sha256(SOURCE.read_bytes())
    digest.update("\0".join([*compiler, *CFLAGS, *LIBS]).encode())
    cache = cache_dir or CACHE_DIR
    binary = cache / f"lber_bench-{digest.hexdigest()[:16]}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return Unavailable(f"cannot create {cache}: {e}")
    fd, tmp = tempfile.mkstemp(prefix=binary.name + ".", dir=cache)
    os.close(fd)
    try:
        try:
            proc = subprocess.run([*compiler, *CFLAGS, "-o", tmp, str(SOURCE), *LIBS],
                                  capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return Unavailable(f"compiler {compiler[0]} failed to run: {e}")
        if proc.returncode != 0:
            err = proc.stderr
            if "lber.h" in err:
                return Unavailable(f"lber.h not found (OpenLDAP development files; {INSTALL_HINT})")
            if "-llber" in err or "liblber" in err:
                return Unavailable(f"liblber not found by the linker ({INSTALL_HINT})")
            first = next((line for line in err.splitlines() if "error" in line), err.strip()[:200])
            return Unavailable(f"{compiler[0]} failed: {first}")
        os.replace(tmp, binary)
        for stale in cache.glob("lber_bench-*"):  # builds of older sources
            if stale != binary and "." not in stale.name:
                stale.unlink(missing_ok=True)
        return binary
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---------------------------------------------------------------- helpers


def _data(x: Any) -> bytes:
    """Bytes of a sample: bytes themselves or a workload.Sample / Stream."""
    for attr in ("data", "buffer"):
        if hasattr(x, attr):
            return bytes(getattr(x, attr))
    return bytes(x)


def _write_corpus(path: Path, samples: Mapping[str, bytes]) -> None:
    with open(path, "wb") as f:
        for name, data in samples.items():
            raw = name.encode()
            f.write(struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(data)) + data)


def _read_corpus(path: Path) -> dict[str, bytes]:
    buf, out, pos = path.read_bytes(), {}, 0
    while pos < len(buf):
        (n,) = struct.unpack_from("<I", buf, pos)
        name = buf[pos + 4:pos + 4 + n].decode()
        pos += 4 + n
        (n,) = struct.unpack_from("<I", buf, pos)
        out[name] = buf[pos + 4:pos + 4 + n]
        pos += 4 + n
    return out


def _run(binary: Path, samples: Mapping[str, Any], stream: Any, args: list[str],
         workdir: Path) -> dict[str, Any]:
    corpus = workdir / "corpus.bin"
    _write_corpus(corpus, {name: _data(s) for name, s in samples.items()})
    argv = [str(binary), *args]
    if stream is not None:
        stream_file = workdir / "stream.bin"
        stream_file.write_bytes(_data(stream))
        argv += ["--stream", str(stream_file)]
    proc = subprocess.run([*argv, str(corpus)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"lber_bench exited with {proc.returncode}: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def count_tlv(data: bytes) -> tuple[int, int]:
    """(elements, primitive content bytes) of the BER TLVs in ``data``, which
    may hold several back to back; constructed elements are descended,
    primitive ones are opaque.  Definite lengths only."""
    elements = prim = 0
    stack = [len(data)]  # ends of the open constructed elements
    pos = 0
    while pos < len(data):
        while pos == stack[-1]:
            stack.pop()
        first = data[pos]
        pos += 1
        if first & 0x1F == 0x1F:  # high tag number
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        n = data[pos]
        pos += 1
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 8:
                raise ValueError(f"unsupported length form at offset {pos - 1}")
            n = int.from_bytes(data[pos:pos + k], "big")
            pos += k
        end = pos + n
        if end > stack[-1]:
            raise ValueError(f"element at offset {pos} overruns its parent")
        elements += 1
        if first & 0x20:
            stack.append(end)
        else:
            prim += n
            pos = end
    return elements, prim


# ---------------------------------------------------------------- API


def measure(samples: Mapping[str, Any], stream: Any = None, rounds: int = 15, *,
            min_round_ms: float = 2.0, der: bool = True, binary: Path | None = None) -> dict[str, Any]:
    """Time liblber on each sample (name -> PDU bytes, or workload.Sample) and
    on ``stream`` (bytes or workload.Stream) when given.

    Returns the program's JSON: ``liblber`` (version, library file),
    ``messages`` (name -> ``bytes``, ``kind``, ``elements``,
    ``primitive_bytes``, ``decode_ns``, ``decode_error``, ``encode_ns``,
    ``encode_bytes``, ``encode_error``: a null time comes with its reason)
    and ``stream`` (``bytes``, ``pdus``, ``ns``, ``mb_per_s``,
    ``msgs_per_s``, ``error``) or None.  ``der=False`` encodes with
    ``ber_alloc_t(0)`` (4-byte lengths on every constructed element) instead
    of libldap's ``LBER_USE_DER`` (minimal lengths).  Where the program cannot
    be built, ``{"unavailable": reason}``."""
    if binary is None:
        built = build()
        if isinstance(built, Unavailable):
            return {"unavailable": built.reason}
        binary = built
    args = ["--rounds", str(rounds), "--min-ns", str(int(min_round_ms * 1e6))] + ([] if der else ["--no-der"])
    with tempfile.TemporaryDirectory(prefix="lber_bench.") as tmp:
        return _run(binary, samples, stream, args, Path(tmp))


def _walk_problems(name: str, walked: Mapping[str, Any], data: bytes) -> list[str]:
    """What is wrong with liblber's walk of ``data``: it must visit the
    elements and primitive bytes :func:`count_tlv` finds."""
    expected = count_tlv(data)
    if (walked["elements"], walked["primitive_bytes"]) == expected:
        return []
    return [f"{name}: liblber walked {walked['elements']} elements / {walked['primitive_bytes']} primitive bytes, "
            f"the TLV count is {expected[0]} / {expected[1]}"]


def check(samples: Mapping[str, Any], stream: Any = None, *, der: bool = True,
          binary: Path | None = None) -> dict[str, dict[str, Any]]:
    """Untimed cross-check of the native program against ldapber.

    For each sample: liblber's walk must visit exactly the elements and
    primitive bytes :func:`count_tlv` finds, and where a ber_printf builder
    exists its output must decode (with ldapber) to ``ldapber.decode`` of
    the sample.  Raises :class:`CheckError` on any disagreement.  A PDU that
    liblber rejects or cannot encode is not a disagreement: it is reported.

    Returns name -> ``elements``, ``primitive_bytes``, ``decode``
    (``"ok"`` or ``"error: ..."``), ``encode`` (``"ok"``, ``"cannot: ..."``),
    ``identical`` (liblber's bytes equal the sample's; ``der`` as for
    :func:`measure`) and, with ``stream``,
    the entry ``"<stream>"``.  Raises :class:`RuntimeError` if the program
    cannot be built."""
    import ldapber

    if binary is None:
        built = build()
        if isinstance(built, Unavailable):
            raise RuntimeError(str(built))
        binary = built
    with tempfile.TemporaryDirectory(prefix="lber_bench.") as tmp:
        out = Path(tmp) / "encoded.bin"
        args = ["--no-time", "--encode-out", str(out)] + ([] if der else ["--no-der"])
        result = _run(binary, samples, stream, args, Path(tmp))
        encoded = _read_corpus(out)

    report: dict[str, dict[str, Any]] = {}
    problems = []
    for name, sample in samples.items():
        data = _data(sample)
        r = result["messages"][name]
        entry: dict[str, Any] = {"elements": r["elements"], "primitive_bytes": r["primitive_bytes"]}
        report[name] = entry
        if r["decode_error"] is not None:
            entry["decode"] = f"error: {r['decode_error']}"
        else:
            entry["decode"] = "ok"
            problems += _walk_problems(name, r, data)
        if r["encode_error"] is not None:
            entry["encode"] = f"cannot: {r['encode_error']}"
            continue
        got = encoded.get(name)
        if got is None or len(got) != r["encode_bytes"]:
            problems.append(f"{name}: encode output missing or truncated")
            continue
        entry["identical"] = got == data
        try:
            same = ldapber.decode(got) == ldapber.decode(data)
        except ldapber.LDAPBERError as e:
            problems.append(f"{name}: ldapber rejects liblber's encoding: {e}")
            continue
        if not same:
            problems.append(f"{name}: liblber's encoding decodes to a different message")
            continue
        entry["encode"] = "ok"

    if stream is not None:
        s = result["stream"]
        buffer = _data(stream)
        entry = {"elements": s["elements"], "primitive_bytes": s["primitive_bytes"], "pdus": s["pdus"]}
        report["<stream>"] = entry
        if s["error"] is not None:
            entry["decode"] = f"error: {s['error']}"
        else:
            entry["decode"] = "ok"
            problems += _walk_problems("stream", s, buffer)
            if hasattr(stream, "pdus") and s["pdus"] != len(stream.pdus):
                problems.append(f"stream: liblber walked {s['pdus']} PDUs of {len(stream.pdus)}")
    if problems:
        raise CheckError("; ".join(problems))
    return report
