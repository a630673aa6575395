"""The compiled backend's lean deallocator and freelists (``_ber/slots.h``).

Importing the compiled codec replaces ``tp_dealloc`` of the model classes
whose layout is slots-only, and its decoders reuse freed instances.  These
tests exercise what CPython's generic deallocator would otherwise handle:
reuse of freed objects, user subclasses with their own slots, ``__dict__``
and weak references, reference cycles, and very deep trees (the trashcan),
so a mistake shows up here as a failure or a crash.
"""

from __future__ import annotations

import gc
import sys
import weakref

import pytest
from pythons import fast_dealloc_built
from samples import MESSAGES

from ldapber import EqualityMatch, LDAPMessage, Not, PartialAttribute, SearchRequest, SearchResultEntry, codec_for
from ldapber.model._base import UnknownAlternative

compiled = pytest.importorskip("ldapber._generated.rfc4511_c")


@fast_dealloc_built
def test_installed_on_every_decoded_class() -> None:
    for msg in MESSAGES:
        for cls in (type(msg), type(msg.protocol_op)):
            assert compiled.fast_dealloc_installed(cls), cls
    assert compiled.fast_dealloc_installed(PartialAttribute)
    assert not compiled.fast_dealloc_installed(list)

    class Sub(PartialAttribute):
        pass

    # A subclass keeps CPython's deallocator, which hands over to ours.
    assert not compiled.fast_dealloc_installed(Sub)


def test_freed_objects_are_reused_without_stale_fields() -> None:
    codec = codec_for("cython")
    pdus = [codec.encode(m) for m in MESSAGES]
    for _ in range(300):  # fill and drain the freelists many times over
        for pdu, expected in zip(pdus, MESSAGES, strict=True):
            msg = codec.decode(pdu)
            assert msg == expected
            del msg
    # Objects from a freelist are tracked by the GC and owned once.
    msg = codec.decode(pdus[5])
    assert isinstance(msg.protocol_op, SearchResultEntry)
    assert gc.is_tracked(msg) and gc.is_tracked(msg.protocol_op)
    op = msg.protocol_op
    owners = sys.getrefcount(op)  # the slot, ``op`` and the argument
    assert owners == 3


def test_user_subclasses_with_dict_weakref_and_slots_are_freed() -> None:
    class Tagged(PartialAttribute):  # no __slots__: gets __dict__ and __weakref__
        pass

    class Slotted(PartialAttribute):
        __slots__ = ("note",)

    finalized = []
    for _ in range(500):
        t = Tagged("cn", [b"x"])
        t.extra = [b"payload"]
        ref = weakref.ref(t, lambda r: finalized.append(1))
        s = Slotted("sn", [b"y"])
        s.note = "kept"
        assert (t.type, s.note, t.extra) == ("cn", "kept", [b"payload"])
        del t, s
        assert ref() is None
    assert len(finalized) == 500
    assert PartialAttribute("cn", [b"z"]).vals == [b"z"]


class _Marker:
    pass


@pytest.mark.parametrize("depth", [10, 200_000])
def test_deep_trees_free_completely_without_exhausting_the_stack(depth: int) -> None:
    leaf = EqualityMatch("cn", b"x")
    marker = _Marker()
    leaf.extensions = (marker,)  # type: ignore[assignment]  # a weakly referenceable probe
    freed = weakref.ref(marker)
    f: object = leaf
    for _ in range(depth):
        f = Not(f)
    msg = LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, f, []))  # type: ignore[arg-type]
    del f, leaf, marker
    assert freed() is not None
    del msg  # the trashcan keeps this from recursing `depth` levels deep
    assert freed() is None


def test_cycles_through_model_objects_are_collected() -> None:
    holder = PartialAttribute("x", [])
    holder.vals.append(holder)  # a cycle through a slot
    marker = _Marker()
    holder.vals.append(marker)
    ref = weakref.ref(marker)
    del holder, marker
    gc.collect()
    assert ref() is None


# -- regressions found in review ----------------------------------------------------


def test_half_built_lists_are_invisible_to_other_threads() -> None:
    """A SEQUENCE OF list with empty places must not be reachable (through the
    GC) while Python code runs during its decode (here: relaxed UTF-8)."""
    import threading
    import time

    codec = codec_for("cython")
    attrs = [f"a{i}" for i in range(50)]
    attrs[1] = "QQ"
    pdu = bytearray(codec.encode(LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, EqualityMatch("cn", b"x"),
                                                               attrs))))
    pdu[pdu.index(b"QQ")] = 0xFF  # invalid UTF-8: decoded by the Python runtime under relax
    data = bytes(pdu)
    stop, seen = False, []

    def inspector() -> None:
        while not stop:
            for o in gc.get_objects():
                if type(o) is list and len(o) == 50:
                    seen.append(sum(1 for _ in o))  # touches every item
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    thread = threading.Thread(target=inspector, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            msg = codec.decode(data, relax=["utf8"])
    finally:
        stop = True
        thread.join(5)
        sys.setswitchinterval(old)
    assert len(msg.protocol_op.attributes) == 50 and gc.is_tracked(msg.protocol_op.attributes)


def test_del_assigned_after_installation_runs_on_refcount_death() -> None:
    calls = []
    original = getattr(Not, "__del__", None)
    Not.__del__ = lambda self: calls.append(self.value)  # type: ignore[attr-defined]
    try:
        n = Not(EqualityMatch("cn", b"x"))
        del n
        assert len(calls) == 1 and isinstance(calls[0], EqualityMatch)
    finally:
        if original is None:
            del Not.__del__  # type: ignore[attr-defined]


def test_headers_alone_do_not_size_huge_lists() -> None:
    import tracemalloc

    from ldapber import DecodeError

    def length(n: int) -> bytes:
        return b"\x84" + n.to_bytes(4, "big")
    body = b"\x04\x00" * 1_000_000  # a million headers where SEQUENCEs are expected
    attrs = b"\x30" + length(len(body)) + body
    entry = b"\x04\x00" + attrs
    op = b"\x64" + length(len(entry)) + entry
    inner = b"\x02\x01\x01" + op
    pdu = b"\x30" + length(len(inner)) + inner
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError):
            codec_for("cython").decode(pdu)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(pdu) // 4  # the input is 2 MB; a full-size list would be 8 MB


@fast_dealloc_built
def test_unknown_alternative_has_exactly_one_deallocator_owner() -> None:
    import importlib

    owners = [stem for stem in ("rfc4511", "rfc2696", "rfc2891", "rfc3062", "rfc3909")
              if importlib.import_module(f"ldapber._generated.{stem}_c").fast_dealloc_installed(UnknownAlternative)]
    assert len(owners) == 1


def test_a_metaclass_cannot_pass_off_a_foreign_layout_as_an_alternative() -> None:
    from ldapber import EncodeError, Present

    class Meta(type):
        @property
        def __mro__(cls) -> tuple[type, ...]:  # type: ignore[override]
            return (Present, object)

    class Fake(metaclass=Meta):
        __slots__ = ()

    with pytest.raises(EncodeError):
        codec_for("cython").encode(LDAPMessage(1, SearchRequest("", 0, 0, 0, 0, False, Fake(), [])))  # type: ignore[arg-type]
    with pytest.raises(EncodeError):
        codec_for("cython").encode(LDAPMessage(1, Fake()))  # type: ignore[arg-type]
