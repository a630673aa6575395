"""Referrals and continuation references (RFC 4511 4.1.10, 4.5.3; issue 20):
data by default; with a ReferralPolicy, followed by both clients, a hop limit
deep, never twice to one place (a loop ends), with this connection's
credentials only when asked.  Two ldapber servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from test_sync_client import ADMIN, ADMIN_PW, BASE, PEOPLE, make_service, server_thread

from ldapber import (
    BindRequest,
    CompareRequest,
    DelRequest,
    LDAPMessage,
    ModifyRequest,
    ResultCode,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
)
from ldapber.aio.client import connect as connect_async
from ldapber.model.results import InvalidCredentialsError, ReferralError
from ldapber.proto.rules import FINAL_RESPONSE
from ldapber.sync import ReferralPolicy, connect

ELSEWHERE = "ou=elsewhere," + BASE
_WRITE_TARGET = {ModifyRequest: "object", CompareRequest: "entry", DelRequest: "value"}


class Referring:
    """The sample directory, and: a subtree search from the suffix also
    continues (a reference to ``people_at``, for ou=people) and a search
    at or under ou=elsewhere is referred (a referral to ``elsewhere_at``).
    Binds are recorded."""

    def __init__(self) -> None:
        self.service = make_service()
        self.people_at: list[str] = []
        self.elsewhere_at: list[str] = []
        self.deeper_at = ""  # if set: refer to this server, one RDN deeper than asked (always somewhere new)
        self.binds: list[str] = []
        self.searches = 0
        self.write_at: list[str] = []
        self.write_dn = f"uid=bob,{PEOPLE}"
        self.writes = 0

    def handle(self, request: LDAPMessage, session: Any) -> Iterator[Any]:
        op = request.protocol_op
        if isinstance(op, BindRequest):
            self.binds.append(op.name)
        target = _WRITE_TARGET.get(type(op))
        if target is not None and self.write_at and str(getattr(op, target)).lower().endswith(ELSEWHERE):
            self.writes += 1  # a write (or compare) under ou=elsewhere: referred to write_at, the DN mapped to people
            where = [f"{u}/{self.write_dn}" for u in self.write_at]
            yield LDAPMessage(request.message_id, FINAL_RESPONSE[type(op)](ResultCode.REFERRAL, "", "written elsewhere",
                                                                          referral=where))
            return
        if isinstance(op, SearchRequest) and op.base_object.lower().endswith(ELSEWHERE):
            self.searches += 1
            where = [f"{self.deeper_at}/ou=deeper,{op.base_object}"] if self.deeper_at else list(self.elsewhere_at)
            yield LDAPMessage(request.message_id, SearchResultDone(ResultCode.REFERRAL, "", "look elsewhere",
                                                                   referral=where))
            return
        for reply in self.service.handle(request, session):
            last = isinstance(reply, LDAPMessage) and isinstance(reply.protocol_op, SearchResultDone)
            if last and self.people_at and isinstance(op, SearchRequest) and op.base_object.lower() == BASE:
                yield LDAPMessage(request.message_id, SearchResultReference(list(self.people_at)))
            yield reply


@pytest.fixture
def servers() -> Iterator[tuple[Referring, str, Referring, str]]:
    a, b = Referring(), Referring()
    with server_thread(a) as at_a, server_thread(b) as at_b:
        yield a, at_a["url"], b, at_b["url"]


def names(entries: list[SearchResultEntry]) -> list[str]:
    return sorted(e.dn.lower() for e in entries)


def test_referrals_are_data_by_default(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.people_at = [f"{url_b}/{PEOPLE}"]
    a.elsewhere_at = [f"{url_b}/{PEOPLE}"]
    with connect(url_a, timeout=5) as ldap:
        items = list(ldap.search(BASE, "(uid=alice)"))
        assert [type(i) for i in items] == [SearchResultEntry, SearchResultReference]
        assert items[1].uris == [f"{url_b}/{PEOPLE}"]  # type: ignore[union-attr]
        with pytest.raises(ReferralError):
            ldap.search_all(ELSEWHERE, "(uid=*)")


def test_both_clients_follow_references_and_referrals(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.people_at = ["ldap://:1/ignored", "ldapi://%2Fno", f"{url_b}/{PEOPLE}"]  # alternatives: the usable one
    a.elsewhere_at = [f"{url_b}/{PEOPLE}"]
    policy = ReferralPolicy(hops=1)
    with connect(url_a, timeout=5) as direct:
        alice_here = names(direct.search_all(BASE, "(uid=alice)"))
        people_there = names(direct.search_all(PEOPLE, "(uid=*)"))
    with connect(url_a, timeout=5, referrals=policy) as ldap:
        # the reference's part comes from b: alice twice (a's own, and b's)
        assert names(ldap.search_all(BASE, "(uid=alice)")) == sorted(alice_here * 2)
        done: list[LDAPMessage] = []
        assert names(ldap.search_all(ELSEWHERE, "(uid=*)", done=done)) == people_there
        assert done[0].protocol_op.result_code == ResultCode.REFERRAL  # type: ignore[union-attr]

    async def main() -> None:
        async with await connect_async(url_a, timeout=5, referrals=policy) as ldap:
            assert names(await ldap.search_all(BASE, "(uid=alice)")) == sorted(alice_here * 2)
            assert names([e async for e in ldap.search(ELSEWHERE, "(uid=*)")
                          if isinstance(e, SearchResultEntry)]) == people_there

    asyncio.run(main())


def test_hops_are_bounded_and_loops_end(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.elsewhere_at = [f"{url_b}/{ELSEWHERE}"]  # a -> b -> a -> b ... for the same base
    b.elsewhere_at = [f"{url_a}/{ELSEWHERE}"]
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=10)) as ldap:
        with pytest.raises(ReferralError):  # b's referral back to a was visited: data again
            ldap.search_all(ELSEWHERE, "(uid=*)")
    assert (a.searches, b.searches) == (1, 1)
    a.deeper_at, b.deeper_at = url_b, url_a  # each hop somewhere new: the hop limit ends it
    a.searches = b.searches = 0
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=3)) as ldap:
        with pytest.raises(ReferralError):
            ldap.search_all(ELSEWHERE, "(uid=*)")
    assert (a.searches, b.searches) == (2, 2)  # a, then 3 hops: b, a, b; b's last referral is data
    assert len(b.binds) == 0  # referred searches are anonymous


def test_credentials_go_only_when_asked(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.elsewhere_at = [f"{url_b}/{PEOPLE}"]
    for send, expected in ((False, []), (True, [ADMIN])):
        b.binds.clear()
        with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1, send_credentials=send)) as ldap:
            ldap.bind(ADMIN, ADMIN_PW)
            assert ldap.search_all(ELSEWHERE, "(uid=alice)")
        assert b.binds == expected


def test_a_url_s_scope_and_filter_replace_the_search_s(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.elsewhere_at = [f"{url_b}/{PEOPLE}??sub?(uid=bob)"]  # RFC 4511 4.1.10: the URL's filter is used
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1)) as ldap:
        assert [e.dn for e in ldap.search_all(ELSEWHERE, "(uid=alice)")] == [f"uid=bob,{PEOPLE}"]
    a.elsewhere_at = [f"{url_b}/{PEOPLE}??base"]  # and its scope
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1)) as ldap:
        assert [e.dn for e in ldap.search_all(ELSEWHERE, "(objectClass=*)")] == [PEOPLE]


def test_a_failed_bind_sends_no_earlier_credentials(servers: tuple[Referring, str, Referring, str]) -> None:
    a, url_a, b, url_b = servers
    a.elsewhere_at = [f"{url_b}/{PEOPLE}"]
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1, send_credentials=True)) as ldap:
        ldap.bind(ADMIN, ADMIN_PW)
        with pytest.raises(InvalidCredentialsError):
            ldap.bind(ADMIN, b"wrong")  # the connection is anonymous now
        assert ldap.search_all(ELSEWHERE, "(uid=alice)")
    assert b.binds == []


def test_writes_and_compares_follow_referrals_with_credentials_when_asked(
        servers: tuple[Referring, str, Referring, str]) -> None:
    from ldapber.model.results import StrongerAuthRequiredError

    a, url_a, b, url_b = servers
    a.write_at = ["ldap://:1", url_b]  # the first names no host: skipped
    change = [("replace", "description", ["moved"])]
    with connect(url_a, timeout=5) as ldap:  # by default: data
        ldap.bind(ADMIN, ADMIN_PW)
        with pytest.raises(ReferralError) as err:
            ldap.modify(f"uid=x,{ELSEWHERE}", change)
        assert err.value.referral == [f"ldap://:1/uid=bob,{PEOPLE}", f"{url_b}/uid=bob,{PEOPLE}"]
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1)) as ldap:  # followed, anonymously: refused there
        ldap.bind(ADMIN, ADMIN_PW)
        with pytest.raises(StrongerAuthRequiredError):
            ldap.modify(f"uid=x,{ELSEWHERE}", change)
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=1, send_credentials=True)) as ldap:
        ldap.bind(ADMIN, ADMIN_PW)
        ldap.modify(f"uid=x,{ELSEWHERE}", change)  # done on b, as uid=bob (the URL's DN)
        assert ldap.compare(f"uid=x,{ELSEWHERE}", "description", "moved") is True
    with connect(url_b, timeout=5) as there:
        assert there.search_all(f"uid=bob,{PEOPLE}", scope=Scope.BASE_OBJECT)[0].text("description") == ["moved"]
    with connect(url_a, timeout=5) as here:
        assert here.search_all(f"uid=bob,{PEOPLE}", scope=Scope.BASE_OBJECT)[0].get("description") != [b"moved"]

    async def main() -> bool:
        async with await connect_async(url_a, timeout=5, referrals=ReferralPolicy(hops=1)) as ldap:
            return await ldap.compare(f"uid=x,{ELSEWHERE}", "description", "moved")

    assert asyncio.run(main()) is True
    a.write_at, b.write_at = [url_b], [url_a]  # a -> b -> a for one DN: the loop ends with b's referral as data
    a.write_dn = b.write_dn = f"uid=x,{ELSEWHERE}"
    b.writes = a.writes = 0
    with connect(url_a, timeout=5, referrals=ReferralPolicy(hops=5)) as ldap, pytest.raises(ReferralError):
        ldap.delete(f"uid=x,{ELSEWHERE}")
    assert (a.writes, b.writes) == (1, 1)
