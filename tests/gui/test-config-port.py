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
# broker-port preference moves into the file once; with no port chosen
# anywhere a taken 1883 still moves the window on. Output is TAP.

import importlib.util
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tw = _load('test_window', 'test-window.py')
# Its broker_answers (): a QoS 1 publish the broker acknowledged.
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


def port_row(pyatspi, app):
    """Opens Preferences (Ctrl+,) and returns its port spin button."""
    tw.press(pyatspi, ord(','), ctrl=True)
    prefs = tw.wait_for(lambda: app.window('Preferences'), 'the Preferences window')
    return tw.wait_for(lambda: tw.find(prefs, 'spin button', 'Port'), 'the port spin button')


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


def shown_address(app, port):
    return f'127.0.0.1:{port}' in tw.label_names(app.main_window())


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP

    file_port, pref_port, taken_port, old_pref_port = free_ports(4)
    with tw.Run(pyatspi, tap, 'brokerdesk-port-test-') as run:
        home = run.home

        # 1. The file says where the window's broker listens, and
        #    Preferences shows that port.
        write_config(home, f'allow_anonymous true\nlistener {file_port} 127.0.0.1\n')
        app = run.start(args=('--no-demo',))
        tw.check_eventually(tap, f'the window’s broker listens on the file’s port {file_port}',
                            lambda: bg.broker_answers(file_port)
                            and shown_address(app, file_port),
                            f'the broker on port {file_port}, shown on the Broker page',
                            lambda: read_config(home))
        spin = port_row(pyatspi, app)
        tw.check_eventually(tap, f'Preferences shows the file’s port {file_port}',
                            lambda: spin.queryValue().currentValue == file_port
                            and spin.getState().contains(pyatspi.STATE_SENSITIVE),
                            f'the port row to show {file_port}')

        # 2. A new port in Preferences rewrites the file's listener line,
        #    its address kept, and nothing else.
        spin.queryValue().currentValue = pref_port
        expected = f'allow_anonymous true\nlistener {pref_port} 127.0.0.1\n'
        tw.check_eventually(tap, 'changing the port in Preferences rewrites the file’s '
                            'listener line only', lambda: read_config(home) == expected,
                            'the file to change', lambda: read_config(home))
        run.stop()

        # 3. --headless, on the same file, listens on the new port.
        log_path = os.path.join(home, 'headless.log')
        with open(log_path, 'w') as log:
            headless = subprocess.Popen([os.environ['BROKERDESK'], '--headless', '--no-demo'],
                                        env=tw.app_env(home), stderr=log)
        run.on_exit(headless.wait)
        run.on_exit(headless.terminate)
        tw.check_eventually(tap, '--headless then listens on the port set in Preferences, '
                            f'{pref_port}',
                            lambda: headless.poll() is None and bg.broker_answers(pref_port),
                            f'--headless on port {pref_port}',
                            lambda: open(log_path, errors='replace').read())
        headless.terminate()
        headless.wait(timeout=TIMEOUT)

        # 4. The file's port held by another program: the window says so and
        #    does not take the next free port instead (it is not running).
        holder = socket.socket()
        run.on_exit(holder.close)
        holder.bind(('127.0.0.1', taken_port))
        holder.listen(1)
        write_config(home, f'allow_anonymous true\nlistener {taken_port} 127.0.0.1\n')
        app = run.start(args=('--no-demo',))

        def refused():
            shown = ' '.join(tw.label_names(app.main_window()))
            return ('Broker Not Running' in shown and str(taken_port) in shown
                    and 'brokerdesk.conf' in shown)
        tw.check_eventually(tap, 'a taken port from the file is refused, naming the port and '
                            'the file', refused, 'the Broker page to say why the broker stopped',
                            lambda: tw.label_names(app.main_window()))
        run.stop()
        holder.close()

        # 5. An old broker-port preference moves into a file without a
        #    listener, once: the key is reset when the broker runs.
        home2 = os.path.join(home, 'second')
        env2 = tw.app_env(home2)
        write_config(home2, 'allow_anonymous false\n')
        subprocess.run(['gsettings', 'set', SCHEMA, 'broker-port', str(old_pref_port)],
                       env=env2, check=True, timeout=TIMEOUT)
        run.start(home=home2, args=('--no-demo',))

        def key():
            return subprocess.run(['gsettings', 'get', SCHEMA, 'broker-port'], env=env2,
                                  capture_output=True, text=True,
                                  timeout=TIMEOUT).stdout.strip()
        tw.check_eventually(tap, 'an old broker-port preference moves into the file, and the '
                            'key is reset',
                            lambda: listening(old_pref_port) and key() == '1883'
                            and read_config(home2) == 'allow_anonymous false\n\n'
                            f'listener {old_pref_port} 127.0.0.1\n',
                            f'the broker on port {old_pref_port}',
                            lambda: f'key: {key()}\nfile:\n{read_config(home2)}')
        run.stop()

        # 6. Nothing chose the port (no file, no --port) and 1883 is taken
        #    (here, or by another program): the window takes the next free
        #    one, says which, and leaves the file alone.
        home3 = os.path.join(home, 'third')
        os.makedirs(home3)
        holder = socket.socket()
        run.on_exit(holder.close)
        try:
            holder.bind(('127.0.0.1', 1883))
            holder.listen(1)
        except OSError:
            pass          # someone else has it: taken all the same
        app = run.start(home=home3, args=('--no-demo',))

        def moved():
            shown = [n for n in tw.label_names(app.main_window())
                     if n.startswith('127.0.0.1:') and n != '127.0.0.1:1883']
            port = int(shown[0].split(':')[1]) if shown else 0
            return 1883 < port <= 1903 and bg.broker_answers(port)
        tw.check_eventually(tap, 'with no port chosen anywhere, a taken 1883 moves the window '
                            'to the next free port, and the file stays as it was',
                            lambda: moved() and read_config(home3) == '',
                            'the Broker page to show another port',
                            lambda: tw.label_names(app.main_window()))
        run.stop()
        holder.close()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
