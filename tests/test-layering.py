#!/usr/bin/python3
# test-layering.py — only src/gui may include GTK, libadwaita or libnotify.
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The engine runs headless on a server (DESIGN: "no GTK; also runs headless"),
# so a stray GTK include in a lower layer is a bug even if it compiles.
import os
import re
import sys

root = os.environ.get("BROKERDESK_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..")
forbidden = re.compile(r'^\s*#\s*include\s*[<"](gtk/|gdk/|adwaita\.h|libnotify/)')
layers = ["engine", "storage", "alarms", "relays", "remote", "service"]
bad = []
checked = 0
for layer in layers:
    top = os.path.join(root, "src", layer)
    for dirpath, _, files in os.walk(top):
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            checked += 1
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if forbidden.match(line):
                        bad.append(f"{os.path.relpath(path, root)}:{number}: {line.strip()}")
for line in bad:
    print(line)
if checked == 0:
    print("no source files found under src/: wrong BROKERDESK_SOURCE_DIR?")
    sys.exit(1)
print(f"{checked} files checked, {len(bad)} GUI includes outside src/gui")
sys.exit(1 if bad else 0)
