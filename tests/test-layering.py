#!/usr/bin/python3
# test-layering.py — the libraries under src/ depend on each other only along
# the arrows below, and only src/gui includes GTK, libadwaita or libnotify.
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The engine runs headless on a server, and --headless never touches the GUI,
# so a stray include or dependency against the arrows is a bug even if it
# compiles. Two things are checked against one table:
#   - every #include "..." of a header that lives in another library's folder;
#   - every <library>_dep a src/**/meson.build names.
# A folder under src/ that the table does not know fails the test too: a new
# library gets its row here first.
import os
import re
import sys

root = os.environ.get("BROKERDESK_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..")
src = os.path.join(root, "src")

# library -> the libraries it may use directly. "main" is the program itself
# (the files at the top of src/); "codec" is src/engine/codec.
ALLOWED = {
    "main": {"gui", "service"},
    "gui": {"service", "bridge", "remote", "alarms", "relays", "automations", "storage", "engine", "payload"},
    "service": {"alarms", "relays", "automations", "storage", "demo", "remote", "bridge", "engine", "payload"},
    # automations: fed by alarm transitions, commanding through relays, journaling.
    "automations": {"alarms", "relays", "storage", "engine", "payload"},
    "alarms": {"engine", "payload"},
    "relays": {"engine", "payload"},
    "storage": {"engine", "payload"},
    "demo": {"engine"},
    "remote": {"engine"},
    # bridge: the engine's internal connection on one side, the remote client on the other.
    "bridge": {"remote", "engine"},
    "payload": set(),
    "engine": {"codec"},
    "codec": set(),
}

GUI_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"](gtk/|gdk/|adwaita\.h|libnotify/)')
GUI_DEPS = {"gtk_dep", "adw_dep", "notify_dep"}
LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
MESON_DEP = re.compile(r"\b([a-z]+)_dep\b")


def library_of(path):
    """The library a file under src/ belongs to, or None for an unknown folder."""
    parts = os.path.relpath(path, src).split(os.sep)
    if len(parts) == 1:
        return "main"
    if parts[0] == "engine" and parts[1] == "codec":
        return "codec"
    return parts[0] if parts[0] in ALLOWED else None


problems = []
sources = []
builds = []
for dirpath, dirnames, names in os.walk(src):
    dirnames.sort()
    for name in sorted(names):
        path = os.path.join(dirpath, name)
        if name.endswith((".c", ".h")):
            sources.append(path)
        elif name == "meson.build":
            builds.append(path)
        else:
            continue
        if library_of(path) is None:
            problems.append(f"{os.path.relpath(path, root)}: src/{os.path.relpath(dirpath, src).split(os.sep)[0]} "
                            "is not in the layering table (tests/test-layering.py)")

# Which library each header belongs to, by name (headers are included by
# name, or by a path under src/).
owners = {}
for path in sources:
    if path.endswith(".h"):
        owners.setdefault(os.path.basename(path), set()).add(library_of(path))

arrows = {}


def check_arrow(user, used, where, what):
    if used == user or user is None or used is None:
        return
    arrows.setdefault((user, used), where)
    if used not in ALLOWED[user]:
        problems.append(f"{where}: {what}: {user} → {used} is not an allowed arrow")


for path in sources:
    user = library_of(path)
    where_file = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            where = f"{where_file}:{number}"
            if user != "gui" and GUI_INCLUDE.match(line):
                problems.append(f"{where}: {line.strip()}: GUI include outside src/gui")
            match = LOCAL_INCLUDE.match(line)
            if match is None:
                continue
            header = os.path.basename(match.group(1))
            used = owners.get(header, set())
            if user in used:
                continue  # its own header
            for library in sorted(used, key=str):
                check_arrow(user, library, where, line.strip())

for path in builds:
    user = library_of(path)
    if user is None:
        continue
    users = {user}
    where_file = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0]
            where = f"{where_file}:{number}"
            for match in MESON_DEP.finditer(line):
                name = match.group(1)
                if f"{name}_dep" in GUI_DEPS and user != "gui":
                    problems.append(f"{where}: {name}_dep: GUI library outside src/gui")
                if name not in ALLOWED or name in users:
                    continue
                allowed_user = next((u for u in sorted(users) if name in ALLOWED[u]), None)
                check_arrow(allowed_user or user, name, where, f"{name}_dep")

for line in problems:
    print(line)
if not sources:
    print("no source files found under src/: wrong BROKERDESK_SOURCE_DIR?")
    sys.exit(1)
print(f"{len(sources)} source files and {len(builds)} meson.build files checked; arrows in use:")
for (user, used), where in sorted(arrows.items()):
    print(f"  {user} → {used}  (first: {where})")
sys.exit(1 if problems else 0)
