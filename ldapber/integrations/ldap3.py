"""An accelerator for ldap3 2.9.x: its API and results unchanged, its wire
work done by ldapber.

>>> from ldapber.integrations import ldap3 as accel
>>> accel.install()        # doctest: +SKIP
True
>>> with accel.accelerated():  # or only for a block  # doctest: +SKIP
...     conn.search("dc=example,dc=com", "(objectClass=*)")

What goes through ldapber once installed, for every connection of the
SYNC, SAFE_SYNC, RESTARTABLE, SAFE_RESTARTABLE and ASYNC (and ASYNC_STREAM)
strategies, whenever made:

- framing: the receive loops (``SyncStrategy._get_response``, the ASYNC
  receiver thread's ``run``) split the byte stream with
  :class:`~ldapber.StreamDecoder` (ldap3 slices its buffer once per message:
  quadratic in a large result);
- response decoding: each message is decoded by ldapber and turned into the
  dict ldap3's fast decoder builds (:mod:`._ldap3_dicts`), key for key;
- request encoding: ``BaseStrategy.sending`` encodes the pyasn1 request ldap3
  built with ldapber (:mod:`._ldap3_requests`), byte for byte what pyasn1
  writes;
- search requests: ``search_operation`` (as ``Connection.search`` calls it)
  builds the ldapber request and ``connection.request`` without pyasn1
  (:mod:`._ldap3_search`), and ``BaseStrategy.send`` sends it.

ldap3's own code still runs, with a :class:`Ldap3AcceleratorWarning` once per
reason, for: an ldap3 version outside 2.9.x (``install()`` then does
nothing and returns False); DIGEST-MD5 integrity protection (SASL signing);
ldap3's logging at NETWORK detail or more (its log lines show its own
structures); ``fast_decoder=False`` (framing is still ldapber's; each message
is decoded by ldap3's pyasn1 path, whose dicts differ from the fast
decoder's).  Without a warning, by design: the MOCK strategies; a message
whose ldap3 result the conversion does not reproduce (a referral in a bind
response, an unknown element, a control value ldapber cannot read) or that
ldapber refuses (a DEFAULT value written out, bad BER): ldap3's decoder
reads that message's bytes, and ldapber goes on after it.

``uninstall()`` puts back every attribute ``install()`` replaced.  Nothing
else is changed: no ldap3 configuration parameter, logging, GC or
recursion setting.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ldap3 as _ldap3  # type: ignore[import-untyped]
from ldap3 import DIGEST_MD5
from ldap3.core.exceptions import (  # type: ignore[import-untyped]
    LDAPExceptionError,
    LDAPExtensionError,
    LDAPSocketReceiveError,
    LDAPSSLConfigurationError,
    LDAPStartTLSError,
    communication_exception_factory,
)
from ldap3.protocol.rfc4511 import LDAPMessage as Pyasn1LDAPMessage  # type: ignore[import-untyped]
from ldap3.strategy import asynchronous as _asynchronous  # type: ignore[import-untyped]
from ldap3.strategy import base as _base  # type: ignore[import-untyped]
from ldap3.strategy import sync as _sync  # type: ignore[import-untyped]
from ldap3.utils import asn1 as _asn1  # type: ignore[import-untyped]
from ldap3.utils.log import ERROR, NETWORK, log, log_enabled  # type: ignore[import-untyped]

from .. import LDAPMessage
from .._gcpause import gc_paused
from ._framing import FallbackFramer
from ._ldap3_dicts import Converter, Unconverted

__all__ = ["Ldap3AcceleratorWarning", "SUPPORTED_VERSIONS", "accelerated", "install", "installed", "uninstall"]

#: The ldap3 versions the accelerator is tested with: [2.9, 2.10).
SUPPORTED_VERSIONS = ((2, 9), (2, 10))
#: Bytes asked of the socket per read (ldap3 asks SOCKET_SIZE, 4096 by default).
RECV_SIZE = 65536

NOTICE_OF_DISCONNECTION = "1.3.6.1.4.1.1466.20036"
NOVELL_TRANSACTION_ERROR = "2.16.840.1.113719.1.27.103.4"
START_TLS = "1.3.6.1.4.1.1466.20037"
#: Responses after which more follow for the same request.
PARTIAL = frozenset({"searchResEntry", "searchResRef", "intermediateResponse"})


class Ldap3AcceleratorWarning(UserWarning):
    """ldap3's own code does the work the accelerator would (the reason is the message)."""


_lock = threading.Lock()
#: (owner, attribute) -> the original, while installed.
_originals: dict[tuple[Any, str], Any] = {}
_warned: set[str] = set()


def _warn_once(reason: str) -> None:
    with _lock:
        if reason in _warned:
            return
        _warned.add(reason)
    warnings.warn(f"ldapber's ldap3 accelerator: {reason}; ldap3's own code does this work",
                  Ldap3AcceleratorWarning, stacklevel=3)


def _version() -> tuple[int, ...]:
    parts = []
    for piece in str(getattr(_ldap3, "__version__", "0")).split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


# -- install / uninstall ----------------------------------------------------------
def _patches() -> list[tuple[Any, str, Callable[..., Any]]]:
    from ldap3.core import connection as _connection  # type: ignore[import-untyped]

    from . import _ldap3_search
    from ._ldap3_requests import sending

    return [(_sync.SyncStrategy, "_get_response", _sync_get_response),
            (_asynchronous.AsyncStrategy.ReceiverSocketThread, "run", _receiver_run),
            (_base.BaseStrategy, "sending", sending),
            (_base.BaseStrategy, "send", _ldap3_search.send),
            (_connection.Connection, "search", _ldap3_search.search),
            (_connection, "search_operation", _ldap3_search.search_operation)]


def install() -> bool:
    """Route ldap3's framing, response decoding and request encoding through
    ldapber, for every connection (existing ones included, from their next
    operation).  True once installed (also when it already was); False,
    with a warning, for an ldap3 version outside :data:`SUPPORTED_VERSIONS`."""
    low, high = SUPPORTED_VERSIONS
    if not low <= _version() < high:
        _warn_once(f"ldap3 {getattr(_ldap3, '__version__', '?')} is outside the tested range "
                   f"{'.'.join(map(str, low))} to below {'.'.join(map(str, high))}: not installed")
        return False
    with _lock:
        if _originals:
            return True
        for owner, name, replacement in _patches():
            _originals[owner, name] = owner.__dict__[name]
            setattr(owner, name, replacement)
    return True


def uninstall() -> bool:
    """Put back every attribute :func:`install` replaced; True if it was installed."""
    with _lock:
        if not _originals:
            return False
        for (owner, name), original in _originals.items():
            setattr(owner, name, original)
        _originals.clear()
    return True


def installed() -> bool:
    """Whether the accelerator is installed."""
    return bool(_originals)


@contextmanager
def accelerated() -> Iterator[bool]:
    """Installed for the block (and uninstalled after it, unless it was
    installed before); yields what :func:`install` returned."""
    before = installed()
    done = install()
    try:
        yield done
    finally:
        if done and not before:
            uninstall()


def original(owner: Any, name: str) -> Any:
    """ldap3's own ``owner.name``, installed or not."""
    return _originals.get((owner, name), owner.__dict__[name])


# -- shared by the receive loops ------------------------------------------------------
def fallback_reason(connection: Any) -> str | None:
    """Why ldap3's own code handles this connection's traffic now, or None."""
    if connection.sasl_mechanism == DIGEST_MD5 and (getattr(connection, "_digest_md5_kis", None) or
                                                    getattr(connection, "_digest_md5_kic", None)):
        return "DIGEST-MD5 integrity protection (SASL signing) is not supported"
    if log_enabled(NETWORK):
        return "ldap3's logging is at NETWORK detail or more (its log lines show its own structures)"
    return None


def _new_framer() -> FallbackFramer:
    return FallbackFramer(_base.BaseStrategy.compute_ldap_message_size)


def _decode(strategy: Any, converter: Converter | None, message: LDAPMessage | None, framer: FallbackFramer,
            offset: int, length: int) -> tuple[int, dict[str, Any]]:
    """(message ID, ldap3's dict) for one framed PDU: converted from ldapber's
    message, or, for a message the conversion leaves to ldap3 (or
    fast_decoder=False), ldap3's own decoding of the PDU's bytes."""
    if converter is not None and message is not None:
        try:
            return message.message_id, converter.convert(message)
        except Unconverted:
            pass
    pdu = framer.pdu(offset, length)
    if converter is not None:
        fast = _asn1.decode_message_fast(pdu)
        return fast["messageID"], strategy.decode_response_fast(fast)
    slow, _ = _asn1.decoder.decode(pdu, asn1Spec=Pyasn1LDAPMessage())
    return int(slow["messageID"]), strategy.decode_response(slow)


def _converter(strategy: Any) -> Converter | None:
    connection = strategy.connection
    if connection.fast_decoder:
        return Converter(connection)
    _warn_once("fast_decoder=False: messages are framed by ldapber but decoded by ldap3's pyasn1 path")
    return None


def _fail(connection: Any, error: str, exc_type: type[Exception]) -> Exception:
    connection.last_error = error
    if log_enabled(ERROR):
        log(ERROR, "<%s> for <%s>", error, connection)
    return exc_type(error)


# -- SYNC and its subclasses -------------------------------------------------------------
def _sync_receive(strategy: Any, size: int) -> bytes:
    """One read; a socket error closes the connection and raises as ldap3's receiving() does."""
    connection = strategy.connection
    try:
        return connection.socket.recv(size)  # type: ignore[no-any-return]
    except (OSError, AttributeError) as exc:
        connection.last_error = "error receiving data: " + str(exc)
        try:
            strategy.close()
        except (OSError, LDAPExceptionError):
            pass
        if log_enabled(ERROR):
            log(ERROR, "<%s> for <%s>", connection.last_error, connection)
        raise communication_exception_factory(LDAPSocketReceiveError, type(exc)(str(exc)))(connection.last_error) from None


def _sync_get_response(self: Any, message_id: int, timeout: Any) -> Any:
    """``SyncStrategy._get_response`` over ldapber: the responses to
    ``message_id`` as ldap3's dicts, then RESPONSE_COMPLETE (or ldap3's
    markers for a closed session), with ldap3's checks and errors."""
    connection = self.connection
    reason = None if self.no_real_dsa else fallback_reason(connection)
    if self.no_real_dsa or reason:
        if reason:
            _warn_once(reason)
        return original(_sync.SyncStrategy, "_get_response")(self, message_id, timeout)
    converter = _converter(self)
    framer = _new_framer()
    size = max(self.socket_size, RECV_SIZE)
    responses: list[Any] = []
    complete = False
    while not complete or framer.buffered:  # as ldap3: read on to a PDU boundary
        data = _sync_receive(self, size)
        if not data:
            if complete:
                break
            return _base.SESSION_TERMINATED_BY_SERVER
        framer.feed(data)
        with gc_paused():  # one read's dicts (they hold no cycles) made without collection passes
            for message, offset, length in framer.frames():
                if connection.usage:
                    connection._usage.update_received_message(length)
                got_id, response = _decode(self, converter, message, framer, offset, length)
                if got_id == message_id:
                    responses.append(response)
                    if response["type"] not in PARTIAL:
                        complete = True
                elif got_id == 0:  # an unsolicited notification (RFC 4511 4.4)
                    name = response["responseName"]
                    if name == NOTICE_OF_DISCONNECTION:
                        return _base.SESSION_TERMINATED_BY_SERVER
                    if name == NOVELL_TRANSACTION_ERROR:
                        return _base.TRANSACTION_ERROR
                    raise _fail(connection, "unknown unsolicited notification from server", LDAPSocketReceiveError)
                elif response["type"] == "extendedResp":
                    raise _fail(connection, "multiple extended responses to a single extended request",
                                LDAPExtensionError)
                else:
                    raise _fail(connection, "invalid messageId received", LDAPSocketReceiveError)
    responses.append(_base.RESPONSE_COMPLETE)
    return responses


# -- ASYNC: the receiver thread ------------------------------------------------------------
def _receiver_run(self: Any) -> None:
    """``AsyncStrategy.ReceiverSocketThread.run`` over ldapber: reads until
    the connection stops listening or the server closes it, files each
    response under its message ID as ldap3 does (StartTLS, events, streams,
    the Notice of Disconnection), then closes the strategy."""
    connection = self.connection
    strategy = connection.strategy
    reason = None if strategy.no_real_dsa else fallback_reason(connection)
    if strategy.no_real_dsa or reason:
        if reason:
            _warn_once(reason)
        original(_asynchronous.AsyncStrategy.ReceiverSocketThread, "run")(self)
        return
    framer = _new_framer()
    size = max(self.socket_size, RECV_SIZE)
    listen = True
    while listen:
        try:
            data = connection.socket.recv(size)
        except TimeoutError:
            if connection.receive_timeout:  # a receive timeout: keep listening
                continue
            data = b""
        except (OSError, AttributeError):  # the socket is closed (ldap3 would spin on it with a receive timeout)
            data = b""
        if not data:
            listen = False
        else:
            framer.feed(data)
        converter = _converter(strategy)
        handled = False
        for message, offset, length in framer.frames():
            handled = True
            if connection.usage:
                connection._usage.update_received_message(length)
            message_id, response = _decode(strategy, converter, message, framer, offset, length)
            if response["type"] == "extendedResp" and (response["responseName"] == START_TLS or
                                                       hasattr(connection, "_awaiting_for_async_start_tls")):
                if response["result"] != 0:
                    raise _fail(connection, "asynchronous StartTls failed", LDAPStartTLSError)
                if not connection.server.tls:
                    raise _fail(connection, "no Tls object defined in Server", LDAPSSLConfigurationError)
                connection.server.tls._start_tls(connection)
                del connection._awaiting_for_async_start_tls
            if message_id == 0:  # an unsolicited notification (RFC 4511 4.4)
                if response["responseName"] == NOTICE_OF_DISCONNECTION:
                    listen = False
                    break
                raise _fail(connection, "unknown unsolicited notification from server", LDAPStartTLSError)
            with strategy.async_lock:
                filed = strategy._responses.setdefault(message_id, [])
                filed.append(response)
                if response["type"] not in PARTIAL:
                    filed.append(_base.RESPONSE_COMPLETE)
                    strategy.set_event_for_message(message_id)
            if strategy.can_stream:  # ASYNC_STREAM (persistent search)
                strategy.accumulate_stream(message_id, response)
        else:
            if handled and listen:
                listen = bool(connection.listening or framer.buffered)
    strategy.close()
