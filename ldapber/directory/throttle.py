"""Slowing password guessing: failed simple binds delay the next attempts.

Each failed bind adds a failure to its target DN and to its source address;
after ``n`` failures the next attempt for that DN (or from that address) may
start no sooner than ``delay(n) = min(base * 2 ** (n - 1), max_delay)``
after the previous one began, whichever connection it comes on.  The
attempts wait (the server's other connections go on meanwhile), so an
attacker gets at most one guess per ``max_delay`` per DN and per address
once the delay has grown, however many connections it opens.  An attempt
that would have to wait longer than ``max_delay`` is refused at once
instead of queued, and a key is forgotten ``forget_after`` seconds after its
last failure: a real user is kept out for at most ``max_delay`` per attempt
while an attack lasts, and not at all once it has stopped for that long.
A successful bind clears its DN and its address.  At most ``max_keys`` keys
are tracked (the oldest forgotten first), so memory is bounded whatever the
attacker sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

__all__ = ["BindThrottle"]


@dataclass
class _Key:
    failures: int = 0
    next_start: float = 0.0  # when the next attempt may begin
    last_failure: float = 0.0


class BindThrottle:
    """See the module docstring.  ``max_delay`` 0 turns throttling off."""

    def __init__(self, *, base: float = 0.05, max_delay: float = 2.0, forget_after: float = 300.0,
                 max_keys: int = 65536, clock: Callable[[], float] = time.monotonic) -> None:
        self.base, self.max_delay, self.forget_after = base, max_delay, forget_after
        self.max_keys, self.clock = max_keys, clock
        self._keys: dict[Hashable, _Key] = {}  # insertion-ordered: the oldest first

    def delay(self, failures: int) -> float:
        return 0.0 if failures <= 0 else min(self.base * 2 ** min(failures - 1, 64), self.max_delay)

    def admit(self, keys: Iterable[Hashable]) -> float | None:
        """Seconds this attempt must wait before its password is checked
        (its turn is taken), or None if that would exceed ``max_delay``:
        refuse the attempt."""
        if not self.max_delay:
            return 0.0
        now = self.clock()
        states = [self._state(key, now) for key in keys]
        start = max([now, *(s.next_start for s in states)])
        if start - now > self.max_delay:
            return None
        for state in states:
            state.next_start = start + self.delay(state.failures)
        return start - now

    def failed(self, keys: Iterable[Hashable]) -> None:
        if not self.max_delay:
            return
        now = self.clock()
        for key in keys:
            state = self._state(key, now)
            state.failures += 1
            state.last_failure = now
            state.next_start = max(state.next_start, now + self.delay(state.failures))
            self._keys[key] = self._keys.pop(key)  # the most recently failed go last: forgotten last

    def succeeded(self, keys: Iterable[Hashable]) -> None:
        for key in keys:
            self._keys.pop(key, None)

    def _state(self, key: Hashable, now: float) -> _Key:
        state = self._keys.get(key)
        if state is not None and state.failures and now - state.last_failure > self.forget_after:
            del self._keys[key]
            state = None
        if state is None:
            while len(self._keys) >= self.max_keys:
                del self._keys[next(iter(self._keys))]
            state = self._keys[key] = _Key()
        return state

    def __len__(self) -> int:
        return len(self._keys)
