"""Fuzz targets: one function per property, ``target(data: bytes) -> None``.

Each raises ``AssertionError`` (or lets an unexpected exception escape) when
the property breaks, and returns quietly otherwise.  They are plain
functions, so the same code runs under atheris (``python -m fuzz.run``), in
CI over the committed corpus, and in a debugger on a saved crash file.

Targets:

``decode``      one PDU through both backends: the same value, or the same
                error class, offset and rule; a decoded message re-encodes to
                bytes that decode to the same message (stability), and the
                two encoders agree byte for byte.
``framer``      the input split into chunks whose sizes come from the input
                itself: the framer yields the same PDUs as one-shot framing,
                or fails at the same offset.
``stream``      the stream decoder, both backends, fed in chunks whose sizes
                come from the input: the same messages and the same error
                (class, stream offset, rule, path) in both, and the messages
                ``decode_all`` gives for the same bytes (up to its error).
``filter``      an RFC 4515 string: parse, print, parse again: the same filter.
``dn``          an RFC 4514 string: parse, print, parse again: the same DN.
``ldif``        RFC 2849 text: parse, and dump/parse content records again.
``server``      bytes fed to the server connection machine in chunks: only
                its documented events come out, never an exception, and after
                a violation it is closed with a Notice of Disconnection queued.
``oracle``      differential against an independent decoder: every PDU
                ldapber accepts in strict mode, pyasn1 with pyasn1-modules'
                rfc2251 LDAPMessage accepts too, and pyasn1's re-encoding of
                what it read decodes (leniently: pyasn1 writes TRUE as 0x01)
                to the same message.  Messages rfc2251 cannot express are
                skipped (see :func:`oracle_defect`).
"""

from __future__ import annotations

from collections.abc import Callable

from ldapber import DecodeError, IncompleteError, codec_for
from ldapber.ldif import LDIFError, LDIFRecord, dump_ldif, parse_ldif
from ldapber.model.dn import DN, DNSyntaxError
from ldapber.model.filters import FilterSyntaxError, filter_to_string, parse_filter
from ldapber.proto import Framer, ProtocolViolation, ServerConnection, ServerState

__all__ = ["TARGETS"]

_CY = None
_PY = codec_for("python")
try:
    _CY = codec_for("cython")
except ImportError:  # the extension is not built: the Python backend alone
    pass


def _outcome(codec: object, data: bytes) -> tuple[str, object]:
    try:
        return "ok", codec.decode(data)  # type: ignore[attr-defined]
    except DecodeError as err:
        return "error", (type(err).__name__, err.offset, err.rule)


def decode(data: bytes) -> None:
    py = _outcome(_PY, data)
    if _CY is not None:
        cy = _outcome(_CY, data)
        assert cy == py, f"backends disagree: cython {cy!r} python {py!r}"
    if py[0] != "ok":
        return
    # One reading: what strict decoding accepts encodes (an EncodeError here
    # is a finding), decodes back to the same object, and encodes to the
    # same bytes again (the input's own bytes may differ only where BER
    # leaves a choice ldapber's encoder makes one way, such as long lengths).
    msg = py[1]
    again = _PY.encode(msg)  # type: ignore[arg-type]
    if _CY is not None:
        assert _CY.encode(msg) == again, "encoders disagree"  # type: ignore[arg-type]
    reread = _PY.decode(again)
    assert reread == msg, "decode(encode(m)) != m"
    assert _PY.encode(reread) == again, "encode(decode(encode(m))) != encode(m)"


def framer(data: bytes) -> None:
    if not data:
        return
    cut, body = data[0] % 17 + 1, data[1:]
    whole = Framer(max_pdu_size=1 << 20)
    whole.feed(body)
    expected: list[bytes] = []
    expected_error = None
    try:
        expected.extend(whole)
    except DecodeError as err:
        expected_error = (type(err).__name__, err.offset)
    chunked = Framer(max_pdu_size=1 << 20)
    got: list[bytes] = []
    got_error = None
    try:
        for i in range(0, len(body), cut):
            chunked.feed(body[i:i + cut])
            got.extend(chunked)
    except DecodeError as err:
        got_error = (type(err).__name__, err.offset)
    assert got == expected[:len(got)] and (got_error is not None or got == expected), "chunking changed the PDUs"
    assert got_error == expected_error, f"chunked {got_error} one-shot {expected_error}"


def _streamed(codec: object, body: bytes, sizes: bytes) -> tuple[list[object], object]:
    stream = codec.StreamDecoder(max_pdu_size=1 << 20)  # type: ignore[attr-defined]
    out: list[object] = []
    pos, k = 0, 0
    try:
        while pos < len(body):
            size = sizes[k % len(sizes)] + 1
            stream.feed(body[pos:pos + size])
            pos, k = pos + size, k + 1
            out.extend(stream.read() if size % 2 else stream)
        out.extend(stream)
    except DecodeError as err:
        return out, (type(err).__name__, err.offset, err.rule, err.path)
    return out, None


def stream(data: bytes) -> None:
    if len(data) < 2:
        return
    sizes, body = data[:4], data[4:]
    py = _streamed(_PY, body, sizes)
    if _CY is not None:
        cy = _streamed(_CY, body, sizes)
        assert cy == py, f"backends disagree: cython {cy!r} python {py!r}"
    messages, error = py
    expected: list[object] = []
    refused, pos = False, 0
    while pos < len(body):  # PDU by PDU, as one-shot decodes of the rest
        try:
            msg, used = _PY.decode_prefix(body[pos:])
        except IncompleteError:
            break
        except DecodeError:
            refused = True
            break
        expected.append(msg)
        pos += used
    too_large = error is not None and error[0] == "PDUTooLargeError"  # decode_prefix has no size limit
    assert messages == expected[:len(messages)], "the stream and one-shot decoding disagree"
    assert too_large or (messages == expected and (error is not None) == refused), \
        f"stream error {error!r}, one-shot refused {refused}"


def filter_text(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        f = parse_filter(text)
    except FilterSyntaxError:
        return
    printed = filter_to_string(f)
    assert parse_filter(printed) == f, f"{text!r} -> {printed!r} does not parse back"


def dn_text(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        dn = DN.parse(text)
    except DNSyntaxError:
        return
    assert DN.parse(str(dn)) == dn, f"{text!r} -> {str(dn)!r} does not parse back"


def ldif_text(data: bytes) -> None:
    try:
        records = parse_ldif(data)
    except LDIFError:
        return
    content = [r for r in records if isinstance(r, LDIFRecord)]
    try:
        text = dump_ldif(content)
    except LDIFError:
        return  # records the writer refuses (documented: they would not read back)
    assert parse_ldif(text) == content, "dump/parse changed the records"


def server(data: bytes) -> None:
    if not data:
        return
    cut, body = data[0] % 13 + 1, data[1:]
    conn = ServerConnection(max_pdu_size=1 << 16)
    for i in range(0, len(body), cut):
        conn.receive_data(body[i:i + cut])
        for event in conn.events():
            if isinstance(event, ProtocolViolation):
                assert conn.state is ServerState.CLOSED
                assert conn.data_to_send(), "no Notice of Disconnection queued"
        if conn.state is ServerState.CLOSED:
            break
    conn.data_to_send()


def oracle_defect(msg: object) -> str | None:
    """Why pyasn1-modules' rfc2251 cannot stand for RFC 4511 on ``msg``, if so
    (the same defects tests/test_oracles.py documents, plus what rfc2251 has
    no room for: unknown elements, alternatives and enumeration values)."""
    from ldapber import (
        AbandonRequest,
        And,
        DelRequest,
        IntermediateResponse,
        Not,
        Or,
        SearchRequest,
        UnbindRequest,
    )
    from ldapber.model._base import UnknownAlternative

    op = msg.protocol_op  # type: ignore[attr-defined]
    if isinstance(op, (DelRequest, AbandonRequest)):
        return "rfc2251 defines DelRequest and AbandonRequest as LDAPResult"
    if isinstance(op, UnbindRequest):
        return "pyasn1 writes rfc2251's UnbindRequest as constructed 0x62 0x00"
    if isinstance(op, IntermediateResponse):
        return "rfc2251 has no IntermediateResponse"

    def depth(f: object) -> int:
        if isinstance(f, (And, Or)):
            return 1 + max((depth(x) for x in f.filters), default=0)
        return 1 + depth(f.value) if isinstance(f, Not) else 1
    if isinstance(op, SearchRequest) and depth(op.filter) > 3:
        return "rfc2251's Filter is unrolled three levels deep"
    stack, seen = [msg], 0
    while stack and seen < 100_000:
        o, seen = stack.pop(), seen + 1
        if isinstance(o, UnknownAlternative) or getattr(o, "extensions", ()):
            return "an unknown element or alternative (EXTENSIBILITY IMPLIED is not in rfc2251)"
        if isinstance(o, int) and not isinstance(o, bool) and type(o) is int and o > 2**31:
            return "a value outside rfc2251's ranges"
        if isinstance(o, list):
            stack.extend(o)
        elif hasattr(type(o), "_fields"):
            stack.extend(getattr(o, name) for name in type(o)._fields)
    return None


def oracle(data: bytes) -> None:
    from pyasn1.codec.ber import decoder as pyasn1_decoder
    from pyasn1.codec.ber import encoder as pyasn1_encoder
    from pyasn1.error import PyAsn1Error
    from pyasn1_modules import rfc2251

    try:
        msg = _PY.decode(data)
    except DecodeError:
        return
    if oracle_defect(msg) is not None:
        return
    try:
        value, rest = pyasn1_decoder.decode(data, asn1Spec=rfc2251.LDAPMessage())
    except PyAsn1Error as err:
        raise AssertionError(f"ldapber accepts, pyasn1 rejects: {err}") from None
    assert rest == b"", "pyasn1 left bytes over"
    again = pyasn1_encoder.encode(value)
    try:
        assert _PY.decode(again, strict=False) == msg, "pyasn1 read a different message"
    except DecodeError as err:
        raise AssertionError(f"pyasn1 wrote what ldapber cannot read: {err}") from None


TARGETS: dict[str, Callable[[bytes], None]] = {
    "decode": decode, "framer": framer, "stream": stream, "filter": filter_text, "dn": dn_text, "ldif": ldif_text, "server": server,
    "oracle": oracle,
}
