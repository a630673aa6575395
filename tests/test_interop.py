"""Interoperability with OpenLDAP, both ways, over loopback.

- OpenLDAP's command-line tools (ldap-utils) against ``python -m ldapber
  serve``: every operation, its exit status and output.
- ldapber's client against OpenLDAP's ``slapd`` (started here with a
  throw-away configuration and the same sample directory), with the same
  queries answered by ldapber's server compared entry for entry.

Skipped, with the reason, where slapd or ldap-utils are not installed
(README's test command installs them with apt).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ldapber import Scope
from ldapber.aio.client import connect
from ldapber.model.results import LDAPResultError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ldapber" / "samples" / "directory.ldif"
BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", "secret"
ALICE = "uid=alice,ou=people,dc=example,dc=com"
SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)

needs_tools = pytest.mark.skipif(shutil.which("ldapsearch") is None, reason="ldap-utils is not installed")
needs_slapd = pytest.mark.skipif(SLAPD is None or shutil.which("ldapadd") is None,
                                 reason="slapd and ldap-utils are not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(200):  # up to 10 s
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def ldapber_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data = tmp_path_factory.mktemp("ldapber") / "data.ldif"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ldapber", "serve", "--host", "127.0.0.1", "--port", str(port), "--root-dn", ADMIN,
         "--root-password", ADMIN_PW, "--data-file", str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, "ldapber serve")
        yield f"ldap://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text("\n".join([
        *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
        f"pidfile {folder}/slapd.pid",
        "modulepath /usr/lib/ldap", "moduleload back_mdb",
        "database mdb", f'suffix "{BASE}"', f'rootdn "{ADMIN}"', f"rootpw {ADMIN_PW}",
        f"directory {folder}/db", "maxsize 104857600",
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read", ""]))
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    proc = subprocess.Popen([SLAPD, "-d", "0", "-f", str(conf), "-h", url + "/"],  # type: ignore[list-item]
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, "slapd")
        added = subprocess.run(["ldapadd", "-x", "-H", url, "-D", ADMIN, "-w", ADMIN_PW, "-f", str(SAMPLE)],
                               capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        yield url
    finally:
        stop(proc)


def tool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=60)


@needs_tools
def test_openldap_tools_against_ldapber(ldapber_server: str) -> None:
    url, auth = ldapber_server, ["-D", ADMIN, "-w", ADMIN_PW]
    found = tool("ldapsearch", "-x", "-LLL", "-H", url, "-b", BASE, "(&(objectClass=person)(uid=a*))", "cn", "mail")
    assert found.returncode == 0 and "dn: " + ALICE in found.stdout and "mail: alice@example.com" in found.stdout
    dse = tool("ldapsearch", "-x", "-LLL", "-H", url, "-s", "base", "-b", "", "+")
    assert "namingContexts: " + BASE in dse.stdout and "supportedLDAPVersion: 3" in dse.stdout
    who = tool("ldapwhoami", "-x", "-H", url, "-D", ALICE, "-w", "password")
    assert who.stdout.strip() == "dn:" + ALICE
    bad = tool("ldapwhoami", "-x", "-H", url, "-D", ALICE, "-w", "nope")
    assert bad.returncode == 49 and "Invalid credentials" in bad.stderr
    new = "uid=zed,ou=people," + BASE
    entry = f"dn: {new}\nobjectClass: inetOrgPerson\nuid: zed\ncn: Zed\nsn: Zed\n"
    assert tool("ldapadd", "-x", "-H", url, stdin=entry).returncode == 8  # strongerAuthRequired
    assert tool("ldapadd", "-x", "-H", url, *auth, stdin=entry).returncode == 0
    assert tool("ldapadd", "-x", "-H", url, *auth, stdin=entry).returncode == 68  # entryAlreadyExists
    change = f"dn: {new}\nchangetype: modify\nadd: mail\nmail: zed@example.com\n-\nreplace: sn\nsn: Zeta\n"
    assert tool("ldapmodify", "-x", "-H", url, *auth, stdin=change).returncode == 0
    cmp = tool("ldapcompare", "-x", "-H", url, new, "sn:zeta")
    assert cmp.returncode == 6 and cmp.stdout.strip() == "TRUE"  # compareTrue, caseIgnoreMatch
    assert tool("ldapmodrdn", "-x", "-H", url, *auth, "-r", new, "uid=zz").returncode == 0
    moved = tool("ldapsearch", "-x", "-LLL", "-H", url, "-b", BASE, "(uid=zz)", "uid")
    assert "dn: uid=zz,ou=people," + BASE in moved.stdout and "uid: zed" not in moved.stdout
    assert tool("ldapdelete", "-x", "-H", url, *auth, "ou=people," + BASE).returncode == 66  # notAllowedOnNonLeaf
    assert tool("ldapdelete", "-x", "-H", url, *auth, "uid=zz,ou=people," + BASE).returncode == 0
    passwd = tool("ldappasswd", "-x", "-H", url, "-D", "uid=bob,ou=people," + BASE, "-w", "password",
                  "-a", "password", "-s", "n3w")
    assert passwd.returncode == 0, passwd.stderr
    assert tool("ldapwhoami", "-x", "-H", url, "-D", "uid=bob,ou=people," + BASE, "-w", "n3w").returncode == 0
    paged = tool("ldapsearch", "-x", "-LLL", "-H", url, "-b", BASE, "-E", "pr=3/noprompt", "(objectClass=*)", "1.1")
    assert paged.returncode == 0 and len(re.findall(r"^dn: ", paged.stdout, re.M)) == 10
    critical = tool("ldapsearch", "-x", "-H", url, "-b", BASE, "-E", "!1.2.3.4")
    assert critical.returncode == 12  # unavailableCriticalExtension
    limited = tool("ldapsearch", "-x", "-LLL", "-H", url, "-b", BASE, "-z", "2", "(objectClass=person)", "1.1")
    assert limited.returncode == 4  # sizeLimitExceeded


async def _view(url: str, user: str | None) -> list[tuple[str, tuple[tuple[str, tuple[bytes, ...]], ...]]]:
    """What a client sees of the sample directory, normalised for comparison."""
    async with await connect(url) as ldap:
        if user:
            await ldap.bind(user, "password")
        out = []
        for flt in ("(objectClass=*)", "(&(objectClass=person)(|(uid=a*)(mail=*example.com)))",
                    "(!(uidNumber>=1000))", "(cn=*smith*)", "(member=uid=alice,ou=people,dc=example,dc=com)"):
            for scope in (Scope.WHOLE_SUBTREE, Scope.SINGLE_LEVEL):
                for entry in await ldap.search_all(BASE if scope == Scope.WHOLE_SUBTREE else "ou=people," + BASE,
                                                   flt, scope=scope, attributes=["cn", "sn", "uid", "mail", "member"]):
                    attrs = tuple(sorted((a.type.lower(), tuple(sorted(a.vals))) for a in entry.attributes))
                    out.append((f"{flt} {scope.name} {entry.object_name.lower()}", attrs))
        return sorted(out)


@needs_slapd
def test_ldapber_client_against_slapd_matches_ldapber_server(slapd_server: str, ldapber_server: str) -> None:
    async def main() -> None:
        theirs = await _view(slapd_server, None)
        ours = await _view(ldapber_server, None)
        assert len(theirs) > 20
        assert ours == theirs
        async with await connect(slapd_server) as ldap:
            await ldap.bind(ADMIN, ADMIN_PW)
            assert await ldap.who_am_i() == "dn:" + ADMIN
            new = "uid=yan,ou=people," + BASE
            await ldap.add(new, {"objectClass": ["inetOrgPerson"], "uid": ["yan"], "cn": ["Yan"], "sn": ["Y"]})
            await ldap.modify(new, [("add", "mail", ["yan@example.com"])])
            assert await ldap.compare(new, "mail", "YAN@example.com")
            await ldap.modify_dn(new, "uid=yan2")
            paged = [e.object_name async for e in ldap.paged_search(BASE, page_size=4)]
            assert len(paged) == len(set(paged)) == 11
            await ldap.delete("uid=yan2,ou=people," + BASE)
            with pytest.raises(LDAPResultError) as err:
                await ldap.delete("ou=people," + BASE)
            assert err.value.result_code == 66
    asyncio.run(asyncio.wait_for(main(), 120))
