"""Work done in a forked process, on the second core, its answer sent back as bytes:
`xpnet check` over many renders, xpnet-fn over a large ResourceList."""

from __future__ import annotations

import os
from collections.abc import Callable


def start(work: Callable[[], bytes]) -> Callable[[], bytes | None]:
    """Run `work` in a forked child, which leaves without cleaning up; the function returned
    waits for it and gives its bytes, or None when it failed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; what it sends back is what is tested
        code = 1
        try:
            os.close(read)
            payload = work()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def join() -> bytes | None:
        with os.fdopen(read, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        return payload if status == 0 and payload else None

    return join
