"""Baseline: PyYAML load / edit / dump (libyaml's C loader and dumper when available)."""

import sys

import yaml
from common import edit

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

text = sys.stdin.read()
if "--stream" in sys.argv:
    docs = list(yaml.load_all(text, Loader=Loader))
    for doc in docs:
        edit(doc)
    sys.stdout.write(yaml.dump_all(docs, Dumper=Dumper, sort_keys=False))
else:
    rl = yaml.load(text, Loader=Loader)
    for item in rl.get("items") or []:
        edit(item)
    sys.stdout.write(yaml.dump(rl, Dumper=Dumper, sort_keys=False))
