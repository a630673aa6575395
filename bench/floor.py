"""The stock asyncio loop's floor for sequential reads: ``asyncio-floor``.

Not an LDAP client: the least an asyncio client on the stock event loop can
do per request-response, timed the same way as the clients in
:mod:`bench.client`.  Its requests are encoded before the clock starts; in
the timed span each read writes one pre-encoded request, awaits a loop
future in a task (completed in the read callback with ldapber's inline
wake-up, :func:`ldapber.aio._waiter.resume`, so a read costs one loop
iteration, as it does for ldapber's client), and frames the responses just
enough to see the SearchResultDone; the bytes are kept, and decoded and
checked only after the clock stops.  No decoding, no objects, no sans-I/O
machine, no timeouts.  Its distance from python-ldap is the headroom that
any asyncio client on the stock loop has for all of its LDAP work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ldapber.aio._waiter import resume

from .framing import BIND_RESPONSE, SEARCH_DONE, ops_in

#: The responses that end an exchange here.
FINAL_TAGS = frozenset((BIND_RESPONSE, SEARCH_DONE))


def _done_in(pending: bytearray) -> tuple[int, bool]:
    """How many bytes at the start of ``pending`` are complete PDUs, and
    whether one of them is a final response."""
    tags, complete = ops_in(pending)
    return complete, any(tag in FINAL_TAGS for tag in tags)


class _FloorProtocol(asyncio.BufferedProtocol):
    def __init__(self) -> None:
        self.view = memoryview(bytearray(256 * 1024))
        self.pending = bytearray()
        self.responses: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        pending = self.pending
        pending += self.view[:nbytes]
        complete, done = _done_in(pending)
        if done:
            self.responses.append(bytes(pending[:complete]))
            del pending[:complete]
            if self.waiter is not None and not self.waiter.done():
                resume(self.waiter)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"the server closed the connection ({exc!r})"))


class AsyncioFloorSession:
    """See the module docstring.  Binds as the benchmarks' rootdn (outside
    the timing) so that it reads what the clients read."""

    name = "asyncio-floor"
    paths = ("sequential",)  # the only path it has a floor for

    def __init__(self, url: str) -> None:
        import ldapber
        from ldapber import BindResponse, LDAPMessage, ResultCode
        from ldapber.proto import operations as ops

        from .client import ADMIN, ADMIN_PW

        host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
        self.loop = asyncio.new_event_loop()
        try:
            self.transport, self.protocol = self.loop.run_until_complete(
                self.loop.create_connection(_FloorProtocol, host, int(port)))
            self._next_id = 1
            bind = ldapber.encode(LDAPMessage(self._allocate(1), ops.bind_request(ADMIN, ADMIN_PW)))
            answer, = self.loop.run_until_complete(asyncio.wait_for(self._exchange([bind]), 30))
            reply = ldapber.decode(answer).protocol_op
            if not isinstance(reply, BindResponse) or reply.result_code != ResultCode.SUCCESS:
                raise RuntimeError(f"the bind failed: {reply!r}")
        except BaseException:
            self.close()
            raise

    def _allocate(self, n: int) -> int:
        first, self._next_id = self._next_id, self._next_id + n
        return first

    async def _exchange(self, requests: Sequence[bytes]) -> list[bytes]:
        """Each request in turn, awaiting its answer; the answers' bytes."""
        protocol, transport, loop = self.protocol, self.transport, self.loop
        protocol.responses = []
        future = asyncio.Future  # with the loop bound: what ldapber's client does on the stock loops
        for request in requests:
            waiter = protocol.waiter = future(loop=loop)
            transport.write(request)
            await waiter
        return protocol.responses

    def sequential(self, dns: Sequence[str]) -> tuple[Any, list[Any]]:
        import ldapber
        from ldapber import DerefAliases, LDAPMessage, Scope, SearchRequest
        from ldapber.model.filters import Present

        from .client import TIMEOUT, clock, since

        first = self._allocate(len(dns))
        requests = [ldapber.encode(LDAPMessage(first + k, SearchRequest(
            dn, Scope.BASE_OBJECT, DerefAliases.NEVER_DEREF_ALIASES, 0, 0, False, Present("objectClass"), [])))
            for k, dn in enumerate(dns)]

        async def run() -> tuple[Any, list[bytes]]:
            started = clock()
            answers = await self._exchange(requests)
            return since(started), answers

        timed, answers = self.loop.run_until_complete(asyncio.wait_for(run(), TIMEOUT))
        return timed, answers

    @staticmethod
    def entries(raw: bytes) -> list[tuple[str, Any]]:
        """The entries in one read's bytes, decoded now (after the timing)."""
        import ldapber
        from ldapber import SearchResultEntry

        from .client import normal

        return [(m.protocol_op.object_name, normal([(a.type, a.vals) for a in m.protocol_op.attributes]))
                for m in ldapber.decode_all(raw) if isinstance(m.protocol_op, SearchResultEntry)]

    def search(self, base: str, flt: str) -> Any:
        from .client import Unsupported

        raise Unsupported("a reference point for sequential reads only")

    def pipelined(self, dns: Sequence[str], window: int) -> Any:
        from .client import Unsupported

        raise Unsupported("a reference point for sequential reads only")

    def close(self) -> None:
        try:
            if getattr(self, "transport", None) is not None:
                self.transport.close()
            self.loop.run_until_complete(asyncio.sleep(0))
        finally:
            self.loop.close()
