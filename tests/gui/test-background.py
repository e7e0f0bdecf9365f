#!/usr/bin/python3
# test-background.py — the broker outlives the window
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On its own Xvfb display and D-Bus session, as test-window.py: closing the
# window leaves the broker answering mosquitto_pub; starting Brokerdesk again
# presents the window of the running instance; quitting with a connected
# client asks first; the login autostart file follows its preference; and
# --background starts the broker with no window. Output is TAP.

import glob
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

_spec = importlib.util.spec_from_file_location('test_window', os.path.join(HERE, 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)

SKIP = 77
TIMEOUT = tw.TIMEOUT


def outer_main():
    return tw.outer_main(__file__, ['mosquitto_pub'])


def broker_answers(port):
    """A QoS 1 publish that the broker acknowledged."""
    r = subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(port), '-q', '1',
                        '-t', 'bgtest/ping', '-m', 'ping'],
                       capture_output=True, timeout=TIMEOUT)
    return r.returncode == 0


def main_window_or_none(app):
    try:
        return app.main_window()
    except StopIteration:
        return None


def autostart_files(home):
    return glob.glob(os.path.join(home, 'config', 'autostart', '*.desktop'))


def connected_client(port):
    import paho.mqtt.client as mqtt
    client = mqtt.Client(client_id='bgtest-device')
    connected = []
    client.on_connect = lambda *a: connected.append(True)
    client.connect('127.0.0.1', port)
    client.loop_start()
    tw.wait_for(lambda: connected, 'the device to connect')
    return client


def dialog_with(app, text):
    """The alert whose labels include @text (AdwMessageDialog)."""
    for w in app.windows():
        if any(text in (a.name or '') for a in tw.walk(w)
               if a.getRoleName() == 'label'):
            if w.getState().contains(app.pyatspi.STATE_VISIBLE):
                return w
    return None


def button(node, label):
    return next((a for a in tw.walk(node) if a.getRoleName() == 'push button'
                 and (a.name or '').split()[-1:] == [label]), None)


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP

    with tw.Run(pyatspi, tap, 'brokerdesk-bg-test-') as run:
        home = run.home
        port = tw.free_port()
        app = run.start(args=('--no-demo', '--port', str(port)))

        # 1. The login autostart file, on by default, starts the broker alone.
        try:
            files = tw.wait_for(lambda: autostart_files(home), 'the autostart file')
            with open(files[0]) as f:
                text = f.read()
            tap.check('--background' in text and 'X-GNOME-Autostart-enabled=true' in text,
                      'the autostart file starts Brokerdesk with --background', text)
        except TimeoutError as e:
            tap.check(False, 'the autostart file starts Brokerdesk with --background', e)

        # 2. Ctrl+W closes the window; the broker keeps answering.
        tw.press(pyatspi, ord('w'), ctrl=True)
        try:
            tw.wait_for(lambda: main_window_or_none(app) is None, 'the window to close')
            tap.check(app.proc.poll() is None and broker_answers(port),
                      'with the window closed the broker still answers mosquitto_pub',
                      f'status: {app.proc.poll()}')
        except TimeoutError as e:
            tap.check(False, 'with the window closed the broker still answers mosquitto_pub', e)

        # 3. Starting Brokerdesk again presents the running instance's window.
        second = subprocess.run([os.environ['BROKERDESK'], '--no-demo'], env=tw.app_env(home),
                                capture_output=True, timeout=TIMEOUT)
        try:
            tw.wait_for(lambda: main_window_or_none(app), 'the window of the first instance')
            tap.check(second.returncode == 0 and app.proc.poll() is None,
                      'a second start presents the window of the running instance',
                      f'second: {second.returncode} {second.stderr!r}')
        except TimeoutError as e:
            tap.check(False, 'a second start presents the window of the running instance',
                      f'{e}; second: {second.returncode} {second.stderr!r}')

        # 4. The preference off removes the autostart file.
        subprocess.run(['gsettings', 'set', 'io.github.brokerdesk.Brokerdesk',
                        'run-at-login', 'false'], env=tw.app_env(home), check=True, timeout=TIMEOUT)
        try:
            tw.wait_for(lambda: not autostart_files(home), 'the autostart file to go')
            tap.check(True, 'turning “Start at Login” off removes the autostart file')
        except TimeoutError as e:
            tap.check(False, 'turning “Start at Login” off removes the autostart file', e)

        # 5. Quitting with a connected device asks first, and names how many.
        device = connected_client(port)
        run.on_exit(device.loop_stop)
        tw.press(pyatspi, ord('q'), ctrl=True)
        try:
            dialog = tw.wait_for(lambda: dialog_with(app, '1 device is connected'),
                                 'the quit confirmation')
            tap.check(app.proc.poll() is None, 'Ctrl+Q with a device connected asks first')
            tw.click(button(dialog, 'Cancel'))
            tw.wait_for(lambda: dialog_with(app, '1 device is connected') is None,
                        'the confirmation to close')
            tap.check(app.proc.poll() is None and broker_answers(port),
                      'Cancel keeps the broker running')
            tw.press(pyatspi, ord('q'), ctrl=True)
            dialog = tw.wait_for(lambda: dialog_with(app, '1 device is connected'),
                                 'the quit confirmation again')
            tw.click(button(dialog, 'Quit'))
            status = app.proc.wait(timeout=TIMEOUT)
            tap.check(status == 0, 'Quit in the confirmation stops Brokerdesk',
                      f'status: {status}')
        except (TimeoutError, subprocess.TimeoutExpired) as e:
            tap.check(False, 'Ctrl+Q with a device connected asks first', e)
        device.loop_stop()
        run.stop()

        # 6. --background: the broker runs without a window until Brokerdesk
        #    is opened.
        port = tw.free_port()
        env = tw.app_env(home)
        log = open(os.path.join(home, 'background.log'), 'w')
        proc = subprocess.Popen([os.environ['BROKERDESK'], '--background', '--no-demo',
                                 '--port', str(port)], env=env, stderr=log)
        try:
            tw.wait_for(lambda: proc.poll() is None and broker_answers(port),
                        'the background broker', interval=0.2)
            shown = [w.name for a in pyatspi.Registry.getDesktop(0)
                     if a is not None and a.name == 'brokerdesk'
                     for w in a if w is not None
                     and w.getState().contains(pyatspi.STATE_VISIBLE)]
            tap.check(not shown, '--background starts the broker with no window',
                      f'windows: {shown}')
            subprocess.run([os.environ['BROKERDESK']], env=env, check=True, timeout=TIMEOUT)

            class Running(tw.App):
                def __init__(self, proc):
                    self.pyatspi = pyatspi
                    self.proc = proc
                    self.node = tw.wait_for(self._find, 'the window of the background instance')
            Running(proc)
            tap.check(True, 'opening Brokerdesk shows the background instance’s window')
        except (TimeoutError, subprocess.SubprocessError) as e:
            tap.check(False, '--background, then opening Brokerdesk', e)
        finally:
            proc.terminate()
            proc.wait(timeout=TIMEOUT)
            log.close()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
