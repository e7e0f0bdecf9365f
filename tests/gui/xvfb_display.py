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


# GTK 4.8 (Debian 12) answers an accessibility client that asks about a
# window just being hidden or destroyed with an invalid D-Bus reply and
# crashes (g_variant_new_object_path on a NULL path; fixed in later GTK).
# A run that ends that way says nothing about Brokerdesk and is made once
# more; any other failure stands.
GTK_ATSPI_CRASH = "g_variant_new_object_path: assertion"


def _run_once(script, timeout):
    """One run: (returncode, TAP text, stderr text); stderr is also passed on."""
    with private_display() as display:
        if display is None:
            return SKIP, '1..0 # SKIP Xvfb did not start\n', ''
        read_fd, tap_fd = os.pipe()
        env = dict(os.environ, DISPLAY=display, BD_GUI_TEST_INNER='1',
                   BD_GUI_TEST_TAP_FD=str(tap_fd))
        env.pop('WAYLAND_DISPLAY', None)
        proc = subprocess.Popen(['dbus-run-session', '--', sys.executable, script],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                pass_fds=(tap_fd,), text=True, errors='replace')
        os.close(tap_fd)
        with os.fdopen(read_fd, errors='replace') as tap_pipe:
            try:
                # The session's output is read while the TAP pipe drains: a
                # thread would do, but the TAP stream is small; read it after.
                err, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                err, _ = proc.communicate()
                sys.stderr.write(err)
                return 1, tap_pipe.read() + f'Bail out! the test did not finish in {timeout} s\n', err
            sys.stderr.write(err)
            return proc.returncode, tap_pipe.read(), err


def run_in_session(script, timeout=240):
    """Runs @script again (with BD_GUI_TEST_INNER=1) under dbus-run-session on
    a private display, its TAP output on this process's standard output.

    The D-Bus session starts after DISPLAY is set, so the accessibility bus
    and registry it activates (which synthesize key presses with XTest) talk
    to this display. The session's services write to their standard output,
    so the TAP stream goes through its own descriptor and they go to stderr."""
    sys.stdout.flush()
    rc, tap, err = _run_once(script, timeout)
    if rc not in (0, SKIP) and (GTK_ATSPI_CRASH in err or GTK_ATSPI_CRASH in tap):
        print('# GTK 4.8\'s accessibility bridge crashed the application '
              f'({GTK_ATSPI_CRASH} failed); the first run\'s output follows as comments, '
              'and the checks run once more', flush=True)
        for line in tap.splitlines():
            print('# ' + line)
        rc, tap, err = _run_once(script, timeout)
    sys.stdout.write(tap)
    sys.stdout.flush()
    return rc
