#!/usr/bin/python3
# test-headless.py — alarm rules in `brokerdesk --headless`, where the log is
# the notifier and the journal is the record
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the built binary headless with its own XDG directories: an alarms.ini
# with one good rule and one broken one, a reading over the limit published
# by mosquitto_pub (a client nobody here wrote), then back to normal. Checks
# the log names the broken rule with its file, group and key and still loads
# the good one, logs the raise and the return, and that journal.db (a real
# SQLite file) holds both transitions after a clean stop, and that after a
# restart the reading kept retained raises the alarm with nothing published
# again (the rules load while the broker already runs). Then a first run
# with --demo: the demo's rules and relays are saved, and its first excursion
# raises an alarm. Output is TAP.

import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 20.0


class Headless:
    def __init__(self, home, demo=False):
        env = dict(os.environ,
                   XDG_CONFIG_HOME=os.path.join(home, 'config'),
                   XDG_DATA_HOME=os.path.join(home, 'data'))
        self.data_dir = os.path.join(home, 'data', 'brokerdesk')
        self.lines = queue.Queue()
        self.log = []
        self.proc = subprocess.Popen([os.environ['BROKERDESK'], '--headless', '--port', '0',
                                      '--demo' if demo else '--no-demo', '--data-dir', self.data_dir],
                                     env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, errors='replace')
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def wait_for(self, pattern, what, timeout=TIMEOUT):
        """The first log line (from now on) matching @pattern."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f'no log line for {what} within {timeout:.0f} s')
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f'brokerdesk exited ({self.proc.wait()}) before {what}')
            self.log.append(line)
            m = re.search(pattern, line)
            if m:
                return m

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def main():
    n = failed = 0

    def check(ok, what, detail=''):
        nonlocal n, failed
        n += 1
        print(f'{"ok" if ok else "not ok"} {n} - {what}', flush=True)
        if not ok:
            failed += 1
            for line in str(detail).splitlines():
                print(f'# {line}')

    if shutil.which('mosquitto_pub') is None:
        print('1..0 # SKIP mosquitto_pub is not installed')
        return 77
    home = tempfile.mkdtemp(prefix='brokerdesk-headless-alarms-')
    os.makedirs(os.path.join(home, 'config', 'brokerdesk'))
    with open(os.path.join(home, 'config', 'brokerdesk', 'alarms.ini'), 'w') as f:
        f.write('[kiln]\nname=Kiln\nfilter=plant/+/kiln\nhi=800\non-delay=0\npriority=critical\n\n'
                '[broken]\nname=Broken\nfilter=plant/#\nhi=lots\n')
    broker = Headless(home)
    try:
        port = int(broker.wait_for(r'Listening on \S+:(\d+)', 'the listener').group(1))
        try:
            m = broker.wait_for(r'alarms\.ini.*broken.*hi', 'the broken rule')
            check(True, 'a broken rule is reported with its file, group and key')
        except TimeoutError as e:
            check(False, 'a broken rule is reported with its file, group and key',
                  f'{e}\n' + '\n'.join(broker.log))

        def publish(value, *args):
            subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(port),
                            '-t', 'plant/line1/kiln', '-m', value, *args],
                           check=True, timeout=TIMEOUT)

        # The broken rule's warning comes with the loaded rules, but their
        # taps reach the engine thread a moment later; a reading published in
        # between passes unseen, so publish again until the raise is logged.
        raised = None
        deadline = time.monotonic() + TIMEOUT
        while raised is None and time.monotonic() < deadline:
            publish('812.5')
            try:
                raised = broker.wait_for(r' warning: Alarm: Kiln.*plant/line1/kiln.*812\.5', 'the raise',
                                         timeout=2)
            except TimeoutError:
                pass
        check(raised is not None, 'a reading over the limit raises the alarm, logged as a warning',
              '\n'.join(broker.log))
        publish('640')
        try:
            broker.wait_for(r'Alarm: Kiln.*plant/line1/kiln.*640', 'the return')
            check(True, 'the return to normal is logged')
        except TimeoutError as e:
            check(False, 'the return to normal is logged', f'{e}\n' + '\n'.join(broker.log))
        # Kept for the restart below: the broker keeps retained messages.
        publish('905', '-r', '-q', '1')
        broker.wait_for(r'Alarm: Kiln.*plant/line1/kiln.*905', 'the retained reading')
    finally:
        status = broker.stop()
    check(status == 0, 'SIGTERM stops it with status 0', f'status {status}')

    # The journal's writer commits what is queued before the process ends.
    db = sqlite3.connect(f'file:{os.path.join(broker.data_dir, "journal.db")}?mode=ro', uri=True)
    rows = db.execute("SELECT source_id, topic, to_state, value FROM journal "
                      "WHERE kind = 'alarm' ORDER BY id").fetchall()
    db.close()
    check([r[2] for r in rows][:2] == ['unack', 'rtn-unack'] and rows[0][:2] == ('kiln', 'plant/line1/kiln')
          and rows[0][3] == 812.5,
          'journal.db holds the raise and the return with the rule, topic and value', rows)

    # After a restart the retained reading is there before the rules load,
    # and nothing is published again: the rules are judged on it at once.
    broker = Headless(home)
    try:
        broker.wait_for(r'Alarm: Kiln.*plant/line1/kiln.*905', 'the retained reading', timeout=TIMEOUT)
        check(True, 'a retained reading over the limit raises the alarm when the rules load')
    except TimeoutError as e:
        check(False, 'a retained reading over the limit raises the alarm when the rules load',
              f'{e}\n' + '\n'.join(broker.log))
    finally:
        broker.stop()
    shutil.rmtree(home, ignore_errors=True)

    # A first run with the demo plant: its rules and relays are saved as the
    # user's, and its first excursion (packaging's temperature, 20 s after
    # the start) raises the temperature rule's alarm.
    home = tempfile.mkdtemp(prefix='brokerdesk-headless-demo-')
    broker = Headless(home, demo=True)
    try:
        broker.wait_for(r'Listening on', 'the listener')
        try:
            broker.wait_for(r' warning: Alarm: .*busan/factory/packaging/temperature',
                            'the demo excursion', timeout=45)
            check(True, 'the demo plant\'s first excursion raises an alarm within the first minute')
        except TimeoutError as e:
            check(False, 'the demo plant\'s first excursion raises an alarm within the first minute',
                  f'{e}\n' + '\n'.join(broker.log[-20:]))
    finally:
        broker.stop()
    config = os.path.join(home, 'config', 'brokerdesk')
    rules = open(os.path.join(config, 'alarms.ini')).read() if os.path.exists(
        os.path.join(config, 'alarms.ini')) else ''
    relays = open(os.path.join(config, 'relays.ini')).read() if os.path.exists(
        os.path.join(config, 'relays.ini')) else ''
    check('filter=busan/factory/+/temperature' in rules
          and 'command-topic=busan/factory/manufacture/fan/set' in relays,
          'a first run with the demo saves its rules and relays as the user\'s',
          f'alarms.ini:\n{rules}\nrelays.ini:\n{relays}')
    shutil.rmtree(home, ignore_errors=True)
    print(f'1..{n}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
