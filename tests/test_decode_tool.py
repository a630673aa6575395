"""``python -m ldapber decode`` as a user runs it: a subprocess, on hex,
base64, raw files and a capture the test writes itself, and on bad input."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from samples import MESSAGES

import ldapber

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ldapber", "decode", *args], cwd=ROOT, capture_output=True,
                          text=True, input=None if stdin is None else stdin.decode("latin-1"), timeout=120)


def test_hex_tree_with_offsets_and_names() -> None:
    out = run("300c020101600702010304008000")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "       5    protocolOp.bindRequest BindRequest [APPLICATION 0] (7 bytes)" in lines
    assert "      12      authentication.simple b''" in lines
    assert lines[-1] == "1 of 1 PDUs decoded"


def test_malformed_pdu_is_shown_to_the_error_and_the_tool_goes_on(tmp_path: Path) -> None:
    good = ldapber.encode(MESSAGES[0])
    bad = bytes.fromhex("300c0201016007020103040080ff")  # 0xFF length octet
    raw = tmp_path / "stream.ber"
    raw.write_bytes(bad + good)
    out = run("--raw", str(raw))
    assert out.returncode == 1
    text = out.stdout
    assert "      10      name ''" in text and "[length-reserved]" in text and "at byte 12" in text
    assert "== PDU 2 at offset 14" in text and "1 of 2 PDUs decoded" in text


def test_base64_from_stdin_and_json() -> None:
    data = b"".join(ldapber.encode(m) for m in MESSAGES[:3])
    out = subprocess.run([sys.executable, "-m", "ldapber", "decode", "--base64", "-", "--json"], cwd=ROOT,
                         input=base64.b64encode(data).decode(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [ldapber.from_dict(r["message"]) for r in records] == MESSAGES[:3]
    assert [r["offset"] for r in records][1] == len(ldapber.encode(MESSAGES[0]))


def test_capture(tmp_path: Path) -> None:
    dpkt = pytest.importorskip("dpkt")
    client, server = b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02"
    request = ldapber.encode(MESSAGES[4])  # a search request with a control
    responses = b"".join(ldapber.encode(m) for m in MESSAGES[5:8])  # entry, reference, done
    path = tmp_path / "ldap.pcap"

    def packet(src: bytes, dst: bytes, sport: int, dport: int, seq: int, payload: bytes) -> bytes:
        tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH, data=payload)
        ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, data=tcp)
        ip.len = len(bytes(ip))
        return bytes(dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip))

    with path.open("wb") as f:
        w = dpkt.pcap.Writer(f)
        w.writepkt(packet(client, server, 50000, 389, 1000, request[:10]), ts=1.0)
        # the server's answer in three segments, one of them sent twice and out of order
        w.writepkt(packet(server, client, 389, 50000, 7000 + 50, responses[50:]), ts=1.2)
        w.writepkt(packet(server, client, 389, 50000, 7000, responses[:50]), ts=1.1)
        w.writepkt(packet(client, server, 50000, 389, 1010, request[10:]), ts=1.3)
        w.writepkt(packet(server, client, 389, 50000, 7000, responses[:50]), ts=1.4)
        w.writepkt(packet(client, server, 50000, 636, 1, b"\x30\x00"), ts=1.5)  # another port: ignored
    out = run("--pcap", str(path), "--json")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [ldapber.from_dict(r["message"]) for r in records] == [MESSAGES[4], *MESSAGES[5:8]]
    assert {r["source"].split(" ", 1)[1] for r in records} == {"127.0.0.1:50000 -> 127.0.0.2:389",
                                                               "127.0.0.2:389 -> 127.0.0.1:50000"}
    tree = run("--pcap", str(path))
    assert "4 of 4 PDUs decoded" in tree.stdout and "searchResEntry" in tree.stdout


def test_bad_input_is_a_clean_error(tmp_path: Path) -> None:
    out = run("30zz")
    assert out.returncode == 2 and "cannot read the input" in out.stderr
    out = run("--raw", str(tmp_path / "missing"))
    assert out.returncode == 2
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x04\x00garbage")
    out = run("--raw", str(junk))
    assert out.returncode == 1 and "unexpected-tag" in out.stdout


def test_version_and_a_reader_that_goes_away() -> None:
    out = subprocess.run([sys.executable, "-m", "ldapber", "--version"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.startswith(f"ldapber {ldapber.__version__} ({ldapber.BACKEND} backend)")
    # `... | head -1`: the pipe closes after one line; no BrokenPipeError traceback
    hexes = "".join(ldapber.encode(m).hex() for m in MESSAGES) * 300
    shell = f"{sys.executable} -m ldapber decode --hex-file - | head -1"
    done = subprocess.run(["sh", "-c", shell], cwd=ROOT, input=hexes, capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, \
        done.stderr[-1000:]


def _write_capture(path: Path, packets: list[tuple[bytes, bytes, int, int, int, bytes]]) -> None:
    dpkt = pytest.importorskip("dpkt")
    with path.open("wb") as f:
        w = dpkt.pcap.Writer(f)
        for i, (src, dst, sport, dport, seq, payload) in enumerate(packets):
            tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, flags=dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH,
                               data=payload)
            ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, data=tcp)
            ip.len = len(bytes(ip))
            w.writepkt(bytes(dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip)), ts=1.0 + i)


CLIENT, SERVER = b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02"


def test_a_capture_on_another_port_says_which(tmp_path: Path) -> None:
    path = tmp_path / "other-port.pcap"
    request = ldapber.encode(MESSAGES[4])
    _write_capture(path, [(CLIENT, SERVER, 50000, 3389, 1, request)])
    out = run("--pcap", str(path))
    assert out.returncode == 1 and "no TCP payload to or from port 389" in out.stderr, out.stderr
    assert "try --port 3389" in out.stderr, out.stderr
    assert run("--pcap", str(path), "--port", "3389").returncode == 0


def test_tls_after_starttls_is_not_a_failure(tmp_path: Path) -> None:
    from ldapber.extended import STARTTLS_OID

    path = tmp_path / "starttls.pcap"
    start = ldapber.encode(ldapber.LDAPMessage(1, ldapber.ExtendedRequest(STARTTLS_OID)))
    started = ldapber.encode(ldapber.LDAPMessage(1, ldapber.ExtendedResponse(
        ldapber.ResultCode.SUCCESS, "", "", response_name=STARTTLS_OID)))
    hello, server_hello = b"\x16\x03\x01\x00\x05hello", b"\x16\x03\x03\x00\x02hi"
    _write_capture(path, [(CLIENT, SERVER, 50000, 389, 1, start), (SERVER, CLIENT, 389, 50000, 1, started),
                          (CLIENT, SERVER, 50000, 389, 1 + len(start), hello),
                          (SERVER, CLIENT, 389, 50000, 1 + len(started), server_hello)])
    out = run("--pcap", str(path))
    assert out.returncode == 0, out.stdout
    assert "2 of 2 PDUs decoded" in out.stdout and out.stdout.count("(after StartTLS)") == 2, out.stdout
    # TLS where no StartTLS came first is still a malformed stream
    path2 = tmp_path / "no-starttls.pcap"
    _write_capture(path2, [(CLIENT, SERVER, 50000, 389, 1, hello)])
    assert run("--pcap", str(path2)).returncode == 1


def test_progress_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from ldapber.tools import capture

    path = tmp_path / "many.pcap"
    request = ldapber.encode(MESSAGES[4])
    _write_capture(path, [(CLIENT, SERVER, 50000, 389, 1 + i * len(request), request) for i in range(10)])
    monkeypatch.setattr(capture, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    with path.open("rb") as f:
        streams = capture.read_capture(f, 389, progress=seen.append)
    assert len(streams) == 1 and len(seen) == 5 and seen == sorted(seen) and seen[-1] <= path.stat().st_size
    terminal = io.StringIO()
    bar = capture.Progress(2_000_000, terminal, interval=0, force=True)
    bar(1_000_000)
    bar.done()
    assert terminal.getvalue() == "\rreading capture: 1.0 of 2.0 MB (50%)\r\033[K"
    piped = io.StringIO()  # not a terminal: nothing
    quiet = capture.Progress(2_000_000, piped, interval=0)
    quiet(1_000_000)
    quiet.done()
    assert piped.getvalue() == ""
    out = run("--pcap", str(path))  # stderr is a pipe here: no progress line in it
    assert out.returncode == 0 and "reading capture" not in out.stderr
