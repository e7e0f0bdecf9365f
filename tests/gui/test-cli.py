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


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, result=None):
        self.n += 1
        print(f'{"ok" if ok else "not ok"} {self.n} - {what}', flush=True)
        if not ok:
            self.failed += 1
            if result is not None:
                print(f'# status {result.returncode}')
                for line in (result.stdout + result.stderr).splitlines():
                    print(f'# {line}')


def main():
    tap = Tap()
    # Untranslated output for the English checks, whatever the caller's locale.
    c = {'LANGUAGE': '', 'LC_ALL': 'C.UTF-8'}

    r = run('--help', env=c)
    missing = [o for o in OPTIONS if o not in r.stdout]
    tap.check(r.returncode == 0 and not missing,
              f'--help lists every option (missing: {missing or "none"})', r)

    r = run('--version', env=c)
    version = os.environ.get('BROKERDESK_VERSION', '')
    tap.check(r.returncode == 0 and r.stdout.strip() == f'Brokerdesk {version}',
              f'--version prints “Brokerdesk {version}”', r)

    r = run('--bogus', env=c)
    lines = r.stderr.strip().splitlines()
    tap.check(r.returncode == EXIT_USAGE and len(lines) == 1 and '--bogus' in lines[0]
              and r.stdout == '',
              '--bogus exits 2 with a one-line error naming the option', r)

    r = run('--port', '70000', env=c)
    lines = r.stderr.strip().splitlines()
    tap.check(r.returncode == EXIT_USAGE and len(lines) == 1
              and '--port' in lines[0] and '70000' in lines[0],
              '--port 70000 exits 2 with a one-line error naming --port and the value', r)

    r = run('--port', 'x1883', env=c)
    tap.check(r.returncode == EXIT_USAGE and '--port' in r.stderr,
              '--port x1883 exits 2 naming --port', r)

    # The option help is translated, from the catalogue BROKERDESK_LOCALEDIR
    # points to (the build directory's).
    r = run('--help', env=tw.korean_env())
    tap.check(r.returncode == 0 and 'MQTT 브로커' in r.stdout and '--port' in r.stdout,
              'with LANGUAGE=ko, --help is in Korean', r)

    print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
