"""stdin read on a thread while a console script imports what reads it (a 35 MB ResourceList
takes as long to read as xpnet takes to import: with the passes on two cores, this carries the
20,000-item target in benchmarks/RESULTS.md)."""

from __future__ import annotations

import _thread
import sys
from collections.abc import Callable


def read_while(load: Callable[[], object]) -> Callable[[], bytes]:
    """Start reading stdin, run `load` (imports), and return a function that gives stdin's
    bytes, raising what reading raised as if read there."""
    read: list[bytes | BaseException] = []
    done = _thread.allocate_lock()  # held until the read ends: threading's join without
    done.acquire()  # importing threading (a share of every run's start)

    def reader() -> None:
        try:
            read.append(sys.stdin.buffer.read())
        except BaseException as error:
            read.append(error)
        finally:
            done.release()

    _thread.start_new_thread(reader, ())
    load()
    done.acquire()

    def data() -> bytes:
        if isinstance(read[0], BaseException):
            raise read[0]
        return read[0]

    return data
