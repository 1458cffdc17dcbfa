"""`xpnet-fn`, the console script: stdin is read on a thread while the function loads (a 35 MB
ResourceList takes as long to read as xpnet takes to import what reads it, issue 17)."""

from __future__ import annotations

import sys


def entry() -> None:
    if sys.argv[1:]:  # --help, --version or a usage error: there is nothing to read
        from xpnet.adapters.krm import entry as krm_entry

        krm_entry()
        return
    import threading

    read: list[bytes | BaseException] = []

    def reader() -> None:
        try:
            read.append(sys.stdin.buffer.read())
        except BaseException as error:  # raised again below, as if read here
            read.append(error)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    from xpnet.adapters import krm
    from xpnet.adapters.console import exit_with

    thread.join()

    def main() -> int:
        if isinstance(read[0], BaseException):
            raise read[0]
        return krm.main((), read[0])

    exit_with(main)
