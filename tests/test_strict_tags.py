"""Issue 18, classes 1 and 2, in both backends: identifier octets are
checked wherever a tag is read (kept extensions and unknown alternatives
too), and a known component after an unknown element is out of order."""

from __future__ import annotations

import pytest

from ldapber import Codec, DecodeError, LDAPMessage


def message(op_tlv: bytes, tail: bytes = b"") -> bytes:
    body = b"\x02\x01\x01" + op_tlv + tail
    return b"\x30" + bytes([len(body)]) + body


UNBIND = b"\x42\x00"


@pytest.mark.parametrize(("name", "element"), [
    ("high form for 3", b"\x9f\x03\x00"),
    ("high form for 3, constructed", b"\xbf\x03\x00"),
    ("high form for 5, context", b"\x9f\x05\x00"),
    ("leading 0x80", b"\x5f\x80\x20\x00"),
    ("universal 0", b"\x00\x00"),
    ("universal 0 constructed", b"\x20\x00"),
])
def test_bad_identifier_octets_in_a_kept_extension_are_refused(codec: Codec, name: str, element: bytes) -> None:
    with pytest.raises(DecodeError) as err:
        codec.decode(message(UNBIND, element), strict=False)
    assert err.value.rule == "tag-encoding", (name, err.value)
    assert err.value.offset == 7  # the element after the envelope, the ID and the UnbindRequest


def test_a_valid_high_tag_extension_is_kept(codec: Codec) -> None:
    msg = codec.decode(message(UNBIND, b"\x9f\x1f\x01\x07"))
    assert msg.extensions == (b"\x9f\x1f\x01\x07",)


@pytest.mark.parametrize("alternative", [b"\x9f\x07\x00", b"\x7f\x03\x00", b"\x00\x00"])
def test_bad_identifier_octets_of_an_unknown_alternative_are_refused(codec: Codec, alternative: bytes) -> None:
    """``9f 07``: the high form of present's tag, which another decoder may read as present."""
    with pytest.raises(DecodeError) as err:
        codec.decode(message(alternative))
    assert err.value.rule == "tag-encoding"


def test_a_component_after_an_unknown_element_is_out_of_order(codec: Codec) -> None:
    """The controls [0] after an unknown element would be ignored, a critical control with them."""
    controls = b"\xa0\x0f\x30\x0d\x04\x081.2.3.45\x01\x01\xff"
    assert codec.decode(message(UNBIND, controls)).controls  # in order: read
    for strict in (True, False):
        with pytest.raises(DecodeError) as err:
            codec.decode(message(UNBIND, b"\x9f\x1f\x00" + controls), strict=strict)
        assert err.value.rule == "component-order" and err.value.offset == 10


def test_the_two_backends_agree(both: tuple[Codec, Codec]) -> None:
    for data in (message(UNBIND, b"\x9f\x03\x00"), message(b"\x9f\x07\x00"),
                 message(UNBIND, b"\x9f\x1f\x00\xa0\x00"), message(UNBIND, b"\x9f\x1f\x00")):
        verdicts = []
        for codec in both:
            try:
                verdicts.append(repr(codec.decode(data)))
            except DecodeError as err:
                verdicts.append((err.rule, err.offset))
        assert verdicts[0] == verdicts[1], (data.hex(), verdicts)


def test_the_encoder_writes_what_the_decoder_reads(codec: Codec) -> None:
    msg = codec.decode(message(UNBIND, b"\x9f\x1f\x01\x07"))
    assert codec.encode(msg) == message(UNBIND, b"\x9f\x1f\x01\x07")
    assert isinstance(msg, LDAPMessage)
