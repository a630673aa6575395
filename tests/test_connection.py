"""The sans-I/O client and server machines: RFC 4511 sequencing, both sides.

The two machines talk through bytes only (client output fed to the server
and back), so every test also checks that what one side writes the other
accepts.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ldapber
from ldapber import (
    AbandonRequest,
    BindRequest,
    BindResponse,
    DelRequest,
    DelResponse,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    PartialAttribute,
    Present,
    ResultCode,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    Simple,
    UnbindRequest,
)
from ldapber.extended import NOTICE_OF_DISCONNECTION_OID, STARTTLS_OID, notice_of_disconnection
from ldapber.proto import (
    Abandoned,
    ClientConnection,
    ClientState,
    EncodedResponse,
    LocalProtocolError,
    Notice,
    ProtocolViolation,
    RemoteProtocolError,
    Request,
    Response,
    ServerConnection,
    ServerState,
    Unbound,
)

BIND = BindRequest(3, "cn=admin", Simple(b"secret"))
SEARCH = SearchRequest("dc=x", 2, 0, 0, 0, False, Present("objectClass"), [])
STARTTLS = ExtendedRequest(STARTTLS_OID)


def ok(kind: type, **kw: object) -> object:
    return kind(ResultCode.SUCCESS, "", "", **kw)


def pair() -> tuple[ClientConnection, ServerConnection]:
    return ClientConnection(), ServerConnection()


def to_server(client: ClientConnection, server: ServerConnection, op: object) -> tuple[int, list[object]]:
    mid, data = client.send_request(op)
    server.receive_data(data)
    return mid, list(server.events())


def to_client(server: ServerConnection, client: ClientConnection, *messages: LDAPMessage) -> list[object]:
    for m in messages:
        server.send(m)
    client.receive_data(server.data_to_send())
    return list(client.events())


def test_a_search_round_trip_with_entries_streaming_in() -> None:
    client, server = pair()
    mid, events = to_server(client, server, SEARCH)
    assert events == [Request(LDAPMessage(mid, SEARCH))]
    entry = LDAPMessage(mid, SearchResultEntry("cn=a,dc=x", [PartialAttribute("cn", [b"a"])]))
    got = to_client(server, client, entry, LDAPMessage(mid, ok(SearchResultDone)))
    assert got == [Response(entry, final=False), Response(LDAPMessage(mid, ok(SearchResultDone)), final=True)]
    assert client.outstanding == {} and server.outstanding == {}


def test_responses_before_a_violation_in_one_read_stay_available() -> None:
    client = ClientConnection()
    mid, _ = client.send_request(SEARCH)
    entry = LDAPMessage(mid, SearchResultEntry("cn=a,dc=x", [PartialAttribute("cn", [b"a"])]))
    done = LDAPMessage(mid, ok(SearchResultDone))
    stray = LDAPMessage(99, ok(SearchResultDone))  # answers no request
    with pytest.raises(RemoteProtocolError, match="message ID 99"):
        client.receive(b"".join(client.codec.encode(m) for m in (entry, done, stray)))
    assert client.receive() == [Response(entry, final=False), Response(done, final=True)]
    assert client.state is ClientState.CLOSED


def test_events_compare_as_their_class_and_fields() -> None:
    msg = LDAPMessage(0, ok(SearchResultDone))
    assert Response(msg, True) == Response(msg, True)
    assert Response(msg, True) != Notice(msg, True)
    assert Response(msg, True) != (msg, True)


def test_many_operations_in_flight_are_matched_by_message_id() -> None:
    client, server = pair()
    ids = [to_server(client, server, DelRequest(f"cn={i},dc=x"))[0] for i in range(5)]
    assert len(set(ids)) == 5 and all(i > 0 for i in ids)
    # answered out of order
    got = to_client(server, client, *(LDAPMessage(i, ok(DelResponse)) for i in reversed(ids)))
    assert [e.message.message_id for e in got] == list(reversed(ids))  # type: ignore[attr-defined]
    assert all(e.final for e in got)  # type: ignore[attr-defined]


def test_client_ids_skip_outstanding_ones_after_wrapping() -> None:
    client = ClientConnection()
    client._next_id = 2**31 - 1  # the last valid ID
    first, _ = client.send_request(DelRequest("a"))
    second, _ = client.send_request(DelRequest("b"))
    assert (first, second) == (2**31 - 1, 1)


def test_nothing_may_follow_a_bind_until_its_response() -> None:
    client, server = pair()
    mid, events = to_server(client, server, BIND)
    assert isinstance(events[0], Request)
    with pytest.raises(LocalProtocolError, match="bind"):
        client.send_request(SEARCH)
    # A client that ignores the rule gets operationsError from the server,
    # and the application never sees the request.
    server.receive_data(ldapber.encode(LDAPMessage(mid + 1, SEARCH)))
    assert list(server.events()) == []
    refused = ldapber.decode(server.data_to_send())
    assert refused.message_id == mid + 1 and isinstance(refused.protocol_op, SearchResultDone)
    assert refused.protocol_op.result_code == ResultCode.OPERATIONS_ERROR
    to_client(server, client, LDAPMessage(mid, ok(BindResponse)))
    assert to_server(client, server, SEARCH)[1]  # allowed again


@pytest.mark.parametrize("bad_id", [0])
def test_a_request_with_message_id_zero_is_a_protocol_violation(bad_id: int) -> None:
    server = ServerConnection()
    server.receive_data(ldapber.encode(LDAPMessage(bad_id, DelRequest("a"))))
    events = list(server.events())
    assert isinstance(events[0], ProtocolViolation) and "message ID 0" in events[0].reason
    notice = ldapber.decode(server.data_to_send())
    assert notice.message_id == 0 and notice.protocol_op.response_name == NOTICE_OF_DISCONNECTION_OID
    assert notice.protocol_op.result_code == ResultCode.PROTOCOL_ERROR
    assert server.state is ServerState.CLOSED


def test_reusing_an_outstanding_id_is_a_protocol_violation() -> None:
    server = ServerConnection()
    server.receive_data(ldapber.encode(LDAPMessage(5, DelRequest("a"))) + ldapber.encode(LDAPMessage(5, DelRequest("b"))))
    events = list(server.events())
    assert isinstance(events[0], Request) and isinstance(events[1], ProtocolViolation)
    assert "already in use" in events[1].reason


@pytest.mark.parametrize("garbage", [
    b"\x30\x80\x02\x01\x01\x42\x00\x00\x00",  # indefinite length
    b"\x04\x03abc",  # not an LDAPMessage
    b"\x30\x05\x02\x01\x01\x01\x00",  # a BOOLEAN as protocolOp
])
def test_a_malformed_pdu_gets_a_notice_of_disconnection(garbage: bytes) -> None:
    server = ServerConnection()
    server.receive_data(garbage)
    (event,) = list(server.events())
    assert isinstance(event, ProtocolViolation)
    notice = ldapber.decode(server.data_to_send())
    assert ldapber.extended.is_notice_of_disconnection(notice)
    server.receive_data(b"anything")  # ignored once closed
    assert server.next_event() is None
    with pytest.raises(LocalProtocolError):
        server.send(LDAPMessage(1, ok(DelResponse)))


def test_a_response_sent_by_the_client_is_a_protocol_violation() -> None:
    server = ServerConnection()
    server.receive_data(ldapber.encode(LDAPMessage(1, ok(DelResponse))))
    assert isinstance(server.next_event(), ProtocolViolation)


def test_unbind_closes_both_sides() -> None:
    client, server = pair()
    _, events = to_server(client, server, UnbindRequest())
    assert events == [Unbound()] and server.state is ServerState.CLOSED
    assert client.state is ClientState.CLOSED
    with pytest.raises(LocalProtocolError):
        client.send_request(SEARCH)


def test_abandon_forgets_the_operation_on_both_sides() -> None:
    client, server = pair()
    mid, _ = to_server(client, server, SEARCH)
    _, events = to_server(client, server, AbandonRequest(mid))
    assert events == [Abandoned(mid, LDAPMessage(mid, SEARCH))]
    # the server application's late response is dropped by the server...
    assert server.send(LDAPMessage(mid, ok(SearchResultDone))) == b""
    # ...and a late response that was already in transit is dropped by the client
    client.receive_data(ldapber.encode(LDAPMessage(mid, ok(SearchResultDone))))
    assert client.next_event() is None and client.state is ClientState.OPEN
    # the ID is not reused while responses may still arrive
    assert client.send_request(DelRequest("x"))[0] != mid


def test_abandoning_an_unknown_id_is_harmless() -> None:
    client, server = pair()
    _, events = to_server(client, server, AbandonRequest(999))
    assert events == [] and server.state is ServerState.OPEN and server.data_to_send() == b""


def test_starttls_with_operations_outstanding_is_refused() -> None:
    server = ServerConnection()
    server.receive_data(ldapber.encode(LDAPMessage(1, SEARCH)) + ldapber.encode(LDAPMessage(2, STARTTLS)))
    events = list(server.events())
    assert [type(e) for e in events] == [Request]
    refused = ldapber.decode(server.data_to_send())
    assert isinstance(refused.protocol_op, ExtendedResponse)
    assert refused.protocol_op.result_code == ResultCode.OPERATIONS_ERROR
    client = ClientConnection()
    client.send_request(SEARCH)
    with pytest.raises(LocalProtocolError, match="StartTLS"):
        client.send_request(STARTTLS)


def test_starttls_success_waits_for_the_tls_layer_on_both_sides() -> None:
    client, server = pair()
    mid, events = to_server(client, server, STARTTLS)
    assert isinstance(events[0], Request)
    got = to_client(server, client, LDAPMessage(mid, ok(ExtendedResponse, response_name=STARTTLS_OID)))
    assert got[0].final  # type: ignore[attr-defined]
    assert server.state is ServerState.TLS_HANDSHAKE and client.state is ClientState.TLS_HANDSHAKE
    with pytest.raises(LocalProtocolError):
        client.send_request(SEARCH)
    # plaintext received before the handshake must not be processed after it
    server.receive_data(ldapber.encode(LDAPMessage(9, DelRequest("injected"))))
    server.start_tls_done()
    client.start_tls_done()
    assert server.tls_active and client.tls_active
    assert server.next_event() is None
    assert to_server(client, server, SEARCH)[1]
    # a second StartTLS is refused
    with pytest.raises(LocalProtocolError, match="already"):
        client.send_request(STARTTLS)


def test_a_failed_starttls_leaves_the_connection_in_plaintext() -> None:
    client, server = pair()
    mid, _ = to_server(client, server, STARTTLS)
    failed = LDAPMessage(mid, ExtendedResponse(ResultCode.PROTOCOL_ERROR, "", "no TLS configured"))
    to_client(server, client, failed)
    assert server.state is ServerState.OPEN and client.state is ClientState.OPEN
    assert not server.tls_active and to_server(client, server, SEARCH)[1]


def test_the_server_checks_its_own_responses() -> None:
    client, server = pair()
    mid, _ = to_server(client, server, DelRequest("a"))
    with pytest.raises(LocalProtocolError, match="cannot answer"):
        server.send(LDAPMessage(mid, ok(SearchResultDone)))
    with pytest.raises(LocalProtocolError, match="unsolicited"):
        server.send(LDAPMessage(0, ok(DelResponse)))
    server.send(LDAPMessage(mid, ok(DelResponse)))
    assert server.outstanding == {}


def test_the_client_rejects_responses_nobody_asked_for() -> None:
    client = ClientConnection()
    client.receive_data(ldapber.encode(LDAPMessage(7, ok(DelResponse))))
    with pytest.raises(RemoteProtocolError, match="no outstanding request"):
        client.next_event()
    assert client.state is ClientState.CLOSED


def test_the_client_rejects_a_response_of_the_wrong_type() -> None:
    client = ClientConnection()
    mid, _ = client.send_request(DelRequest("a"))
    client.receive_data(ldapber.encode(LDAPMessage(mid, SearchResultEntry("a", []))))
    with pytest.raises(RemoteProtocolError, match="cannot answer"):
        client.next_event()


def test_a_notice_of_disconnection_closes_the_client() -> None:
    client = ClientConnection()
    client.send_request(SEARCH)
    client.receive_data(ldapber.encode(notice_of_disconnection(ResultCode.UNAVAILABLE, "shutting down")))
    (event,) = list(client.events())
    assert isinstance(event, Notice) and event.disconnect
    assert client.state is ClientState.CLOSED and client.outstanding == {}


def test_the_client_reports_undecodable_server_bytes() -> None:
    client = ClientConnection()
    client.receive_data(b"\x30\x03\x02\x01")  # the length says 3, the INTEGER is cut
    client.receive_data(b"\x05")
    with pytest.raises(RemoteProtocolError, match="undecodable"):
        client.next_event()


def test_requests_that_are_not_requests_are_refused_locally() -> None:
    client = ClientConnection()
    with pytest.raises(LocalProtocolError, match="not a request"):
        client.send_request(ok(DelResponse))


def test_an_invalid_request_leaves_the_client_state_unchanged() -> None:
    client = ClientConnection()
    with pytest.raises(ldapber.EncodeError):
        client.send_request(BindRequest(300, "", Simple(b"")))  # version out of 1..127
    assert client.outstanding == {} and client.state is ClientState.OPEN
    client.send_request(SEARCH)  # not stuck in "bind in progress"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["search", "delete", "bind", "answer", "entry", "abandon"]),
                          st.integers(0, 10)), max_size=40))
def test_client_and_server_agree_on_what_is_outstanding(steps: list[tuple[str, int]]) -> None:
    client, server = pair()
    for action, pick in steps:
        if action in ("search", "delete", "bind"):
            op = {"search": SEARCH, "delete": DelRequest("a"), "bind": BIND}[action]
            try:
                _, events = to_server(client, server, op)
            except LocalProtocolError:
                assert client._exclusive is not None  # only a bind in progress stops a request here
                continue
            assert [type(e) for e in events] == [Request]
        elif action == "abandon" and client.outstanding:
            target = sorted(client.outstanding)[pick % len(client.outstanding)]
            before = server.outstanding
            try:
                _, events = to_server(client, server, AbandonRequest(target))
            except LocalProtocolError:  # an Abandon cannot be sent while a bind is in progress
                assert isinstance(before[client._exclusive].protocol_op, BindRequest)  # type: ignore[index]
                continue
            assert events == [Abandoned(target, before[target])]
        elif action in ("answer", "entry") and server.outstanding:
            mid, req = sorted(server.outstanding.items())[pick % len(server.outstanding)]
            op = req.protocol_op
            if action == "entry" and isinstance(op, SearchRequest):
                reply = LDAPMessage(mid, SearchResultEntry("cn=a", []))
            else:
                kind = {SearchRequest: SearchResultDone, DelRequest: DelResponse, BindRequest: BindResponse}[type(op)]
                reply = LDAPMessage(mid, ok(kind))
            got = to_client(server, client, reply)
            assert got == [Response(reply, final=action == "answer" or not isinstance(op, SearchRequest))]
        assert client.outstanding == server.outstanding
        assert client.state is ClientState.OPEN and server.state is ServerState.OPEN


@settings(max_examples=200, deadline=None)
@given(mid=st.sampled_from([1, 127, 128, 255, 256, 32767, 32768, 2**31 - 1]) | st.integers(1, 2**31 - 1),
       fill=st.sampled_from([0, 90, 200, 70_000]))
def test_a_pre_encoded_entry_goes_out_as_the_codec_would_encode_it(mid: int, fill: int) -> None:
    server = ServerConnection()
    request = LDAPMessage(mid, SEARCH)
    server.receive_data(ldapber.encode(request))
    assert [type(e) for e in server.events()] == [Request]
    entry = SearchResultEntry("cn=" + "x" * fill, [PartialAttribute("cn", [b"x" * fill])])
    sent = server.send(EncodedResponse(mid, SearchResultEntry, [ldapber.encode_value(entry)] * 2))
    assert sent == ldapber.encode(LDAPMessage(mid, entry)) * 2  # a batch: each op in its own envelope
    assert mid in server.outstanding  # an entry does not end the search
    server.send(LDAPMessage(mid, ok(SearchResultDone)))
    assert not server.outstanding and server.data_to_send().startswith(sent)


def test_a_pre_encoded_response_is_checked_like_any_other() -> None:
    client, server = pair()
    mid, _ = to_server(client, server, DelRequest("cn=x"))
    entry = ldapber.encode_value(SearchResultEntry("cn=x", []))
    with pytest.raises(LocalProtocolError, match="SearchResultEntry cannot answer DelRequest"):
        server.send(EncodedResponse(mid, SearchResultEntry, [entry]))
    search, _ = to_server(client, server, SEARCH)
    done = ldapber.encode_value(SearchResultDone(ResultCode.SUCCESS, "", ""))
    with pytest.raises(LocalProtocolError, match="final responses are sent as messages"):
        server.send(EncodedResponse(search, SearchResultDone, [done]))
    assert server.send(EncodedResponse(99, SearchResultEntry, [entry])) == b""  # not outstanding: dropped
    with pytest.raises(LocalProtocolError, match="out of range"):
        server.send(EncodedResponse(2**31, SearchResultEntry, [entry]))
    server.send(EncodedResponse(search, SearchResultEntry, [entry]))
    server.send(LDAPMessage(search, ok(SearchResultDone)))
    client.receive_data(server.data_to_send())
    events = list(client.events())
    assert [e.message.protocol_op for e in events if isinstance(e, Response)][0] == SearchResultEntry("cn=x", [])
