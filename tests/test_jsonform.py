"""The JSON-compatible dict form: documented shape, exact round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from samples import MESSAGES

from ldapber import JSONFormError, LDAPMessage, ResultCode, SearchResultDone, from_dict, parse_filter, to_dict

try:
    from . import strategies as S
except ImportError:
    import strategies as S  # type: ignore[no-redef]


def test_documented_shape() -> None:
    msg = LDAPMessage(3, SearchResultDone(ResultCode.NO_SUCH_OBJECT, "dc=x", "gone", referral=["ldap://h/"]))
    assert to_dict(msg) == {
        "$type": "LDAPMessage", "message_id": 3, "controls": None,
        "protocol_op": {"$type": "SearchResultDone", "result_code": 32, "matched_dn": "dc=x",
                        "diagnostic_message": "gone", "referral": ["ldap://h/"]},
    }
    assert to_dict(parse_filter("(cn=a)")) == {"$type": "EqualityMatch", "attribute_desc": "cn", "assertion_value": "YQ=="}


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: type(m.protocol_op).__name__)
def test_samples_round_trip_through_json(msg: LDAPMessage) -> None:
    assert from_dict(json.loads(json.dumps(to_dict(msg)))) == msg


@settings(max_examples=200, deadline=None)
@given(S.messages())
def test_any_message_round_trips_through_json(msg: LDAPMessage) -> None:
    back = from_dict(json.loads(json.dumps(to_dict(msg))))
    assert back == msg and repr(back) == repr(msg)


@pytest.mark.parametrize(
    "data, words",
    [
        ({"message_id": 1}, "'$type'"),
        ({"$type": "Nope"}, "unknown type"),
        ({"$type": "DelRequest"}, "$.value: missing"),
        ({"$type": "DelRequest", "value": 5}, "expected str"),
        ({"$type": "Simple", "value": "!!"}, "base64"),
        ({"$type": "DelRequest", "value": "x", "bogus": 1}, "unexpected"),
    ],
)
def test_bad_dicts_are_named(data: dict, words: str) -> None:
    with pytest.raises(JSONFormError) as info:
        from_dict(data)
    assert words in str(info.value)
