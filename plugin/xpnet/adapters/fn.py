"""`xpnet-fn`, the console script: stdin is read on a thread while the function loads (a 35 MB
ResourceList takes as long to read as xpnet takes to import what reads it, issue 17)."""

from __future__ import annotations

import _thread
import sys


def entry() -> None:
    if sys.argv[1:]:  # --help, --version or a usage error: there is nothing to read
        from xpnet.adapters.krm import entry as krm_entry

        krm_entry()
        return
    read: list[bytes | BaseException] = []
    done = _thread.allocate_lock()  # held until the read ends: threading's join, without
    done.acquire()  # importing threading (a millisecond of every run)

    def reader() -> None:
        try:
            read.append(sys.stdin.buffer.read())
        except BaseException as error:  # raised again below, as if read here
            read.append(error)
        finally:
            done.release()

    _thread.start_new_thread(reader, ())
    from xpnet.adapters import krm
    from xpnet.adapters.console import exit_with

    done.acquire()

    def main() -> int:
        if isinstance(read[0], BaseException):
            raise read[0]
        return krm.main((), read[0])

    exit_with(main)
