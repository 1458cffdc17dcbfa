"""How the console scripts end: flush, then leave without tearing the interpreter down."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def exit_with(main: Callable[[], int]) -> None:
    """Run a command and exit with its code. Interpreter teardown (freeing every pydantic and
    ruamel object) costs a kustomize or Helm run ~25 ms for nothing, so skip it."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:  # the reader went away (`xpnet explain | head`): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except Exception:  # a bug of xpnet's: its traceback, with no proxy credentials in it
        import traceback

        from xpnet.credentials import scrub

        sys.stderr.write(scrub(traceback.format_exc()))
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)
