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
import importlib.util
import os
import re
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythons import server_starttls
from slapd import (
    ADMIN,
    ADMIN_PW,
    BASE,
    free_port,
    needs_slapd,
    needs_tools,
    slapd_with_sample,
    stop,
    wait_for_port,
)

from ldapber import Scope
from ldapber.aio.client import connect
from ldapber.model.results import LDAPResultError

ALICE = "uid=alice,ou=people,dc=example,dc=com"


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def ldapber_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   certificate: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    """(ldap:// URL with StartTLS, ldaps:// URL) of a ``python -m ldapber serve`` process, on asyncio's
    event loop and on uvloop's (the optional extra)."""
    if request.param == "uvloop" and importlib.util.find_spec("uvloop") is None:
        pytest.skip("uvloop is not installed")
    port, tls_port = free_port(), free_port()
    data = tmp_path_factory.mktemp("ldapber") / "data.ldif"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ldapber", "serve", "--loop", request.param, "--host", "127.0.0.1", "--port", str(port),
         "--root-dn", ADMIN,
         "--root-password", ADMIN_PW, "--data-file", str(data), "--tls-cert", str(certificate[0]),
         "--tls-key", str(certificate[1]), "--ldaps-port", str(tls_port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, "ldapber serve")
        wait_for_port(tls_port, proc, "ldapber serve (LDAPS)")
        yield f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{tls_port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def slapd_server(tmp_path_factory: pytest.TempPathFactory, certificate: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    """(ldap:// URL with StartTLS, ldaps:// URL) of a slapd started here."""
    with slapd_with_sample(tmp_path_factory.mktemp("slapd"), certificate) as slapd:
        yield slapd.url, slapd.tls_url  # type: ignore[misc]


def tool(*args: str, stdin: str | None = None, ca: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LDAPTLS_CACERT": str(ca)} if ca else None
    return subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=60, env=env)


@needs_tools
@server_starttls
def test_openldap_tools_over_tls_against_ldapber(ldapber_server: tuple[str, str],
                                                  certificate: tuple[Path, Path]) -> None:
    url, tls_url = ldapber_server
    started = tool("ldapwhoami", "-x", "-ZZ", "-H", url, "-D", ALICE, "-w", "password", ca=certificate[0])
    assert started.returncode == 0 and started.stdout.strip() == "dn:" + ALICE, started.stderr
    over_ldaps = tool("ldapsearch", "-x", "-LLL", "-H", tls_url, "-b", BASE, "(uid=bob)", "uid", ca=certificate[0])
    assert over_ldaps.returncode == 0 and "uid: bob" in over_ldaps.stdout, over_ldaps.stderr
    untrusted = tool("ldapsearch", "-x", "-H", tls_url, "-b", BASE, "(uid=bob)",
                     ca=certificate[0].parent / "missing.pem")
    assert untrusted.returncode != 0


@needs_tools
@pytest.mark.parametrize(("flt", "expected"), [
    ("(uid=alice)", {"alice"}),
    ("(&(objectClass=person)(uid=a*))", {"alice"}),
    ("(|(uid=bob)(uid=carol))", {"bob", "carol"}),
    ("(&(objectClass=inetOrgPerson)(!(uid=a*))(!(uid=b*)))", {"carol", "dave", "erin", "jsmith"}),
    ("(cn=*n*)", None),
    ("(uidNumber>=1000)", {"alice"}),
    ("(uidNumber<=999)", set()),
    ("(mail=*)", None),
    ("(cn~=ALICE-ANDERSON)", {"alice"}),
    ("(uid:caseExactMatch:=alice)", {"alice"}),
    ("(ou:dn:=people)", {"alice", "bob", "carol", "dave", "erin", "jsmith"}),
])
def test_ldapsearch_filters_against_ldapber(ldapber_server: tuple[str, str], flt: str,
                                            expected: set[str] | None) -> None:
    found = tool("ldapsearch", "-x", "-LLL", "-H", ldapber_server[0], "-b", "ou=people," + BASE, flt, "uid")
    assert found.returncode == 0, found.stderr
    uids = set(re.findall(r"^uid: (\S+)$", found.stdout, re.M))
    if expected is not None:
        assert uids == expected
    else:
        assert uids  # matched something; the exact set is checked against slapd below


@needs_tools
def test_openldap_tools_against_ldapber(ldapber_server: tuple[str, str]) -> None:
    url, auth = ldapber_server[0], ["-D", ADMIN, "-w", ADMIN_PW]
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
    self_service = tool("ldappasswd", "-x", "-H", url, "-D", "uid=bob,ou=people," + BASE, "-w", "n3w", "-s", "n4w")
    assert self_service.returncode == 0, self_service.stderr  # no old password: allowed as slapd does
    assert tool("ldapwhoami", "-x", "-H", url, "-D", "uid=bob,ou=people," + BASE, "-w", "n4w").returncode == 0
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
def test_ldapber_client_against_slapd_matches_ldapber_server(slapd_server: tuple[str, str],
                                                             ldapber_server: tuple[str, str]) -> None:
    async def main() -> None:
        theirs = await _view(slapd_server[0], None)
        ours = await _view(ldapber_server[0], None)
        assert len(theirs) > 20
        assert ours == theirs
        async with await connect(slapd_server[0]) as ldap:
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


@needs_slapd
def test_ldapber_client_tls_against_slapd(slapd_server: tuple[str, str], certificate: tuple[Path, Path]) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))

    async def main() -> None:
        ldap = await connect(slapd_server[0])
        await ldap.start_tls(context, server_hostname="127.0.0.1")
        await ldap.bind(ALICE, "password")
        assert await ldap.who_am_i() == "dn:" + ALICE
        await ldap.unbind()
        ldaps = await connect(slapd_server[1], ssl_context=context)
        await ldaps.bind(ADMIN, ADMIN_PW)
        assert len(await ldaps.search_all(BASE, "(objectClass=inetOrgPerson)")) >= 6
        generated = await ldaps.password_modify("uid=dave,ou=people," + BASE)
        assert generated
        await ldaps.bind("uid=dave,ou=people," + BASE, generated)
        await ldaps.unbind()
    asyncio.run(asyncio.wait_for(main(), 120))


@needs_tools
@pytest.mark.parametrize(("scope", "base", "expected"), [
    ("base", "ou=people," + BASE, 1),
    ("one", "ou=people," + BASE, 6),
    ("sub", "ou=people," + BASE, 7),
    ("one", BASE, 2),
])
def test_ldapsearch_scopes_against_ldapber(ldapber_server: tuple[str, str], scope: str, base: str,
                                           expected: int) -> None:
    found = tool("ldapsearch", "-x", "-LLL", "-H", ldapber_server[0], "-s", scope, "-b", base, "(objectClass=*)", "1.1")
    assert found.returncode == 0, found.stderr
    assert len(re.findall(r"^dn: ", found.stdout, re.M)) == expected
