"""The server's stats log (issue 21): one line per connection event and per
operation, as slapd's stats level, from ``serve -v`` and on the
``ldapber.server.stats`` logger."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
import time

import pytest
from test_sync_client import ADMIN, ADMIN_PW, BASE, make_service, server_thread

from ldapber.model.results import NoSuchObjectError
from ldapber.sync import connect


def test_each_operation_gets_a_request_and_a_result_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ldapber.server.stats")
    with server_thread(make_service()) as info:
        with connect(info["url"]) as ldap:
            ldap.bind(ADMIN, ADMIN_PW)
            assert len(ldap.search_all(BASE, "(uid=a*)")) == 1
            with pytest.raises(NoSuchObjectError):
                ldap.delete("uid=nobody,dc=example,dc=com")
        for _ in range(100):  # the close line comes from the server's thread
            if any(r.getMessage().endswith(" closed") for r in caplog.records):
                break
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "ldapber.server.stats"]
    conn = re.match(r"conn=(\d+) ACCEPT from IP=127\.0\.0\.1:\d+$", lines[0])
    assert conn, lines
    c = conn.group(1)
    expected = [f'conn={c} op=1 BIND dn="{ADMIN}" method=128',
                rf"conn={c} op=1 RESULT tag=97 err=0 etime=\d+\.\d{{6}} text=$",
                f'conn={c} op=2 SRCH base="{BASE}" scope=2 deref=0 filter="(uid=a*)"',
                rf"conn={c} op=2 SEARCH RESULT tag=101 err=0 nentries=1 etime=\d+\.\d{{6}} text=$",
                f'conn={c} op=3 DEL dn="uid=nobody,dc=example,dc=com"',
                rf"conn={c} op=3 RESULT tag=107 err=32 etime=\S+ text=\S",
                f"conn={c} closed"]
    assert len(lines) == len(expected) + 1, lines
    for pattern, line in zip(expected, lines[1:], strict=True):
        assert re.match(re.escape(pattern) if "etime" not in pattern else pattern, line), (pattern, line)


def test_serve_v_prints_the_stats_lines() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--port", str(port), "--no-cldap", "-v"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and "ldapber serving" in server.stdout.readline()
        with connect(f"ldap://127.0.0.1:{port}") as ldap:
            ldap.search_all(BASE, "(uid=bob)")
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert re.search(r'conn=\d+ op=1 SRCH base="dc=example,dc=com" scope=2 deref=0 filter="\(uid=bob\)"', err), err
    assert re.search(r"SEARCH RESULT tag=101 err=0 nentries=1 ", err), err
