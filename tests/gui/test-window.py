#!/usr/bin/python3
# test-window.py — smoke test of the main window through the accessibility tree
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the built brokerdesk on its own Xvfb display and D-Bus session, with
# fresh XDG directories, and drives it as an assistive technology would: it
# reads page tabs, menu items and windows from AT-SPI, presses keys through the
# AT-SPI registry (XTest) and clicks through AT-SPI actions. Every wait polls
# the tree with a deadline; nothing relies on a fixed sleep.
#
# Environment (set by tests/gui/meson.build): BROKERDESK (the binary),
# GSETTINGS_SCHEMA_DIR (the compiled schema) and BROKERDESK_LOCALEDIR (the
# built catalogues). Output is TAP; exit status 77 means skipped.

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xvfb_display  # noqa: E402

SKIP = 77
PAGES = ['Topics', 'Charts', 'Alarms', 'Relays', 'Broker']     # Alt+1 … Alt+5
PAGES_KO = ['토픽', '차트', '알람', '릴레이', '브로커']
# The Overview comes first in the switcher, on Alt+0.
TABS = ['Overview'] + PAGES
TABS_KO = ['개요'] + PAGES_KO
MENU_ITEMS = ['Demo Plant', 'Export History…', 'Preferences', 'Keyboard Shortcuts',
              'About Brokerdesk']
TIMEOUT = 20.0   # seconds for any one thing to appear


def outer_main(path=__file__, tools=()):
    """Starts a private X server, then runs the script at path again under
    dbus-run-session for its checks; a TAP skip when Xvfb,
    dbus-run-session or one of tools is not installed."""
    for tool in ('Xvfb', 'dbus-run-session') + tuple(tools):
        if shutil.which(tool) is None:
            print(f'1..0 # SKIP {tool} is not installed')
            return SKIP
    return xvfb_display.run_in_session(path)


def inner_start():
    """The checks' side, in the session: pyatspi and a Tap on the descriptor
    the outer run reads, or (None, None) after a TAP skip line when pyatspi
    is not available."""
    out = os.fdopen(int(os.environ['BD_GUI_TEST_TAP_FD']), 'w')
    try:
        import gi
        gi.require_version('Atspi', '2.0')
        import pyatspi
    except (ImportError, ValueError) as e:
        print(f'1..0 # SKIP pyatspi is not available: {e}', file=out, flush=True)
        return None, None
    return pyatspi, Tap(out)


class Tap:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.failed = 0

    def print(self, line):
        print(line, file=self.out, flush=True)

    def check(self, ok, what, detail=''):
        self.n += 1
        self.print(f'{"ok" if ok else "not ok"} {self.n} - {what}')
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines():
                self.print(f'# {line}')
        return ok


def wait_for(predicate, what, timeout=TIMEOUT, interval=0.05):
    """Polls @predicate until it returns something true; raises on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:   # the tree changes under us while we read it
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f'timed out after {timeout:.0f} s waiting for {what}'
                       + (f' (last error: {last_error})' if last_error else ''))


def app_env(home):
    """The environment of a brokerdesk whose settings and data live in @home,
    seen by the accessibility bus."""
    env = dict(os.environ,
               XDG_CONFIG_HOME=os.path.join(home, 'config'),
               XDG_DATA_HOME=os.path.join(home, 'data'),
               XDG_CACHE_HOME=os.path.join(home, 'cache'),
               XDG_STATE_HOME=os.path.join(home, 'state'),
               # The keyfile backend, so window state really survives a restart.
               GSETTINGS_BACKEND='keyfile',
               GTK_A11Y='atspi',
               # Criticals are collected from stderr by App.stop() and fail
               # the last check (not made fatal: see KNOWN_GTK_CRITICALS).
               G_DEBUG='gc-friendly')
    env.pop('NO_AT_BRIDGE', None)
    return env


class App:
    """One running brokerdesk and its node in the accessibility tree."""

    def __init__(self, pyatspi, home, extra_env=None, args=()):
        self.pyatspi = pyatspi
        env = app_env(home)
        env.update(extra_env or {})
        self.log_path = os.path.join(home, f'brokerdesk-{time.monotonic_ns()}.log')
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen([os.environ['BROKERDESK'], *args], env=env,
                                     stderr=self.log)
        self.node = wait_for(self._find, 'brokerdesk in the accessibility tree')

    def _find(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f'brokerdesk exited with status {self.proc.returncode}')
        desktop = self.pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is None or app.name != 'brokerdesk':
                continue
            try:
                if app.get_process_id() != self.proc.pid:
                    continue
            except Exception:
                pass
            # The window is there once its page tabs are.
            if any(a.getRoleName() == 'page tab' for a in walk(app)):
                return app
        return None

    def windows(self):
        return [w for w in self.node if w is not None]

    def window(self, name):
        return next((w for w in self.windows() if w.name == name), None)

    def main_window(self):
        return next(w for w in self.windows() if w.getRoleName() == 'frame'
                    and any(a.getRoleName() == 'page tab list' for a in walk(w)))

    def tabs(self):
        """The page tabs of the first view switcher (the one in the title)."""
        switcher = next(a for a in walk(self.main_window())
                        if a.getRoleName() == 'page tab list')
        return [t for t in switcher if t is not None and t.getRoleName() == 'page tab']

    def selected_page(self):
        selected = [t.name for t in self.tabs()
                    if t.getState().contains(self.pyatspi.STATE_SELECTED)]
        return selected[0] if len(selected) == 1 else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.log_path, errors='replace') as f:
            text = f.read()
        sys.stderr.write(text)
        # GLib's own format (before the log writer is installed, and GTK's
        # in its default handler) and the log writer's 'TIME critical: ...'.
        return [line for line in text.splitlines()
                if ('-CRITICAL **' in line or ' critical: ' in line)
                and not any(k in line for k in KNOWN_GTK_CRITICALS)]


class Run:
    """What one inner run holds: a fresh home directory, the brokerdesk
    running in it (one at a time) and the criticals of every one stopped.

    As a context manager it reports an exception as a failed check named
    @what, stops the application and whatever was passed to on_exit, deletes
    the home directory, checks that no critical was logged and ends the TAP
    plan."""

    def __init__(self, pyatspi, tap, prefix, what='the test ran to its end'):
        self.pyatspi = pyatspi
        self.tap = tap
        self.what = what
        self.home = tempfile.mkdtemp(prefix=prefix)
        self.app = None
        self.criticals = []
        self._on_exit = []

    def start(self, home=None, extra_env=None, args=()):
        """Starts brokerdesk (in the run's home unless @home) and returns its App."""
        self.app = App(self.pyatspi, home or self.home, extra_env, args)
        return self.app

    def stop(self):
        """Stops the running brokerdesk, if any, and keeps its criticals."""
        if self.app is not None:
            app, self.app = self.app, None
            self.criticals += app.stop()

    def quit_with_ctrl_q(self):
        """Ctrl+Q, checked to end the application with status 0."""
        press(self.pyatspi, ord('q'), ctrl=True)
        try:
            status = self.app.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
        self.tap.check(status == 0, 'Ctrl+Q quits with status 0', f'status: {status}')
        self.stop()

    def on_exit(self, func):
        """Calls @func when the run ends, after the application stopped."""
        self._on_exit.append(func)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None and issubclass(exc_type, Exception)
        if failed:
            import traceback
            self.tap.check(False, self.what,
                           ''.join(traceback.format_exception(exc_type, exc, tb)))
        try:
            self.stop()
            for func in reversed(self._on_exit):
                func()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
        self.tap.check(not self.criticals, 'the application logged no critical warning',
                       '\n'.join(self.criticals))
        self.tap.print(f'1..{self.tap.n}')
        return failed


def check_eventually(tap, what, predicate, waiting_for, detail=lambda: '', timeout=TIMEOUT):
    """One check named @what: it passes once @predicate holds (waited for as
    @waiting_for, for at most @timeout seconds) and otherwise fails with the
    timeout and detail()."""
    try:
        wait_for(predicate, waiting_for, timeout)
        return tap.check(True, what)
    except TimeoutError as e:
        return tap.check(False, what, f'{e}; {detail()}')


# GTK 4.8's AT-SPI bridge sometimes serializes an accessible whose object
# path is not set yet (a widget not yet realized) and trips this GLib check
# inside GTK; it is reported, not counted. Every other critical fails.
KNOWN_GTK_CRITICALS = ("g_variant_is_object_path: assertion 'string != NULL' failed",)


def walk(node):
    yield node
    for child in node:
        if child is not None:
            yield from walk(child)


def press(pyatspi, keysym, alt=False, ctrl=False):
    """Presses a key with modifiers, through the registry's XTest device."""
    from gi.repository import Atspi
    mask = (8 if alt else 0) | (4 if ctrl else 0)     # Mod1, Control
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.LOCKMODIFIERS)
    try:
        Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    finally:
        if mask:
            Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.UNLOCKMODIFIERS)


def click(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == 'click':
            action.doAction(i)
            return
    raise AssertionError(f'{node.getRoleName()} “{node.name}” cannot be clicked')


def find(node, role, name):
    return next((a for a in walk(node) if a.getRoleName() == role and a.name == name), None)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def label_names(node):
    return {a.name for a in walk(node) if a.getRoleName() == 'label'}


def labels_of(app):
    """A check's detail: the labels of @app's main window, when asked."""
    return lambda: f'labels: {sorted(label_names(app.main_window()))}'


def unnamed_controls(pyatspi, window):
    """Visible controls a screen reader would announce without a name."""
    roles = ('push button', 'check box', 'radio button', 'toggle button', 'text', 'combo box',
             'switch', 'entry', 'password text', 'spin button', 'menu item', 'check menu item')
    return [f'{a.getRoleName()} in {a.parent.getRoleName() if a.parent else "?"}'
            for a in walk(window)
            if a.getRoleName() in roles and not (a.name or '').strip()
            and a.getState().contains(pyatspi.STATE_VISIBLE)]


def retained_payloads(port, topic_filter):
    """The retained messages the broker holds under @topic_filter, read with
    paho: retained messages are sent on subscription, before a non-retained
    sentinel published after the SUBACK, so the sentinel marks the end."""
    import paho.mqtt.client as mqtt
    got, done, subscribed = {}, [False], [False]
    sentinel = 'guitest-sentinel/' + str(time.monotonic_ns())

    def on_message(client, userdata, msg):
        if msg.topic == sentinel:
            done[0] = True
        elif msg.retain:
            got[msg.topic] = msg.payload.decode(errors='replace')

    client = mqtt.Client()
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.__setitem__(0, True)
    client.connect('127.0.0.1', port)
    client.subscribe([(topic_filter, 1), (sentinel, 1)])
    deadline = time.monotonic() + TIMEOUT
    while not subscribed[0] and time.monotonic() < deadline:
        client.loop(0.1)
    client.publish(sentinel, b'end', qos=1)
    while not done[0] and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    if not done[0]:
        raise TimeoutError('the sentinel message never came back')
    return got


def korean_env():
    """LANGUAGE=ko with a UTF-8 locale: ko_KR.UTF-8 where it is installed
    (locales-all), else C.UTF-8, with which gettext honours LANGUAGE too."""
    import locale
    saved = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, 'ko_KR.UTF-8')
        name = 'ko_KR.UTF-8'
    except locale.Error:
        name = 'C.UTF-8'
    finally:
        locale.setlocale(locale.LC_ALL, saved)
    return {'LANGUAGE': 'ko', 'LANG': name, 'LC_ALL': name}


def inner_main():
    pyatspi, tap = inner_start()
    if pyatspi is None:
        return SKIP

    with Run(pyatspi, tap, 'brokerdesk-gui-test-', 'the smoke test ran to its end') as run:
        # 1. A first start on fresh directories (without the demo plant, so
        #    the empty state is deterministic).
        port = free_port()
        app = run.start(args=('--no-demo', '--port', str(port)))
        names = [t.name for t in app.tabs()]
        tap.check(names == TABS, 'the view switcher has the six pages in order',
                  f'page tabs: {names}')
        tap.check(app.selected_page() == 'Overview', 'a first start shows the Overview',
                  f'selected: {app.selected_page()}')
        press(pyatspi, ord('1'), alt=True)
        wait_for(lambda: app.selected_page() == 'Topics' or None, 'Topics after Alt+1')
        titles = label_names(app.main_window())
        tap.check('No Messages Yet' in titles, 'the Topics page shows its empty state',
                  f'labels: {sorted(titles)}')

        # 1b. A reading published by a client nobody here wrote reaches the tree.
        subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(port),
                        '-t', 'guitest/line1/temperature', '-m', '21.5'], check=True, timeout=TIMEOUT)
        check_eventually(tap, 'a message from mosquitto_pub appears in the topic tree',
                         lambda: 'guitest' in label_names(app.main_window()) or None,
                         'the published topic in the tree', labels_of(app))

        # 1c. The Broker page shows the running broker: its address, the
        #     command to watch it, and live figures.
        press(pyatspi, ord('5'), alt=True)
        check_eventually(tap, 'the Broker page shows the listener and live figures',
                         lambda: {f'127.0.0.1:{port}', 'Connected Clients'}
                         <= label_names(app.main_window()) or None,
                         'the live Broker page', labels_of(app))

        # 1c'. The Stored State rows: durable mode (the default without a
        #      configuration file), and after a persistent session is made
        #      and removed (two commits) its size and last commit.
        for clean in ([], ['-c']):
            subprocess.run(['mosquitto_sub', '-h', '127.0.0.1', '-p', str(port), '-q', '1',
                            '-i', 'guitest-store', '-t', 'guitest/store', '-E'] + clean,
                           check=True, timeout=TIMEOUT)
        commit_re = re.compile(r'^\d\d:\d\d:\d\d, took \d+\.\d ms$')
        size_re = re.compile(r'^[\d.,]+ (bytes|kB|MB)$')

        def store_shown():
            names = label_names(app.main_window())
            return ({'Stored State', 'Durable: a message is acknowledged once it is on disk',
                     'Writing normally'} <= names
                    and any(commit_re.match(n) for n in names)
                    and any(size_re.match(n) for n in names)) or None
        try:
            wait_for(store_shown, 'the stored state on the Broker page')
            tap.check(True, 'the Broker page shows the durable store, its size and last commit')
        except TimeoutError as e:
            tap.check(False, 'the Broker page shows the durable store, its size and last commit',
                      f'{e}; labels: {sorted(label_names(app.main_window()))}')

        # 1d. The publish panel: a retained message typed into it (topic, Tab,
        #     payload, Alt+R for Retain, Ctrl+Enter) reaches mosquitto_sub.
        try:
            from gi.repository import Atspi
            button = wait_for(lambda: next((a for a in walk(app.main_window())
                                            if a.name == 'Publish a message'
                                            and a.getRoleName() in ('push button', 'toggle button')
                                            and a.queryAction().nActions > 0), None),
                              'the Publish button')
            click(button)
            wait_for(lambda: next((a for a in walk(app.node) if a.name == 'Payload'), None),
                     'the publish panel')
            Atspi.generate_keyboard_event(0, 'guitest/relay/k3', Atspi.KeySynthType.STRING)
            press(pyatspi, 0xff09)                      # Tab to the payload
            Atspi.generate_keyboard_event(0, 'ON', Atspi.KeySynthType.STRING)
            press(pyatspi, ord('r'), alt=True)          # _Retain
            press(pyatspi, 0xff0d, ctrl=True)           # Ctrl+Enter sends
            got = subprocess.run(['mosquitto_sub', '-h', '127.0.0.1', '-p', str(port),
                                  '-t', 'guitest/relay/k3', '-C', '1', '-W', str(int(TIMEOUT)), '-v'],
                                 capture_output=True, text=True, timeout=TIMEOUT + 5).stdout.strip()
            tap.check(got == 'guitest/relay/k3 ON',
                      'the publish panel delivers a retained message that mosquitto_sub receives',
                      f'mosquitto_sub printed: {got!r}')
            press(pyatspi, 0xff1b)                      # Escape closes the panel
            wait_for(lambda: not any(a.name == 'Payload'
                                     and a.getState().contains(pyatspi.STATE_SHOWING)
                                     for a in walk(app.node)) or None,
                     'the publish panel to close')
        except (TimeoutError, subprocess.TimeoutExpired) as e:
            tap.check(False, 'the publish panel delivers a retained message that mosquitto_sub receives', e)

        # 1e. The filter: a topic filter with wildcards lists the matching
        #     topics flat, by their whole name, with their values.
        press(pyatspi, ord('1'), alt=True)
        try:
            from gi.repository import Atspi
            entry = wait_for(lambda: find(app.main_window(), 'text', 'Filter topics')
                             or next((a for a in walk(app.main_window())
                                      if a.name == 'Filter topics'), None), 'the filter entry')
            press(pyatspi, ord('f'), ctrl=True)     # Ctrl+F: the filter
            wait_for(lambda: entry.getState().contains(pyatspi.STATE_FOCUSED) or None,
                     'the focus in the filter entry')
            Atspi.generate_keyboard_event(0, 'guitest/+/k3', Atspi.KeySynthType.STRING)
            wait_for(lambda: {'guitest/relay/k3', 'ON'} <= label_names(app.main_window())
                     and 'guitest/line1/temperature' not in label_names(app.main_window())
                     or None, 'the flat list of matches')
            tap.check(True, 'the filter guitest/+/k3 lists guitest/relay/k3 alone, with its value')
        except TimeoutError as e:
            tap.check(False, 'the filter guitest/+/k3 lists guitest/relay/k3 alone, with its value',
                      f'{e}; labels: {sorted(label_names(app.main_window()))}')

        # 1f. Delete retained from the context menu (right click on the row),
        #     confirmed in a dialog: the broker forgets the message; Undo in
        #     the toast publishes it back.
        try:
            wait_for(lambda: next((a for a in walk(app.main_window())
                                   if a.getRoleName() == 'label'
                                   and a.name == 'guitest/relay/k3'), None), 'the k3 row')
            press(pyatspi, 0xff09)                  # Tab: from the filter to the row
            press(pyatspi, 0xff67)                  # Menu: the row's context menu
            item = wait_for(lambda: next((a for a in walk(app.node)
                                          if a.getRoleName() == 'menu item'
                                          and a.name == 'Delete Retained Message…'
                                          and a.getState().contains(pyatspi.STATE_SENSITIVE)), None),
                            'the context menu')
            click(item)
            delete = wait_for(lambda: next((a for a in walk(app.node)
                                            if a.getRoleName() == 'push button'
                                            # GTK 4.8 names it after its label twice
                                            and a.name.split()[-1:] == ['Delete']), None),
                             'the confirmation')
            click(delete)
            wait_for(lambda: retained_payloads(port, 'guitest/#').get('guitest/relay/k3', 'gone')
                     == 'gone' or None, 'the retained message to go')
            tap.check(True, 'delete retained (context menu, confirmed) clears it on the broker')
            undo = wait_for(lambda: next((a for a in walk(app.node)
                                          if a.getRoleName() == 'push button'
                                          and a.name.split()[-1:] == ['Undo']), None),
                           'the Undo toast')
            click(undo)
            wait_for(lambda: retained_payloads(port, 'guitest/#').get('guitest/relay/k3') == 'ON'
                     or None, 'the retained message back')
            tap.check(True, 'Undo publishes the deleted retained message back')
        except TimeoutError as e:
            tap.check(False, 'delete retained from the context menu, then Undo',
                      f'{e}; names: {sorted(a.name for a in walk(app.node) if a.name)[:80]}')

        # 1g. Selecting the row opens the inspector on it: the topic, its
        #     payload and the last messages (from memory, then the history).
        try:
            press(pyatspi, ord('f'), ctrl=True)
            press(pyatspi, 0xff09)                  # Tab to the row
            press(pyatspi, 0xff54)                  # Down, Up: select it
            press(pyatspi, 0xff52)
            inspector = wait_for(lambda: next((a for a in walk(app.main_window())
                                               if a.name == 'Topic inspector'), None),
                                 'the inspector')
            wait_for(lambda: {'guitest/relay/k3', 'Last Messages'} <= label_names(inspector)
                     or None, 'the inspector on guitest/relay/k3')
            texts = [a.queryText().getText(0, -1) for a in walk(inspector)
                     if a.getRoleName() in ('text', 'label') and 'Text' in a.get_interfaces()]
            tap.check('ON' in texts or 'ON' in label_names(inspector),
                      'selecting a topic shows it in the inspector with its payload',
                      f'texts: {texts[:20]}')
        except TimeoutError as e:
            tap.check(False, 'selecting a topic shows it in the inspector with its payload',
                      f'{e}; names: {sorted(a.name for a in walk(app.main_window()) if a.name)[:80]}')
        missing = unnamed_controls(pyatspi, app.main_window())
        tap.check(not missing, 'every control of the Topics page, inspector open, has a name',
                  f'unnamed: {missing}')
        press(pyatspi, ord('f'), ctrl=True)
        press(pyatspi, 0xff1b)                      # Escape in the entry clears the filter

        # 2. Keyboard: Alt+3 shows Alarms.
        press(pyatspi, ord('3'), alt=True)
        try:
            wait_for(lambda: app.selected_page() == 'Alarms', 'Alarms after Alt+3')
            tap.check(True, 'Alt+3 switches to Alarms')
        except TimeoutError as e:
            tap.check(False, 'Alt+3 switches to Alarms', f'{e}; selected: {app.selected_page()}')

        # 3. Pointer: clicking the Relays tab shows Relays.
        click(next(t for t in app.tabs() if t.name == 'Relays'))
        try:
            wait_for(lambda: app.selected_page() == 'Relays', 'Relays after a click')
            tap.check(True, 'clicking the Relays tab switches to Relays')
        except TimeoutError as e:
            tap.check(False, 'clicking the Relays tab switches to Relays', e)

        # 4. The primary menu.
        # GtkMenuButton is a button around the toggle button that clicks.
        menu_button = next(a for a in walk(app.main_window())
                           if a.getRoleName() == 'push button' and a.name == 'Main Menu'
                           and a.queryAction().nActions > 0)
        click(menu_button)
        try:
            items = wait_for(lambda: [a.name for a in walk(app.node)
                                      if a.getRoleName() in ('menu item', 'check menu item')
                                      and not a.name.startswith(('Copy Topic', 'Publish Here',
                                                                 'Delete Retained'))] or None,
                             'the primary menu')
        except TimeoutError:
            items = []
        tap.check(items == MENU_ITEMS,
                  'the primary menu has Demo Plant, Export History…, Preferences, '
                  'Keyboard Shortcuts, About Brokerdesk',
                  f'menu items: {items}')

        # 5. Preferences, from the menu: settings with their defaults.
        click(find(app.node, 'menu item', 'Preferences'))
        try:
            prefs = wait_for(lambda: app.window('Preferences'), 'the Preferences window')
            port = wait_for(lambda: find(prefs, 'spin button', 'Port'), 'the port spin button')
            listen = find(prefs, 'check box', 'Listen on All Interfaces')
            demo = find(prefs, 'check box', 'Run the Demo Plant')
            checked = pyatspi.STATE_CHECKED
            tap.check(port.queryValue().currentValue == 1883
                      and listen is not None and not listen.getState().contains(checked)
                      and demo is not None and demo.getState().contains(checked),
                      'Preferences shows port 1883, loopback only, demo plant on',
                      f'port={port.queryValue().currentValue} listen={listen} demo={demo}')
            # 5b. The Security page: its network listeners, every control named.
            what = 'the Security page offers a certificate for this computer, every control named'
            try:
                click(wait_for(lambda: find(prefs, 'page tab', 'Security'), 'the Security tab'))
                create = wait_for(lambda: next(
                    (a for a in walk(prefs) if a.getRoleName() == 'push button'
                     and 'Create a certificate for this computer' in (a.name or '')
                     and a.getState().contains(pyatspi.STATE_VISIBLE)), None),
                    'the Create a certificate button')
                missing = unnamed_controls(pyatspi, prefs)
                tap.check(create is not None and not missing
                          and 'Network Listeners' in label_names(prefs), what,
                          f'unnamed: {missing}')
            except TimeoutError as e:
                tap.check(False, what, e)
            click(find(prefs, 'push button', 'Close'))
            wait_for(lambda: app.window('Preferences') is None
                     or not app.window('Preferences').getState().contains(pyatspi.STATE_VISIBLE),
                     'Preferences to close')
        except TimeoutError as e:
            tap.check(False, 'Preferences shows port 1883, loopback only, demo plant on', e)

        # 6. Keyboard Shortcuts with Ctrl+? (the accelerator GtkApplication adds).
        press(pyatspi, ord('?'), ctrl=True)
        try:
            shortcuts = wait_for(lambda: next((w for w in app.windows()
                                               if find(w, 'label', 'Close Window')), None),
                                 'the Keyboard Shortcuts window')
            tap.check(True, 'Ctrl+? opens the Keyboard Shortcuts window')
            press(pyatspi, 0xff1b)   # Escape closes it
            wait_for(lambda: shortcuts not in app.windows()
                     or not shortcuts.getState().contains(pyatspi.STATE_VISIBLE),
                     'the Keyboard Shortcuts window to close')
        except TimeoutError as e:
            tap.check(False, 'Ctrl+? opens the Keyboard Shortcuts window', e)

        # 7. About, from the menu: name and version.
        click(menu_button)
        wait_for(lambda: find(app.node, 'menu item', 'About Brokerdesk'), 'the primary menu')
        click(find(app.node, 'menu item', 'About Brokerdesk'))
        try:
            about = wait_for(lambda: next((w for w in app.windows()
                                           if find(w, 'label', 'The Brokerdesk authors')), None),
                             'the About window')
            labels = {a.name for a in walk(about) if a.getRoleName() == 'label'}
            version = os.environ.get('BROKERDESK_VERSION', '')
            tap.check('Brokerdesk' in labels and (not version or version in labels),
                      'About shows the name, version and developers', f'labels: {sorted(labels)}')
            press(pyatspi, 0xff1b)
            wait_for(lambda: about not in app.windows()
                     or not about.getState().contains(pyatspi.STATE_VISIBLE),
                     'the About window to close')
        except TimeoutError as e:
            tap.check(False, 'About shows the name, version and developers', e)

        # 8. Ctrl+Q quits cleanly, and the next start shows the last page.
        # 7b. The demo plant from the main menu (this run started with --no-demo).
        try:
            click(menu_button)
            item = wait_for(lambda: next((a for a in walk(app.node)
                                          if a.getRoleName() in ('menu item', 'check menu item')
                                          and a.name == 'Demo Plant'), None), 'Demo Plant')
            click(item)
            # The tree follows messages while it is shown (a hidden one catches
            # up when shown): show it, and make sure it is shown, since a key
            # pressed while the menu closes may reach nothing.
            click(next(t for t in app.tabs() if t.name == 'Topics'))
            wait_for(lambda: app.selected_page() == 'Topics' or None, 'Topics after a click')
            wait_for(lambda: 'busan' in label_names(app.main_window()) or None,
                     'the demo plant in the tree')
            tap.check(True, 'Demo Plant in the main menu starts the demo plant')
        except TimeoutError as e:
            tap.check(False, 'Demo Plant in the main menu starts the demo plant',
                      f'{e}; labels: {sorted(label_names(app.main_window()))}')
        press(pyatspi, ord('4'), alt=True)          # the page the next start restores

        run.quit_with_ctrl_q()
        # Listening on every interface, which is worth a warning (8c).
        wide_port = free_port()
        app = run.start(args=('--bind', '0.0.0.0', '--port', str(wide_port)))
        tap.check(app.selected_page() == 'Relays', 'the next start shows the last page (Relays)',
                  f'selected: {app.selected_page()}')

        # 8b. The demo plant (on by default) fills the topic tree.
        press(pyatspi, ord('1'), alt=True)
        check_eventually(tap, 'the demo plant fills the topic tree',
                         lambda: 'busan' in label_names(app.main_window()) or None,
                         'the demo plant in the tree', labels_of(app))

        # 8c. The Broker page warns that anyone on the network may connect.
        press(pyatspi, ord('5'), alt=True)
        warning = f'Anyone on the network can connect to 0.0.0.0:{wide_port}'
        check_eventually(tap, 'the Broker page warns of anonymous access on 0.0.0.0',
                         lambda: warning in label_names(app.main_window()) or None,
                         'the anonymous-access warning', labels_of(app))
        # The Topics page was checked in 1g; it is not walked here while the
        # demo plant changes it: GTK 4.8 can crash when an accessibility
        # client reads a widget it is replacing (see KNOWN_GTK_CRITICALS).
        missing = []
        for page in '2345':
            press(pyatspi, ord(page), alt=True)
            wait_for(lambda: app.selected_page() == PAGES[int(page) - 1] or None, f'page {page}')
            missing += [f'{PAGES[int(page) - 1]}: {m}'
                        for m in unnamed_controls(pyatspi, app.main_window())]
        tap.check(not missing, 'every control on the other pages has an accessible name',
                  f'unnamed: {missing}')
        run.stop()

        # 9. In Korean, with the built catalogue.
        app = run.start(tempfile.mkdtemp(dir=run.home), korean_env())
        names = [t.name for t in app.tabs()]
        tap.check(names == TABS_KO, 'with LANGUAGE=ko the pages are in Korean',
                  f'page tabs: {names}')

        # 10. Ctrl+W closes the window; the broker outlives it (test-background.py
        #     checks it serves clients), so the process stays.
        press(pyatspi, ord('w'), ctrl=True)
        try:
            wait_for(lambda: not any(w.getRoleName() == 'frame' for w in app.windows()) or None,
                     'the window to close')
            tap.check(app.proc.poll() is None,
                      'Ctrl+W closes the window and the broker keeps running',
                      f'status: {app.proc.poll()}')
        except TimeoutError as e:
            tap.check(False, 'Ctrl+W closes the window and the broker keeps running', e)
        run.stop()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
