"""The asyncio client's Waiter: completed outside a task, it resumes the
waiting task at once; everything else behaves as an asyncio.Future."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from ldapber.aio._waiter import Waiter

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def test_completed_in_a_callback_resumes_the_task_before_returning() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = Waiter(loop=loop)
        trace: list[str] = []

        async def wait() -> None:
            VAR.set("task's")
            await waiter
            trace.append(f"resumed with {VAR.get()}")

        def complete() -> None:
            waiter.set_result(None)
            trace.append("set_result returned")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)  # the task now waits
        loop.call_soon(complete)
        await task
        return trace

    assert asyncio.run(main()) == ["resumed with task's", "set_result returned"]


def test_completed_inside_a_task_resumes_the_other_task_later() -> None:
    async def main() -> list[str]:
        waiter = Waiter(loop=asyncio.get_running_loop())
        trace: list[str] = []

        async def wait() -> None:
            await waiter
            trace.append("resumed")

        task = asyncio.create_task(wait())
        await asyncio.sleep(0)
        waiter.set_result(None)  # from this task: a second task cannot step now
        trace.append("set_result returned")
        await task
        return trace

    assert asyncio.run(main()) == ["set_result returned", "resumed"]


def test_an_exception_is_raised_in_the_waiting_task() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        waiter = Waiter(loop=loop)
        loop.call_soon(waiter.set_exception, asyncio.TimeoutError())
        await waiter

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())


def test_cancelling_the_task_cancels_the_wait() -> None:
    async def main() -> tuple[bool, bool]:
        waiter = Waiter(loop=asyncio.get_running_loop())
        task = asyncio.create_task(waiter_awaited(waiter))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return waiter.cancelled(), task.cancelled()

    assert asyncio.run(main()) == (True, True)


async def waiter_awaited(waiter: Waiter) -> None:
    await waiter


def test_wait_for_times_out_a_waiter() -> None:
    async def main() -> bool:
        waiter = Waiter(loop=asyncio.get_running_loop())
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(waiter_awaited(waiter), 0.01)
        return waiter.cancelled()

    assert asyncio.run(main()) is True


def test_a_callback_that_raises_is_reported_and_the_others_still_run() -> None:
    async def main() -> tuple[list[object], list[str]]:
        loop = asyncio.get_running_loop()
        reported: list[object] = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context["exception"]))
        waiter = Waiter(loop=loop)
        ran: list[str] = []

        def bad(_: object) -> None:
            raise ValueError("boom")

        waiter.add_done_callback(bad)
        waiter.add_done_callback(lambda _: ran.append("second"))
        loop.call_soon(waiter.set_result, None)
        await asyncio.sleep(0.01)
        return reported, ran

    reported, ran = asyncio.run(main())
    assert [type(exc) for exc in reported] == [ValueError]
    assert ran == ["second"]


def test_done_callbacks_added_late_or_removed() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        waiter = Waiter(loop=loop)
        ran: list[str] = []

        def dropped(_: object) -> None:
            ran.append("dropped")

        waiter.add_done_callback(dropped)
        assert waiter.remove_done_callback(dropped) == 1
        waiter.set_result(None)
        waiter.add_done_callback(lambda _: ran.append("late"))  # after completion: scheduled
        assert ran == []
        await asyncio.sleep(0)
        return ran

    assert asyncio.run(main()) == ["late"]
