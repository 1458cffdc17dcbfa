"""`python -m xpnet` runs the CLI."""

import sys

from xpnet.adapters.cli import main

sys.exit(main())
