"""Decoded trees and the cyclic collector (compiled backend: slots.h).

Decoded objects are built untracked; the root is tracked when returned, and
whatever Python code reads from a model object is tracked before it is
handed out.  These tests hold the two promises: the collector is spared the
parts nobody touched, and a cycle a user builds out of decoded objects is
still collected, however it is built."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from pythons import fast_dealloc_built
from samples import MESSAGES

import ldapber
from ldapber import Codec, LDAPMessage, PartialAttribute, SearchResultEntry

ENTRY = LDAPMessage(7, SearchResultEntry("uid=a,dc=example,dc=com", [
    PartialAttribute("objectClass", [b"top", b"person"]), PartialAttribute("cn", [b"A"])]))
DATA = ldapber.encode(ENTRY)


class Witness:
    """A weakly referenceable object placed in the cycle under test."""

    def __init__(self, target: object) -> None:
        self.target = target


def decoders(codec: Codec) -> dict[str, Callable[[], LDAPMessage]]:
    def stream() -> LDAPMessage:
        dec = codec.StreamDecoder()
        dec.feed(DATA)
        return dec.read()[0]  # type: ignore[no-any-return]

    return {
        "decode": lambda: codec.decode(DATA),
        "decode_prefix": lambda: codec.decode_prefix(DATA + DATA)[0],
        "decode_all": lambda: codec.decode_all(DATA + DATA)[1],
        "stream": stream,
    }


def cycles() -> dict[str, Callable[[LDAPMessage, Witness], None]]:
    """Ways to put a decoded message inside itself (through a Witness)."""
    return {
        "append to a value list": lambda m, w: m.protocol_op.attributes[0].vals.append(w),  # type: ignore[union-attr]
        "assign a slot deep down": lambda m, w: setattr(m.protocol_op.attributes[1], "vals", [w]),  # type: ignore[union-attr]
        "assign a slot of the root": lambda m, w: setattr(m, "controls", [w]),
        "item taken by iteration": lambda m, w: next(iter(m.protocol_op.attributes)).vals.insert(0, w),  # type: ignore[union-attr]
        "list held, then mutated": lambda m, w: m.protocol_op.attributes.append(w),  # type: ignore[union-attr]
    }


@pytest.mark.parametrize("how", list(cycles()))
@pytest.mark.parametrize("entry", ["decode", "decode_prefix", "decode_all", "stream"])
def test_a_cycle_through_decoded_objects_is_collected(codec: Codec, entry: str, how: str) -> None:
    msg = decoders(codec)[entry]()
    witness = Witness(msg)
    cycles()[how](msg, witness)
    alive = weakref.ref(witness)
    del msg, witness
    gc.collect()
    assert alive() is None


@fast_dealloc_built
def test_untouched_parts_are_not_tracked_and_read_parts_are() -> None:
    codec = ldapber.codec_for("cython") if ldapber.BACKEND == "cython" else pytest.skip("compiled backend not built")
    msg = codec.decode(DATA)
    assert gc.is_tracked(msg)
    hidden = gc.get_referents(msg)  # the raw slots, behind the model's back
    assert not any(gc.is_tracked(o) for o in hidden if isinstance(o, SearchResultEntry))
    entry = msg.protocol_op
    assert gc.is_tracked(entry)
    attrs = entry.attributes
    assert gc.is_tracked(attrs) and all(gc.is_tracked(a) for a in attrs)  # iterating reaches the items
    value_lists = [o for o in gc.get_referents(*attrs) if isinstance(o, list)]
    # Not read yet; cn's lone value is stored bare until read (test_packed_values.py).
    assert len(value_lists) == 1 and not any(gc.is_tracked(v) for v in value_lists)
    assert gc.is_tracked(attrs[0].vals)
    assert msg == ENTRY  # comparing reads every field: everything is tracked now, and equal
    assert all(gc.is_tracked(a.vals) for a in attrs)


@fast_dealloc_built
def test_decoded_objects_stay_out_of_the_collectors_generations() -> None:
    if ldapber.BACKEND != "cython":
        pytest.skip("compiled backend not built")
    gc.collect()
    before = len(gc.get_objects())
    kept = ldapber.decode_all(DATA * 1000)
    assert len(kept) == 1000
    assert len(gc.get_objects()) - before < 1100  # the list and its 1,000 roots, not their trees


def test_every_sample_still_decodes_equal_and_reencodes(codec: Codec) -> None:
    for msg in MESSAGES:
        data = ldapber.encode(msg)
        got = codec.decode(data)
        assert codec.encode(got) == data  # the encoder reads the untracked slots directly
        assert got == msg
