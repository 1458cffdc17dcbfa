"""Baseline: a full ruamel.yaml round-trip (comments and formatting kept) with the same edit."""

import sys

from common import edit
from ruamel.yaml import YAML

yaml = YAML(typ="rt")
text = sys.stdin.read()
if "--stream" in sys.argv:
    docs = list(yaml.load_all(text))
    for doc in docs:
        edit(doc)
    yaml.dump_all(docs, sys.stdout)
else:
    rl = yaml.load(text)
    for item in rl.get("items") or []:
        edit(item)
    yaml.dump(rl, sys.stdout)
