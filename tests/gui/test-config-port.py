#!/usr/bin/python3
# test-config-port.py — the window and --headless listen where the shared file says
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On its own Xvfb display and D-Bus session, as test-window.py, with fresh
# XDG directories: a 'listener PORT [ADDRESS]' line in Brokerdesk's own
# configuration file is where the window's broker listens (the old
# broker-listen-all preference no longer opens it to the network) and what
# Preferences shows; changing the port or "Listen on All Interfaces" in
# Preferences rewrites that line, and --headless then listens there too; a
# port in the file that another program holds is refused with the reason,
# not swapped for the next free one; old broker-port and broker-listen-all
# preferences move into the file once; with no port chosen anywhere a taken
# 1883 still moves the window on. Output is TAP.

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


def bound_addresses(port):
    """The local addresses of the sockets listening on TCP @port."""
    out = subprocess.run(['ss', '-ltnH', f'sport = :{port}'], capture_output=True, text=True,
                         timeout=TIMEOUT, check=True).stdout
    return sorted({line.split()[3].rsplit(':', 1)[0] for line in out.splitlines() if line.strip()})


# How ss shows a socket on every interface (dual-stack, IPv4 or IPv6).
EVERY_INTERFACE = ('*', '0.0.0.0', '[::]')


def on_every_interface(port):
    addresses = bound_addresses(port)
    return len(addresses) > 0 and all(a in EVERY_INTERFACE for a in addresses)


def on_loopback_only(port):
    return bound_addresses(port) == ['127.0.0.1']


def listen_all_switch(pyatspi, app):
    prefs = app.window('Preferences')
    # GTK 4.8 shows a GtkSwitch to AT-SPI as a check box
    return next((a for a in tw.walk(prefs) if a.getRoleName() in ('switch', 'check box')
                 and a.name == 'Listen on All Interfaces'), None) if prefs else None


def is_on(pyatspi, node):
    return node.getState().contains(pyatspi.STATE_CHECKED)


def gsettings_get(env, key):
    return subprocess.run(['gsettings', 'get', SCHEMA, key], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT).stdout.strip()


def gsettings_set(env, key, value):
    subprocess.run(['gsettings', 'set', SCHEMA, key, value], env=env, check=True,
                   timeout=TIMEOUT)


def shown_address(app, port):
    return f'127.0.0.1:{port}' in tw.label_names(app.main_window())


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP

    file_port, pref_port, taken_port, old_pref_port = free_ports(4)
    with tw.Run(pyatspi, tap, 'brokerdesk-port-test-') as run:
        home = run.home

        # 1. The file says where the window's broker listens, port and
        #    address (an old broker-listen-all does not open a loopback
        #    listener to the network), and Preferences shows that port.
        write_config(home, f'allow_anonymous true\nlistener {file_port} 127.0.0.1\n')
        gsettings_set(tw.app_env(home), 'broker-listen-all', 'true')
        app = run.start(args=('--no-demo',))
        tw.check_eventually(tap, f'the window’s broker listens on the file’s port {file_port}',
                            lambda: bg.broker_answers(file_port)
                            and shown_address(app, file_port),
                            f'the broker on port {file_port}, shown on the Broker page',
                            lambda: read_config(home))
        tw.check_eventually(tap, 'the window’s broker listens on the file’s address 127.0.0.1 '
                            'only, not on every interface as broker-listen-all said, and the '
                            'old key is reset',
                            lambda: on_loopback_only(file_port)
                            and gsettings_get(tw.app_env(home), 'broker-listen-all') == 'false',
                            'the listener on 127.0.0.1',
                            lambda: f'{bound_addresses(file_port)} key: '
                            f'{gsettings_get(tw.app_env(home), "broker-listen-all")}')
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

        # 2b. "Listen on All Interfaces" shows the file's loopback address as
        #     off; turned on, the same line loses its address.
        switch = tw.wait_for(lambda: listen_all_switch(pyatspi, app),
                             'the Listen on All Interfaces switch')
        tw.check_eventually(tap, 'Preferences shows the file’s 127.0.0.1 as Listen on All '
                            'Interfaces off',
                            lambda: not is_on(pyatspi, switch)
                            and switch.getState().contains(pyatspi.STATE_SENSITIVE),
                            'the switch, off and sensitive')
        action = switch.queryAction()
        action.doAction(next(i for i in range(action.nActions)
                             if action.getName(i) in ('toggle', 'click', 'activate')))
        expected = f'allow_anonymous true\nlistener {pref_port}\n'
        tw.check_eventually(tap, 'turning on Listen on All Interfaces rewrites the listener '
                            'line without an address', lambda: read_config(home) == expected,
                            'the file to change', lambda: read_config(home))
        # The file lets anonymous clients in: the row warns as the set-up does.
        tw.check_eventually(tap, 'the switch on with anonymous access warns in its row',
                            lambda: any(f'Port {pref_port} accepts clients from other computers'
                                        in n for n in tw.label_names(app.window('Preferences'))),
                            'the warning', lambda: tw.label_names(app.window('Preferences')))
        run.stop()

        # 3. --headless, on the same file, listens on the new port.
        log_path = os.path.join(home, 'headless.log')
        with open(log_path, 'w') as log:
            headless = subprocess.Popen([os.environ['BROKERDESK'], '--headless', '--no-demo'],
                                        env=tw.app_env(home), stderr=log)
        run.on_exit(headless.wait)
        run.on_exit(headless.terminate)
        tw.check_eventually(tap, '--headless then listens on the port set in Preferences, '
                            f'{pref_port}, on every interface',
                            lambda: headless.poll() is None and bg.broker_answers(pref_port)
                            and on_every_interface(pref_port),
                            f'--headless on port {pref_port}',
                            lambda: f'{bound_addresses(pref_port)}\n'
                            + open(log_path, errors='replace').read())
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

        # 5. Old broker-port and broker-listen-all preferences move into a
        #    file without a listener, once: the keys are reset when the
        #    broker runs, which listens on every interface.
        home2 = os.path.join(home, 'second')
        env2 = tw.app_env(home2)
        write_config(home2, 'allow_anonymous false\n')
        gsettings_set(env2, 'broker-port', str(old_pref_port))
        gsettings_set(env2, 'broker-listen-all', 'true')
        run.start(home=home2, args=('--no-demo',))

        def keys():
            return (gsettings_get(env2, 'broker-port'), gsettings_get(env2, 'broker-listen-all'))
        tw.check_eventually(tap, 'old broker-port and broker-listen-all preferences move into '
                            'the file, and the keys are reset',
                            lambda: listening(old_pref_port) and keys() == ('1883', 'false')
                            and on_every_interface(old_pref_port)
                            and read_config(home2) == 'allow_anonymous false\n\n'
                            f'listener {old_pref_port}\n',
                            f'the broker on port {old_pref_port}',
                            lambda: f'keys: {keys()} {bound_addresses(old_pref_port)}\n'
                            f'file:\n{read_config(home2)}')
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
