"""`python -m xpnet` runs the CLI."""

from xpnet.adapters.scripts import xpnet

xpnet()
