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

SKIP = 77


def main():
    if shutil.which('Xvfb') is None:
        print('1..0 # SKIP Xvfb is not installed')
        return SKIP

    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x800x24',
                             '-nolisten', 'tcp', '-noreset'],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        if not display:
            print('1..0 # SKIP Xvfb did not start')
            return SKIP
        env = dict(os.environ, DISPLAY=':' + display, GDK_BACKEND='x11', GTK_A11Y='test',
                   DBUS_SESSION_BUS_ADDRESS='disabled:', NO_AT_BRIDGE='1')
        env.pop('WAYLAND_DISPLAY', None)
        sys.stdout.flush()
        try:
            return subprocess.run(sys.argv[1:], env=env, timeout=120).returncode
        except subprocess.TimeoutExpired:
            print('Bail out! the test did not finish in 120 s')
            return 1
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == '__main__':
    sys.exit(main())
