"""The pure-Python backend's fast encoders (see ldapber.compiler.emit_pyfast).

``encode_<Entry>`` first tries a fast encoder, which handles everyday objects
and gives up on anything else; the exact encoder, ``exact_<Entry>``, then
decides.  Two properties make the split invisible, and are tested here by
standing in for the exact encoder:

1. where the fast path answers, its bytes are the exact encoder's;
2. the fast path never answers for an object the exact encoder refuses.

(The compiled backend has no such split; test_differential compares the two
backends' bytes and errors.)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from types import ModuleType
from typing import Any

import pytest
import strategies as S
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import MESSAGES
from test_differential import BROKEN, JUNK, _field_paths

import ldapber
from ldapber import (
    And,
    Control,
    EqualityMatch,
    LDAPMessage,
    Not,
    Or,
    PartialAttribute,
    Present,
    ResultCode,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    Simple,
    UnknownAlternative,
)
from ldapber._ber import pyfast

RFC4511: ModuleType = ldapber.codec_for("python").modules["rfc4511"]  # type: ignore[assignment]


class Reached(Exception):
    """The fast path gave the object to the exact encoder."""


@contextmanager
def exact_stand_in(module: ModuleType, name: str) -> Iterator[None]:
    """Make ``exact_<name>`` raise :class:`Reached` for the duration."""
    original = getattr(module, f"exact_{name}")

    def stand_in(o: object, /) -> bytes:
        raise Reached

    setattr(module, f"exact_{name}", stand_in)
    try:
        yield
    finally:
        setattr(module, f"exact_{name}", original)


def fast_only(value: object, name: str = "LDAPMessage", module: ModuleType = RFC4511) -> bytes | None:
    """The fast path's encoding of ``value``, or None where it gives up."""
    with exact_stand_in(module, name):
        try:
            return getattr(module, f"encode_{name}")(value)  # type: ignore[no-any-return]
        except Reached:
            return None


def exact(value: object, name: str = "LDAPMessage", module: ModuleType = RFC4511) -> tuple[str, Any]:
    """The exact encoder's outcome: ("bytes", data) or ("error", message)."""
    try:
        return "bytes", getattr(module, f"exact_{name}")(value)
    except ldapber.EncodeError as exc:
        return "error", str(exc)


def check(value: object, name: str = "LDAPMessage", module: ModuleType = RFC4511) -> bytes | None:
    """Properties 1 and 2 for one value; returns the fast path's answer."""
    fast = fast_only(value, name, module)
    outcome = exact(value, name, module)
    if fast is not None:
        assert outcome == ("bytes", fast), f"the fast path wrote {fast.hex()}, the exact one {outcome}"
    # The public entry gives the exact encoder's outcome either way.
    try:
        public = ("bytes", getattr(module, f"encode_{name}")(value))
    except ldapber.EncodeError as exc:
        public = ("error", str(exc))
    assert public == outcome
    return fast


# -- everyday objects take the fast path, and write what the exact path writes ---
@pytest.mark.parametrize("m", MESSAGES, ids=range(len(MESSAGES)))
def test_sample_messages_take_the_fast_path(m: LDAPMessage) -> None:
    assert check(m) is not None


@settings(max_examples=300, deadline=None)
@given(m=S.oracle_messages())
def test_plain_messages_take_the_fast_path(m: LDAPMessage) -> None:
    """No raw extensions, no unknown alternatives, exact types: all fast."""
    assert check(m) is not None


@settings(max_examples=300, deadline=None)
@given(m=S.messages())
def test_any_valid_message_is_encoded_as_the_exact_encoder_does(m: LDAPMessage) -> None:
    check(m)


def test_every_entry_point_has_both_paths() -> None:
    """Each public entry of each module tries the fast path first."""
    codec = ldapber.codec_for("python")
    for stem, module in codec.modules.items():
        for name in module.ENCODERS:
            assert callable(getattr(module, f"exact_{name}")), (stem, name)
    value = Present("cn")
    assert fast_only(value, "Filter") == exact(value, "Filter")[1] == b"\x87\x02cn"


# -- invalid objects never come out of the fast path ------------------------------
@pytest.mark.parametrize("m", BROKEN, ids=range(len(BROKEN)))
def test_fast_path_refuses_every_broken_object(m: LDAPMessage) -> None:
    assert exact(m)[0] == "error"
    assert fast_only(m) is None


class Shout(str):
    def encode(self, *args: object, **kwargs: object) -> bytes:  # type: ignore[override]
        return b"SHOUT"


class Octets(bytes):
    pass


#: test_differential's junk, and objects that pass for bytes or str in some
#: operations but not others (length in items, not octets; overridden encode).
FAST_JUNK = JUNK + [
    array("B", b"xy"),
    memoryview(array("H", [1, 2])),
    Shout("cn"),
    Octets(b"o"),
    2**31 - 1,
    -(2**63),
    b"x" * 200,
]


@settings(max_examples=500, deadline=None)
@given(m=S.messages(filter_depth=3), data=st.data())
def test_fast_path_refuses_what_the_exact_one_refuses(m: LDAPMessage, data: st.DataObject) -> None:
    py = ldapber.codec_for("python")
    m = py.decode(py.encode(m))  # a private copy to break
    container, key = data.draw(st.sampled_from(_field_paths(m)), label="target")
    junk = FAST_JUNK[data.draw(st.integers(0, len(FAST_JUNK) - 1), label="junk")]  # some are unhashable
    if isinstance(container, list):
        container[key] = junk
    else:
        object.__setattr__(container, key, junk)
    check(m)


def test_fast_path_refuses_tricky_junk_everywhere_in_the_samples() -> None:
    """Every field and list item of every sample message, set to each object
    that a careless fast path could take for bytes or str."""
    py = ldapber.codec_for("python")
    tricky = FAST_JUNK[len(JUNK):] + [bytearray(b"ab"), memoryview(b"mv"), 1.5, True, "x\ud800"]
    checked = 0
    for sample in MESSAGES:
        for n in range(len(_field_paths(sample))):
            for junk in tricky:
                m = py.decode(py.encode(sample))
                container, key = _field_paths(m)[n]
                if isinstance(container, list):
                    container[key] = junk
                else:
                    object.__setattr__(container, key, junk)
                check(m)
                checked += 1
    assert checked > 1000


# -- valid but unusual: the exact path takes them, with the same bytes ------------
class Port(IntEnum):
    LDAP = 389


class MyEntry(SearchResultEntry):
    __slots__ = ()


def entry(*attributes: PartialAttribute, name: object = "cn=x") -> LDAPMessage:
    return LDAPMessage(3, SearchResultEntry(name, list(attributes)))  # type: ignore[arg-type]


UNUSUAL = {
    "bytearray value": entry(PartialAttribute("a", [bytearray(b"v")])),
    "memoryview value": entry(PartialAttribute("a", [memoryview(b"v")])),
    "tuple of values": entry(PartialAttribute("a", (b"v", b"w"))),
    "subclass of a PDU": LDAPMessage(3, MyEntry("cn=x", [])),
    "IntEnum for an INTEGER": LDAPMessage(Port.LDAP, SearchResultDone(ResultCode.SUCCESS, "", "")),
    "unknown result code": LDAPMessage(2, SearchResultDone(4096, "", "")),  # type: ignore[arg-type]
    "raw extension": LDAPMessage(2, SearchResultDone(ResultCode.SUCCESS, "", ""), extensions=(b"\x80\x01x",)),
    "unknown alternative": LDAPMessage(2, UnknownAlternative(b"\x7e\x00")),
    "value of 127 octets": entry(PartialAttribute("a", [b"v" * 127])),
    "value of 128 octets": entry(PartialAttribute("a", [b"v" * 128])),
    "value of 256 octets": entry(PartialAttribute("a", [b"v" * 256])),
    "value of 70,000 octets": entry(PartialAttribute("a", [b"v" * 70_000])),
    "entry of 200 octets": entry(PartialAttribute("a", [b"v" * 60] * 3)),
    "long DN": entry(name="cn=" + "x" * 300),
    "non-ASCII text": entry(PartialAttribute("cn;lang-fr", [b"x"]), name="cn=Ren\u00e9e,dc=example"),
    "long attribute description": entry(PartialAttribute("a" * 300, [])),
    "message ID 128": LDAPMessage(128, SearchResultDone(ResultCode.SUCCESS, "", "")),
    "message ID maxInt": LDAPMessage(2**31 - 1, SearchResultDone(ResultCode.SUCCESS, "", "")),
    "size limit 2**31 - 1": LDAPMessage(
        4, SearchRequest("", 0, 0, 2**31 - 1, 0, False, Present("x"), [])  # type: ignore[arg-type]
    ),
    "control with criticality": LDAPMessage(
        1, SearchResultDone(ResultCode.SUCCESS, "", ""), controls=[Control("1.2.3", criticality=True, control_value=b"v")]
    ),
    "filter of 300 nodes": LDAPMessage(
        5, SearchRequest("", 0, 0, 0, 0, False, Or([EqualityMatch("a", b"%d" % i) for i in range(300)]), [])  # type: ignore[arg-type]
    ),
}


@pytest.mark.parametrize("m", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_valid_objects(m: LDAPMessage) -> None:
    assert exact(m)[0] == "bytes"
    check(m)


def test_long_forms_are_fast_too() -> None:
    """Long lengths and large INTEGERs stay on the fast path."""
    for name in ("value of 128 octets", "value of 70,000 octets", "long DN", "message ID maxInt", "filter of 300 nodes"):
        assert check(UNUSUAL[name]) is not None, name


def nested_not(depth: int) -> LDAPMessage:
    f: object = Present("x")
    for _ in range(depth):
        f = Not(f)  # type: ignore[arg-type]
    return LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, f, []))  # type: ignore[arg-type]


@pytest.mark.parametrize("depth", [1, 5, 100, 240, 245, 246, 247, 248, 249, 250, 260, 1000])
def test_depth_limit_is_the_exact_encoders(depth: int) -> None:
    """Near the limit the fast path may defer, never accept more."""
    check(nested_not(depth))


def test_a_cycle_is_refused() -> None:
    f = Not(Present("x"))
    f.value = f
    m = LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, f, []))  # type: ignore[arg-type]
    assert fast_only(m) is None
    assert exact(m)[0] == "error"


def test_attribute_description_cache_is_bounded_and_exact() -> None:
    """More distinct names than the cache holds, and a str subclass whose
    encode() differs, which the cache must not answer for."""
    names = [f"attr{i}" for i in range(pyfast.TEXT_CACHE_SIZE * 2 + 5)]
    m = entry(*(PartialAttribute(n, [b"v"]) for n in names))
    assert check(m) is not None
    assert len(RFC4511.TX_04) <= pyfast.TEXT_CACHE_SIZE

    m = entry(PartialAttribute(Shout("attr1"), [b"v"]))
    assert fast_only(m) is None
    assert check(m) is None


def test_simple_bind_is_fast() -> None:
    m = LDAPMessage(1, ldapber.BindRequest(3, "cn=admin", Simple(b"secret")))
    assert check(m) == bytes.fromhex("301a02010160150201030408636e3d61646d696e8006736563726574")


def test_and_of_one() -> None:
    assert check(LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, And([Present("x")]), []))) is not None  # type: ignore[arg-type]


def test_a_class_that_only_compares_equal_is_not_dispatched() -> None:
    """The dispatch tables are dicts keyed by class: a user metaclass whose
    __eq__ and __hash__ mimic Present's must not be taken for Present."""

    class Mimic(type):
        def __eq__(cls, other: object) -> bool:
            return True

        def __hash__(cls) -> int:
            return hash(Present)

    class Fake(metaclass=Mimic):
        value = "x"
        raw = b"\x9f\x20\x00"

    for m in (LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, Fake(), [])),  # type: ignore[arg-type]
              LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, Not(Fake()), [])),  # type: ignore[arg-type]
              LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, And([Fake()]), []))):  # type: ignore[arg-type, list-item]
        assert fast_only(m) is None
    assert fast_only(Fake(), "Filter") is None
