"""Runs real curl for each (env, target) inside a network namespace with loopback only
(`unshare -n`): every proxy URL points at a closed port on 127.0.0.1, so curl's verbose
"Trying" line tells which proxy it chose, and no packet can leave the namespace.

Reads a JSON list of {"env": {...}, "targets": [...]} on stdin; prints one JSON line per target.
"""

import json
import os
import re
import subprocess
import sys

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
cases = json.load(sys.stdin)
base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
ports = set()
for case in cases:
    for key, value in case["env"].items():
        m = re.match(r"http://127\.0\.0\.1:(\d+)$", value)
        if key.lower().endswith("_proxy") and m:
            ports.add(m.group(1))
for index, case in enumerate(cases):
    for target in case["targets"]:
        done = subprocess.run(
            ["curl", "-sv", "--max-time", "3", "-o", "/dev/null", target],
            env={**base, **case["env"]},
            capture_output=True,
            text=True,
        )
        tried = re.findall(r"Trying 127\.0\.0\.1:(\d+)", done.stderr)
        via = next((p for p in tried if p in ports), None)
        print(
            json.dumps(
                {"case": index, "target": target, "curl": f"127.0.0.1:{via}" if via else "DIRECT"}
            )
        )
