"""A tiny BER builder for hand-made test inputs (independent of ldapber)."""

from __future__ import annotations


def length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return bytes([tag]) + length(len(body)) + body


def octets(tag: int, data: bytes | str) -> bytes:
    return tlv(tag, data.encode() if isinstance(data, str) else data)


def integer(v: int, tag: int = 0x02) -> bytes:
    n = ((~v if v < 0 else v).bit_length() // 8) + 1
    return tlv(tag, v.to_bytes(n, "big", signed=True))


def message(msgid: int, op: bytes, *rest: bytes) -> bytes:
    return tlv(0x30, integer(msgid), op, *rest)


BIND = message(1, tlv(0x60, integer(3), octets(0x04, ""), octets(0x80, "")))
