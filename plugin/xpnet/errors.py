"""Errors that reach the user: each names where the problem is and what to do."""

from __future__ import annotations

from xpnet.credentials import scrub


class XpnetError(Exception):
    """Refused input; the adapters print it (never a traceback) and exit 1."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """The message; proxy credentials never in it, whatever a problem quotes."""
        if len(self.problems) == 1:
            return scrub(f"{self.source}: {self.problems[0]}")
        return scrub(f"{self.source}:\n" + "\n".join(f"  {p}" for p in self.problems))


class ConfigError(XpnetError):
    """The ClusterNetwork configuration is invalid; nothing was written."""


class InputError(XpnetError):
    """The manifests cannot be read or safely rewritten; nothing was written."""
