"""Completing a future so that the task waiting on it resumes in the
callback that completes it, not one turn of the event loop later.

An ``asyncio.Future`` runs its done callbacks with ``loop.call_soon``: a
task waiting for a response resumes in the loop iteration after the one
whose read brought the response in, so every request-response costs two
iterations (two ``epoll_wait`` calls and two passes of the loop's Python
code).  :func:`resume` completes a plain loop future and, when no task is
running (in a protocol's ``buffer_updated`` or a timer callback, where the
client completes its futures), takes its done callbacks (the waiting task's
wake-up) off it first and calls them at once: the waiting task runs its
next step inside the read callback and its next request goes out before
the loop polls again.  Completed from inside a task (where a second task
cannot start a step), the future's callbacks are scheduled as usual; so
they are for a future that does not list them (``_callbacks``: asyncio's
C and pure-Python futures both have it, from 3.10 to 3.13 at least; the
pure-Python one hands out its own list, so :func:`resume` works on a copy).

The futures stay ordinary ``asyncio.Future`` objects, so the task waits
on them through the C fast path (an earlier Future subclass with its own
callback list cost the task a Python-level ``add_done_callback`` per wait:
about 5% of a sequential read's instructions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

_current_task = asyncio.current_task

Callbacks = list[tuple[Callable[[Any], object], Context]]


def resume(future: asyncio.Future[None], error: type[BaseException] | BaseException | None = None) -> None:
    """Complete ``future`` (with ``error`` set on it, if given) and, outside
    any task, run its done callbacks now.  The future must still be pending
    (InvalidStateError otherwise, as from ``set_result``)."""
    if future.done():
        raise asyncio.InvalidStateError(f"resume() of a future that is already done: {future!r}")
    loop = future.get_loop()
    callbacks: Callbacks | None = None
    if _current_task(loop) is None:
        listed = getattr(future, "_callbacks", None)
        if listed:
            # A copy: the list may be the future's own, which removing empties.
            callbacks = list(listed)
            for fn, _context in callbacks:
                future.remove_done_callback(fn)
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
    if callbacks:
        _run(loop, future, callbacks)


def _run(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], callbacks: Callbacks) -> None:
    """Call each callback as the loop would have (in its context); one that
    raises is reported to the loop's exception handler and the others still
    run, except after SystemExit or KeyboardInterrupt, which propagate once
    the rest are scheduled."""
    for index, (fn, context) in enumerate(callbacks):
        try:
            context.run(fn, future)
        except (SystemExit, KeyboardInterrupt):
            for later, later_context in callbacks[index + 1:]:
                loop.call_soon(later, future, context=later_context)
            raise
        except BaseException as exc:  # as the loop does for a callback that raises
            loop.call_exception_handler({"message": "exception in a done callback of a resumed future",
                                         "exception": exc, "future": future})
