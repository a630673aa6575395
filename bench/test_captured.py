"""The captured OpenLDAP traffic (bench/corpus/captured.ber) against ldapber.

Every PDU must decode in strict mode with each available backend, re-encode
to an equal object, and the captured stream must split into the same PDUs
``bench.capture`` would name.  Control and extended-operation values are
decoded strictly too.  Run: ``pytest bench/test_captured.py -q``.
"""

from __future__ import annotations

import re

import pytest

import ldapber
from ldapber import ExtendedRequest, ExtendedResponse, LDAPMessage
from ldapber.controls import decode_control, decode_response_control
from ldapber.extended import PASSWORD_MODIFY_OID, WHOAMI_OID, PasswordModifyResponse, decode_extended_request

from . import captured
from .capture import OPERATIONS, operation, split

PDUS = captured.load()
STREAM = captured.stream()
NAMES = sorted(PDUS)
NAME = re.compile(r"captured/[a-z-]+/(request|response)/([A-Za-z]+)#[1-9][0-9]*")
BACKENDS = ["python"] + (["cython"] if ldapber.BACKEND == "cython" else [])

needs_data = pytest.mark.skipif(not PDUS, reason=f"{captured.PATH} absent: run python -m bench.capture")


def decode(name: str, backend: str = ldapber.BACKEND) -> LDAPMessage:
    return ldapber.codec_for(backend).decode(PDUS[name], strict=True)


@needs_data
def test_contents() -> None:
    assert 20 <= len(PDUS) <= 80
    for name, pdu in PDUS.items():
        m = NAME.fullmatch(name)
        assert m, name
        assert m.group(2) == operation(pdu) and m.group(2) in OPERATIONS.values(), name
        assert ldapber.pdu_length(pdu) == len(pdu), name
    assert len(set(PDUS.values())) == len(PDUS), "duplicate PDUs"
    kinds = {NAME.fullmatch(n).group(2) for n in PDUS}  # type: ignore[union-attr]
    assert {"bindRequest", "bindResponse", "searchRequest", "searchResEntry", "searchResDone", "addRequest",
            "modifyRequest", "modDNRequest", "compareRequest", "delRequest", "extendedReq", "extendedResp",
            "unbindRequest"} <= kinds


@needs_data
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
def test_strict_decode(name: str, backend: str) -> None:
    msg = decode(name, backend)
    assert type(msg.protocol_op).__name__ != "UnknownAlternative"
    assert msg == ldapber.codec_for(backend).decode(PDUS[name], strict=False)


@needs_data
@pytest.mark.parametrize("name", NAMES)
def test_reencode(name: str) -> None:
    msg = decode(name)
    again = ldapber.encode(msg)
    assert ldapber.decode(again) == msg
    if again != PDUS[name]:  # only length octets may differ (ldapber writes minimal ones)
        assert len(again) < len(PDUS[name]), name


@needs_data
@pytest.mark.parametrize("name", NAMES)
def test_values_strict(name: str) -> None:
    """Controls and extended-operation values inside the PDUs, strictly."""
    msg = decode(name)
    response = "/response/" in name
    for control in msg.controls or ():
        typed = (decode_response_control if response else decode_control)(control, strict=True)
        assert typed is not control, f"unknown control {control.control_type}"
    op = msg.protocol_op
    if isinstance(op, ExtendedRequest):
        assert decode_extended_request(op) is not op
    if isinstance(op, ExtendedResponse) and op.response_value is not None:
        if op.response_value.startswith(b"dn:"):
            assert op.response_value.decode() == "dn:uid=alice,ou=people,dc=example,dc=com"
        else:
            PasswordModifyResponse.from_response(op)


@needs_data
def test_extended_operations_captured() -> None:
    oids = {decode(n).protocol_op.request_name for n in NAMES if "/extendedReq#" in n}
    assert oids == {WHOAMI_OID, PASSWORD_MODIFY_OID}


@pytest.mark.skipif(STREAM is None, reason="no captured stream")
def test_stream() -> None:
    assert STREAM is not None
    pdus = split(STREAM)
    msgs = ldapber.decode_all(STREAM, strict=True)
    assert msgs == [ldapber.decode(p) for p in pdus]
    ops = [operation(p) for p in pdus]
    assert ops[0] == "bindResponse" and ops[-1] == "searchResDone" and ops.count("searchResEntry") >= 3
    assert set(ops[1:-1]) == {"searchResEntry"}
    kept = [PDUS[n] for n in NAMES if n.startswith("captured/ldapsearch/response/searchResEntry#")]
    assert kept and all(p in pdus for p in kept)
    assert b"".join(ldapber.encode(m) for m in msgs) == STREAM or all(len(ldapber.encode(m)) <= len(p)
                                                                      for m, p in zip(msgs, pdus, strict=True))


def test_absent_file(tmp_path) -> None:
    assert captured.load(tmp_path / "none.ber") == {}
    assert captured.stream(tmp_path / "none.ber") is None


def test_format_roundtrip(tmp_path) -> None:
    pdus = {"captured/x/request/bindRequest#1": bytes.fromhex("300c020101600702010304008000"),
            "captured/x/request/odd#1": b"a\nb c\n"}
    path = tmp_path / "c.ber"
    path.write_bytes(captured.dump(pdus, {captured.STREAM_NAME: b"\n\n"}))
    assert captured.load(path) == pdus
    assert captured.stream(path) == b"\n\n"
    with pytest.raises(ValueError):
        captured.dump({"has space": b""})
    with pytest.raises(ValueError):
        captured.parse(path.read_bytes()[:-1])
