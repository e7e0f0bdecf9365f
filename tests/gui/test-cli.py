#!/usr/bin/python3
# test-cli.py — the command line: --help, --version and rejected options
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# None of these opens a window, so no display is needed. Output is TAP.

import importlib.util
import os
import subprocess
import sys

_spec = importlib.util.spec_from_file_location(
    'test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)

OPTIONS = ['--headless', '--background', '--port', '--bind', '--config', '--data-dir', '--demo', '--no-demo',
           '--export', '--topic', '--from', '--to', '--version']
EXIT_USAGE = 2


def run(*args, env=None):
    return subprocess.run([os.environ['BROKERDESK'], *args], capture_output=True, text=True,
                          timeout=30, env=dict(os.environ, **(env or {})))


def output(result):
    """A failed check's detail: the exit status and what brokerdesk printed."""
    return f'status {result.returncode}\n' + result.stdout + result.stderr


def main():
    tap = tw.Tap(sys.stdout)
    # Untranslated output for the English checks, whatever the caller's locale.
    c = {'LANGUAGE': '', 'LC_ALL': 'C.UTF-8'}

    r = run('--help', env=c)
    missing = [o for o in OPTIONS if o not in r.stdout]
    tap.check(r.returncode == 0 and not missing,
              f'--help lists every option (missing: {missing or "none"})', output(r))

    r = run('--version', env=c)
    version = os.environ.get('BROKERDESK_VERSION', '')
    tap.check(r.returncode == 0 and r.stdout.strip() == f'Brokerdesk {version}',
              f'--version prints “Brokerdesk {version}”', output(r))

    r = run('--bogus', env=c)
    lines = r.stderr.strip().splitlines()
    tap.check(r.returncode == EXIT_USAGE and len(lines) == 1 and '--bogus' in lines[0]
              and r.stdout == '',
              '--bogus exits 2 with a one-line error naming the option', output(r))

    r = run('--port', '70000', env=c)
    lines = r.stderr.strip().splitlines()
    tap.check(r.returncode == EXIT_USAGE and len(lines) == 1
              and '--port' in lines[0] and '70000' in lines[0],
              '--port 70000 exits 2 with a one-line error naming --port and the value', output(r))

    r = run('--port', 'x1883', env=c)
    tap.check(r.returncode == EXIT_USAGE and '--port' in r.stderr,
              '--port x1883 exits 2 naming --port', output(r))

    # The option help is translated, from the catalogue BROKERDESK_LOCALEDIR
    # points to (the build directory's).
    r = run('--help', env=tw.korean_env())
    tap.check(r.returncode == 0 and 'MQTT 브로커' in r.stdout and '--port' in r.stdout,
              'with LANGUAGE=ko, --help is in Korean', output(r))

    tap.print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
