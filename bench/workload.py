"""The fixed benchmark corpus, built by the suite itself (no files, no network).

Every message is built as an ldapber model object and encoded once (with the
compiled backend where it is built); those bytes are the reference input of
every decoder and the expected output of every encoder.  :func:`self_check`
cross-checks the reference bytes against the pure-Python backend (and the
sizes and shapes the README states) so that a codec bug cannot silently
change what is measured.

Messages (``MESSAGES`` order is the report order):

``small-entry``        SearchResultEntry, 5 attributes, about 200 bytes
``large-entry``        SearchResultEntry with a 1,000-value ``member``
                       attribute of DN strings, about 60 KB
``search-request``     SearchRequest with a 10-node filter
``bind-request``       simple BindRequest
``bind-response``      BindResponse, success
``search-done``        SearchResultDone, success
``modify-request``     ModifyRequest, 3 changes (replace, add, delete)
``add-request``        AddRequest, an inetOrgPerson with 7 attributes
``delete-request``     DelRequest
``modify-dn-request``  ModifyDNRequest with deleteoldrdn TRUE and newSuperior
``compare-request``    CompareRequest
``extended-request``   ExtendedRequest: Password Modify (RFC 3062) with a value
``extended-response``  ExtendedResponse: Password Modify's, a generated password
``paged-search``       SearchRequest carrying the RFC 2696 paged-results
                       control (critical, page size 500, a cookie)
``binary-entry``       SearchResultEntry with a 1 MiB ``jpegPhoto`` value
                       (deterministic pseudo-random bytes)

then, when ``bench/captured.py`` exists and its ``load()`` returns samples,
the PDUs it captured from OpenLDAP's clients and slapd (``captured-...``):
their model object is ``ldapber.decode(data)``.  A capture need not be in
ldapber's own (minimal-length) encoding, so a sample has two byte strings:
``data``, the decoders' input (the capture as it is), and ``encoded``, the
encoders' expected output (``ldapber.encode`` of the message; the same as
``data`` for every built message).

And the stream: 10,000 small entries back to back in one ``bytes`` buffer
(each with its own message id and uid, so no two PDUs are identical) **followed
by one SearchResultDone**: 10,001 PDUs, as a search returning 10,000 entries
puts them on the wire.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from ldapber import BACKEND as _BUILD_BACKEND
from ldapber import (
    AddRequest,
    And,
    Any,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    BindResponse,
    Change,
    CompareRequest,
    DelRequest,
    DerefAliases,
    EqualityMatch,
    Final,
    GreaterOrEqual,
    Initial,
    LDAPMessage,
    LessOrEqual,
    ModifyDNRequest,
    ModifyRequest,
    Not,
    Operation,
    Or,
    PartialAttribute,
    Present,
    ResultCode,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    Simple,
    SubstringFilter,
    codec_for,
)
from ldapber import decode as _ldapber_decode
from ldapber.controls import PagedResults
from ldapber.extended import PASSWORD_MODIFY_OID, PasswordModifyRequest, PasswordModifyResponse

#: Messages built by the suite, report order.
BUILT = (
    "small-entry", "large-entry", "search-request", "bind-request",
    "bind-response", "search-done", "modify-request", "add-request", "delete-request",
    "modify-dn-request", "compare-request", "extended-request", "extended-response",
    "paged-search", "binary-entry",
)

#: PDUs in the stream, besides the SearchResultDone that ends it.
STREAM_SIZE = 10_000
#: Entries the slow contenders decode from the stream: its first STREAM_SLICE
#: entries, then the SearchResultDone.  Throughput (MB/s) keeps them
#: comparable with the contenders that decode all STREAM_SIZE + 1 PDUs.
STREAM_SLICE = 500
#: The stream's name in reports (the benchmarks' ``message``).
STREAM_NAME = f"{STREAM_SIZE:,} small entries + done"

MEMBER_VALUES = 1_000
#: Size of binary-entry's jpegPhoto value.
PHOTO_BYTES = 1 << 20
PAGE_SIZE = 500
PAGE_COOKIE = bytes(range(0x10, 0x28))  # 24 opaque bytes, as a server hands back


@dataclass(frozen=True)
class Sample:
    """One message of the corpus: the model object, the bytes decoders get
    (``data``) and the bytes encoders must produce (``encoded``)."""

    name: str
    message: LDAPMessage
    data: bytes
    encoded: bytes
    captured: bool = False


@dataclass(frozen=True)
class Stream:
    """Back-to-back PDUs: ``buffer`` is all of them, ``pdus`` the same bytes
    split per message, ``messages`` the model objects they encode.  The last
    PDU is the SearchResultDone."""

    buffer: bytes
    pdus: tuple[bytes, ...]
    messages: tuple[LDAPMessage, ...]

    def head(self, n: int) -> Stream:
        """The first ``n`` entries and the closing SearchResultDone, as a
        stream of their own (``n + 1`` PDUs)."""
        pdus = self.pdus[:n] + self.pdus[-1:]
        return Stream(b"".join(pdus), pdus, self.messages[:n] + self.messages[-1:])


# -- the messages -----------------------------------------------------------------
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


def binary_entry() -> LDAPMessage:
    """A person with a 1 MiB jpegPhoto (pseudo-random bytes, fixed seed)."""
    photo = random.Random(4511).randbytes(PHOTO_BYTES)
    return LDAPMessage(9, SearchResultEntry(
        "uid=jsmith,ou=People,dc=example,dc=com",
        [
            PartialAttribute("objectClass", [b"top", b"person", b"inetOrgPerson"]),
            PartialAttribute("cn", [b"John Smith"]),
            PartialAttribute("jpegPhoto", [photo]),
        ],
    ))


def search_filter() -> And:
    """``(&(objectClass=person)(|(uid=jsmith)(mail=jsmith@example.com)(cn=jo*sm*th))
    (!(nsAccountLock=*))(uidNumber>=1000)(uidNumber<=60000))``: 10 nodes.

    Nesting stays within the three filter levels pyasn1-modules' rfc2251
    (Filter / Filter2 / Filter3) can decode."""
    return And([
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


def search_request() -> LDAPMessage:
    """A subtree search with the 10-node :func:`search_filter`, 4 attributes."""
    return LDAPMessage(2, SearchRequest(
        "dc=example,dc=com", Scope.WHOLE_SUBTREE, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False,
        search_filter(), ["cn", "mail", "uid", "memberOf"],
    ))


def paged_search() -> LDAPMessage:
    """The second page of a paged search (RFC 2696): a one-level search for
    people, with the critical paged-results control (page size, cookie)."""
    control = PagedResults(PAGE_SIZE, PAGE_COOKIE, criticality=True).to_control()
    return LDAPMessage(12, SearchRequest(
        "ou=People,dc=example,dc=com", Scope.SINGLE_LEVEL, DerefAliases.DEREF_ALWAYS, 0, 30, False,
        EqualityMatch("objectClass", b"person"), ["cn", "mail"],
    ), controls=[control])


def bind_request() -> LDAPMessage:
    return LDAPMessage(1, BindRequest(3, "cn=admin,dc=example,dc=com", Simple(b"secret")))


def bind_response() -> LDAPMessage:
    return LDAPMessage(1, BindResponse(ResultCode.SUCCESS, "", ""))


def search_done(message_id: int = 2) -> LDAPMessage:
    return LDAPMessage(message_id, SearchResultDone(ResultCode.SUCCESS, "", ""))


def modify_request() -> LDAPMessage:
    """Three changes: replace mail, add two telephoneNumbers, delete description."""
    return LDAPMessage(3, ModifyRequest("uid=jsmith,ou=People,dc=example,dc=com", [
        Change(Operation.REPLACE, PartialAttribute("mail", [b"john.smith@example.com"])),
        Change(Operation.ADD, PartialAttribute("telephoneNumber", [b"+1 555 0100", b"+1 555 0199"])),
        Change(Operation.DELETE, PartialAttribute("description", [])),
    ]))


def add_request() -> LDAPMessage:
    dn = "uid=jdoe,ou=People,dc=example,dc=com"
    return LDAPMessage(4, AddRequest(dn, [
        Attribute("objectClass", [b"top", b"person", b"organizationalPerson", b"inetOrgPerson"]),
        Attribute("uid", [b"jdoe"]),
        Attribute("cn", [b"Jane Doe"]),
        Attribute("sn", [b"Doe"]),
        Attribute("givenName", [b"Jane"]),
        Attribute("mail", [b"jane.doe@example.com"]),
        Attribute("userPassword", [b"{SSHA}0123456789abcdefghijklmnopqrstuv"]),
    ]))


def delete_request() -> LDAPMessage:
    return LDAPMessage(5, DelRequest("uid=jdoe,ou=People,dc=example,dc=com"))


def modify_dn_request() -> LDAPMessage:
    return LDAPMessage(6, ModifyDNRequest("uid=jdoe,ou=People,dc=example,dc=com", "uid=jane.doe", True,
                                          new_superior="ou=Alumni,dc=example,dc=com"))


def compare_request() -> LDAPMessage:
    return LDAPMessage(10, CompareRequest("cn=engineering,ou=Groups,dc=example,dc=com",
                                          AttributeValueAssertion("member", b"uid=jdoe,ou=People,dc=example,dc=com")))


def extended_request() -> LDAPMessage:
    req = PasswordModifyRequest(b"uid=jdoe,ou=People,dc=example,dc=com", b"old secret", b"new secret")
    return LDAPMessage(11, req.to_request())


def extended_response() -> LDAPMessage:
    return LDAPMessage(11, PasswordModifyResponse(b"kV8#p2Lq").to_response())


_BUILDERS = {
    "small-entry": small_entry,
    "large-entry": large_entry,
    "search-request": search_request,
    "bind-request": bind_request,
    "bind-response": bind_response,
    "search-done": search_done,
    "modify-request": modify_request,
    "add-request": add_request,
    "delete-request": delete_request,
    "modify-dn-request": modify_dn_request,
    "compare-request": compare_request,
    "extended-request": extended_request,
    "extended-response": extended_response,
    "paged-search": paged_search,
    "binary-entry": binary_entry,
}
assert tuple(_BUILDERS) == BUILT


# -- captured PDUs (bench/captured.py, written elsewhere) ----------------------------
@cache
def captured() -> dict[str, bytes]:
    """``bench.captured.load()`` when that module exists, else nothing.  Only
    the module's own absence is tolerated: an error inside it is raised."""
    try:
        from . import captured as _captured  # type: ignore[attr-defined]
    except ModuleNotFoundError as err:
        if err.name != f"{__package__}.captured":
            raise
        return {}
    samples = _captured.load() or {}
    for name, data in samples.items():
        assert isinstance(name, str) and isinstance(data, (bytes, bytearray)), (name, type(data))
        assert name not in _BUILDERS, f"captured sample {name!r} has the name of a built message"
    return {name: bytes(data) for name, data in samples.items()}


#: Every message of the corpus, report order: the built ones, then the captured.
MESSAGES: tuple[str, ...] = BUILT + tuple(captured())


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
    for name in BUILT:
        msg = _BUILDERS[name]()
        data = enc(msg)
        out[name] = Sample(name, msg, data, data)
    for name, data in captured().items():
        msg = _ldapber_decode(data)
        out[name] = Sample(name, msg, data, enc(msg), captured=True)
    return out


@cache
def stream() -> Stream:
    """STREAM_SIZE small entries and a SearchResultDone, back to back (built
    once per process)."""
    enc = codec_for(_BUILD_BACKEND).encode
    messages = tuple(small_entry(i + 1, i) for i in range(STREAM_SIZE)) + (search_done(STREAM_SIZE + 1),)
    pdus = tuple(enc(m) for m in messages)
    return Stream(b"".join(pdus), pdus, messages)


def self_check() -> None:
    """Fail loudly if the corpus is not what the README says it is, or if
    the two backends disagree on its bytes.  (Each peer's agreement is checked
    by the benchmarks themselves and by bench/test_capabilities.py.)"""
    samples = corpus()
    small, large = samples["small-entry"], samples["large-entry"]
    assert 150 <= len(small.data) <= 250, len(small.data)
    assert len(small.message.protocol_op.attributes) == 5
    assert 55_000 <= len(large.data) <= 65_000, len(large.data)
    assert len(large.message.protocol_op.attributes[-1].vals) == MEMBER_VALUES
    assert filter_nodes(samples["search-request"].message.protocol_op.filter) == 10
    photo = samples["binary-entry"].message.protocol_op.attributes[-1].vals[0]
    assert len(photo) == PHOTO_BYTES and PHOTO_BYTES < len(samples["binary-entry"].data) < PHOTO_BYTES + 200
    assert len(samples["modify-request"].message.protocol_op.changes) == 3
    (control,) = samples["paged-search"].message.controls
    assert control.control_type == PagedResults.OID and control.criticality is True
    assert PagedResults._from_value(control.control_value, True, True) == PagedResults(
        PAGE_SIZE, PAGE_COOKIE, criticality=True)
    ext = samples["extended-request"].message.protocol_op
    assert ext.request_name == PASSWORD_MODIFY_OID and ext.request_value
    assert samples["extended-response"].message.protocol_op.response_value
    assert len({samples[name].data for name in BUILT}) == len(BUILT), "two built messages are the same"

    codecs = [codec_for("python")] + ([codec_for("cython")] if _BUILD_BACKEND == "cython" else [])
    for s in samples.values():
        assert s.captured or s.data == s.encoded
        for codec in codecs:
            assert codec.encode(s.message) == s.encoded, f"{s.name}: backends encode differently"
            assert codec.decode(s.data) == s.message, f"{s.name}: {codec.backend} backend decodes wrongly"
            assert codec.decode(s.encoded) == s.message, f"{s.name}: {codec.backend} does not round-trip"

    st = stream()
    assert len(st.pdus) == STREAM_SIZE + 1 and len(st.buffer) == sum(map(len, st.pdus))
    assert isinstance(st.messages[-1].protocol_op, SearchResultDone)
    assert all(isinstance(m.protocol_op, SearchResultEntry) for m in st.messages[:-1])
    for codec in codecs:
        assert codec.decode(st.pdus[-1]) == st.messages[-1]
