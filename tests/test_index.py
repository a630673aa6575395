"""Indexed search gives what a scan gives: the same entries, in the same
order, for any filter; and every write keeps the indexes what a fresh build
from the entries would be."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldapber.directory import DirectoryError
from ldapber.directory.dit import Directory
from ldapber.directory.entry import Entry
from ldapber.directory.index import AttributeIndex
from ldapber.directory.matching import evaluate
from ldapber.model import DN, Scope
from ldapber.model.filters import parse_filter

SAMPLE = Path(__file__).resolve().parent.parent / "ldapber" / "samples" / "directory.ldif"
BASE = "dc=example,dc=com"


def directory(n: int = 60, seed: int = 7) -> Directory:
    """The sample directory plus ``n`` varied people: options, subtypes,
    mixed case, values some rules reject, several classes."""
    d = Directory()
    d.load_file(SAMPLE)
    rng = random.Random(seed)
    for i in range(n):
        cls = rng.choice([[b"inetOrgPerson"], [b"person"], [b"organizationalPerson"], [b"inetOrgPerson", b"extensibleObject"]])
        attrs: list[tuple[str, list[bytes]]] = [
            ("objectClass", [b"top", *cls]), ("cn", [f"Team {i % 9}".encode(), f"  uSER   {i}  ".encode()]),
            ("sn", [rng.choice([b"Smith", b"smith", b"Jones"])]),
        ]
        if b"inetOrgPerson" in cls:
            attrs.append(("uid", [f"u{i % 13}".encode()]))
            attrs.append(("mail", [f"U{i % 5}@Example.COM".encode()]))
        if rng.random() < 0.3:
            attrs.append(("cn;lang-de", [f"Benutzer {i % 4}".encode()]))
        if b"extensibleObject" in cls:
            attrs.append(("member", [f"uid=alice,ou=people,{BASE}".encode()]))
        d.add(Entry.from_record(DN.parse(f"cn=  uSER   {i}  ,ou=people,{BASE}"), attrs, d.schema), by="", save=False)
    return d


FILTERS = [
    "(uid=u3)", "(UID=U3)", "(uid=nobody)", "(cn=user 4)", "(cn=team 4)", "(cn=benutzer 2)", "(name=user 5)", "(objectClass=person)",
    "(objectClass=inetOrgPerson)", "(objectclass=organizationalPerson)", "(objectClass=top)", "(mail=u2@example.com)",
    "(mail=*)", "(uid=*)", "(cn=*)", "(member=uid=alice,ou=people,dc=example,dc=com)", "(member=UID=Alice,OU=People,DC=Example,DC=Com)",
    "(&(objectClass=person)(uid=u1))", "(&(uid=u1)(sn=smith))", "(|(uid=u1)(uid=u2))", "(|(uid=u1)(sn=jones))",
    "(&(|(uid=u1)(cn=user 2))(!(sn=smith)))", "(!(uid=u1))", "(uid>=u5)", "(cn=user*)", "(noSuchType=x)",
    "(&(noSuchType=x)(uid=u1))", "(|(noSuchType=x)(uid=u1))", "(cn~=user 3)", "(uid:caseExactMatch:=u3)",
    "(&(objectClass=inetOrgPerson)(mail=*)(cn=user 1))", "(uid=)", "(telephoneNumber=+1 555 0100)",
]


def scanned(d: Directory, base: DN, scope: Scope, flt: object) -> list[str]:
    return [str(e.dn) for e in d.walk(base, scope) if evaluate(flt, e) is True]


def planned(d: Directory, base: DN, scope: Scope, flt: object) -> list[str]:
    return [str(e.dn) for e in d.search(base, scope, flt) if evaluate(flt, e) is True]


@pytest.mark.parametrize("text", FILTERS)
@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("base", [BASE, f"ou=people,{BASE}", f"uid=alice,ou=people,{BASE}"])
def test_indexed_search_equals_the_scan(text: str, scope: Scope, base: str) -> None:
    d = DIRECTORY
    flt = parse_filter(text)
    assert planned(d, DN.parse(base), scope, flt) == scanned(d, DN.parse(base), scope, flt)


def test_the_planner_narrows_what_it_can_and_no_more() -> None:
    d = DIRECTORY
    assert d.index.candidates(parse_filter("(uid=u3)")) is not None
    assert d.index.candidates(parse_filter("(&(uid=u3)(!(sn=x)))")) is not None  # one indexed conjunct is enough
    assert d.index.candidates(parse_filter("(|(uid=u3)(sn=x))")) is None  # sn is not indexed
    assert d.index.candidates(parse_filter("(name=x)")) is None  # name's subtypes (sn, ...) are not all indexed
    assert d.index.candidates(parse_filter("(noSuchType=x)")) == set()  # never TRUE
    hits = d.index.candidates(parse_filter("(uid=u3)"))
    assert hits is not None and 0 < len(hits) < len(d) // 10


def state(index: AttributeIndex) -> tuple[object, object]:
    # A value held by one entry maps to its key, by several to a set of keys (never a set of one).
    for table in index._equality.values():
        assert all(len(v) > 1 for v in table.values() if isinstance(v, set))
    return ({t: {k: frozenset(v) if isinstance(v, set) else frozenset([v]) for k, v in table.items()}
             for t, table in index._equality.items()},
            {t: frozenset(v) for t, v in index._presence.items()})


def assert_consistent(d: Directory) -> None:
    fresh = AttributeIndex(d.schema, ["objectClass", "uid", "cn", "mail", "member"])
    for e in d.walk():
        fresh.add(d.key(e.dn), e)
    assert state(d.index) == state(fresh)
    assert list(d._seq) == list(d._entries)  # every entry numbered, nothing else


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["modify", "rename", "move", "delete", "add"]), st.integers(0, 10**6)),
                min_size=1, max_size=25))
def test_writes_keep_the_indexes_consistent(ops: list[tuple[str, int]]) -> None:
    d = directory(25, seed=3)
    people = DN.parse(f"ou=people,{BASE}")
    extra = 0
    for op, pick in ops:
        leaves = [e.dn for e in d.walk(people, Scope.SINGLE_LEVEL) if not d.has_children(e.dn)]
        if not leaves:
            break
        dn = leaves[pick % len(leaves)]
        try:
            if op == "modify":
                d.modify(dn, [("replace", "uid", [f"m{pick % 7}".encode()]), ("add", "mail", [b"new@example.com"])],
                         by="", save=False)
            elif op == "rename":
                d.rename(dn, DN.parse(f"cn=renamed {pick}").rdn, True, None, by="", save=False)  # type: ignore[arg-type]
            elif op == "move":
                target = leaves[(pick // 7) % len(leaves)]
                if target != dn:
                    d.rename(dn, dn.rdn, False, target, by="", save=False)  # type: ignore[arg-type]
            elif op == "delete":
                d.delete(dn, save=False)
            else:
                extra += 1
                d.add(Entry.from_record(DN.parse(f"uid=x{extra},ou=people,{BASE}"),
                                        [("objectClass", [b"inetOrgPerson"]), ("uid", [f"x{extra}".encode()]),
                                         ("cn", [b"X"]), ("sn", [b"Y"])], d.schema), by="", save=False)
        except Exception as err:  # a refused change must leave everything as it was
            assert isinstance(err, DirectoryError), err  # SchemaViolation is one
        assert_consistent(d)
    for text in FILTERS:
        flt = parse_filter(text)
        assert planned(d, DN.parse(BASE), Scope.WHOLE_SUBTREE, flt) == scanned(d, DN.parse(BASE), Scope.WHOLE_SUBTREE, flt)


def test_a_failed_save_undoes_the_index_too(tmp_path: Path) -> None:
    d = directory(5)
    d.data_file = tmp_path / "missing-folder" / "data.ldif"  # every save fails
    dn = DN.parse(f"cn=  uSER   1  ,ou=people,{BASE}")
    with pytest.raises(OSError):
        d.modify(dn, [("replace", "uid", [b"changed"])], by="")
    assert d.index.candidates(parse_filter("(uid=changed)")) == set()
    assert_consistent(d)


DIRECTORY = directory()


STAMPS = ["createTimestamp", "creatorsName", "entryUUID", "modifyTimestamp", "modifiersName", "structuralObjectClass"]


def test_the_server_stamps_a_new_entry_once_and_a_change_in_place() -> None:
    d = Directory()
    d.load_file(SAMPLE)
    dn = DN.parse(f"uid=zoe,ou=people,{BASE}")
    d.add(Entry.from_record(dn, [("objectClass", [b"top", b"person", b"inetOrgPerson"]), ("uid", [b"zoe"]),
                                 ("cn", [b"Zoe"]), ("sn", [b"Z"])], d.schema), by=f"cn=admin,{BASE}", save=False)
    entry = d.require(dn)
    assert entry.names()[-len(STAMPS):] == STAMPS  # appended after the user's attributes, in this order
    assert all(len(entry.get(name)) == 1 for name in STAMPS)
    assert entry.get("creatorsName") == entry.get("modifiersName") == [f"cn=admin,{BASE}".encode()]
    assert entry.get("structuralObjectClass") == [b"inetOrgPerson"]
    created = entry.get("createTimestamp")
    d.modify(dn, [("replace", "sn", [b"Zed"])], by="", save=False)
    changed = d.require(dn)
    assert changed.names() == entry.names()  # replaced where they were, nothing added twice
    assert changed.get("modifiersName") == [b""] and changed.get("createTimestamp") == created
    assert changed.get("sn") == [b"Zed"]


def test_a_new_entry_that_names_a_stamp_itself_gets_the_server_s() -> None:
    # The entry already holds createTimestamp: stamps cannot all be appended, so they replace.
    d = Directory()
    d.load_file(SAMPLE)
    dn = DN.parse(f"uid=yan,ou=people,{BASE}")
    d.add(Entry.from_record(dn, [("objectClass", [b"top", b"person", b"inetOrgPerson"]), ("uid", [b"yan"]),
                                 ("cn", [b"Yan"]), ("sn", [b"Y"]), ("createTimestamp", [b"19990101000000Z"])],
                            d.schema), by="", save=False)
    entry = d.require(dn)
    assert sorted(entry.names()) == sorted(["objectClass", "uid", "cn", "sn", *STAMPS])
    assert entry.get("createTimestamp") != [b"19990101000000Z"] and len(entry.get("createTimestamp")) == 1


def test_dn_text_is_the_dn_as_the_server_spells_it() -> None:
    d = Directory()
    for text in ["UID=Alice , OU=People,DC=Example,DC=Com", "cn=a\\,b+sn=c,dc=x", "cn=#04024869,dc=x"]:
        assert d.dn_text(text) == str(DN.parse(text))
        assert d.dn_text(text) is d.dn_text(text)  # cached
