"""A future that resumes the task waiting on it in the callback that
completes it, not one turn of the event loop later.

An ``asyncio.Future`` runs its done callbacks with ``loop.call_soon``: a
task waiting for a response resumes in the loop iteration after the one
whose read brought the response in, so every request-response costs two
iterations (two ``epoll_wait`` calls and two passes of the loop's Python
code).  :class:`Waiter` is a Future whose callbacks it keeps itself: when
it is completed outside any task (in a protocol's ``buffer_updated`` or a
timer callback, as the client's are), it calls them at once, so the
waiting task runs its next step inside the read callback and its next
request goes out before the loop polls again.  Completed from inside a
task (where a second task cannot start a step) or cancelled, it schedules
them as a Future does.  Everything else (awaiting, ``result()``,
``done()``) is the C Future's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from contextvars import Context
from typing import Any

_current_task = asyncio.current_task


class Waiter(asyncio.Future[None]):
    """Completed once, with :meth:`set_result` (no value) or
    :meth:`set_exception`; awaited by one task."""

    # The callbacks, kept here rather than in the C Future (a subclass of it
    # has a __dict__): a list once one is added.
    _waiting: list[tuple[Callable[[Any], object], Context | None]] | tuple[()] = ()

    def add_done_callback(self, fn: Callable[[Any], object], *, context: Context | None = None) -> None:
        if self.done():
            self.get_loop().call_soon(fn, self, context=context)
        elif self._waiting:
            self._waiting.append((fn, context))  # type: ignore[union-attr]
        else:
            self._waiting = [(fn, context)]

    def remove_done_callback(self, fn: Callable[[Any], object]) -> int:
        kept = [entry for entry in self._waiting if entry[0] != fn]
        removed, self._waiting = len(self._waiting) - len(kept), kept
        return removed

    def cancel(self, msg: Any = None) -> bool:
        """Cancelled by the task (its own ``cancel()``, perhaps from another
        task): the callbacks are scheduled, never run here."""
        if not super().cancel(msg):
            return False
        self._schedule(self._waiting)
        return True

    def set_result(self, result: None = None) -> None:
        super().set_result(result)
        if self._waiting:
            self._run()

    def set_exception(self, exception: type | BaseException) -> None:
        super().set_exception(exception)
        if self._waiting:
            self._run()

    def _schedule(self, waiting: Iterable[tuple[Callable[[Any], object], Context | None]]) -> None:
        self._waiting = ()
        loop = self.get_loop()
        for fn, context in waiting:
            loop.call_soon(fn, self, context=context)

    def _run(self) -> None:
        """Run the callbacks now when no task is running (else a task's step
        could not start); schedule them otherwise."""
        waiting, self._waiting = self._waiting, ()
        if _current_task(self.get_loop()) is not None:
            self._schedule(waiting)
            return
        assert isinstance(waiting, list)
        while waiting:
            fn, context = waiting.pop(0)
            try:
                if context is None:
                    fn(self)
                else:
                    context.run(fn, self)
            except (SystemExit, KeyboardInterrupt):
                self._schedule(waiting)  # the ones after it still run
                raise
            except BaseException as exc:  # as the loop does for a callback that raises
                self.get_loop().call_exception_handler({"message": "exception in a Waiter callback",
                                                        "exception": exc, "future": self})
