"""lint.py: one small function per rule, named after the rules it reports and reporting them
through the catalogue's objects (every rule's failing and passing example is in test_rules.py)."""

from __future__ import annotations

import re

from xpnet.lint import LINTS
from xpnet.rules import RULES


def test_each_lint_is_named_after_catalogue_rules() -> None:
    for lint in LINTS:
        ids = [i.upper() for i in re.findall(r"xpn\d{3}", lint.__name__)]
        assert ids and all(i in RULES for i in ids), lint.__name__
        assert set(ids) <= set(lint.__code__.co_names), f"{lint.__name__} reports other rules"
