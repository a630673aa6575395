"""The public codec API: bytes <-> protocol objects.

One :class:`Codec` per backend; the module-level functions use the backend
:mod:`ldapber._backend` selected.  Docstrings and argument handling live here
once, for both backends.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any

from . import _backend
from ._ber.pyruntime import DEFAULT_MAX_DEPTH, DEFAULT_MAX_PDU_SIZE, MAX_DEPTH_LIMIT, check_options, check_pdu_size
from ._ber.pyruntime import HEADER_MAX as _HEADER_MAX
from ._ber.pyruntime import pdu_length as _pdu_length
from ._generated.rfc4511_model import LDAPMessage
from .errors import DecodeError, EncodeError, Rule

__all__ = [
    "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_PDU_SIZE", "MAX_DEPTH_LIMIT", "Codec", "StreamDecoder", "codec_for", "decode", "decode_prefix",
    "decode_all", "pdu_length", "encode", "decode_value", "encode_value",
]

Buffer = bytes | bytearray | memoryview



class Codec:
    """Encoding and decoding with one backend ("cython" or "python")."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.modules: dict[str, ModuleType] = _backend.load(backend)
        self._decoders: dict[Any, Any] = {}
        self._encoders: dict[Any, Any] = {}
        for stem, mod in self.modules.items():
            model = sys.modules[f"ldapber._generated.{stem}_model"]
            for name, fn in mod.DECODERS.items():
                self._decoders[name] = fn
                self._encoders[name] = mod.ENCODERS[name]
                cls = getattr(model, name, None)
                if isinstance(cls, type):
                    self._decoders[cls] = fn
                    self._encoders[cls] = mod.ENCODERS[name]
        rfc4511 = self.modules["rfc4511"]
        self._decode_message = rfc4511.decode_LDAPMessage
        self._encode_message = rfc4511.encode_LDAPMessage
        self._decode_many = rfc4511.DECODE_MANY["LDAPMessage"]
        # Bind the generated entries themselves, sparing a Python frame per
        # call: encode() has no options, and the generated decode handles the
        # everyday call (bytes, default options) and hands any other to
        # _decode_options below.  The methods below document both.
        self.encode = rfc4511.encode_LDAPMessage  # type: ignore[method-assign]
        rfc4511.SLOW["LDAPMessage"] = self._decode_options
        self.decode = rfc4511.DECODE_API["LDAPMessage"]  # type: ignore[method-assign]
        self._copy = backend == "python"  # the Python backend indexes bytes only
        #: This backend's streaming decoder class (see :class:`ldapber.StreamDecoder`).
        self.StreamDecoder: type[Any] = rfc4511.StreamDecoder
        #: (message ID, encoded protocolOps) -> their LDAPMessages, back to back (a server's batch).
        self.envelop: Callable[[int, Sequence[bytes]], bytes] = rfc4511.envelop

    # -- helpers --------------------------------------------------------------
    def _prepare(self, data: Buffer, prefix: bool) -> Any:
        if type(data) is bytes:
            return data
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected a bytes-like object, got {type(data).__name__}")
        view = memoryview(data)
        if view.ndim != 1 or view.format not in ("B", "b", "c"):
            view = view.cast("B")
        if not self._copy:
            return view
        if prefix:  # copy only the first PDU, not the whole buffer
            try:
                size = _pdu_length(bytes(view[:_HEADER_MAX]), 0x30)
            except DecodeError:
                size = None  # let the decoder itself report it, with its path
            if size is not None and size <= len(view):
                return bytes(view[:size])
        return bytes(view)

    _options = staticmethod(check_options)

    def _run(self, fn: Any, data: Buffer, strict: bool, relax: Iterable[Rule | str], max_depth: int, prefix: bool,
             max_pdu_size: int) -> Any:
        mask, depth = self._options(strict, relax, max_depth)
        limit = check_pdu_size(max_pdu_size)
        buf = self._prepare(data, prefix)
        try:
            return fn(buf, mask, depth, prefix, limit)
        except RecursionError:  # the caller was already deep in its own stack
            raise DecodeError("nesting too deep for the interpreter stack", offset=0, rule=Rule.MAX_DEPTH) from None

    # -- LDAPMessage ------------------------------------------------------------
    # Every decode takes the same options: ``strict`` and ``relax`` choose the
    # rules enforced; ``max_depth`` bounds nesting (constructed elements, from
    # the outermost down: DEFAULT_MAX_DEPTH admits a filter 256 levels deep,
    # MAX_DEPTH_LIMIT is the most one may ask for); ``max_pdu_size`` bounds
    # the size a PDU's (or value's) header announces, refused from the header
    # alone as :class:`PDUTooLargeError` (rule length-too-large), whether or
    # not the rest has arrived.
    def decode(self, data: Buffer, *, strict: bool = True, relax: Iterable[Rule | str] = (),
               max_depth: int = DEFAULT_MAX_DEPTH, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> LDAPMessage:
        """Decode exactly one LDAPMessage; bytes after it are an error."""
        return self._decode_options(data, strict, relax, max_depth, max_pdu_size)

    def _decode_options(self, data: Buffer, strict: bool, relax: Iterable[Rule | str], max_depth: int,
                        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> LDAPMessage:
        return self._run(self._decode_message, data, strict, relax, max_depth, False,  # type: ignore[no-any-return]
                         max_pdu_size)[0]

    def decode_prefix(self, data: Buffer, *, strict: bool = True, relax: Iterable[Rule | str] = (),
                      max_depth: int = DEFAULT_MAX_DEPTH,
                      max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> tuple[LDAPMessage, int]:
        """Decode the LDAPMessage at the start of ``data``; returns it and the
        number of bytes it used.  :class:`IncompleteError` if ``data`` holds
        only part of it (and its header announces no more than ``max_pdu_size``)."""
        return self._run(self._decode_message, data, strict, relax, max_depth, True,  # type: ignore[no-any-return]
                         max_pdu_size)

    def decode_all(self, data: Buffer, *, strict: bool = True, relax: Iterable[Rule | str] = (),
                   max_depth: int = DEFAULT_MAX_DEPTH, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> list[LDAPMessage]:
        """Decode a buffer of back-to-back LDAPMessages (a stream of search
        results, say) into a list, in one call whose cost is linear in the
        buffer.  The cyclic garbage collector is paused meanwhile: decoded
        objects cannot form cycles, and collections triggered by thousands of
        fresh objects would only cost time.  Error offsets count from the
        start of ``data``; a PDU cut short at the end is :class:`IncompleteError`."""
        mask, depth = self._options(strict, relax, max_depth)
        limit = check_pdu_size(max_pdu_size)
        buf = self._prepare(data, False)
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._decode_many(buf, mask, depth, limit)  # type: ignore[no-any-return]
        except RecursionError:
            raise DecodeError("nesting too deep for the interpreter stack", offset=0, rule=Rule.MAX_DEPTH) from None
        finally:
            if was_enabled:
                gc.enable()

    def encode(self, message: LDAPMessage) -> bytes:
        """Encode an LDAPMessage (strict DER-like BER: definite minimal
        lengths, primitive strings, TRUE as 0xFF, DEFAULT values omitted)."""
        return self._encode_message(message)  # type: ignore[no-any-return]

    # -- any compiled type --------------------------------------------------------
    def decode_value(self, type_: type | str, data: Buffer, *, strict: bool = True,
                     relax: Iterable[Rule | str] = (), max_depth: int = DEFAULT_MAX_DEPTH,
                     max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> Any:
        """Decode one value of a compiled type (a class such as
        ``RealSearchControlValue``, or an ASN.1 type name such as ``"Filter"``)."""
        fn = self._decoders.get(type_)
        if fn is None:
            raise KeyError(f"no compiled type {type_!r}")
        return self._run(fn, data, strict, relax, max_depth, False, max_pdu_size)[0]

    def encode_value(self, value: Any, type_: type | str | None = None) -> bytes:
        """Encode one value of a compiled type: by default the type its class
        stands for; pass ``type_`` (a class or an ASN.1 type name such as
        ``"Filter"`` or ``"Controls"``) for CHOICE and SEQUENCE OF types."""
        key = type(value) if type_ is None else type_
        enc = self._encoders.get(key)
        if enc is None:
            raise EncodeError(f"no compiled type for {key!r}")
        return enc(value)  # type: ignore[no-any-return]


def pdu_length(data: Buffer) -> int | None:
    """Total size of the first PDU in ``data`` once its tag and length octets
    are there, else None.  Raises :class:`DecodeError` for a header that can
    never be valid (not a SEQUENCE, indefinite length, ...)."""
    head = bytes(memoryview(data)[:_HEADER_MAX])
    try:
        return _pdu_length(head, 0x30)
    except DecodeError as err:
        err.root = "LDAPMessage"
        raise


_codecs: dict[str, Codec] = {}


def codec_for(backend: str) -> Codec:
    """The :class:`Codec` of a backend ("cython" or "python")."""
    if backend not in _codecs:
        _codecs[backend] = Codec(backend)
    return _codecs[backend]


_default = codec_for(_backend.BACKEND)
decode = _default.decode
decode_prefix = _default.decode_prefix
decode_all = _default.decode_all
encode = _default.encode
decode_value = _default.decode_value
encode_value = _default.encode_value
#: The streaming decoder of the selected backend: bytes in any chunking ->
#: LDAPMessages (see its docstring).
StreamDecoder = _default.StreamDecoder
