"""The fixed benchmark corpus, built by the suite itself (no files, no network).

Every message is built as an ldapber model object and encoded once (with the
compiled backend where it is built); those bytes are the reference input of every decoder and
the expected output of every encoder.  :func:`self_check` cross-checks the
reference bytes against the pure-Python backend and pyasn1 so that a codec
bug cannot silently change what is measured.

Messages (``MESSAGES`` order is the report order):

``small-entry``     SearchResultEntry, 5 attributes, about 200 bytes
``large-entry``     SearchResultEntry with a 1,000-value ``member`` attribute
                    of DN strings, about 60 KB
``search-request``  SearchRequest with a 10-node filter
``bind-request``    simple BindRequest

and the stream: 10,000 small entries back to back in one ``bytes`` buffer
(each with its own message id and uid, so no two PDUs are identical).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ldapber import BACKEND as _BUILD_BACKEND
from ldapber import (
    And,
    Any,
    BindRequest,
    DerefAliases,
    EqualityMatch,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    Not,
    Or,
    PartialAttribute,
    Present,
    Scope,
    SearchRequest,
    SearchResultEntry,
    Simple,
    SubstringFilter,
    codec_for,
)

MESSAGES = ("small-entry", "large-entry", "search-request", "bind-request")

#: PDUs in the stream.
STREAM_SIZE = 10_000
#: PDUs the slow contenders (pyasn1, the pure-Python backend) decode from the
#: stream: its first STREAM_SLICE entries.  Throughput (MB/s) keeps them
#: comparable with the contenders that decode all STREAM_SIZE.
STREAM_SLICE = 500

MEMBER_VALUES = 1_000


@dataclass(frozen=True)
class Sample:
    """One message of the corpus: the model object and its BER encoding."""

    name: str
    message: LDAPMessage
    data: bytes


@dataclass(frozen=True)
class Stream:
    """Back-to-back PDUs: ``buffer`` is all of them, ``pdus`` the same bytes
    split per message, ``messages`` the model objects they encode."""

    buffer: bytes
    pdus: tuple[bytes, ...]
    messages: tuple[LDAPMessage, ...]

    def head(self, n: int) -> Stream:
        """The first ``n`` PDUs as a stream of their own."""
        pdus = self.pdus[:n]
        return Stream(b"".join(pdus), pdus, self.messages[:n])


def small_entry(message_id: int = 7, n: int = 42) -> LDAPMessage:
    """An inetOrgPerson entry: 5 attributes, about 200 bytes encoded."""
    uid = f"jsmith{n:05d}"
    return LDAPMessage(message_id, SearchResultEntry(
        f"uid={uid},ou=People,dc=example,dc=com",
        [
            PartialAttribute("objectClass", [b"top", b"person", b"organizationalPerson", b"inetOrgPerson"]),
            PartialAttribute("cn", [b"John Smith"]),
            PartialAttribute("sn", [b"Smith"]),
            PartialAttribute("mail", [f"{uid}@example.com".encode()]),
            PartialAttribute("uid", [uid.encode()]),
        ],
    ))


def large_entry() -> LDAPMessage:
    """A groupOfNames with 1,000 member DNs: about 60 KB encoded."""
    members = [f"uid=user{i:06d},ou=Engineering,ou=People,dc=example,dc=com".encode()
               for i in range(MEMBER_VALUES)]
    return LDAPMessage(8, SearchResultEntry(
        "cn=engineering,ou=Groups,dc=example,dc=com",
        [
            PartialAttribute("objectClass", [b"top", b"groupOfNames"]),
            PartialAttribute("cn", [b"engineering"]),
            PartialAttribute("member", members),
        ],
    ))


def search_request() -> LDAPMessage:
    """A subtree search with a 10-node filter:
    ``(&(objectClass=person)(|(uid=jsmith)(mail=jsmith@example.com)(cn=jo*sm*th))
    (!(nsAccountLock=*))(uidNumber>=1000)(uidNumber<=60000))``.

    Nesting stays within the three filter levels pyasn1-modules' rfc2251
    (Filter / Filter2 / Filter3) can decode."""
    filter_ = And([
        EqualityMatch("objectClass", b"person"),
        Or([
            EqualityMatch("uid", b"jsmith"),
            EqualityMatch("mail", b"jsmith@example.com"),
            SubstringFilter("cn", [Initial(b"jo"), Any(b"sm"), Final(b"th")]),
        ]),
        Not(Present("nsAccountLock")),
        GreaterOrEqual("uidNumber", b"1000"),
        LessOrEqual("uidNumber", b"60000"),
    ])
    return LDAPMessage(2, SearchRequest(
        "dc=example,dc=com", Scope.WHOLE_SUBTREE, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False,
        filter_, ["cn", "mail", "uid", "memberOf"],
    ))


def bind_request() -> LDAPMessage:
    return LDAPMessage(1, BindRequest(3, "cn=admin,dc=example,dc=com", Simple(b"secret")))


_BUILDERS = {
    "small-entry": small_entry,
    "large-entry": large_entry,
    "search-request": search_request,
    "bind-request": bind_request,
}


def filter_nodes(f: object) -> int:
    """Number of nodes in a filter tree (And/Or/Not count as one each)."""
    if isinstance(f, (And, Or)):
        return 1 + sum(filter_nodes(x) for x in f.filters)
    if isinstance(f, Not):
        return 1 + filter_nodes(f.value)
    return 1


@cache
def corpus() -> dict[str, Sample]:
    """The single-message samples, by name (built once per process)."""
    enc = codec_for(_BUILD_BACKEND).encode  # both backends encode alike (self_check)
    out = {}
    for name in MESSAGES:
        msg = _BUILDERS[name]()
        out[name] = Sample(name, msg, enc(msg))
    return out


@cache
def stream() -> Stream:
    """STREAM_SIZE small entries back to back (built once per process)."""
    enc = codec_for(_BUILD_BACKEND).encode
    messages = tuple(small_entry(i + 1, i) for i in range(STREAM_SIZE))
    pdus = tuple(enc(m) for m in messages)
    return Stream(b"".join(pdus), pdus, messages)


def self_check() -> None:
    """Fail loudly if the corpus is not what the README says it is, or if
    the two backends and pyasn1 disagree on its bytes."""
    from pyasn1.codec.ber import decoder, encoder
    from pyasn1_modules import rfc2251

    samples = corpus()
    small, large = samples["small-entry"], samples["large-entry"]
    assert 150 <= len(small.data) <= 250, len(small.data)
    assert len(small.message.protocol_op.attributes) == 5
    assert 55_000 <= len(large.data) <= 65_000, len(large.data)
    assert len(large.message.protocol_op.attributes[-1].vals) == MEMBER_VALUES
    assert filter_nodes(samples["search-request"].message.protocol_op.filter) == 10

    codecs = [codec_for("python")] + ([codec_for("cython")] if _BUILD_BACKEND == "cython" else [])
    for s in samples.values():
        for codec in codecs:
            assert codec.encode(s.message) == s.data, f"{s.name}: backends encode differently"
            assert codec.decode(s.data) == s.message, f"{s.name}: {codec.backend} backend decodes wrongly"
        obj, rest = decoder.decode(s.data, asn1Spec=rfc2251.LDAPMessage())
        assert not rest and encoder.encode(obj) == s.data, f"{s.name}: pyasn1 disagrees on the bytes"

    st = stream()
    assert len(st.pdus) == STREAM_SIZE and len(st.buffer) == sum(map(len, st.pdus))
