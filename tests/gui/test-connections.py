#!/usr/bin/python3
# test-connections.py — the connection indicator and the Connections dialog
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs brokerdesk under its own Xvfb and D-Bus session (as test-window.py,
# whose helpers it borrows) with a saved profile marked "connect on start"
# that points at a real mosquitto on a free loopback port, and checks through
# AT-SPI what an operator sees: the header-bar indicator follows the
# connection (Connected, Reconnecting after mosquitto is killed, Connected
# again once it is back), the dialog lists the choices with accessible names,
# deleting asks first, and deleting the profile shown goes back to the
# embedded broker. (GTK 4.8 gives check buttons no AT-SPI action, so choosing
# a row is not driven from here.)
# Every wait polls with a deadline. Output is TAP; exit status 77 is a skip.

import importlib.util
import os
import socket
import subprocess
import sys

_spec = importlib.util.spec_from_file_location(
    'bd_test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)

SKIP = 77
TIMEOUT = tw.TIMEOUT
MOSQUITTO = '/usr/sbin/mosquitto'


def outer_main():
    """A private X server, then the checks under dbus-run-session."""
    if not os.access(MOSQUITTO, os.X_OK):
        print(f'1..0 # SKIP {MOSQUITTO} is not installed')
        return SKIP
    return tw.outer_main(__file__)


class Mosquitto:
    def __init__(self, home, port):
        self.port = port
        self.conf = os.path.join(home, 'mosquitto.conf')
        with open(self.conf, 'w') as f:
            # As root mosquitto would switch to the user "mosquitto".
            f.write(f'user {os.environ.get("USER") or "root"}\n'
                    f'listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n')
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, '-c', self.conf], stderr=subprocess.DEVNULL)
        tw.wait_for(self._listening, 'mosquitto to listen')

    def _listening(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f'mosquitto exited with status {self.proc.returncode}')
        try:
            with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def indicator(app):
    return next((a for a in tw.walk(app.main_window())
                 if a.getRoleName() == 'push button' and a.name.startswith('Connection: ')), None)


def indicator_says(app, text):
    node = indicator(app)
    return node is not None and node.name == 'Connection: ' + text


def indicator_detail(app):
    """A check's detail: what the connection indicator says, when asked."""
    def detail():
        node = indicator(app)
        return f'indicator: {node.name if node else None}'
    return detail


def choice(dialog, name):
    """The radio-like check button of a row, named by the row's title."""
    return (tw.find(dialog, 'check box', name) or tw.find(dialog, 'radio button', name))


def unnamed_controls(window):
    return tw.unnamed_controls(tw_pyatspi, window)


tw_pyatspi = None


def inner_main():
    global tw_pyatspi
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP
    tw_pyatspi = pyatspi

    with tw.Run(pyatspi, tap, 'brokerdesk-connections-test-') as run:
        home = run.home
        broker = Mosquitto(home, tw.free_port())
        run.on_exit(broker.stop)
        broker.start()
        ini = os.path.join(home, 'config', 'brokerdesk', 'connections.ini')
        os.makedirs(os.path.dirname(ini))
        with open(ini, 'w') as f:
            f.write('[Profile test-plant]\nname=Plant line\nhost=127.0.0.1\n'
                    f'port={broker.port}\nauto-connect=true\n')
        # An alarm rule and a relay on the remote plant's topics: they must
        # follow the connection the console shows, not the embedded broker.
        with open(os.path.join(home, 'config', 'brokerdesk', 'alarms.ini'), 'w') as f:
            f.write('[remote-oven]\nname=Remote oven\nfilter=remoteplant/+/oven\nhi=30\n'
                    'on-delay=0\npriority=high\n')
        with open(os.path.join(home, 'config', 'brokerdesk', 'relays.ini'), 'w') as f:
            f.write('[remote-fan]\nname=Remote fan\ncommand-topic=remoteplant/fan/set\n'
                    'state-topic=remoteplant/fan/state\n')

        app = run.start(args=('--no-demo', '--port', str(tw.free_port())))

        # 1. Connected on start, and the header bar says so.
        tw.check_eventually(tap, 'the connect-on-start profile is connected and shown',
                            lambda: indicator_says(app, 'Plant line — Connected'),
                            'the indicator to say Connected', indicator_detail(app))

        # 1b. The topic tree shows the remote broker's topics: a retained
        #     reading published there by mosquitto_pub arrives on subscription.
        subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(broker.port), '-r',
                        '-t', 'remoteplant/line2/temperature', '-m', '19.25'],
                       check=True, timeout=tw.TIMEOUT)
        try:
            # A hidden Topics page holds its updates until it is shown.
            tw.click(next(t for t in app.tabs() if t.name == 'Topics'))
            tw.wait_for(lambda: app.selected_page() == 'Topics' or None, 'Topics after a click')
            tw.wait_for(lambda: {'remoteplant', '19.25'} <= tw.label_names(app.main_window())
                        or None, 'the remote topic in the tree')
            tap.check(True, 'the topic tree shows the remote broker\'s retained reading')
        except TimeoutError as e:
            tap.check(False, 'the topic tree shows the remote broker\'s retained reading',
                      f'{e}; labels: {sorted(tw.label_names(app.main_window()))[:60]}')

        # 1c. Alarms follow the remote broker: a reading over the limit
        #     published there raises the rule's alarm.
        subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(broker.port),
                        '-t', 'remoteplant/line2/oven', '-m', '35.5'],
                       check=True, timeout=tw.TIMEOUT)
        try:
            tw.press(pyatspi, ord('3'), alt=True)
            tw.wait_for(lambda: any('remoteplant/line2/oven' in n and '35.5' in n
                                    for n in tw.label_names(app.main_window()))
                        or ('remoteplant/line2/oven' in tw.label_names(app.main_window())
                            and any('35.5' in n for n in tw.label_names(app.main_window())))
                        or None, 'the remote alarm')
            tap.check(True, 'a remote reading over a rule\'s limit raises an alarm')
        except TimeoutError as e:
            tap.check(False, 'a remote reading over a rule\'s limit raises an alarm',
                      f'{e}; labels: {sorted(tw.label_names(app.main_window()))[:60]}')

        # 1d. Relays too: the command goes to the remote broker (paho sees
        #     it there), and the answer on the remote state topic confirms it.
        remote = None
        try:
            import paho.mqtt.client as mqtt
            commands, subscribed = [], []
            remote = mqtt.Client()
            remote.on_message = lambda c, u, m: commands.append(m.payload.decode())
            remote.on_subscribe = lambda *a: subscribed.append(True)
            remote.connect('127.0.0.1', broker.port)
            remote.subscribe('remoteplant/fan/set', qos=1)
            remote.loop_start()
            tw.wait_for(lambda: subscribed, 'the SUBACK')
            tw.press(pyatspi, ord('4'), alt=True)
            switch = tw.wait_for(lambda: next((a for a in tw.walk(app.main_window())
                                               if a.getRoleName() in ('switch', 'check box')
                                               and a.name == 'Remote fan'), None), 'the switch')
            action = switch.queryAction()
            action.doAction(next(i for i in range(action.nActions) if action.getName(i) == 'toggle'))
            tw.wait_for(lambda: commands, 'the command on the remote broker')
            remote.publish('remoteplant/fan/state', commands[0], qos=1, retain=True)
            tw.wait_for(lambda: any('On · since' in n for n in tw.label_names(app.main_window()))
                        or None, 'the confirmed state')
            tap.check(commands[0] == 'ON',
                      'a relay switched in remote mode commands the remote broker and is confirmed',
                      f'commands: {commands}')
        except TimeoutError as e:
            tap.check(False, 'a relay switched in remote mode commands the remote broker and is confirmed',
                      f'{e}; labels: {sorted(tw.label_names(app.main_window()))[:60]}')
        finally:
            if remote is not None:
                remote.loop_stop()
                remote.disconnect()
        tw.press(pyatspi, ord('1'), alt=True)

        # 2. Broker gone: reconnecting, with a countdown; back: connected.
        broker.stop()
        tw.check_eventually(tap, 'a lost broker shows "Reconnecting in N s"',
                            lambda: (indicator(app) is not None
                                     and 'Plant line — Reconnecting in ' in indicator(app).name),
                            'the indicator to count down', indicator_detail(app))
        broker.start()
        tw.check_eventually(tap, 'the client reconnects when the broker is back',
                            lambda: indicator_says(app, 'Plant line — Connected'),
                            'the indicator to say Connected again', indicator_detail(app),
                            timeout=30)

        # 3. The dialog: both choices, the active one checked, every control named.
        tw.click(indicator(app))
        dialog = tw.wait_for(lambda: app.window('Connections'), 'the Connections dialog')
        try:
            # Bounded like the other waits here: how soon the dialog's rows
            # reach the accessibility tree depends on the machine's speed.
            embedded = tw.wait_for(lambda: choice(dialog, 'Embedded broker'),
                                   'the embedded-broker choice')
        except TimeoutError:
            for a in tw.walk(dialog):
                sys.stderr.write(f'TREE {a.getRoleName()} {a.name!r}\n')
            raise
        plant = choice(dialog, 'Plant line')
        tap.check(plant is not None and plant.getState().contains(pyatspi.STATE_CHECKED)
                  and not embedded.getState().contains(pyatspi.STATE_CHECKED),
                  'the dialog lists the embedded broker and the profile, the profile chosen',
                  f'plant: {plant}, embedded: {embedded}')
        missing = unnamed_controls(dialog)
        tap.check(not missing, 'every control of the dialog has an accessible name',
                  '\n'.join(missing))

        # 5. The editor's fields are named too; Cancel leaves things as they were.
        tw.click(tw.find(dialog, 'push button', 'Add a connection'))
        tw.wait_for(lambda: tw.find(dialog, 'push button', 'Save'), 'the editor')
        missing = unnamed_controls(dialog)
        tap.check(not missing, 'every control of the editor has an accessible name',
                  '\n'.join(missing))
        tw.click(tw.find(dialog, 'push button', 'Cancel'))

        # 6. Delete asks first, then removes the profile from the file.
        tw.click(tw.wait_for(lambda: tw.find(dialog, 'push button',
                                             'Delete the connection Plant line'),
                             'the delete button'))
        confirm = tw.wait_for(lambda: next((w for w in app.windows()
                                            if tw.find(w, 'label', 'Delete “Plant line”?')),
                                           None), 'the confirmation')
        tap.check(os.path.exists(ini) and 'Plant line' in open(ini).read(),
                  'nothing is deleted before the confirmation')
        tw.click(next(a for a in tw.walk(confirm) if a.getRoleName() == 'push button'
                      and a.name.replace('_', '').split()[-1:] == ['Delete']))
        try:
            tw.wait_for(lambda: 'Plant line' not in open(ini).read(), 'the profile to go')
            gone = choice(dialog, 'Plant line') is None
            tap.check(gone, 'a confirmed delete removes the profile from the dialog and the file')
        except TimeoutError as e:
            tap.check(False, 'a confirmed delete removes the profile from the dialog and the file',
                      str(e))
        # Deleting the profile shown goes back to the embedded broker.
        try:
            tw.wait_for(lambda: indicator_says(app, 'Embedded broker'),
                        'the indicator to say Embedded broker')
            tw.wait_for(lambda: 'remoteplant' not in tw.label_names(app.main_window()) or None,
                        'the remote topics to leave the tree')
            tap.check(True, 'without its profile the console shows the embedded broker again')
        except TimeoutError as e:
            node = indicator(app)
            tap.check(False, 'without its profile the console shows the embedded broker again',
                      f'{e}; indicator: {node.name if node else None}')

        app.proc.terminate()
        run.stop()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
