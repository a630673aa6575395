"""The asyncio client's resume(): a future completed outside a task resumes
the waiting task at once; inside a task, or for a future that does not list
its callbacks, they run as asyncio schedules them."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from ldapber.aio._waiter import resume

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def test_completed_in_a_callback_resumes_the_task_before_returning() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        trace: list[str] = []

        async def wait() -> None:
            VAR.set("task's")
            await waiter
            trace.append(f"resumed with {VAR.get()}")

        def complete() -> None:
            resume(waiter)
            trace.append("resume returned")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)  # the task now waits
        loop.call_soon(complete)
        await task
        return trace

    assert asyncio.run(main()) == ["resumed with task's", "resume returned"]


def test_completed_inside_a_task_resumes_the_other_task_later() -> None:
    async def main() -> list[str]:
        waiter = asyncio.get_running_loop().create_future()
        trace: list[str] = []

        async def wait() -> None:
            await waiter
            trace.append("resumed")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)
        resume(waiter)  # from this task: a second task cannot step now
        trace.append("resume returned")
        await task
        return trace

    assert asyncio.run(main()) == ["resume returned", "resumed"]


def test_an_exception_is_raised_in_the_waiting_task() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        loop.call_soon(resume, waiter, asyncio.TimeoutError())
        await waiter

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())


def test_cancelling_the_task_cancels_the_wait() -> None:
    async def main() -> tuple[bool, bool]:
        waiter = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(waiter_awaited(waiter))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return waiter.cancelled(), task.cancelled()

    assert asyncio.run(main()) == (True, True)


async def waiter_awaited(waiter: asyncio.Future[None]) -> None:
    await waiter


def test_wait_for_times_out_a_waiter() -> None:
    async def main() -> bool:
        waiter = asyncio.get_running_loop().create_future()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(waiter_awaited(waiter), 0.01)
        return waiter.cancelled()

    assert asyncio.run(main()) is True


def test_a_callback_that_raises_is_reported_and_the_others_still_run() -> None:
    async def main() -> tuple[list[object], list[str]]:
        loop = asyncio.get_running_loop()
        reported: list[object] = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context["exception"]))
        waiter = loop.create_future()
        ran: list[str] = []

        def bad(_: object) -> None:
            raise ValueError("boom")

        waiter.add_done_callback(bad)
        waiter.add_done_callback(lambda _: ran.append("second"))
        loop.call_soon(resume, waiter)
        await asyncio.sleep(0.01)
        return reported, ran

    reported, ran = asyncio.run(main())
    assert [type(exc) for exc in reported] == [ValueError]
    assert ran == ["second"]


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

    assert asyncio.run(main()) == ["resume returned", "callback ran"]


def test_every_callback_runs_in_its_own_context() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        seen: list[str] = []
        for name in ("first", "second"):
            context = contextvars.copy_context()
            context.run(VAR.set, name)
            waiter.add_done_callback(lambda _: seen.append(VAR.get()), context=context)
        loop.call_soon(resume, waiter)
        await asyncio.sleep(0.01)
        return seen

    assert asyncio.run(main()) == ["first", "second"]
