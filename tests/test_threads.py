"""Many threads decoding and encoding at once, on both backends: every
result equals the single-threaded one.  What the codec keeps between calls
(bounded caches such as the relax masks; each StreamDecoder its own buffer)
must not let threads see each other's work.  With the GIL this checks the
caches' interleavings; it is also the test a free-threaded build has to pass
before the extension may declare itself free-threading compatible."""

from __future__ import annotations

import threading

import pytest
from samples import MESSAGES

import ldapber
from ldapber import LDAPMessage, Rule

THREADS = 8
ROUNDS = 60


@pytest.mark.parametrize("backend", ["cython", "python"])
def test_threads_decode_and_encode_what_one_thread_does(backend: str) -> None:
    try:
        codec = ldapber.codec_for(backend)
    except ImportError as exc:
        pytest.skip(f"{backend} backend unavailable: {exc}")
    encoded = [codec.encode(m) for m in MESSAGES]
    stream = b"".join(encoded)
    expected = [codec.decode(data) for data in encoded]
    failures: list[str] = []
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        start.wait(30)
        relax = (Rule.UTF8,) if worker % 2 else ()  # two relax masks in use at once
        decoder = codec.StreamDecoder(relax=relax)
        for round_ in range(ROUNDS):
            i = (worker + round_) % len(encoded)
            got = codec.decode(encoded[i], relax=relax)
            if got != expected[i] or codec.encode(got) != encoded[i]:
                failures.append(f"thread {worker}, round {round_}: message {i} differs")
                return
            cut = (worker * 7 + round_) % len(stream)  # the whole stream, in two pieces
            decoder.feed(stream[:cut])
            decoder.feed(stream[cut:])
            messages: list[LDAPMessage] = list(decoder)
            if messages != expected:
                failures.append(f"thread {worker}, round {round_}: the stream gave {len(messages)} messages")
                return

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert failures == []
