"""OpenLDAP's slapd for the tests: started here with a throw-away
configuration (mdb, a temporary folder) and the bundled sample directory,
on loopback TCP and a Unix socket (ldapi://), optionally with TLS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import free_port, stop  # noqa: E402  # the benchmarks' process helpers, shared

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ldapber" / "samples" / "directory.ldif"
BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", "secret"
SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)

needs_tools = pytest.mark.skipif(shutil.which("ldapsearch") is None, reason="ldap-utils is not installed")
needs_slapd = pytest.mark.skipif(SLAPD is None or shutil.which("ldapadd") is None,
                                 reason="slapd and ldap-utils are not installed")


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(200):  # up to 10 s
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on {port}")


@dataclass(frozen=True)
class Slapd:
    url: str  # ldap:// (StartTLS when started with a certificate)
    tls_url: str | None  # ldaps://, with a certificate
    ldapi_url: str  # ldapi://, the socket percent-encoded
    folder: Path


@contextmanager
def slapd_with_sample(folder: Path, certificate: tuple[Path, Path] | None = None, overlays: Sequence[str] = (), *,
                      client_ca: Path | None = None, global_lines: tuple[str, ...] = ()) -> Iterator[Slapd]:
    """A slapd holding the sample directory; stopped on exit.  ``overlays``
    are loaded and stacked on the database (``sssvlv``: server-side sort).
    With ``client_ca``, TLS clients may present a certificate signed by it
    (TLSVerifyClient try); ``global_lines`` go into slapd.conf's global part."""
    assert SLAPD is not None
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    tls = [f"TLSCertificateFile {certificate[0]}", f"TLSCertificateKeyFile {certificate[1]}"] if certificate else []
    if client_ca is not None:
        tls += [f"TLSCACertificateFile {client_ca}", "TLSVerifyClient try"]
    tls += list(global_lines)
    conf.write_text("\n".join([
        *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
        f"pidfile {folder}/slapd.pid",
        "modulepath /usr/lib/ldap", "moduleload back_mdb", *(f"moduleload {o}" for o in overlays), *tls,
        "database mdb", f'suffix "{BASE}"', f'rootdn "{ADMIN}"', f"rootpw {ADMIN_PW}",
        f"directory {folder}/db", "maxsize 104857600", *(f"overlay {o}" for o in overlays),
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read", ""]))
    port = free_port()
    tls_port = free_port() if certificate else None
    socket_path = folder / "ldapi"
    url = f"ldap://127.0.0.1:{port}"
    tls_url = f"ldaps://127.0.0.1:{tls_port}" if tls_port else None
    ldapi_url = "ldapi://" + str(socket_path).replace("/", "%2F")
    listen = " ".join([f"{url}/", *([f"{tls_url}/"] if tls_url else []), f"{ldapi_url}/"])
    proc = subprocess.Popen([SLAPD, "-d", "0", "-f", str(conf), "-h", listen],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, "slapd")
        if tls_port:
            wait_for_port(tls_port, proc, "slapd (LDAPS)")
        added = subprocess.run(["ldapadd", "-x", "-H", url, "-D", ADMIN, "-w", ADMIN_PW, "-f", str(SAMPLE)],
                               capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        yield Slapd(url, tls_url, ldapi_url, folder)
    finally:
        stop(proc)
