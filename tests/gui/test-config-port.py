#!/usr/bin/python3
# test-config-port.py — the window and --headless listen where the shared file says
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On its own Xvfb display and D-Bus session, as test-window.py, with fresh
# XDG directories: a 'listener PORT' line in Brokerdesk's own configuration
# file is where the window's broker listens and what Preferences shows;
# changing the port in Preferences rewrites that line, and --headless then
# listens there too; a port in the file that another program holds is
# refused with the reason, not swapped for the next free one; an old
# broker-port preference moves into the file once. Output is TAP.

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tw = _load('test_window', 'test-window.py')
# Its app_env () (the XDG folders of a home, the keyfile settings backend)
# and broker_answers () (a QoS 1 publish acknowledged).
bg = _load('test_background', 'test-background.py')

SKIP = 77
TIMEOUT = tw.TIMEOUT
SCHEMA = 'io.github.brokerdesk.Brokerdesk'


def outer_main():
    return tw.outer_main(__file__, ['mosquitto_pub', 'gsettings'])


def config_path(home):
    return os.path.join(home, 'config', 'brokerdesk', 'brokerdesk.conf')


def write_config(home, text):
    os.makedirs(os.path.dirname(config_path(home)), exist_ok=True)
    with open(config_path(home), 'w') as f:
        f.write(text)


def read_config(home):
    try:
        with open(config_path(home)) as f:
            return f.read()
    except FileNotFoundError:
        return ''


def open_preferences(app):
    tw.press(app.pyatspi, ord(','), ctrl=True)
    prefs = tw.wait_for(lambda: app.window('Preferences'), 'the Preferences window')
    return prefs, tw.wait_for(lambda: tw.find(prefs, 'spin button', 'Port'),
                              'the port spin button')


def spin_shows(pyatspi, spin, port):
    return (spin.queryValue().currentValue == port
            and spin.getState().contains(pyatspi.STATE_SENSITIVE))


def free_ports(n):
    """@n distinct free loopback ports (held open together while chosen)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(('127.0.0.1', 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def stop(app):
    """Stops @app; its criticals, also those its log writer formats as
    'TIME critical: ...' (--headless's format, which App.stop () misses)."""
    found = app.stop()
    with open(app.log_path, errors='replace') as f:
        found += [line for line in f if ' critical: ' in line]
    return found


def listening(port):
    """Something accepts connections on @port (with anonymous access off,
    mosquitto_pub would be refused by a broker that is there)."""
    with socket.socket() as s:
        s.settimeout(1)
        try:
            s.connect(('127.0.0.1', port))
            return True
        except OSError:
            return False



def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP

    home = tempfile.mkdtemp(prefix='brokerdesk-port-test-')
    app = None
    headless = None
    criticals = []
    file_port, pref_port, taken_port, old_pref_port = free_ports(4)
    try:
        # 1. The file says where the window's broker listens, and
        #    Preferences shows that port.
        write_config(home, f'allow_anonymous true\nlistener {file_port} 127.0.0.1\n')
        app = tw.App(pyatspi, home, args=('--no-demo',))
        try:
            tw.wait_for(lambda: bg.broker_answers(file_port), f'the broker on port {file_port}',
                        interval=0.2)
            tw.wait_for(lambda: f'127.0.0.1:{file_port}' in tw.label_names(app.main_window()),
                        'the Broker page to show the address')
            tap.check(True, f'the window’s broker listens on the file’s port {file_port}')
        except TimeoutError as e:
            tap.check(False, f'the window’s broker listens on the file’s port {file_port}',
                      f'{e}\nfile:\n{read_config(home)}')

        try:
            prefs, spin = open_preferences(app)
            tw.wait_for(lambda: spin_shows(pyatspi, spin, file_port), f'the port row to show {file_port}')
            tap.check(True, f'Preferences shows the file’s port {file_port}')
        except TimeoutError as e:
            tap.check(False, f'Preferences shows the file’s port {file_port}', e)
            spin = None

        # 2. A new port in Preferences rewrites the file's listener line,
        #    its address kept.
        try:
            if spin is None:
                raise TimeoutError('no port row')
            spin.queryValue().currentValue = pref_port
            wanted = f'listener {pref_port} 127.0.0.1'
            tw.wait_for(lambda: wanted in read_config(home).splitlines(),
                        f'“{wanted}” in the file')
            text = read_config(home)
            tap.check(f'listener {file_port}' not in text and 'allow_anonymous true' in text,
                      'changing the port in Preferences rewrites the file’s listener line only',
                      text)
        except TimeoutError as e:
            tap.check(False, 'changing the port in Preferences rewrites the file’s listener line '
                      'only', f'{e}\nfile:\n{read_config(home)}')
        criticals += stop(app)
        app = None

        # 3. --headless, on the same file, listens on the new port.
        log_path = os.path.join(home, 'headless.log')
        with open(log_path, 'w') as log:
            headless = subprocess.Popen([os.environ['BROKERDESK'], '--headless', '--no-demo'],
                                        env=bg.app_env(home), stderr=log)
        try:
            tw.wait_for(lambda: headless.poll() is None and bg.broker_answers(pref_port),
                        f'--headless on port {pref_port}', interval=0.2)
            tap.check(True, f'--headless then listens on the port set in Preferences, {pref_port}')
        except TimeoutError as e:
            with open(log_path, errors='replace') as f:
                tap.check(False, f'--headless then listens on the port set in Preferences, '
                          f'{pref_port}', f'{e}\n{f.read()}')
        finally:
            headless.terminate()
            headless.wait(timeout=TIMEOUT)
            headless = None

        # 4. The file's port held by another program: the window says so and
        #    does not take the next free port instead.
        holder = socket.socket()
        holder.bind(('127.0.0.1', taken_port))
        holder.listen(1)
        try:
            write_config(home, f'allow_anonymous true\nlistener {taken_port} 127.0.0.1\n')
            app = tw.App(pyatspi, home, args=('--no-demo',))
            try:
                tw.wait_for(lambda: 'Broker Not Running' in tw.label_names(app.main_window()),
                            'the Broker page to say the broker is not running')
                shown = ' '.join(tw.label_names(app.main_window()))
                # Not running at all: it did not move to another port.
                tap.check(str(taken_port) in shown and 'brokerdesk.conf' in shown,
                          'a taken port from the file is refused, naming the port and the file',
                          shown)
            except TimeoutError as e:
                tap.check(False,
                          'a taken port from the file is refused, naming the port and the file',
                          f'{e}\nlabels: {tw.label_names(app.main_window())}')
            criticals += stop(app)
            app = None
        finally:
            holder.close()

        # 5. An old broker-port preference moves into a file without a
        #    listener, once.
        home2 = os.path.join(home, 'second')
        env2 = bg.app_env(home2)
        write_config(home2, 'allow_anonymous false\n')
        subprocess.run(['gsettings', 'set', SCHEMA, 'broker-port', str(old_pref_port)],
                       env=env2, check=True, timeout=TIMEOUT)
        app = tw.App(pyatspi, home2, args=('--no-demo',))
        try:
            tw.wait_for(lambda: listening(old_pref_port),
                        f'the broker on port {old_pref_port}', interval=0.2)
            text = read_config(home2)

            def key_value():
                return subprocess.run(['gsettings', 'get', SCHEMA, 'broker-port'], env=env2,
                                      capture_output=True, text=True,
                                      timeout=TIMEOUT).stdout.strip()
            # Reset once the broker runs, on the window's side.
            try:
                key = tw.wait_for(lambda: key_value() == '1883' and '1883',
                                  'the broker-port key to be reset', interval=0.2)
            except TimeoutError:
                key = key_value()
            tap.check(f'listener {old_pref_port} 127.0.0.1' in text.splitlines()
                      and 'allow_anonymous false' in text and key == '1883',
                      'an old broker-port preference moves into the file, and the key is reset',
                      f'key: {key}\nfile:\n{text}')
        except TimeoutError as e:
            tap.check(False,
                      'an old broker-port preference moves into the file, and the key is reset',
                      f'{e}\nfile:\n{read_config(home2)}')
        criticals += stop(app)
        app = None

        # 6. Nothing chose the port (no file, no --port) and 1883 is taken
        #    (here, or by another program): the window takes the next free
        #    one, and says which.
        home3 = os.path.join(home, 'third')
        os.makedirs(home3)
        holder = socket.socket()
        try:
            holder.bind(('127.0.0.1', 1883))
            holder.listen(1)
        except OSError:
            pass          # someone else has it: taken all the same
        try:
            app = tw.App(pyatspi, home3, args=('--no-demo',))
            try:
                shown = tw.wait_for(
                    lambda: [n for n in tw.label_names(app.main_window())
                             if n.startswith('127.0.0.1:') and n != '127.0.0.1:1883'],
                    'the Broker page to show another port')
                moved = int(shown[0].split(':')[1])
                tap.check(1883 < moved <= 1903 and bg.broker_answers(moved)
                          and read_config(home3) == '',
                          'with no port chosen anywhere, a taken 1883 moves the window to the '
                          'next free port, and the file stays as it was', shown)
            except TimeoutError as e:
                tap.check(False, 'with no port chosen anywhere, a taken 1883 moves the window to '
                          'the next free port, and the file stays as it was', e)
            criticals += stop(app)
            app = None
        finally:
            holder.close()
    except Exception:
        import traceback
        tap.check(False, 'the test ran to its end', traceback.format_exc())
    finally:
        if app is not None:
            criticals += stop(app)
        if headless is not None:
            headless.terminate()
            headless.wait(timeout=TIMEOUT)
        shutil.rmtree(home, ignore_errors=True)

    tap.check(not criticals, 'the application logged no critical warning', '\n'.join(criticals))
    tap.print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
