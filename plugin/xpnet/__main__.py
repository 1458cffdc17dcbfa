"""`python -m xpnet` runs the CLI."""

from xpnet.adapters.cli import entry

entry()
