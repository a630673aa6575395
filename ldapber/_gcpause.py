"""Pausing the cyclic garbage collector for the length of one call.

A bulk load (an LDIF file, a directory) makes millions of objects that live
on; every collection pass during it walks all of them and finds nothing.
The collector is restored to what it was when the call ends, however it
ends: ldapber does not change its host's GC settings beyond one call.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
