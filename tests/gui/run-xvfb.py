#!/usr/bin/python3
# run-xvfb.py — runs a GTK test program on a private Xvfb display
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: run-xvfb.py PROGRAM [ARGS...]; the program's TAP output passes
# through. Xvfb picks a free display itself (-displayfd), so parallel test
# runs never race for one as `xvfb-run -a` can. Widget tests need a display
# but no session bus: GTK's accessibility goes to its test backend, and no
# D-Bus address is given, so nothing is autolaunched behind the test's back.

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xvfb_display  # noqa: E402

SKIP = 77


def main():
    if shutil.which('Xvfb') is None:
        print('1..0 # SKIP Xvfb is not installed')
        return SKIP

    with xvfb_display.private_display() as display:
        if display is None:
            print('1..0 # SKIP Xvfb did not start')
            return SKIP
        env = dict(os.environ, DISPLAY=display, GDK_BACKEND='x11', GTK_A11Y='test',
                   DBUS_SESSION_BUS_ADDRESS='disabled:', NO_AT_BRIDGE='1')
        env.pop('WAYLAND_DISPLAY', None)
        sys.stdout.flush()
        try:
            return subprocess.run(sys.argv[1:], env=env, timeout=120).returncode
        except subprocess.TimeoutExpired:
            print('Bail out! the test did not finish in 120 s')
            return 1


if __name__ == '__main__':
    sys.exit(main())
