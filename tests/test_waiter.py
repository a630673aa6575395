"""The asyncio client's resume(): a future completed outside a task resumes
the waiting task before resume() returns; inside a task, or for a future
that does not list its callbacks, they run as asyncio schedules them.  Each
test runs with asyncio's C future and its pure-Python one (whose callback
list is the future's own: resume must work on a copy)."""

from __future__ import annotations

import asyncio
import contextvars
from asyncio import futures, tasks
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from ldapber.aio._waiter import resume

T = TypeVar("T")
VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")

FutureKind = Callable[[asyncio.AbstractEventLoop], "asyncio.Future[None]"]
FUTURE_KINDS: dict[str, FutureKind] = {
    "c-future": lambda loop: loop.create_future(),
    "python-future": lambda loop: futures._PyFuture(loop=loop),  # type: ignore[attr-defined]
}
TASK_KINDS: dict[str, Any] = {"c-task": asyncio.Task, "python-task": tasks._PyTask}  # type: ignore[attr-defined]

future_kinds = pytest.mark.parametrize("new_future", FUTURE_KINDS.values(), ids=FUTURE_KINDS.keys())


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run without its cancelling of the tasks left: a task whose
    wake-up was lost never runs again, so cancelling it would never end."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()


async def finished(task: asyncio.Future[None]) -> None:
    """Wait (at most 5 s) for ``task`` to end: a lost wake-up fails the test
    instead of hanging it (wait_for would wait for the cancellation of a task
    that never runs again)."""
    for _ in range(500):
        if task.done():
            break
        await asyncio.sleep(0.01)
    assert task.done(), "the waiting task was never resumed"
    task.result()


@future_kinds
@pytest.mark.parametrize("task_class", TASK_KINDS.values(), ids=TASK_KINDS.keys())
def test_completed_in_a_callback_resumes_the_task_before_returning(new_future: FutureKind, task_class: Any) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = new_future(loop)
        trace: list[str] = []

        async def wait() -> None:
            VAR.set("task's")
            await waiter
            trace.append(f"resumed with {VAR.get()}")

        def complete() -> None:
            resume(waiter)
            trace.append("resume returned")

        task = task_class(wait(), loop=loop)
        await asyncio.sleep(0)  # the task now waits
        loop.call_soon(complete)
        await finished(task)
        return trace

    assert run(main()) == ["resumed with task's", "resume returned"]


@future_kinds
def test_completed_inside_a_task_resumes_the_other_task_later(new_future: FutureKind) -> None:
    async def main() -> list[str]:
        waiter = new_future(asyncio.get_running_loop())
        trace: list[str] = []

        async def wait() -> None:
            await waiter
            trace.append("resumed")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)
        resume(waiter)  # from this task: a second task cannot step now
        trace.append("resume returned")
        await finished(task)
        return trace

    assert run(main()) == ["resume returned", "resumed"]


@future_kinds
def test_an_exception_is_raised_in_the_waiting_task_before_resume_returns(new_future: FutureKind) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = new_future(loop)
        trace: list[str] = []

        async def wait() -> None:
            try:
                await waiter
            except asyncio.TimeoutError:
                trace.append("TimeoutError raised")

        def complete() -> None:
            resume(waiter, asyncio.TimeoutError())
            trace.append("resume returned")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)
        loop.call_soon(complete)
        await finished(task)
        return trace

    assert run(main()) == ["TimeoutError raised", "resume returned"]


@future_kinds
def test_every_listed_callback_runs_once_in_its_own_context(new_future: FutureKind) -> None:
    async def main() -> tuple[list[str], list[str]]:
        loop = asyncio.get_running_loop()
        waiter = new_future(loop)
        seen: list[str] = []
        for name in ("removed", "first", "second"):
            context = contextvars.copy_context()
            context.run(VAR.set, name)
            waiter.add_done_callback(lambda _: seen.append(VAR.get()), context=context)
        waiter.remove_done_callback(waiter._callbacks[0][0])  # type: ignore[attr-defined]
        # Each lambda is its own function, so only "removed" went.
        inline: list[str] = []

        def complete() -> None:
            resume(waiter)
            inline.extend(seen)

        loop.call_soon(complete)
        await asyncio.sleep(0.01)
        return inline, seen

    assert run(main()) == (["first", "second"], ["first", "second"])


@future_kinds
def test_a_callback_that_raises_is_reported_and_the_others_still_run(new_future: FutureKind) -> None:
    async def main() -> tuple[list[tuple[str, type]], list[str]]:
        loop = asyncio.get_running_loop()
        reported: list[tuple[str, type]] = []
        loop.set_exception_handler(lambda _loop, context: reported.append((context["message"],
                                                                            type(context["exception"]))))
        waiter = new_future(loop)
        ran: list[str] = []

        def bad(_: object) -> None:
            raise ValueError("boom")

        waiter.add_done_callback(bad)
        waiter.add_done_callback(lambda _: ran.append("second"))

        def complete() -> None:
            resume(waiter)
            ran.append("resume returned")

        loop.call_soon(complete)
        await asyncio.sleep(0.01)
        return reported, ran

    reported, ran = run(main())
    assert reported == [("exception in a done callback of a resumed future", ValueError)]
    assert ran == ["second", "resume returned"]


@future_kinds
def test_keyboard_interrupt_propagates_once_the_other_callbacks_are_scheduled(new_future: FutureKind) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = new_future(loop)
        trace: list[str] = []

        def interrupted(_: object) -> None:
            raise KeyboardInterrupt

        waiter.add_done_callback(interrupted)
        waiter.add_done_callback(lambda _: trace.append("second ran"))

        def complete() -> None:
            try:
                resume(waiter)
            except KeyboardInterrupt:
                trace.append("KeyboardInterrupt out of resume")

        loop.call_soon(complete)
        await asyncio.sleep(0.01)
        return trace

    assert run(main()) == ["KeyboardInterrupt out of resume", "second ran"]


def test_a_future_that_does_not_list_its_callbacks_runs_them_as_scheduled() -> None:
    class Unlisted(asyncio.Future[None]):
        """A future whose callbacks are not visible (a third-party future, say)."""

        @property
        def _callbacks(self) -> None:  # type: ignore[override]
            return None

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = Unlisted(loop=loop)
        trace: list[str] = []
        waiter.add_done_callback(lambda _: trace.append("callback ran"))

        def complete() -> None:
            resume(waiter)
            trace.append("resume returned")

        loop.call_soon(complete)
        await asyncio.sleep(0.01)
        return trace

    assert run(main()) == ["resume returned", "callback ran"]


@future_kinds
def test_resuming_a_done_future_raises_and_loses_no_callback(new_future: FutureKind) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = new_future(loop)
        ran: list[str] = []
        waiter.set_result(None)
        waiter.add_done_callback(lambda _: ran.append("callback ran"))  # scheduled: the future is done
        with pytest.raises(asyncio.InvalidStateError, match="already done"):
            resume(waiter)
        await asyncio.sleep(0)
        return ran

    assert run(main()) == ["callback ran"]
