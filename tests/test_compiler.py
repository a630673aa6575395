"""The ASN.1 compiler: the module is verbatim, the IR is what RFC 4511 says,
unsupported constructs are errors with line:col, generated code is fresh,
and further LDAP modules compile too."""

from __future__ import annotations

from pathlib import Path

import pytest

import ldapber
from ldapber import Codec, PasswdModifyRequestValue, PasswdModifyResponseValue, RealSearchControlValue
from ldapber.compiler import CompileError, ModuleSpec, compile_module, ir
from ldapber.compiler.build import stale_files
from ldapber.compiler.modules import MODULES
from ldapber.compiler.naming import snake, upper_snake

ASN = Path(ldapber.__file__).parent / "asn1" / "rfc4511.asn"
SPEC = ModuleSpec("t.asn", "t")


def test_module_is_complete_appendix_b() -> None:
    text = ASN.read_text(encoding="utf-8")
    assert text.startswith("Lightweight-Directory-Access-Protocol-V3 {1 3 6 1 1 18}\n")
    assert "DEFINITIONS IMPLICIT TAGS EXTENSIBILITY IMPLIED ::= BEGIN" in text
    assert text.rstrip().endswith("END")
    assert "extendedResp          ExtendedResponse,\n          ...,\n          intermediateResponse" in text
    assert "WITH COMPONENTS {\n     ...,\n     vals (SIZE(1..MAX))})" in text
    assert "final   [2] AssertionValue } -- can occur at most once\n     }" in text
    assert "<attributeSelector> in Section 4.5.1.8" in text
    assert "Top " not in text  # no page headers left from the extraction


def test_generated_code_is_fresh() -> None:
    assert stale_files() == [], "run: python -m ldapber.compiler --write"


def test_ir_follows_rfc4511_tagging() -> None:
    m = compile_module(ASN.read_text(encoding="utf-8"), MODULES[0], "rfc4511.asn")
    entries = {e.name: e.node for e in m.entries}
    assert entries["BindRequest"].tag == 0x60 and entries["SearchResultReference"].tag == 0x73
    assert entries["SearchResultDone"] == ir.Ref("LDAPResult", "sequence", 0x65, "SearchResultDone")
    units = {u.key: u for u in m.units}
    filt = units["Filter"]
    assert isinstance(filt, ir.ChoiceUnit)
    alts = {a.asn1: a for a in filt.alts}
    assert alts["and"].tag == 0xA0 and alts["present"].tag == 0x87
    assert alts["not"].tag == 0xA2 and alts["not"].explicit  # a tag on a CHOICE is explicit
    assert alts["equalityMatch"].cls == "EqualityMatch" and alts["substrings"].cls == "SubstringFilter"
    msg = units["LDAPMessage"]
    assert isinstance(msg, ir.SequenceUnit)
    controls = msg.fields[2]
    assert controls.optional and controls.node.tag == 0xA0  # [0] Controls, implicit
    ctrl = units["Control"]
    assert isinstance(ctrl, ir.SequenceUnit) and ctrl.fields[1].has_default and ctrl.fields[1].default is False
    vals = units["Attribute.vals"]
    assert isinstance(vals, ir.SeqOfUnit) and (vals.lo, vals.hi) == (1, None) and vals.kind == "SET"
    assert units["SubstringFilter.substrings"].first_last == ("Initial", "Final")  # type: ignore[union-attr]
    assert {e.name: len(e.items) for e in m.enums}["ResultCode"] == 39


@pytest.mark.parametrize(
    "source, message, where",
    [
        ("M DEFINITIONS ::= BEGIN\nA ::= REAL\nEND", "unsupported type REAL", (2, 7)),
        ("M DEFINITIONS ::= BEGIN\nIMPORTS X FROM Y;\nEND", "IMPORTS is not supported", (2, 1)),
        ("M DEFINITIONS ::= BEGIN\nA ::= SEQUENCE { b Nope }\nEND", "undefined type Nope", (2, 20)),
        ("M DEFINITIONS ::= BEGIN\nA ::= BOOLEAN\n", "missing END", (3, 1)),
        ("M DEFINITIONS IMPLICIT TAGS ::= BEGIN\nA ::= [31] BOOLEAN\nEND", "above 30", (2, 7)),
        ("M DEFINITIONS IMPLICIT TAGS ::= BEGIN\nA ::= CHOICE { a [1] BOOLEAN, b [1] NULL }\nEND",
         "same tag", (2, 31)),
        ("M DEFINITIONS ::= BEGIN\nA ::= [1] BOOLEAN\nEND", "EXPLICIT tagging is supported only", (2, 7)),
        ("M DEFINITIONS AUTOMATIC TAGS ::= BEGIN\nEND", "AUTOMATIC TAGS", (1, 15)),
        ("M DEFINITIONS IMPLICIT TAGS ::= BEGIN\nA ::= SEQUENCE { a [0] BOOLEAN OPTIONAL, b [0] NULL }\nEND",
         "same tag", (2, 7)),
        ("M DEFINITIONS ::= BEGIN\nA ::= SET { a BOOLEAN }\nEND", "SET { ... } is not supported", (2, 7)),
        ("M DEFINITIONS ::= BEGIN\nA ::= BOOLEAN\nA ::= NULL\nEND", "defined twice", (3, 1)),
        ("M DEFINITIONS ::= BEGIN\nA ::= SEQUENCE { a BOOLEAN $ }\nEND", "unexpected character", (2, 28)),
        ("M DEFINITIONS ::= BEGIN\nA ::= SEQUENCE { a ENUMERATED { x(0) } }\nEND", "both be named A", (2, 1)),
    ],
)
def test_unsupported_constructs_are_errors_with_line_and_column(source: str, message: str,
                                                                 where: tuple[int, int]) -> None:
    with pytest.raises(CompileError) as info:
        compile_module(source, SPEC, "t.asn")
    assert message in info.value.message
    assert (info.value.line, info.value.col) == where
    assert str(info.value).startswith(f"t.asn:{where[0]}:{where[1]}: ")


def test_naming_rule() -> None:
    assert [snake(n) for n in ("messageID", "matchedDN", "typesOnly", "and", "deleteoldrdn")] == [
        "message_id", "matched_dn", "types_only", "and_", "deleteoldrdn"]
    assert upper_snake("noSuchObject") == "NO_SUCH_OBJECT"
    assert upper_snake("affectsMultipleDSAs") == "AFFECTS_MULTIPLE_DSAS"
    assert snake("LDAPResult") == "ldap_result" and snake("serverSaslCreds") == "server_sasl_creds"


def test_paged_results_module(codec: Codec) -> None:
    value = RealSearchControlValue(100, b"cookie")
    data = codec.encode_value(value)
    assert data == bytes.fromhex("300b020164040663 6f6f6b6965".replace(" ", ""))
    assert codec.decode_value(RealSearchControlValue, data) == value
    with pytest.raises(ldapber.EncodeError):
        codec.encode_value(RealSearchControlValue(-1, b""))


def test_password_modify_module(codec: Codec) -> None:
    req = PasswdModifyRequestValue(user_identity=b"uid=a,dc=x", new_passwd=b"n3w")
    data = codec.encode_value(req)
    assert data == bytes.fromhex("3011800a7569643d612c64633d78 82036e3377".replace(" ", ""))
    assert codec.decode_value(PasswdModifyRequestValue, data) == req
    assert codec.decode_value("PasswdModifyResponseValue", b"\x30\x00") == PasswdModifyResponseValue()
