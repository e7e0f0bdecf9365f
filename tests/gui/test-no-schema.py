#!/usr/bin/python3
# test-no-schema.py — the window without its settings schema: a message, not a crash
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An uninstalled build run by hand (outside `meson devenv`) finds no compiled
# settings schema. GLib aborts in g_settings_new () then; Brokerdesk must say
# which schema is missing and how to run it, and exit with status 1. The
# program gets a real display, so it would get as far as opening its window.
# Output is TAP.

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xvfb_display  # noqa: E402

SCHEMA_ID = 'io.github.brokerdesk.Brokerdesk'


def main():
    if shutil.which('Xvfb') is None:
        print('1..0 # SKIP Xvfb is not installed')
        return xvfb_display.SKIP

    with tempfile.TemporaryDirectory(prefix='bd-no-schema-') as tmp, \
            xvfb_display.private_display() as display:
        if display is None:
            print('1..0 # SKIP Xvfb did not start')
            return xvfb_display.SKIP
        for name in ('schemas', 'share', 'config', 'data', 'state'):
            os.mkdir(os.path.join(tmp, name))
        env = dict(os.environ, DISPLAY=display, GDK_BACKEND='x11', GTK_A11Y='none',
                   NO_AT_BRIDGE='1', DBUS_SESSION_BUS_ADDRESS='disabled:',
                   LANGUAGE='', LC_ALL='C.UTF-8',
                   # No schema anywhere: an empty schema directory, no system ones.
                   GSETTINGS_SCHEMA_DIR=os.path.join(tmp, 'schemas'),
                   XDG_DATA_DIRS=os.path.join(tmp, 'share'),
                   XDG_CONFIG_HOME=os.path.join(tmp, 'config'),
                   XDG_DATA_HOME=os.path.join(tmp, 'data'))
        env.pop('WAYLAND_DISPLAY', None)
        try:
            r = subprocess.run([os.environ['BROKERDESK'], '--port', '0', '--no-demo',
                                '--data-dir', os.path.join(tmp, 'state')],
                               env=env, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            print('not ok 1 - without its schema, brokerdesk exits at once with status 1')
            print('# it was still running after 30 s')
            print('1..1')
            return 1

    lines = r.stderr.strip().splitlines()
    checks = [
        (r.returncode == 1, 'without its schema, brokerdesk exits with status 1 (no crash)'),
        (len(lines) >= 1 and SCHEMA_ID in r.stderr and 'meson devenv' in r.stderr
         and 'GSETTINGS_SCHEMA_DIR' in r.stderr,
         'the message names the schema id, meson devenv and GSETTINGS_SCHEMA_DIR'),
        ('CRITICAL' not in r.stderr and 'ERROR' not in r.stderr,
         'no GLib critical or error on the way out'),
    ]
    failed = 0
    for n, (ok, what) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {n} - {what}')
        if not ok:
            failed += 1
            print(f'# status {r.returncode}')
            for line in (r.stdout + r.stderr).splitlines():
                print(f'# {line}')
    print(f'1..{len(checks)}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
