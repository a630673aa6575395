"""Lone values kept bare (compiled backend: slots.h, packed value lists).

The compiled decoders store the only value of a ``vals`` list as the bare
bytes and make the list at the first read through the attribute.  What code
sees must not change: these tests read, mutate, copy, compare and encode
decoded attributes on both backends and hold them to the same results, and
check the stored form only where it is built."""

from __future__ import annotations

import copy
import gc
import pickle

import pytest
from pythons import fast_dealloc_built

import ldapber
from ldapber import (
    AddRequest,
    Attribute,
    Codec,
    DecodeError,
    EncodeError,
    LDAPMessage,
    PartialAttribute,
    SearchResultEntry,
)

ENTRY = LDAPMessage(5, SearchResultEntry("uid=a,dc=example,dc=com", [
    PartialAttribute("cn", [b"Ada"]), PartialAttribute("objectClass", [b"top", b"person"]),
    PartialAttribute("description", [b""])]))
DATA = ldapber.encode(ENTRY)
ADD = LDAPMessage(6, AddRequest("uid=b,dc=example,dc=com", [Attribute("cn", [b"Bo"]), Attribute("sn", [b"B", b"C"])]))


def entry_of(msg: LDAPMessage) -> SearchResultEntry:
    op = msg.protocol_op
    assert isinstance(op, SearchResultEntry)
    return op


def test_a_lone_value_reads_as_one_list_that_keeps_changes(codec: Codec) -> None:
    attrs = entry_of(codec.decode(DATA)).attributes
    cn = attrs[0]
    vals = cn.vals
    assert type(vals) is list and vals == [b"Ada"]
    assert cn.vals is vals  # the same list at every read
    vals.append(b"Augusta")
    assert cn.vals == [b"Ada", b"Augusta"]
    assert attrs[1].vals == [b"top", b"person"] and attrs[2].vals == [b""]
    changed = LDAPMessage(5, SearchResultEntry("uid=a,dc=example,dc=com", [
        PartialAttribute("cn", [b"Ada", b"Augusta"]), PartialAttribute("objectClass", [b"top", b"person"]),
        PartialAttribute("description", [b""])]))
    assert codec.encode(codec.decode(ldapber.encode(changed))) == ldapber.encode(changed)
    assert codec.encode(LDAPMessage(5, entry_of(codec.decode(DATA)))) == DATA
    msg = codec.decode(DATA)
    entry_of(msg).attributes[0].vals.append(b"Augusta")
    assert codec.encode(msg) == ldapber.encode(changed)


def test_decoded_lone_values_compare_copy_pickle_and_print_as_lists(codec: Codec) -> None:
    for make in (lambda m: m, copy.copy, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))):
        got = make(codec.decode(DATA))
        assert got == ENTRY and ENTRY == got
        assert repr(got) == repr(ENTRY)
    assert codec.decode(DATA) == codec.decode(DATA)
    shallow = copy.copy(entry_of(codec.decode(DATA)).attributes[0])
    assert shallow.vals == [b"Ada"] and type(shallow.vals) is list


def test_every_path_reencodes_without_reading(codec: Codec) -> None:
    assert codec.encode(codec.decode(DATA)) == DATA
    assert [codec.encode(m) for m in codec.decode_all(DATA + DATA)] == [DATA, DATA]
    stream = codec.StreamDecoder()
    stream.feed(DATA)
    assert [codec.encode(m) for m in stream] == [DATA]
    add = ldapber.encode(ADD)
    got = codec.decode(add)
    assert codec.encode(got) == add
    assert got == ADD and [a.vals for a in got.protocol_op.attributes] == [[b"Bo"], [b"B", b"C"]]  # type: ignore[union-attr]


def test_assigned_bytes_and_one_tuples_read_back_as_assigned(codec: Codec) -> None:
    raw = b"not a list"
    attr = PartialAttribute("cn", raw)  # type: ignore[arg-type]
    assert attr.vals is raw
    one = (b"Ada",)
    assert PartialAttribute("cn", one).vals is one  # type: ignore[arg-type]
    decoded = entry_of(codec.decode(DATA)).attributes[0]
    decoded.vals = raw  # type: ignore[assignment]
    assert decoded.vals is raw
    decoded.vals = one  # type: ignore[assignment]
    assert decoded.vals is one
    other = entry_of(codec.decode(DATA)).attributes[0]
    assert object.__getattribute__(other, "vals") == [b"Ada"] and other.vals is object.__getattribute__(other, "vals")
    object.__setattr__(other, "vals", raw)
    assert other.vals is raw and object.__getattribute__(other, "vals") is raw
    other.vals = [b"x"]
    del other.vals
    with pytest.raises(AttributeError):
        other.vals  # noqa: B018
    as_list = ldapber.encode(LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute("cn", [b"Ada"])])))
    assert codec.encode(LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute("cn", one)]))) == as_list  # type: ignore[arg-type]
    for bad in (raw, (raw, 1)):
        with pytest.raises(EncodeError) as err:
            codec.encode(LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute("cn", bad)])))  # type: ignore[arg-type]
        assert "attributes[0].vals" in str(err.value)


def test_assigned_values_refuse_to_encode_the_same_way_on_both_backends(both: tuple[Codec, Codec]) -> None:
    for bad in (b"raw", (b"raw", 1), (1,)):
        messages = []
        for codec in both:
            with pytest.raises(EncodeError) as err:
                codec.encode(LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute("cn", bad)])))  # type: ignore[arg-type]
            messages.append(str(err.value))
        assert messages[0] == messages[1], bad


def tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 0x80
    return bytes([tag, len(body)]) + body


@pytest.mark.parametrize("contents, where", [
    ("04 01 41 05", "a lone value then a bare tag octet"),
    ("04 01 41 04 05 42", "a lone value then a value cut short"),
    ("04 05 41", "a value announcing more than there is"),
    ("24 03 04 01 41", "a constructed value"),
])
def test_damaged_value_lists_fail_alike_on_both_backends(both: tuple[Codec, Codec], contents: str, where: str) -> None:
    attr = tlv(0x30, tlv(0x04, b"cn") + tlv(0x31, bytes.fromhex(contents.replace(" ", ""))))
    data = tlv(0x30, tlv(0x02, b"\x05") + tlv(0x64, tlv(0x04, b"cn=x") + tlv(0x30, attr)))
    errors = []
    for codec in both:
        with pytest.raises(DecodeError) as err:
            codec.decode(data)
        errors.append((str(err.value), err.value.offset))
    assert errors[0] == errors[1], where
    assert "vals" in errors[0][0], where


def test_an_attribute_without_values_is_still_refused(codec: Codec) -> None:
    # Attribute ::= ... vals SET SIZE(1..MAX): an AddRequest attribute without values.
    with pytest.raises(EncodeError):
        codec.encode(LDAPMessage(6, AddRequest("cn=x", [Attribute("cn", [])])))
    attr = tlv(0x30, tlv(0x04, b"cn") + tlv(0x31, b""))
    data = tlv(0x30, tlv(0x02, b"\x06") + tlv(0x68, tlv(0x04, b"cn=x") + tlv(0x30, attr)))
    with pytest.raises(DecodeError) as err:
        codec.decode(data)
    assert "vals" in str(err.value)
    one = tlv(0x30, tlv(0x02, b"\x06") + tlv(0x68, tlv(0x04, b"cn=x") + tlv(0x30, tlv(
        0x30, tlv(0x04, b"cn") + tlv(0x31, tlv(0x04, b"x"))))))
    assert codec.decode(one) == LDAPMessage(6, AddRequest("cn=x", [Attribute("cn", [b"x"])]))


class Shown(PartialAttribute):
    """A subclass whose ``vals`` is a property: the packed form never applies."""

    __slots__ = ("_shown",)

    @property  # type: ignore[override]
    def vals(self) -> list[bytes]:
        return [b"shown"]

    @vals.setter
    def vals(self, value: list[bytes]) -> None:
        self._shown = value


def test_a_subclass_property_named_vals_is_left_alone() -> None:
    s = Shown("cn", b"kept")  # type: ignore[arg-type]
    assert s.vals == [b"shown"] and s._shown == b"kept"


@fast_dealloc_built
def test_the_compiled_decoders_store_lone_values_bare_until_read() -> None:
    if ldapber.BACKEND != "cython":
        pytest.skip("compiled backend not built")
    codec = ldapber.codec_for("cython")
    attrs = entry_of(codec.decode(DATA)).attributes
    stored = [gc.get_referents(a) for a in attrs]  # the raw slots, behind the model's back
    assert b"Ada" in stored[0] and not any(isinstance(o, list) for o in stored[0])
    assert [b"top", b"person"] in stored[1]
    assert attrs[0].vals == [b"Ada"]
    assert [b"Ada"] in gc.get_referents(attrs[0])  # the list made at the first read is kept
    assert gc.is_tracked(attrs[0].vals) and gc.is_tracked(attrs[0])
    assigned = PartialAttribute("cn", b"raw")  # type: ignore[arg-type]
    assert (b"raw",) in gc.get_referents(assigned)  # kept apart from a packed value


@fast_dealloc_built
def test_a_read_during_the_first_read_gets_the_same_list() -> None:
    """Making the list may run a collection, and its callbacks may read the
    attribute too: both reads get the one list the slot keeps."""
    if ldapber.BACKEND != "cython":
        pytest.skip("compiled backend not built")
    attr = entry_of(ldapber.codec_for("cython").decode(DATA)).attributes[0]
    inner: list[list[bytes]] = []

    def read_inside(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not inner:
            inner.append(attr.vals)

    hold = [[] for _ in range(200)]  # no free list left: PyList_New allocates, and so collects
    threshold = gc.get_threshold()
    gc.callbacks.append(read_inside)
    gc.set_threshold(1)
    try:
        outer = attr.vals
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(read_inside)
    assert hold and inner, "no collection ran during the read"
    assert inner[0] is outer and attr.vals is outer
    outer.append(b"kept")
    assert attr.vals == [b"Ada", b"kept"]


def test_the_descriptor_introspects_as_the_member() -> None:
    descr = PartialAttribute.__dict__["vals"]
    assert descr.__name__ == "vals" and descr.__objclass__ is PartialAttribute
    assert descr.__qualname__ == "PartialAttribute.vals"
