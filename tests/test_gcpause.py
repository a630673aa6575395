"""gc_paused: the collector as its host left it, whatever the threads do."""

from __future__ import annotations

import gc
import threading

import pytest

from ldapber._gcpause import gc_paused


@pytest.mark.parametrize("collecting", [True, False])
def test_pauses_nest_and_restore(collecting: bool) -> None:
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is collecting
        with pytest.raises(ZeroDivisionError), gc_paused():
            1 / 0  # noqa: B018
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("collecting", [True, False])
def test_overlapping_pauses_in_threads_restore_the_collector(collecting: bool) -> None:
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    start = threading.Barrier(4)

    def pause_often() -> None:
        start.wait(timeout=10)
        for _ in range(2000):
            with gc_paused():
                pass

    try:
        threads = [threading.Thread(target=pause_often) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()
