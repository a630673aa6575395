"""The compiled and the pure-Python backend must be indistinguishable.

Same bytes for the same object; for any input bytes, either both decode to
equal objects, or both raise the same exception class with the same offset,
rule, path and message.  Nothing but ldapber's own errors may escape: an
IndexError, KeyError, RecursionError, ... from either backend fails the
test (the ``outcome`` helpers only catch ``LDAPBERError``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ldapber
from ldapber import (
    And,
    Attribute,
    Control,
    DecodeError,
    DerefAliases,
    EncodeError,
    LDAPMessage,
    Not,
    PartialAttribute,
    Present,
    ResultCode,
    Rule,
    Scope,
    SearchRequest,
    SearchResultDone,
    UnknownAlternative,
)
from ldapber.errors import RELAXABLE_RULES, LDAPBERError

try:
    from . import strategies as S
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    import strategies as S  # type: ignore[no-redef]
from ber import length
from samples import MESSAGES as SAMPLE_MESSAGES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fuzz.protos import element_headers  # noqa: E402

FIXTURE_OK = [HealthCheck.function_scoped_fixture]
ROOT = Path(__file__).resolve().parent.parent


def decode_outcome(fn, *args, exact: bool = True, **kwargs) -> tuple:  # type: ignore[no-untyped-def]
    """What a decode call did, comparable across backends.  Any exception
    other than an ldapber error propagates and fails the test.  ``exact``
    compares results by repr (enum member vs int, True vs 1); objects nested
    hundreds deep compare with == instead (repr would hit the recursion limit)."""
    try:
        value = fn(*args, **kwargs)
    except LDAPBERError as err:
        assert isinstance(err, DecodeError), f"a decoder raised {type(err).__name__}: {err}"
        assert isinstance(err.rule, Rule)
        assert err.offset >= 0
        return ("error", type(err), err.offset, err.rule, err.path, err.message, str(err), getattr(err, "needed", None))
    return ("ok", repr(value) if exact else value)


def encode_outcome(fn, obj) -> tuple:  # type: ignore[no-untyped-def]
    try:
        data = fn(obj)
    except LDAPBERError as err:
        assert isinstance(err, EncodeError), f"an encoder raised {type(err).__name__}: {err}"
        return ("error", type(err), err.path, str(err))
    assert type(data) is bytes
    return ("ok", data)


ALL_RELAXED = tuple(sorted(RELAXABLE_RULES, key=lambda r: r.value))
OPTION_SETS = [
    {},
    {"strict": False},
    {"relax": ALL_RELAXED},
    {"relax": (Rule.UTF8, Rule.SIZE_CONSTRAINT)},
    {"max_depth": 1},
    {"max_depth": 3},
    {"max_depth": 6},
]


def assert_backends_agree_on(both: tuple[ldapber.Codec, ldapber.Codec], data: bytes) -> list[tuple]:
    """Decode ``data`` every way with both backends; they must agree.  When a
    decode succeeds, re-encoding the result must agree too."""
    cy, py = both
    outcomes = []
    for opts in OPTION_SETS:
        for method in ("decode", "decode_prefix"):
            a = decode_outcome(getattr(cy, method), data, **opts)
            b = decode_outcome(getattr(py, method), data, **opts)
            assert a == b, f"{method}({data.hex()}, {opts}): cython {a} != python {b}"
            outcomes.append(a)
            if a[0] == "ok" and method == "decode":
                msg = cy.decode(data, **opts)
                ea, eb = encode_outcome(cy.encode, msg), encode_outcome(py.encode, py.decode(data, **opts))
                assert ea == eb, f"re-encoding the decode of {data.hex()} ({opts}): {ea} != {eb}"
    # Other buffer types take other paths (no fast path; the Python backend copies).
    for buf in (bytearray(data), memoryview(data), memoryview(b"\x00" + data)[1:]):
        for method in ("decode", "decode_prefix"):
            a = decode_outcome(getattr(cy, method), buf)
            b = decode_outcome(getattr(py, method), buf)
            assert a == b, f"{method}({type(buf).__name__} {data.hex()}): cython {a} != python {b}"
            assert a == outcomes[0 if method == "decode" else 1]
    return outcomes


# -- valid objects -------------------------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE_OK)
@given(m=S.messages())
def test_same_bytes_and_same_objects(both: tuple[ldapber.Codec, ldapber.Codec], m: LDAPMessage) -> None:
    cy, py = both
    data = cy.encode(m)
    assert py.encode(m) == data
    a, b = cy.decode(data), py.decode(data)
    assert a == b == m
    assert repr(a) == repr(b)
    # The decoded objects are interchangeable: each backend encodes the other's.
    assert cy.encode(b) == py.encode(a) == data


# -- arbitrary and mutated bytes -------------------------------------------------------
INTERESTING = [0x00, 0x01, 0x02, 0x04, 0x0A, 0x1F, 0x20, 0x30, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x87, 0x88, 0xA0, 0xFF]
# Strategies are built once: building them inside a composite costs more than drawing.
_BASE_MESSAGES = S.messages(filter_depth=3)
_OPS = st.sampled_from(["flip", "flip", "set", "set", "insert", "delete", "duplicate", "truncate"])
_BYTE = st.sampled_from(INTERESTING) | st.integers(0, 255)
_INSERT = st.binary(min_size=1, max_size=4) | st.sampled_from([b"\x00", b"\x80", b"\x01\x01\x01", b"\x30\x00"])


def _reframe(data: bytearray) -> bytearray:
    """Make the outer LDAPMessage length match the data again, so that an
    edit which changed a length is judged inside the PDU, not at its edge."""
    if len(data) < 2 or data[0] != 0x30:
        return data
    n = data[1]
    head = 2 if n < 0x80 else 2 + (n & 0x7F)
    body = data[head:]
    if len(body) < 0x80:
        return bytearray(b"\x30" + bytes((len(body),)) + body)
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytearray(b"\x30" + bytes((0x80 | len(size),)) + size + body)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid encoding with one to three random edits, the outer length
    sometimes fixed up afterwards."""
    data = bytearray(ldapber.codec_for("python").encode(draw(_BASE_MESSAGES)))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(_OPS)
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(_BYTE)
        elif op == "insert":
            data[pos:pos] = draw(_INSERT)
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 4))]
        elif op == "duplicate":
            end = draw(st.integers(pos, min(len(data), pos + 8)))
            data[pos:pos] = data[pos:end]
        elif op == "truncate":
            del data[pos:]
    if draw(st.booleans()):
        data = _reframe(data)
    return bytes(data)


_NOISE = st.binary(max_size=40)
_NOISE_HEADS = st.sampled_from([b"\x02\x01\x01", b"\x02\x01\x05\x63", b"\x02\x01\x07\x60", b""])


@st.composite
def framed_noise(draw: st.DrawFn) -> bytes:
    """Random content behind a plausible LDAPMessage header, so the decoder
    gets past the first octet."""
    body = draw(_NOISE)
    head = draw(_NOISE_HEADS)
    body = head + body
    if len(body) < 0x80:
        return b"\x30" + bytes((len(body),)) + body
    return b"\x30\x81" + bytes((len(body),)) + body


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=st.one_of(st.binary(max_size=64), framed_noise(), mutated(), mutated()))
@example(data=b"")
@example(data=b"\x30")
@example(data=b"\x30\x00")  # messageID missing at the very end of the buffer
@example(data=bytes.fromhex("30050201016300"))  # baseObject missing at the end
@example(data=bytes.fromhex("30080201016403040178"))  # attributes missing at the end
@example(data=b"\x30\x80")
@example(data=b"\x30\xff")
@example(data=b"\x30\x88\x00\x00\x00\x00\x00\x00\x00\x05")  # leading zeros, then 5
@example(data=b"\x30\x89\x01\x00\x00\x00\x00\x00\x00\x00\x00")  # more than 7 significant octets
@example(data=b"\x30\x84\xff\xff\xff\xff")
@example(data=bytes.fromhex("300c02010165070a015c04000400"))  # resultCode 92
@example(data=bytes.fromhex("300702010165020a00"))  # LDAPResult cut after resultCode's tag
@example(data=bytes.fromhex("30060201014201ff"))  # NULL with content
@example(data=bytes.fromhex("30050201016200"))  # constructed NULL
@example(data=bytes.fromhex("300c0201006308040004000a0100"))  # SearchRequest overflowing its parent
@example(data=bytes.fromhex("300d02090080000000000000004200"))  # 9-octet messageID
@example(data=bytes.fromhex("3006020200014200"))  # non-minimal messageID
@example(data=bytes.fromhex("300502 01ff 4200".replace(" ", "")))  # negative messageID
@example(data=bytes.fromhex("300c020101a0070405312e322e33"))  # [0] where protocolOp belongs
@example(data=bytes.fromhex("300602010142001f"))  # a stray octet after the components
@example(data=bytes.fromhex("30070201017f818180"))  # multi-octet unknown tag, cut
@example(data=bytes.fromhex("30090201015f8181818100"))  # tag number beyond 4 octets
@example(data=bytes.fromhex("300c02010160070201030400a000"))  # constructed simple password
@example(data=bytes.fromhex("300d02010160070201030400800000"))  # trailing octet in the PDU
@example(data=bytes.fromhex("30050201014a00"))  # delRequest with an empty DN
@example(data=bytes.fromhex("30070201014a02c328"))  # invalid UTF-8 DN
@example(data=bytes.fromhex("30080201014a03eda080"))  # UTF-8 encoded surrogate
@example(data=bytes.fromhex("30050201017300"))  # empty searchResRef: SIZE (1..MAX)
@example(data=bytes.fromhex("30050201015000"))  # abandonRequest with an empty INTEGER
@example(data=bytes.fromhex("300e020101a409040161300480016181"))  # substrings where protocolOp belongs
@example(data=bytes.fromhex("30100201016b0b0a0100040004000a01ff"))  # unknown trailing ENUMERATED-tagged element
def test_backends_agree_on_any_bytes(both: tuple[ldapber.Codec, ldapber.Codec], data: bytes) -> None:
    assert_backends_agree_on(both, data)


@pytest.mark.parametrize(
    "hexdata,buffer_type,method",
    [
        ("3080", bytearray, "decode_prefix"),
        ("0400", memoryview, "decode_prefix"),
        ("30ff", memoryview, "decode_all"),
        ("30890100000000000000000000", bytearray, "decode_all"),
    ],
)
def test_buffer_types_report_header_errors_alike(
    both: tuple[ldapber.Codec, ldapber.Codec], method: str, buffer_type: type, hexdata: str
) -> None:
    """Found by this suite (fixed since): the Python backend's decode_prefix
    and decode_all of a bytearray/memoryview with an invalid outer header
    raised with path '' where bytes input and the cython backend say
    'LDAPMessage'."""
    data = bytes.fromhex(hexdata)
    cy, py = both
    reference = decode_outcome(getattr(cy, method), data)
    assert reference[0] == "error" and reference[4] == "LDAPMessage"
    assert decode_outcome(getattr(py, method), data) == reference
    assert decode_outcome(getattr(cy, method), buffer_type(data)) == reference
    assert decode_outcome(getattr(py, method), buffer_type(data)) == reference


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(
    data=mutated() | st.binary(max_size=40) | S.filters(3).map(lambda f: FILTER_PREFIX + _filter_bytes(f)),
    type_name=st.sampled_from(
        [
            "Filter",
            "Control",
            "Controls",
            "SearchRequest",
            "AuthenticationChoice",
            "LDAPResult",
            "AttributeList",
            "Referral",
            "SubstringFilter",
            "MatchingRuleAssertion",
            "BindRequest",
            "IntermediateResponse",
        ]
    ),
)
def test_backends_agree_on_any_value_type(
    both: tuple[ldapber.Codec, ldapber.Codec], data: bytes, type_name: str
) -> None:
    # Mutated messages (or filters), minus a few leading octets, as some type's input.
    cy, py = both
    for chunk in (data, data[2:], data[5:], data[len(FILTER_PREFIX) :]):
        for opts in ({}, {"strict": False}, {"max_depth": 2}):
            a = decode_outcome(cy.decode_value, type_name, chunk, **opts)
            b = decode_outcome(py.decode_value, type_name, chunk, **opts)
            assert a == b, f"decode_value({type_name!r}, {chunk.hex()}, {opts}): {a} != {b}"


FILTER_PREFIX = b"\x30\x00\x02\x01"  # junk in front: chunks above cut it off again


def _filter_bytes(f: object) -> bytes:
    """A Filter's encoding: a SearchRequest's, cut out of it."""
    m = ldapber.codec_for("python").encode(search(f))
    sr = ldapber.codec_for("python").decode(m)
    body = ldapber.codec_for("python").encode_value(sr.protocol_op)
    # SearchRequest header, baseObject 04 00, 2 ENUMERATED, 2 INTEGER, BOOLEAN: 2+2+3+3+3+3+3 after the header.
    head = 2 if body[1] < 0x80 else 2 + (body[1] & 0x7F)
    start = head + 2 + 3 + 3 + 3 + 3 + 3
    return body[start:-2]  # minus the empty attributes 30 00


def _cut_at(data: bytes, head: tuple[int, int, int, int], keep: int) -> bytes:
    """``data`` (one element) as if the buffer stopped ``keep`` octets into
    the element ``head`` (see element_headers): what follows is gone, and
    every enclosing element's length is rewritten to end there."""
    p, hl, cl, _ = head
    out = data[:p + min(keep, hl + cl)]
    for q, qhl, qcl, tag in reversed(element_headers(data)):  # innermost first
        if q < p < q + qhl + qcl:
            out = out[:q] + bytes([tag]) + length(len(out) - q - qhl) + out[q + qhl:]
    return out


@pytest.mark.parametrize("index", range(len(SAMPLE_MESSAGES)))
def test_every_depth_limit_fails_alike(both: tuple[ldapber.Codec, ldapber.Codec], index: int) -> None:
    """The Python decoders write nested SEQUENCEs and SEQUENCE OFs into
    their parent's function, each with its own depth test: for every
    sample and every limit up to its depth, both backends stop at the same
    element, or both decode it."""
    cy, py = both
    data = cy.encode(SAMPLE_MESSAGES[index])
    stopped = set()
    for max_depth in range(1, 12):
        outcome = decode_outcome(py.decode, data, max_depth=max_depth)
        assert outcome == decode_outcome(cy.decode, data, max_depth=max_depth), max_depth
        if outcome[0] == "error":
            assert outcome[3] is Rule.MAX_DEPTH
            stopped.add(outcome[2])
    assert outcome[0] == "ok"  # the deepest limit lets it through
    p, hl, cl, _ = element_headers(data)[1]  # messageID; protocolOp follows it
    assert bool(stopped) == bool(data[p + hl + cl] & 0x20), stopped  # a shallow limit stops a constructed one


@pytest.mark.parametrize("index", range(len(SAMPLE_MESSAGES)))
def test_headers_cut_by_the_buffers_end_fail_alike(both: tuple[ldapber.Codec, ldapber.Codec], index: int) -> None:
    """The Python decoders read a header's octets without testing the
    buffer's end, and decode again over a padded copy on IndexError (see
    pyruntime.PAD).  Cut every sample right before, inside and after every
    element's header, at every depth: both backends report the same error
    (or the same value, where what is left is still a valid message)."""
    cy, py = both
    data = cy.encode(SAMPLE_MESSAGES[index])
    rules = set()
    for head in element_headers(data)[1:]:  # every element inside the message
        for keep in (0, 1, 2, 3):
            cut = _cut_at(data, head, keep)
            outcome = decode_outcome(py.decode, cut)
            assert outcome == decode_outcome(cy.decode, cut), f"decode({cut.hex()})"
            assert decode_outcome(py.decode_all, cut + cut) == decode_outcome(cy.decode_all, cut + cut)
            if outcome[0] == "error":
                rules.add(outcome[3])
                with pytest.raises(DecodeError) as caught:
                    py.decode(cut)
                assert caught.value.__context__ is None  # no IndexError shows through
    assert rules & {Rule.MISSING_COMPONENT, Rule.LENGTH_OVERFLOW}, rules


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURE_OK)
@given(
    ms=st.lists(S.messages(filter_depth=2), min_size=1, max_size=3),
    cut=st.integers(0, 400),
    noise=st.binary(max_size=6),
)
def test_backends_agree_on_streams(both: tuple[ldapber.Codec, ldapber.Codec], ms: list, cut: int, noise: bytes) -> None:
    cy, py = both
    whole = b"".join(cy.encode(m) for m in ms)
    k = cut % (len(whole) + 1)
    stream = whole[: len(whole) - k] + noise
    a, b = decode_outcome(cy.decode_all, stream), decode_outcome(py.decode_all, stream)
    assert a == b
    if stream == whole:
        assert a == ("ok", repr(ms))


def test_the_mutation_fuzzer_reaches_deep_errors(both: tuple[ldapber.Codec, ldapber.Codec]) -> None:
    """Guard against a fuzzer that only ever trips on the first octet: a
    fixed sample of inputs must reach errors with paths below protocolOp
    and a spread of rules."""
    paths, rules = set(), set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(data=mutated())
    def collect(data: bytes) -> None:
        for out in assert_backends_agree_on(both, data)[:1]:
            if out[0] == "error":
                paths.add(out[4].count("."))
                rules.add(out[3])

    collect()
    assert max(paths) >= 3
    assert len(rules) >= 6


# -- encode errors ---------------------------------------------------------------------
JUNK = [
    None,
    0,
    -1,
    2**31,
    2**63,
    2**64,
    True,
    1.5,
    "",
    "x\ud800",
    b"",
    b"x",
    bytearray(b"ab"),
    memoryview(b"mv"),
    [],
    [None],
    ["s"],
    [b"b"],
    (),
    ("t",),
    object(),
    UnknownAlternative(b""),
    UnknownAlternative(b"\x04\x00"),
    Present("p"),
    PartialAttribute("a", []),
    Control("1"),
    ResultCode.SUCCESS,
    {"a": 1},
]


def _slots(obj: object) -> list[str]:
    names: list[str] = []
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in names:
                names.append(name)
    return names


def _field_paths(obj: object, path: tuple = ()) -> list[tuple]:
    """Every (container, key) inside a model object: slots and list items."""
    out = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            out.append((obj, i))
            out.extend(_field_paths(item, path + (i,)))
    elif hasattr(type(obj), "_fields"):
        for name in _slots(obj):
            out.append((obj, name))
            out.extend(_field_paths(getattr(obj, name), path + (name,)))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
@given(m=S.messages(filter_depth=3), data=st.data())
def test_backends_agree_on_broken_objects(
    both: tuple[ldapber.Codec, ldapber.Codec], m: LDAPMessage, data: st.DataObject
) -> None:
    cy, py = both
    m = py.decode(py.encode(m))  # a private copy to break
    targets = _field_paths(m)
    container, key = data.draw(st.sampled_from(targets), label="target")
    junk = data.draw(st.sampled_from(JUNK), label="junk")
    if isinstance(container, list):
        container[key] = junk
    else:
        object.__setattr__(container, key, junk)
    a, b = encode_outcome(cy.encode, m), encode_outcome(py.encode, m)
    assert a == b, f"{a} != {b}"


BROKEN = [
    LDAPMessage(1, SearchResultDone(ResultCode.SUCCESS, "", "", referral=[])),
    LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, And([]), [])),
    LDAPMessage(1, SearchRequest("", Scope.BASE_OBJECT, 0, -1, 0, False, Present("x"), [])),
    LDAPMessage(1, SearchRequest("", Scope.BASE_OBJECT, 0, 0, 2**31, False, Present("x"), [])),
    LDAPMessage(1, SearchRequest("", Scope.BASE_OBJECT, 0, 0, 0, False, Present("x"), ["ok", "bad\udc80"])),
    LDAPMessage(2**31, SearchResultDone(ResultCode.SUCCESS, "", "")),
    LDAPMessage(1, ldapber.AddRequest("cn=x", [Attribute("a", [b"1"]), Attribute("b", [])])),
    LDAPMessage(1, ldapber.BindRequest(128, "", ldapber.Simple(b""))),
    LDAPMessage(1, ldapber.BindRequest(0, "", ldapber.Simple(b""))),
    LDAPMessage(1, ldapber.SearchResultReference([])),
    LDAPMessage(1, SearchResultDone(-1, "", "")),
    LDAPMessage(1, SearchResultDone(2**31, "", "")),
    LDAPMessage(1, ldapber.AbandonRequest(-5)),
    LDAPMessage(1, UnknownAlternative(b"\x75\x05\x00")),
    LDAPMessage(1, SearchResultDone(ResultCode.SUCCESS, "", ""), controls=[Control("1", criticality=None)]),
    LDAPMessage(1, SearchResultDone(ResultCode.SUCCESS, "", ""), extensions=(b"\xc0\x00", b"\xc0")),
    LDAPMessage(
        1,
        SearchRequest(
            "",
            Scope.BASE_OBJECT,
            0,
            0,
            0,
            False,
            ldapber.SubstringFilter("a", [ldapber.Any(b""), ldapber.Final(b""), ldapber.Final(b"")]),
            [],
        ),
    ),
    LDAPMessage(
        1,
        SearchRequest(
            "",
            Scope.BASE_OBJECT,
            0,
            0,
            0,
            False,
            ldapber.SubstringFilter("a", [ldapber.Initial(b""), ldapber.Initial(b"")]),
            [],
        ),
    ),
]


@pytest.mark.parametrize("m", BROKEN, ids=range(len(BROKEN)))
def test_encode_errors_are_identical(both: tuple[ldapber.Codec, ldapber.Codec], m: LDAPMessage) -> None:
    cy, py = both
    a, b = encode_outcome(cy.encode, m), encode_outcome(py.encode, m)
    assert a[0] == "error", f"encoded an invalid object: {a}"
    assert a == b
    assert a[2].startswith("LDAPMessage")


@pytest.mark.parametrize("junk", [None, [], 0, "", b"", False], ids=repr)
def test_falsy_extensions_are_rejected_alike(both: tuple[ldapber.Codec, ldapber.Codec], junk: object) -> None:
    """``extensions`` must be a tuple; a falsy non-tuple is an EncodeError on
    both backends, not silently taken for ``()`` by one of them (found by
    this suite, fixed since: the Python backend used to accept them)."""
    cy, py = both
    m = LDAPMessage(1, SearchResultDone(ResultCode.SUCCESS, "", "", extensions=junk))  # type: ignore[arg-type]
    a, b = encode_outcome(cy.encode, m), encode_outcome(py.encode, m)
    assert a == b
    assert a[0] == "error"


# -- nesting: deep filters -------------------------------------------------------------
def nested(kind: type, n: int) -> object:
    f: object = Present("x")
    for _ in range(n):
        f = kind([f]) if kind is And else kind(f)
    return f


def search(filter_: object) -> LDAPMessage:
    return LDAPMessage(
        1, SearchRequest("", Scope.BASE_OBJECT, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False, filter_, [])
    )


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def nested_search_bytes(tag: int, n: int) -> bytes:
    """A SearchRequest whose filter is ``n`` AND (tag 0xa0) or NOT (0xa2)
    levels around (present=x), written by hand, not by the encoder."""
    return nested_search_levels(tag, n)[0]


def nested_search_levels(tag: int, n: int) -> tuple[bytes, list[int]]:
    """The bytes, and the offset of each filter level's element (outermost first)."""
    f = b"\x87\x01x"
    offsets = [0]  # within f, innermost level first
    for _ in range(n):
        wrapped = _tlv(tag, f)
        head = len(wrapped) - len(f)
        offsets = [0] + [o + head for o in offsets]
        f = wrapped
    body = b"\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00" + f + b"\x30\x00"
    data = _tlv(0x30, b"\x02\x01\x01" + _tlv(0x63, body))
    start = len(data) - 2 - len(f)
    return data, [start + o for o in offsets]


LIMIT = ldapber.codec.MAX_DEPTH_LIMIT
DEFAULT = ldapber.codec.DEFAULT_MAX_DEPTH


@pytest.mark.parametrize("kind,tag", [(And, 0xA0), (Not, 0xA2)], ids=["and", "not"])
@pytest.mark.parametrize(
    "n,max_depth",
    [
        (40, 100),
        (97, 100),
        (98, 100),
        (99, 100),
        (150, 100),
        (40, 42),
        (41, 42),
        (LIMIT - 2, LIMIT),
        (LIMIT - 1, LIMIT),
    ],
)
def test_depth_limit_is_the_same(
    both: tuple[ldapber.Codec, ldapber.Codec], kind: type, tag: int, n: int, max_depth: int
) -> None:
    cy, py = both
    data, levels = nested_search_levels(tag, n)
    a = decode_outcome(cy.decode, data, max_depth=max_depth, exact=False)
    b = decode_outcome(py.decode, data, max_depth=max_depth, exact=False)
    assert a == b
    # The filter is at depth 2 (LDAPMessage 1, SearchRequest 2); each level adds one.
    if 2 + n <= max_depth:
        assert a == ("ok", search(nested(kind, n)))
    else:
        assert a[0] == "error" and a[3] is Rule.MAX_DEPTH
        assert a[2] in levels[max_depth - 3 :]  # a filter element about max_depth deep
        assert a[4].startswith("LDAPMessage.protocolOp.searchRequest.filter." + ("and[0]." if kind is And else "not."))


@pytest.mark.parametrize("kind,tag", [(And, 0xA0), (Not, 0xA2)], ids=["and", "not"])
def test_encode_writes_exactly_what_the_default_decoder_reads(
    both: tuple[ldapber.Codec, ldapber.Codec], kind: type, tag: int
) -> None:
    """The deepest message the default decoder takes re-encodes, identically
    (a proxy forwards what it accepted); one level more, which a decoder
    reads only with a raised max_depth, the encoders refuse, as the default
    decoder would.  (Found by this suite, fixed since: the encoders once
    counted two levels per AND/OR and refused AND chains deeper than 123.)"""
    cy, py = both
    deepest = DEFAULT - 2
    data = nested_search_bytes(tag, deepest)
    msg = py.decode(data)
    assert msg == cy.decode(data)
    a, b = encode_outcome(cy.encode, msg), encode_outcome(py.encode, msg)
    assert a == b
    assert a == ("ok", data)
    deeper = nested_search_bytes(tag, deepest + 1)
    for codec in both:
        with pytest.raises(DecodeError) as refused:
            codec.decode(deeper)
        assert refused.value.rule is Rule.MAX_DEPTH and f"deeper than {DEFAULT}" in refused.value.message
        msg = codec.decode(deeper, max_depth=DEFAULT + 1)
        with pytest.raises(EncodeError, match=f"deeper than {DEFAULT}"):
            codec.encode(msg)


def test_a_deep_and_wide_filter_decodes_alike(both: tuple[ldapber.Codec, ldapber.Codec]) -> None:
    """Past the level where the compiled decoder hands over to the Python
    twin, a set of thousands of items: each is handed over alone (copying the
    rest of the set for each made this quadratic), with the same result."""
    wide = b"".join([b"\x87\x01x"] * 5000)
    f = _tlv(0xA0, wide)
    for _ in range(110):
        f = _tlv(0xA0, f)
    body = b"\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00" + f + b"\x30\x00"
    data = _tlv(0x30, b"\x02\x01\x01" + _tlv(0x63, body))
    cy, py = both
    a, b = cy.decode(data), py.decode(data)
    assert a == b
    flt = a.protocol_op.filter
    for _ in range(110):
        flt = flt.filters[0]
    assert len(flt.filters) == 5000 and all(x == Present("x") for x in flt.filters)
    bad = data[:-8] + b"\xff" + data[-7:]  # a broken header deep inside: the same error from both
    assert decode_outcome(cy.decode, bad, exact=False) == decode_outcome(py.decode, bad, exact=False)


@pytest.mark.parametrize("backend", ["cython", "python"])
@pytest.mark.parametrize("n", [256, 1000, LIMIT - 2])
def test_deep_filters_decode_on_any_stack(backend: str, n: int) -> None:
    """256 nested filters decode by default, and a raised limit reaches 1,000
    and more, in a thread with a 256 KiB stack and a recursion limit barely
    above the caller's own depth: the Python backend continues on an explicit
    stack, the compiled one uses little C stack per level."""
    try:
        codec = ldapber.codec_for(backend)
    except ImportError as exc:
        pytest.skip(f"{backend} backend unavailable: {exc}")
    data = nested_search_bytes(0xA0, n)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(codec.decode(data, max_depth=max(DEFAULT, n + 2)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            outcome.append(exc)

    old_size = threading.stack_size(256 * 1024)
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(len(traceback.extract_stack()) + 80)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(60)
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    assert len(outcome) == 1 and isinstance(outcome[0], LDAPMessage), outcome
    depth, f = 0, outcome[0].protocol_op.filter
    while isinstance(f, And):
        depth, f = depth + 1, f.filters[0]
    assert depth == n and f == Present("x")


@pytest.mark.parametrize("kind", [And, Not])
@pytest.mark.parametrize("n", [LIMIT, LIMIT + 1, 2 * LIMIT, 5000])
def test_too_deep_objects_fail_alike(both: tuple[ldapber.Codec, ldapber.Codec], kind: type, n: int) -> None:
    """Deeper than any decoder accepts: both encoders give the same result,
    and only an EncodeError may escape (no RecursionError)."""
    cy, py = both
    m = search(nested(kind, n))
    a, b = encode_outcome(cy.encode, m), encode_outcome(py.encode, m)
    assert a == b


def test_a_cycle_is_an_encode_error(both: tuple[ldapber.Codec, ldapber.Codec]) -> None:
    cy, py = both
    loop = Not(Present("x"))
    loop.value = And([loop])
    m = search(loop)
    a, b = encode_outcome(cy.encode, m), encode_outcome(py.encode, m)
    assert a == b
    assert a[0] == "error"


_DEEP_ENCODE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from ldapber import EncodeError, LDAPMessage, Not, Present, SearchRequest, codec_for
    try:
        codec = codec_for({backend!r})
    except ImportError as exc:  # the extension is not built (or stale) here
        print("unavailable", exc)
        raise SystemExit(0)
    f = Present("x")
    for _ in range({n}):
        f = Not(f)
    m = LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, f, []))
    try:
        data = codec.encode(m)
    except EncodeError as err:
        print("EncodeError", err.message)
    else:
        print("encoded", len(data))
    """
)


@pytest.mark.parametrize("backend", ["cython", "python"])
def test_absurdly_deep_filter_fails_cleanly(backend: str) -> None:
    """Encoding a 100000-deep NOT chain must give bytes or an EncodeError,
    not crash the interpreter (run in a child: a crash would kill pytest;
    the compiled encoder used to die of SIGSEGV here)."""
    code = _DEEP_ENCODE.format(root=str(ROOT), n=100_000, backend=backend)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-300:]}"
    if proc.stdout.startswith("unavailable"):
        pytest.skip(f"{backend} backend unavailable: {proc.stdout}")
    assert proc.stdout.split()[0] in ("encoded", "EncodeError")


def test_a_message_as_deep_as_the_decoder_admits_has_a_repr(both: tuple[ldapber.Codec, ldapber.Codec]) -> None:
    """repr() is written from a work list: a 1,998-deep filter has one (it
    was a RecursionError from about 250 levels), the same in both backends."""
    cy, py = both
    data = nested_search_bytes(0xA2, LIMIT - 2)
    text = repr(cy.decode(data, max_depth=LIMIT))
    assert text == repr(py.decode(data, max_depth=LIMIT))
    assert text.count("Not(value=") == LIMIT - 2 and text.endswith("attributes=[]), controls=None)")
    assert repr(search(nested(Not, 2))) == (
        "LDAPMessage(message_id=1, protocol_op=SearchRequest(base_object='', scope=<Scope.BASE_OBJECT: 0>, "
        "deref_aliases=<DerefAliases.NEVER_DEREF_ALIASES: 0>, size_limit=0, time_limit=0, types_only=False, "
        "filter=Not(value=Not(value=Present(value='x'))), attributes=[]), controls=None)")
