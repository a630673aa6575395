"""ldapber's own two backends, as contenders.

``ldapber-cython``  ``codec_for("cython")``: the compiled backend
``ldapber-python``  ``codec_for("python")``: the pure-Python fallback

Decode = ``codec.decode(bytes)``, whose ``LDAPMessage`` objects hold plain
Python values in every field already; encode = ``codec.encode(msg)`` of the
model object the corpus was built from; the stream is decoded by
``codec.decode_all(buffer)``.  Their results are checked by ``==`` against
the model objects (stricter than the canonical form: the classes must match
too).
"""

from __future__ import annotations

from ldapber import codec_for

from ..workload import Sample
from .base import Peer
from .canonical import canonical_model

__all__ = ["BACKENDS", "ldapber_peer"]

#: contender name -> backend name
BACKENDS = {"ldapber-cython": "cython", "ldapber-python": "python"}


def ldapber_peer(name: str) -> Peer:
    """The peer for one backend (raises if that backend is not available)."""
    codec = codec_for(BACKENDS[name])

    def prepare(sample: Sample):  # type: ignore[no-untyped-def]
        return sample.message

    return Peer(name, codec.decode, canonical_model, prepare, codec.encode)
