"""PROTOS-style malformed LDAP PDUs, generated deterministically from valid
messages of every operation, each with what a strict decoder must do.

Invariant checked by the runner (``python -m fuzz.protos``): every case is
either rejected with a DecodeError or accepted, as its ``expect`` says
("reject", "accept", or "clean" where both are legitimate); nothing else may
happen (no other exception, no hang, bounded memory), on both backends.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ldapber import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PDU_SIZE,
    AbandonRequest,
    AddRequest,
    AddResponse,
    And,
    Any,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    BindResponse,
    Change,
    CompareRequest,
    CompareResponse,
    Control,
    DelRequest,
    DelResponse,
    DerefAliases,
    EqualityMatch,
    ExtendedRequest,
    ExtendedResponse,
    Final,
    Initial,
    IntermediateResponse,
    LDAPMessage,
    MatchingRuleAssertion,
    ModifyDNRequest,
    ModifyDNResponse,
    ModifyRequest,
    ModifyResponse,
    Not,
    Operation,
    Or,
    PartialAttribute,
    Present,
    ResultCode,
    SaslCredentials,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Simple,
    SubstringFilter,
    UnbindRequest,
    codec_for,
)

__all__ = ["Case", "base_messages", "generate", "GROUPS"]

MARK = "\x01MARK\x01"  # a placeholder string: its bytes locate string fields
_MARK = MARK.encode()


@dataclass(frozen=True)
class Case:
    group: str
    name: str
    data: bytes
    expect: str  # "reject", "accept" or "clean"
    rule: str | None = None  # for "reject": the Rule the DecodeError must name


def base_messages() -> list[LDAPMessage]:
    """One valid message per operation, string fields set to MARK where
    the string is LDAPString-based (LDAPOIDs are numericoids) (so UTF-8 corruption can be aimed)."""
    flt = And([EqualityMatch(MARK, b"v"), Or([Present(MARK), Not(SubstringFilter(MARK, [Initial(b"a"), Any(b"b"),
                                                                                      Final(b"c")]))]),
               MatchingRuleAssertion(matching_rule=MARK, type="cn", match_value=b"x", dn_attributes=True)])
    res = (ResultCode.SUCCESS, MARK, MARK)
    return [
        LDAPMessage(1, BindRequest(3, MARK, Simple(b"secret"))),
        LDAPMessage(1, BindRequest(3, "", SaslCredentials(MARK, credentials=b"c"))),
        LDAPMessage(1, BindResponse(*res, server_sasl_creds=b"s")),
        LDAPMessage(2, UnbindRequest()),
        LDAPMessage(3, SearchRequest(MARK, Scope.WHOLE_SUBTREE, DerefAliases.NEVER_DEREF_ALIASES, 10, 20, True, flt,
                                     [MARK, "cn"]), controls=[Control("1.2.840.113556.1.4.319", criticality=True, control_value=b"v")]),
        LDAPMessage(3, SearchResultEntry(MARK, [PartialAttribute(MARK, [b"a", b"b"])])),
        LDAPMessage(3, SearchResultReference([MARK])),
        LDAPMessage(3, SearchResultDone(ResultCode.REFERRAL, MARK, MARK, referral=[MARK])),
        LDAPMessage(4, ModifyRequest(MARK, [Change(Operation.ADD, PartialAttribute(MARK, [b"v"]))])),
        LDAPMessage(4, ModifyResponse(*res)),
        LDAPMessage(5, AddRequest(MARK, [Attribute(MARK, [b"v"])])),
        LDAPMessage(5, AddResponse(*res)),
        LDAPMessage(6, DelRequest(MARK)),
        LDAPMessage(6, DelResponse(*res)),
        LDAPMessage(7, ModifyDNRequest(MARK, MARK, True, new_superior=MARK)),
        LDAPMessage(7, ModifyDNResponse(*res)),
        LDAPMessage(8, CompareRequest(MARK, AttributeValueAssertion(MARK, b"v"))),
        LDAPMessage(8, CompareResponse(ResultCode.COMPARE_TRUE, MARK, MARK)),
        LDAPMessage(9, AbandonRequest(8)),
        LDAPMessage(10, ExtendedRequest("1.3.6.1.4.1.4203.1.11.3", request_value=b"v")),
        LDAPMessage(10, ExtendedResponse(*res, response_name="1.3.6.1.4.1.4203.1.11.3", response_value=b"v")),
        LDAPMessage(11, IntermediateResponse(response_name="1.3.6.1.4.1.4203.1.9.1.4", response_value=b"v")),
    ]


# -- BER helpers (independent of the codec) ------------------------------------------
def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _int(v: int) -> bytes:
    return v.to_bytes(((~v if v < 0 else v).bit_length() // 8) + 1, "big", signed=True)


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _len(len(body)) + body


def element_headers(data: bytes) -> list[tuple[int, int, int, int]]:
    """(offset, header length, content length, tag) of every element, walking
    constructed elements (the input is valid BER)."""
    out = []

    def walk(p: int, e: int) -> None:
        while p < e:
            tag = data[p]
            n = data[p + 1]
            if n < 0x80:
                hl, cl = 2, n
            else:
                k = n & 0x7F
                hl, cl = 2 + k, int.from_bytes(data[p + 2:p + 2 + k], "big")
            out.append((p, hl, cl, tag))
            if tag & 0x20:
                walk(p + hl, p + hl + cl)
            p += hl + cl

    walk(0, len(data))
    return out


def _replace(data: bytes, p: int, replacement: bytes) -> bytes:
    """``data`` with the whole element at ``p`` replaced by ``replacement``
    and the lengths of every enclosing element fixed, innermost first, so
    that only the replaced element is unusual."""
    heads = element_headers(data)
    _, hl, cl, _ = next(h for h in heads if h[0] == p)
    out = data[:p] + replacement + data[p + hl + cl:]
    delta = len(replacement) - (hl + cl)
    ancestors = sorted((h for h in heads if h[0] < p < h[0] + h[1] + h[2] and h[3] & 0x20), key=lambda h: -h[0])
    for q, qhl, qcl, qtag in ancestors:
        body = out[q + qhl:q + qhl + qcl + delta]
        new = bytes([qtag]) + _len(len(body)) + body
        out = out[:q] + new + out[q + qhl + qcl + delta:]
        delta = len(new) - (qhl + qcl)
    return out


def _rewrap(data: bytes, p: int, content: bytes) -> bytes:
    """The element at ``p`` with new contents (same tag, minimal length)."""
    return _replace(data, p, _tlv(data[p], content))


GROUPS = (
    "length-overflow", "length-underflow", "long-length-form", "indefinite-length", "constructed-string",
    "boolean-encoding", "integer-encoding", "integer-boundaries", "wrong-tag", "multi-byte-tag", "truncation",
    "trailing-garbage", "invalid-utf8", "format-string", "long-string", "many-elements", "deep-nesting",
    "valid-unusual", "tag-encoding", "component-order", "huge-length",
)


def generate(seed: int = 0, deep_max: int = 10**6) -> Iterator[Case]:
    """Every case, in a fixed order for a given seed."""
    rng = random.Random(seed)
    enc = codec_for("python").encode
    msgs = base_messages()
    pdus = [enc(m) for m in msgs]
    for i, data in enumerate(pdus):
        name = f"{type(msgs[i].protocol_op).__name__}#{i}"
        heads = element_headers(data)
        for p, hl, cl, tag in heads:
            # length-overflow: the element claims more than its enclosing
            # element holds (a length that merely grows may still fit, and
            # what follows may then legitimately parse as extensions).
            parent_end = min((q + qhl + qcl for q, qhl, qcl, qt in heads if q < p < q + qhl + qcl and qt & 0x20),
                             default=len(data))
            room = parent_end - p - hl
            for bad in (b"\x84\xff\xff\xff\xff", b"\x84\x7f\xff\xff\xff", _len(room + 1), _len(room + 2)):
                yield Case("length-overflow", f"{name}@{p}:{bad.hex()}", data[:p + 1] + bad + data[p + hl:], "reject")
            # length-underflow: the outermost one is certain to fail (trailing
            # bytes); inner ones may leave bytes that happen to be valid elements.
            if cl > 0:
                mutated = data[:p + 1] + _len(cl - 1) + data[p + hl:]
                if hl == 2 and cl - 1 < 0x80:
                    yield Case("length-underflow", f"{name}@{p}", mutated, "reject" if p == 0 else "clean")
            # long-length-form: the same length in k octets (valid BER up to
            # 7 significant octets, any number of leading zeros) or 0xFF (reserved).
            for k in (1, 2, 4, 8, 126):
                if k == 1 and cl >= 0x80:
                    continue
                long = bytes([tag, 0x80 | k]) + cl.to_bytes(k, "big") + data[p + hl:p + hl + cl]
                yield Case("long-length-form", f"{name}@{p}:k={k}", _replace(data, p, long), "accept")
            reserved = bytes([tag, 0xFF]) + bytes(127) + data[p + hl:p + hl + cl]
            yield Case("long-length-form", f"{name}@{p}:0xff", _replace(data, p, reserved), "reject")
            # indefinite length on a constructed element.
            if tag & 0x20:
                body = data[p + hl:p + hl + cl] + b"\x00\x00"
                yield Case("indefinite-length", f"{name}@{p}", _replace(data, p, bytes([tag, 0x80]) + body), "reject")
            # constructed form of an OCTET STRING.
            if tag in (0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x8A, 0x8B) and p:
                inner = _tlv(0x04, data[p + hl:p + hl + cl])
                yield Case("constructed-string", f"{name}@{p}", _replace(data, p, _tlv(tag | 0x20, inner)), "reject")
            # BOOLEAN and INTEGER encodings.
            if tag == 0x01:
                for body, what in ((b"", "empty"), (b"\xff\xff", "two-octets"), (b"\x01", "true-as-01")):
                    yield Case("boolean-encoding", f"{name}@{p}:{what}", _rewrap(data, p, body), "reject")
            if tag in (0x02, 0x0A, 0x50):
                value = data[p + hl:p + hl + cl]
                for body, what in ((b"", "empty"), (b"\x00" + value, "non-minimal"), (b"\x01" + bytes(8), "9-octets"),
                                   (b"\x01" + bytes(20), "21-octets")):
                    yield Case("integer-encoding", f"{name}@{p}:{what}", _rewrap(data, p, body), "reject")
            # wrong tags at every position: many are rejected, some are
            # legitimately accepted (an unknown alternative or extension).
            for new_tag in {tag ^ 0x01, tag ^ 0x20, tag ^ 0x40, 0x00, 0x1F, 0xFF, rng.randrange(256)} - {tag}:
                mutated = data[:p] + bytes([new_tag]) + data[p + 1:]
                yield Case("wrong-tag", f"{name}@{p}:{new_tag:02x}", mutated, "clean")
        # integer boundaries: messageID is INTEGER (0..maxInt) in every message.
        for value, expect in ((0, "accept"), (2**31 - 1, "accept"), (2**31, "reject"), (-1, "reject"),
                              (2**63 - 1, "reject"), (-(2**63), "reject")):
            yield Case("integer-boundaries", f"{name}:messageID={value}", _rewrap(data, heads[1][0], _int(value)),
                       expect)
        # truncation at every byte.
        for cut in range(len(data)):
            yield Case("truncation", f"{name}:{cut}", data[:cut], "reject")
        for junk in (b"\x00", b"\x30", b"\x30\x00", bytes(rng.randrange(256) for _ in range(17))):
            yield Case("trailing-garbage", f"{name}+{junk.hex()}", data + junk, "reject")
        # invalid and overlong UTF-8 in every LDAPString field.
        start = data.find(_MARK)
        while start >= 0:
            for bad, what in ((b"\xc3\x28", "invalid"), (b"\xc0\xaf", "overlong"), (b"\xed\xa0\x80", "surrogate"),
                              (b"\xf8\x88\x80\x80\x80", "5-octet"), (b"\xff", "ff")):
                head = next(h for h in heads if h[0] + h[1] == start)
                yield Case("invalid-utf8", f"{name}@{start}:{what}", _rewrap(data, head[0], _MARK[:3] + bad), "reject")
            for payload in ("%s%s%n%x", "%99999999d", "{0.__class__}", "$(id)", "'; DROP TABLE x; --"):
                head = next(h for h in heads if h[0] + h[1] == start)
                yield Case("format-string", f"{name}@{start}", _rewrap(data, head[0], payload.encode()), "accept")
            start = data.find(_MARK, start + 1)
    # integer boundaries of BindRequest.version (1..127) and SearchRequest.sizeLimit (0..maxInt).
    bind_version = [h[0] for h in element_headers(pdus[0]) if h[3] == 0x02][1]  # after the messageID
    for value, expect in ((1, "accept"), (127, "accept"), (0, "reject"), (128, "reject"), (-1, "reject")):
        yield Case("integer-boundaries", f"version={value}", _rewrap(pdus[0], bind_version, _int(value)), expect)
    search = pdus[4]
    size_limit = [h[0] for h in element_headers(search) if h[3] == 0x02][1]  # after the messageID
    for value, expect in ((0, "accept"), (2**31 - 1, "accept"), (-1, "reject"), (2**31, "reject")):
        yield Case("integer-boundaries", f"sizeLimit={value}", _rewrap(search, size_limit, _int(value)), expect)
    # extremely long strings and huge element counts.
    yield Case("long-string", "dn-1MiB", enc(LDAPMessage(1, DelRequest("x" * (1 << 20)))), "accept")
    yield Case("long-string", "value-16MiB", enc(LDAPMessage(1, SearchResultEntry(
        "", [PartialAttribute("a", [b"\x00" * (16 << 20)])]))), "reject", "length-too-large")
    yield Case("long-string", "pdu-at-max_pdu_size", _pdu_of_size(DEFAULT_MAX_PDU_SIZE), "accept")
    yield Case("many-elements", "100k-values", enc(LDAPMessage(1, SearchResultEntry(
        "", [PartialAttribute("a", [b""] * 100_000)]))), "accept")
    yield Case("many-elements", "20k-attributes", enc(LDAPMessage(1, SearchResultEntry(
        "", [PartialAttribute("a", []) for _ in range(20_000)]))), "accept")
    yield Case("many-elements", "10k-controls", enc(LDAPMessage(1, UnbindRequest(), controls=[
        Control("1.2.3") for _ in range(10_000)])), "accept")
    # deep nesting of filters (level 3 and down, present is primitive): within
    # the default max_depth or beyond, around the limit and far past it.
    fits = DEFAULT_MAX_DEPTH - 2
    for levels in sorted({10, 100, 256, fits, fits + 1, *(10**k for k in range(3, 7) if 10**k <= deep_max)}):
        verdict = ("accept", None) if levels <= fits else ("reject", "max-depth")
        yield Case("deep-nesting", f"not^{levels}", _nested_not(levels), *verdict)
        yield Case("deep-nesting", f"and^{levels}", _nested_and(levels), *verdict)
    yield from _tag_encoding_cases(pdus[0])
    yield from _component_order_cases()
    yield from _huge_length_cases()
    # valid but unusual: must be accepted.
    bind = pdus[0]
    yield Case("valid-unusual", "extension-in-bind", _rewrap(bind, 5, bind[7:] + b"\x04\x00"), "accept")
    yield Case("multi-byte-tag", "extension-multibyte-tag", _rewrap(bind, 5, bind[7:] + b"\x9f\x81\x00\x00"), "accept")
    yield Case("multi-byte-tag", "extension-tag-too-long", _rewrap(bind, 5, bind[7:] + b"\x9f\x81\x81\x81\x81\x01\x00"),
               "reject")
    yield Case("multi-byte-tag", "messageID-as-multibyte", _tlv(0x30, b"\x1f\x02\x01\x01\x42\x00"), "reject")
    yield Case("multi-byte-tag", "outer-multibyte", b"\x3f\x10\x05\x02\x01\x01\x42\x00", "reject")
    yield Case("valid-unusual", "unknown-protocolOp", _tlv(0x30, b"\x02\x01\x01" + _tlv(0x5A, b"x")), "accept")
    yield Case("multi-byte-tag", "unknown-protocolOp-multibyte", _tlv(0x30, b"\x02\x01\x01\x7f\x81\x00\x00"),
               "accept")
    yield Case("valid-unusual", "unknown-filter", _search(_tlv(0x8A, b"future")), "accept")
    yield Case("valid-unusual", "unknown-control", enc(LDAPMessage(1, UnbindRequest(), controls=[
        Control("1.3.6.1.4.1.99999.1", criticality=True, control_value=b"\x00\xff")])), "accept")
    yield Case("valid-unusual", "unknown-result-code", _tlv(0x30, b"\x02\x01\x01" + _tlv(0x65, b"\x0a\x01\x5c\x04\x00\x04\x00")),
               "accept")
    yield Case("valid-unusual", "4-octet-lengths", b"\x30\x84" + (len(bind) - 2).to_bytes(4, "big") + bind[2:], "accept")


def _tag_encoding_cases(bind: bytes) -> Iterator[Case]:
    """Identifier octets that X.690 forbids, where ldapber keeps what it
    does not know (EXTENSIBILITY IMPLIED): a kept element after a
    BindRequest's last component, an unknown protocolOp, an unknown filter."""
    bad = {
        "universal-3-high-form": b"\x1f\x03", "application-3-high-form": b"\x7f\x03",
        "context-5-high-form": b"\x9f\x05", "context-30-high-form": b"\x9f\x1e",
        "leading-0x80": b"\x5f\x80\x20", "universal-0": b"\x00", "universal-0-constructed": b"\x20",
    }
    for name, tag in bad.items():
        element = tag + b"\x00"
        yield Case("tag-encoding", f"kept-element:{name}", _rewrap(bind, 5, bind[7:] + element), "reject", "tag-encoding")
        yield Case("tag-encoding", f"unknown-protocolOp:{name}", _tlv(0x30, b"\x02\x01\x01" + element), "reject",
                   "tag-encoding")
        yield Case("tag-encoding", f"unknown-filter:{name}", _search(element), "reject", "tag-encoding")
    # present ([7]) written in the high-tag-number form: another reader takes it as present.
    yield Case("tag-encoding", "present-high-form", _search(b"\x9f\x07\x02cn"), "reject", "tag-encoding")
    # the lowest numbers that do need the high form are fine.
    yield Case("tag-encoding", "context-31-high-form", _rewrap(bind, 5, bind[7:] + b"\x9f\x1f\x00"), "accept")
    yield Case("tag-encoding", "application-128", _tlv(0x30, b"\x02\x01\x01\x7f\x81\x00\x00"), "accept")


def _component_order_cases() -> Iterator[Case]:
    """A known component after an unknown element (EXTENSIBILITY IMPLIED
    adds elements at the end only): refused, where read as an extension it
    would drop a critical control, a rename's newSuperior or SASL credentials."""
    unknown = b"\x9f\x64\x00"  # [100], unknown everywhere
    control = _tlv(0x30, _tlv(0x04, b"1.2.3") + unknown + b"\x01\x01\xff")
    yield Case("component-order", "control-criticality", _tlv(0x30, b"\x02\x01\x01\x42\x00" + _tlv(0xA0, control)),
               "reject", "component-order")
    critical = _tlv(0x30, _tlv(0x04, b"1.2.3") + b"\x01\x01\xff")
    yield Case("component-order", "message-controls", _tlv(0x30, b"\x02\x01\x01\x42\x00" + unknown + _tlv(0xA0, critical)),
               "reject", "component-order")
    moddn = _tlv(0x6C, _tlv(0x04, b"cn=a") + _tlv(0x04, b"cn=b") + b"\x01\x01\x00" + unknown + _tlv(0x80, b"o=z"))
    yield Case("component-order", "moddn-newSuperior", _tlv(0x30, b"\x02\x01\x01" + moddn), "reject", "component-order")
    bind_resp = _tlv(0x61, b"\x0a\x01\x0e\x04\x00\x04\x00" + unknown + _tlv(0x87, b"creds"))
    yield Case("component-order", "bind-serverSaslCreds", _tlv(0x30, b"\x02\x01\x01" + bind_resp), "reject",
               "component-order")
    # unknown elements after every known one are kept, two of them too.
    yield Case("component-order", "unknown-last", _tlv(0x30, b"\x02\x01\x01\x42\x00" + _tlv(0xA0, critical) + unknown),
               "accept")
    yield Case("component-order", "two-unknown-last", _tlv(0x30, b"\x02\x01\x01\x42\x00" + unknown + unknown), "accept")


def _huge_length_cases() -> Iterator[Case]:
    """A PDU's header announcing more than DEFAULT_MAX_PDU_SIZE: refused
    from the header alone (with or without part of the body), never
    answered with "wait for more"."""
    for name, head in (("2^31", b"\x30\x84\x80\x00\x00\x00"), ("2^32-1", b"\x30\x84\xff\xff\xff\xff"),
                       ("16MiB", b"\x30\x84\x01\x00\x00\x00"), ("limit+1", b"\x30\x83\xff\xff\xfb"),
                       ("2^56-1", b"\x30\x87" + b"\xff" * 7)):
        yield Case("huge-length", f"header-only:{name}", head, "reject", "length-too-large")
        yield Case("huge-length", f"with-body:{name}", head + b"\x02\x01\x01\x42\x00", "reject", "length-too-large")
    yield Case("huge-length", "cut-at-limit", _pdu_of_size(DEFAULT_MAX_PDU_SIZE)[:1000], "reject", "truncated")


def _pdu_of_size(size: int) -> bytes:
    """A valid DelRequest of exactly ``size`` bytes."""
    enc = codec_for("python").encode
    dn = size
    for _ in range(3):  # the length octets' own count settles within two steps
        data = enc(LDAPMessage(1, DelRequest("x" * dn)))
        dn += size - len(data)
    assert len(data) == size, (len(data), size)
    return data


def _search(filter_bytes: bytes) -> bytes:
    op = _tlv(0x63, b"\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00" + filter_bytes + b"\x30\x00")
    return _tlv(0x30, b"\x02\x01\x01" + op)


def _nested(tag: int, levels: int) -> bytes:
    """A search whose filter is ``levels`` constructed ``tag`` nodes (0xA2:
    not, 0xA0: and) around one present filter, lengths computed inside out."""
    inner = b"\x87\x02cn"
    heads, size = [], len(inner)
    for _ in range(levels):
        head = bytes([tag]) + _len(size)
        heads.append(head)
        size += len(head)
    return _search(b"".join(reversed(heads)) + inner)


def _nested_not(levels: int) -> bytes:
    return _nested(0xA2, levels)


def _nested_and(levels: int) -> bytes:
    return _nested(0xA0, levels)


# -- the runner ------------------------------------------------------------------
def run(cases: list[Case], backends: tuple[str, ...] = ("cython", "python"), slow: float = 2.0) -> dict[str, dict]:
    """Feed every case to every backend; per group, count what happened."""
    import time

    from ldapber import DecodeError

    report: dict[str, dict] = {}
    for backend in backends:
        decode = codec_for(backend).decode
        for case in cases:
            row = report.setdefault(case.group, {"cases": 0, "rejected": 0, "accepted": 0, "wrong": [], "crashed": [],
                                                 "slow": []})
            row["cases"] += 1
            t0 = time.perf_counter()
            try:
                decode(case.data)
                outcome = "accept"
            except DecodeError as err:
                outcome = "reject"
                if case.rule is not None and (err.rule is None or err.rule.value != case.rule):
                    outcome = f"reject ({err.rule and err.rule.value}, not {case.rule})"
            except Exception as exc:  # anything else is a defect
                row["crashed"].append((backend, case.name, repr(exc)))
                continue
            if time.perf_counter() - t0 > slow:
                row["slow"].append((backend, case.name))
            row["rejected" if outcome == "reject" else "accepted"] += 1
            if case.expect != "clean" and outcome != case.expect:
                row["wrong"].append((backend, case.name, outcome))
    return report


def main() -> int:
    import argparse
    import resource

    ap = argparse.ArgumentParser(prog="python -m fuzz.protos", description=__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deep-max", type=int, default=10**6)
    args = ap.parse_args()
    cases = list(generate(args.seed, args.deep_max))
    report = run(cases)
    bad = 0
    print(f"{len(cases)} cases x 2 backends, seed {args.seed}")
    print(f"{'group':22} {'runs':>7} {'rejected':>9} {'accepted':>9} {'wrong':>6} {'crashed':>8} {'slow':>5}")
    for group in GROUPS:
        row = report.get(group)
        if row is None:
            continue
        bad += len(row["wrong"]) + len(row["crashed"]) + len(row["slow"])
        print(f"{group:22} {row['cases']:>7} {row['rejected']:>9} {row['accepted']:>9} {len(row['wrong']):>6} "
              f"{len(row['crashed']):>8} {len(row['slow']):>5}")
        for item in (row["wrong"] + row["crashed"] + row["slow"])[:5]:
            print("    ", item)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak memory of the whole run: {peak} MiB")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
