"""Result codes: every Appendix A code described, one exception per error code."""

from __future__ import annotations

import pytest

import ldapber
from ldapber import Control, LDAPResult, ModifyResponse, ResultCode, SearchResultDone
from ldapber.model import results


def test_every_appendix_a_code_is_described_and_has_an_exception() -> None:
    assert len(ResultCode) == 39
    for code in ResultCode:
        assert code in results.DESCRIPTIONS and results.describe(code)
        cls = results.error_class(code)
        if code in results.NON_ERROR_CODES:
            assert cls is results.LDAPResultError
        else:
            assert cls is not results.LDAPResultError and cls.code == code
            assert issubclass(cls, ldapber.LDAPBERError)
    assert "92" in results.describe(92) and results.error_class(92) is results.LDAPResultError


def test_raise_for_result_carries_everything() -> None:
    ctrl = [Control("1.2.840.113556.1.4.319", control_value=b"0\x03\x02\x01\x00")]
    res = SearchResultDone(ResultCode.NO_SUCH_OBJECT, "dc=example,dc=com", "no such entry", referral=None)
    with pytest.raises(results.NoSuchObjectError) as info:
        results.raise_for_result(res, ctrl)
    err = info.value
    assert (err.result_code, err.matched_dn, err.diagnostic_message, err.controls, err.result) == (
        ResultCode.NO_SUCH_OBJECT, "dc=example,dc=com", "no such entry", ctrl, res)
    assert "NO_SUCH_OBJECT (32)" in str(err) and "no such entry" in str(err)
    ref = LDAPResult(ResultCode.REFERRAL, "", "", referral=["ldap://b.example.com/"])
    with pytest.raises(results.ReferralError) as rinfo:
        results.raise_for_result(ref)
    assert rinfo.value.referral == ["ldap://b.example.com/"]
    with pytest.raises(results.LDAPResultError) as uinfo:
        results.raise_for_result(ModifyResponse(92, "", "future code"))
    assert type(uinfo.value) is results.LDAPResultError and uinfo.value.result_code == 92
    for ok in results.NON_ERROR_CODES:
        assert results.raise_for_result(LDAPResult(ok, "", "")) is None


def test_no_two_classes_for_one_code() -> None:
    with pytest.raises(TypeError):
        type("Dup", (results.LDAPResultError,), {"code": ResultCode.BUSY})
