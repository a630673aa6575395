"""Starting the servers the benchmarks measure: OpenLDAP's ``slapd`` (mdb,
a temporary directory, loaded offline with ``slapadd`` or with ldapadd) and
``python -m ldapber serve``, on free loopback ports, and stopping them.  The
measurements themselves are in :mod:`bench.directory` (the servers) and
:mod:`bench.client` (the clients)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ldapber" / "samples" / "directory.ldif"
BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", "secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def slapd_conf(folder: Path, *, global_lines: Sequence[str] = (), database_lines: Sequence[str] = (),
               maxsize: int = 100 * 2**20) -> Path:
    """Write ``folder/slapd.conf``: an mdb database for BASE in ``folder/db``
    (made here), ADMIN as its rootdn, everything readable.  ``global_lines``
    go before the database section, ``database_lines`` at its end."""
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text("\n".join([
        *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
        f"pidfile {folder}/slapd.pid", "modulepath /usr/lib/ldap", "moduleload back_mdb", *global_lines,
        "database mdb", f'suffix "{BASE}"', f'rootdn "{ADMIN}"', f"rootpw {ADMIN_PW}",
        f"directory {folder}/db", f"maxsize {maxsize}", "access to * by * read", *database_lines, ""]))
    return conf


def slapadd(conf: Path, ldif_path: Path, timeout: float = 300) -> None:
    """Load an LDIF file into the database of ``conf`` offline (slapd not
    running), in slapadd's quick mode: far faster than ldapadd for thousands
    of entries."""
    tool = shutil.which("slapadd") or "/usr/sbin/slapadd"
    done = subprocess.run([tool, "-q", "-f", str(conf), "-l", str(ldif_path)], capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"slapadd failed: {done.stderr.decode(errors='replace')[-2000:]}")


def start_slapd(port: int, folder: Path, ldif_path: Path | None = None, *, global_lines: Sequence[str] = (),
                database_lines: Sequence[str] = (), maxsize: int = 100 * 2**20) -> subprocess.Popen[bytes]:
    """slapd on 127.0.0.1:``port``, its configuration and database in
    ``folder``.  With ``ldif_path``, that file is loaded with :func:`slapadd`
    before slapd starts; without, the sample directory is added with ldapadd
    once it runs.  The caller stops the process (:func:`stop`)."""
    slapd = shutil.which("slapd") or "/usr/sbin/slapd"
    conf = slapd_conf(folder, global_lines=global_lines, database_lines=database_lines, maxsize=maxsize)
    if ldif_path is not None:
        slapadd(conf, ldif_path)
    proc = subprocess.Popen([slapd, "-d", "0", "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, proc)
        if ldif_path is None:
            added = subprocess.run(["ldapadd", "-x", "-H", f"ldap://127.0.0.1:{port}", "-D", ADMIN, "-w", ADMIN_PW,
                                    "-f", str(SAMPLE)], capture_output=True, timeout=60)
            if added.returncode != 0:
                raise RuntimeError(f"ldapadd into slapd failed: {added.stderr.decode()}")
    except BaseException:  # slapd did not start or take the data: stop it, the caller has no handle
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process this module started, and reap it."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def slapadd_available() -> bool:
    """slapd and its offline loader (both in Debian's slapd package)."""
    return bool((shutil.which("slapd") or os.path.exists("/usr/sbin/slapd"))
                and (shutil.which("slapadd") or os.path.exists("/usr/sbin/slapadd")))


