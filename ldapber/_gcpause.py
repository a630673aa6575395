"""Pausing the cyclic garbage collector for the length of one call.

A bulk load (an LDIF file, a directory) makes millions of objects that live
on; every collection pass during it walks all of them and finds nothing.
The collector is restored to what it was when the call ends, however it
ends: ldapber does not change its host's GC settings beyond one call.

The setting is global to the process, so pauses in several threads are
counted: the first to begin notes whether the collector was on and turns it
off, the last to end turns it back on if it was on.  (Code that turns the
collector off itself while a pause is running sees it turned back on when
the pause ends, as it was when the pause began.)
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # pauses running, in every thread
_was_enabled = False  # the collector's state when the first of them began


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
