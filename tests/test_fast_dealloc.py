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
from samples import MESSAGES

from ldapber import EqualityMatch, LDAPMessage, Not, PartialAttribute, SearchRequest, SearchResultEntry, codec_for

compiled = pytest.importorskip("ldapber._generated.rfc4511_c")


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
