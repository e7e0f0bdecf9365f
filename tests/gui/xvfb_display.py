# xvfb_display.py — a private X server for the GUI tests
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Xvfb picks a free display itself (-displayfd), so parallel test runs never
# race for one as `xvfb-run -a` can.

import contextlib
import os
import subprocess
import sys

SKIP = 77


@contextlib.contextmanager
def private_display():
    """Yields the display (":N") of a new Xvfb, or None if it did not start;
    the server stops when the block ends."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x800x24',
                             '-nolisten', 'tcp', '-noreset'],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        yield ':' + display if display else None
    finally:
        xvfb.terminate()
        xvfb.wait()


def run_in_session(script, timeout=240):
    """Runs @script again (with BD_GUI_TEST_INNER=1) under dbus-run-session on
    a private display, its TAP output on this process's standard output.

    The D-Bus session starts after DISPLAY is set, so the accessibility bus
    and registry it activates (which synthesize key presses with XTest) talk
    to this display. The session's services write to their standard output,
    so the TAP stream goes through its own descriptor and they go to stderr."""
    with private_display() as display:
        if display is None:
            print('1..0 # SKIP Xvfb did not start')
            return SKIP
        sys.stdout.flush()
        tap_fd = os.dup(sys.stdout.fileno())
        env = dict(os.environ, DISPLAY=display, BD_GUI_TEST_INNER='1',
                   BD_GUI_TEST_TAP_FD=str(tap_fd))
        env.pop('WAYLAND_DISPLAY', None)
        try:
            return subprocess.run(['dbus-run-session', '--', sys.executable, script],
                                  env=env, stdout=sys.stderr, pass_fds=(tap_fd,),
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            print(f'Bail out! the test did not finish in {timeout} s')
            return 1
