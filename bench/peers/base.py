"""What an adapter provides: :class:`Peer`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..workload import Sample


@dataclass(frozen=True)
class Peer:
    """One contender behind a small adapter.

    ``decode(pdu_bytes)`` is what is timed: the peer's decoder *and* whatever
    walk it takes to hold every field as a plain Python value (nothing lazy,
    no codec objects left to convert).  ``canonical(result)``, never timed,
    turns that result into :mod:`bench.peers.canonical`'s form so it can be
    compared field by field with the expected message.

    ``prepare(sample)``, never timed, builds the peer's own object for the
    message (once); ``encode(obj)`` is what is timed and returns bytes.
    ``inexact`` says, per sample, why the peer's bytes may legitimately differ
    from ldapber's (None: they must be identical); either way they must
    decode, with ldapber, to the expected message.
    """

    name: str
    decode: Callable[[bytes], Any]
    canonical: Callable[[Any], dict]
    prepare: Callable[[Sample], Any] | None = None
    encode: Callable[[Any], bytes] | None = None
    #: why there is no encoder (when ``encode`` is None)
    no_encoder: str = ""
    inexact: Callable[[Sample], str | None] = lambda sample: None
    #: entries of the stream this peer decodes (None: all of them)
    stream_slice: int | None = None
