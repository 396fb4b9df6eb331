"""The readers-writer lock: readers share it, a writer has it alone and is not starved."""

from __future__ import annotations

import threading
import time

from everyvec.serve.locks import ReadWriteLock


def test_readers_share_the_lock() -> None:
    lock = ReadWriteLock()
    inside = threading.Barrier(3, timeout=5)

    def reader() -> None:
        with lock.read():
            inside.wait()  # all three readers are inside at once, or this times out

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert not inside.broken


def test_a_writer_excludes_readers_and_goes_first() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    reading = threading.Event()

    def long_reader() -> None:
        with lock.read():
            reading.set()
            time.sleep(0.2)
            events.append("reader 1 done")

    def writer() -> None:
        with lock.write():
            events.append("write")

    def late_reader() -> None:
        with lock.read():
            events.append("reader 2")

    first = threading.Thread(target=long_reader)
    first.start()
    reading.wait(5)
    write = threading.Thread(target=writer)
    write.start()
    time.sleep(0.05)  # the writer is now waiting for reader 1
    late = threading.Thread(target=late_reader)
    late.start()
    for thread in (first, write, late):
        thread.join(5)
    assert events == ["reader 1 done", "write", "reader 2"]
