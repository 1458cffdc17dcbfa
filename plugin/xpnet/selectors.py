"""Which rules a run reports: rule ids and prefixes selected and ignored, and a severity
threshold, read as ruff reads `--select` and `--ignore` (https://docs.astral.sh/ruff/settings/
#lint_select): a prefix names every rule it starts, the more specific selector wins, and ignore
wins over select when both name the same."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from xpnet.rules import CATALOGUE, Rule, Severity

PREFIX = "XPN"
SELECTOR_PATTERN = r"^XPN[0-9]{0,3}$"  # XPN (every rule), XPN0, XPN01, XPN016
SEVERITIES = ("info", "warning", "error")  # lowest first: a threshold reports itself and above
_RANK = {Severity(name): rank for rank, name in enumerate(SEVERITIES)}


def closest(word: str) -> str:
    """The rule id a misspelt one most likely meant (there is always one)."""
    ids = [r.id for r in CATALOGUE]
    match = difflib.get_close_matches(word.upper(), ids, n=1, cutoff=0.0)
    return match[0] if match else ids[0]


def problem(selector: str) -> str | None:
    """Why a selector names no rule, None when it names one or more."""
    text = selector.strip().upper()
    if any(r.id.startswith(text) for r in CATALOGUE) and text.startswith(PREFIX):
        return None
    return (
        f"{selector!r} names no rule; did you mean {closest(text)}? (a rule id such as XPN016, "
        "or a prefix of ids such as XPN01; xpnet rules are listed in docs/rules.md)"
    )


def parse(text: str) -> tuple[str, ...]:
    """A comma-separated list of selectors (`XPN016,XPN02`), normalised to upper case."""
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def _best(rule: Rule, selectors: Iterable[str]) -> int:
    """How specifically the selectors name a rule: the longest matching one's length, -1 for
    none."""
    return max((len(s) for s in selectors if rule.id.startswith(s.upper())), default=-1)


def selected(rule: Rule, select: Sequence[str], ignore: Sequence[str], severity: str) -> bool:
    """Whether a run reports findings of a rule: selected (every rule when nothing is), not
    ignored by a selector at least as specific, and at or above the severity threshold."""
    if _RANK[rule.severity] < SEVERITIES.index(severity):
        return False
    chosen = _best(rule, select) if select else 0
    return chosen >= 0 and chosen > _best(rule, ignore)
