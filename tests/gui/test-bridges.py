#!/usr/bin/python3
# test-bridges.py — the Broker page's bridges and the bridge dialog
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs brokerdesk under its own Xvfb and D-Bus session (test-window.py's
# helpers) with --config FILE holding one bridge to a Debian mosquitto the
# test starts on a loopback port, and checks through AT-SPI what an operator
# sees and does: the bridge's row says it is connected, the dialog (every
# control named) tests the upstream and adds a second bridge, the file then
# holds the new lines after the operator's own, untouched, and the new
# bridge forwards a message published locally with mosquitto_pub to a
# subscriber on the upstream; removing a bridge asks first.
# With BD_SCREENSHOT_DIR set, screenshots of the page and the dialog are
# saved there. Every wait polls with a deadline. Output is TAP; 77 skips.

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

_spec = importlib.util.spec_from_file_location(
    'bd_test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)
_spec = importlib.util.spec_from_file_location(
    'bd_test_connections',
    os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-connections.py'))
tc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tc)

SKIP = 77
MOSQUITTO = '/usr/sbin/mosquitto'
ADDRESSES = 'Addresses (host:port, several separated by spaces)'


def outer_main():
    if not os.access(MOSQUITTO, os.X_OK):
        print(f'1..0 # SKIP {MOSQUITTO} is not installed')
        return SKIP
    return tw.outer_main(__file__, tools=('mosquitto_pub',))


def labels(node):
    return [a.name for a in tw.walk(node) if a.getRoleName() == 'label']


def screenshot(name):
    folder = os.environ.get('BD_SCREENSHOT_DIR')
    if folder and shutil.which('import'):
        subprocess.run(['import', '-window', 'root', os.path.join(folder, name)],
                       timeout=tw.TIMEOUT, check=False)


def confirmation(app, name):
    return next((w for w in app.windows()
                 if tw.find(w, 'label', f'Remove the Bridge “{name}”?')), None)


def alert_with(app, text):
    """The visible alert (AdwMessageDialog) one of whose labels holds @text."""
    return next((w for w in app.windows()
                 if w.getState().contains(app.pyatspi.STATE_VISIBLE)
                 and any(text in (a.name or '') for a in tw.walk(w)
                         if a.getRoleName() == 'label')), None)


def set_entry(window, name, value):
    entry = tw.wait_for(lambda: next((a for a in tw.walk(window)
                                      if a.getRoleName() == 'text' and a.name == name), None),
                        f'the entry {name}')
    if not entry.queryEditableText().setTextContents(value):
        raise AssertionError(f'the entry {name} refused “{value}”')


def received_upstream(port, topic_filter, publish):
    """Subscribes on the upstream with paho, waits for the SUBACK, calls
    @publish, and returns the first message's (topic, payload)."""
    import paho.mqtt.client as mqtt
    got, subscribed = [], []
    client = mqtt.Client()
    client.on_message = lambda c, u, m: got.append((m.topic, m.payload.decode()))
    client.on_subscribe = lambda *a: subscribed.append(True)
    client.connect('127.0.0.1', port)
    client.subscribe(topic_filter, qos=1)
    client.loop_start()
    try:
        tw.wait_for(lambda: subscribed, 'the SUBACK upstream')
        publish()
        tw.wait_for(lambda: got, f'a message on {topic_filter} upstream')
        return got[0]
    finally:
        client.loop_stop()
        client.disconnect()


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return SKIP

    home = tempfile.mkdtemp(prefix='brokerdesk-bridges-test-')
    app = None
    upstream = None
    criticals = []
    try:
        upstream = tc.Mosquitto(home, tw.free_port())
        upstream.start()
        port = tw.free_port()
        conf = os.path.join(home, 'brokerdesk.conf')
        original = (f'# the plant broker\nlistener {port} 127.0.0.1\nallow_anonymous true\n\n'
                    f'connection site\naddress 127.0.0.1:{upstream.port}\n'
                    '# readings go up\ntopic plant/# out 1\n')
        with open(conf, 'w') as f:
            f.write(original)

        app = tw.App(pyatspi, home, args=('--no-demo', '--port', str(port), '--config', conf))
        tw.press(pyatspi, ord('5'), alt=True)
        connected = f'Connected to 127.0.0.1:{upstream.port}'

        # 1. The configured bridge shows as connected, with its figures.
        try:
            tw.wait_for(lambda: connected in labels(app.main_window()), 'the bridge connected')
            shown = labels(app.main_window())
            tap.check('site' in shown and 'Round Trip' in shown and 'Messages per Second' in shown,
                      'the configured bridge is shown connected, with its figures',
                      f'labels: {shown}')
        except TimeoutError as e:
            tap.check(False, 'the configured bridge is shown connected, with its figures',
                      f'{e}; labels: {labels(app.main_window())}')
        topic = received_upstream(upstream.port, 'plant/#', lambda: subprocess.run(
            ['mosquitto_pub', '-p', str(port), '-q', '1', '-t', 'plant/oven/temp', '-m', '71.5'],
            check=True, timeout=tw.TIMEOUT))
        tap.check(topic == ('plant/oven/temp', '71.5'), 'the configured bridge forwards upstream',
                  str(topic))
        screenshot('bridges-page.png')

        # 2. The dialog: every control named; the test says what mosquitto supports.
        tw.click(tw.wait_for(lambda: tw.find(app.main_window(), 'push button', 'Add Bridge…'),
                             'the Add Bridge button'))
        dialog = tw.wait_for(lambda: app.window('Add Bridge'), 'the dialog')
        missing = tw.unnamed_controls(pyatspi, dialog)
        tap.check(not missing, 'every control of the bridge dialog has an accessible name',
                  '\n'.join(missing))
        set_entry(dialog, 'Name', 'edge')
        set_entry(dialog, 'Topic Pattern', 'line/#')
        set_entry(dialog, 'Remote Prefix', 'site2/')
        # Nobody listens there: the test says why it failed.
        closed = tw.free_port()
        set_entry(dialog, ADDRESSES, f'127.0.0.1:{closed}')
        tw.click(tw.find(dialog, 'push button', 'Test Connection'))
        try:
            result = tw.wait_for(lambda: next((n for n in labels(dialog)
                                               if n.startswith('Could not connect: ')), None),
                                 'the failed test\'s answer')
            tap.check(f'127.0.0.1:{closed}' in result, 'Test Connection says why it failed', result)
        except TimeoutError as e:
            tap.check(False, 'Test Connection says why it failed', f'{e}; labels: {labels(dialog)}')
        set_entry(dialog, ADDRESSES, f'127.0.0.1:{upstream.port}')
        tw.wait_for(lambda: tw.find(dialog, 'push button', 'Test Connection').getState().contains(
            pyatspi.STATE_SENSITIVE) or None, 'the test button again')
        tw.click(tw.find(dialog, 'push button', 'Test Connection'))
        try:
            result = tw.wait_for(lambda: next((n for n in labels(dialog)
                                               if n.startswith('Connected: ')), None),
                                 'the test\'s answer')
            tap.check(result.startswith('Connected: MQTT 5, maximum QoS 2, retained messages '
                                        'available'),
                      'Test Connection reports what the upstream supports', result)
        except TimeoutError as e:
            tap.check(False, 'Test Connection reports what the upstream supports',
                      f'{e}; labels: {labels(dialog)}')
        screenshot('bridge-dialog.png')

        # 3. Saved: the operator's lines as they were, the new block after them.
        # GTK 4.8 names a mnemonic button "_Save Save".
        tw.click(next(a for a in tw.walk(dialog) if a.getRoleName() == 'push button'
                      and a.name.split()[-1:] == ['Save']))
        block = (f'connection edge\naddress 127.0.0.1:{upstream.port}\n'
                 'topic line/# out 0 "" site2/\nbridge_protocol_version mqttv50\n')
        try:
            tw.wait_for(lambda: 'connection edge' in open(conf).read(), 'the file saved')
            text = open(conf).read()
            tap.check(text == original + '\n' + block,
                      'the new bridge\'s lines follow the file\'s own, which are untouched', text)
        except TimeoutError as e:
            tap.check(False, 'the new bridge\'s lines follow the file\'s own, which are untouched',
                      f'{e}; labels: {labels(dialog)}')

        # 4. The service started it: connected, and forwarding with the prefix.
        try:
            tw.wait_for(lambda: labels(app.main_window()).count(connected) == 2,
                        'both bridges connected')
            tap.check(True, 'the new bridge is shown connected')
        except TimeoutError as e:
            tap.check(False, 'the new bridge is shown connected',
                      f'{e}; labels: {labels(app.main_window())}')
        topic = received_upstream(upstream.port, 'site2/#', lambda: subprocess.run(
            ['mosquitto_pub', '-p', str(port), '-t', 'line/4/speed', '-m', '1200'],
            check=True, timeout=tw.TIMEOUT))
        tap.check(topic == ('site2/line/4/speed', '1200'),
                  'the new bridge forwards a local message to the upstream, with its prefix',
                  str(topic))
        screenshot('bridges-two.png')

        # 4b. Quitting asks first and names the bridges that would stop; their
        #     own connections to this broker are not counted as devices.
        tw.press(pyatspi, ord('q'), ctrl=True)
        stops = 'Quitting stops the bridges “site”, “edge”'
        try:
            alert = tw.wait_for(lambda: alert_with(app, stops), 'the quit confirmation')
            body = [a.name for a in tw.walk(alert) if a.getRoleName() == 'label']
            tap.check(not any('device' in n for n in body) and app.proc.poll() is None,
                      'quitting with only bridges running asks, naming the bridges and no device',
                      str(body))
            screenshot('bridges-quit.png')
            tw.click(next(a for a in tw.walk(alert) if a.getRoleName() == 'push button'
                          and a.name.replace('_', '').split()[-1:] == ['Cancel']))
            tw.wait_for(lambda: alert_with(app, stops) is None, 'the confirmation to close')
        except TimeoutError as e:
            tap.check(False, 'quitting with only bridges running asks, naming the bridges and '
                      'no device', f'{e}; windows: {[w.name for w in app.windows()]}')

        # 5. Editing the first bridge replaces its lines in place: its comment,
        #    the other lines and the other bridge stay; it connects again.
        tw.click(tw.find(app.main_window(), 'push button', 'Edit the bridge site'))
        dialog = tw.wait_for(lambda: app.window('Edit Bridge'), 'the edit dialog')
        set_entry(dialog, 'Client ID (empty: this computer’s name and the bridge’s)', 'plant-7')
        tw.click(next(a for a in tw.walk(dialog) if a.getRoleName() == 'push button'
                      and a.name.split()[-1:] == ['Save']))
        edited = (f'# the plant broker\nlistener {port} 127.0.0.1\nallow_anonymous true\n\n'
                  f'connection site\naddress 127.0.0.1:{upstream.port}\ntopic plant/# out 1\n'
                  'remote_clientid plant-7\n# readings go up\n\n')
        try:
            tw.wait_for(lambda: 'plant-7' in open(conf).read(), 'the edit saved')
            tap.check(open(conf).read() == edited + block,
                      'an edit replaces the bridge\'s lines in place and keeps every other line',
                      open(conf).read())
        except TimeoutError as e:
            tap.check(False, 'an edit replaces the bridge\'s lines in place and keeps every other '
                      'line', f'{e}; file: {open(conf).read()}')
        # The restarted bridge says so upstream under its new client id
        # (Mosquitto's notification topic, retained).
        state = '$SYS/broker/connection/plant-7/state'
        try:
            got = received_upstream(upstream.port, state, lambda: None)
            tap.check(got == (state, '1'), 'the edited bridge was restarted with its new lines',
                      str(got))
        except TimeoutError as e:
            tap.check(False, 'the edited bridge was restarted with its new lines', str(e))
        topic = received_upstream(upstream.port, 'plant/#', lambda: subprocess.run(
            ['mosquitto_pub', '-p', str(port), '-q', '1', '-t', 'plant/oven/temp', '-m', '72'],
            check=True, timeout=tw.TIMEOUT))
        tap.check(topic == ('plant/oven/temp', '72'), 'the restarted bridge forwards', str(topic))

        # 6. The upstream gone: the rows say when they try again, and why;
        #    back, they connect again.
        upstream.stop()
        try:
            def next_tries():
                found = [n for n in labels(app.main_window()) if n.startswith('Next try at ')]
                # Both bridges, each noticing the loss at its own pace.
                return found if len(found) == 2 else None

            waiting = tw.wait_for(next_tries, 'the next try shown on both rows')
            tap.check(len(waiting) == 2 and all('127.0.0.1' in n for n in waiting),
                      'a bridge whose upstream is gone shows the time of its next try and why',
                      str(waiting))
        except TimeoutError as e:
            tap.check(False, 'a bridge whose upstream is gone shows the time of its next try and why',
                      f'{e}; labels: {labels(app.main_window())}')
        upstream.start()
        try:
            tw.wait_for(lambda: labels(app.main_window()).count(connected) == 2,
                        'both bridges connected again', timeout=40)
            tap.check(True, 'the bridges connect again when the upstream is back')
        except TimeoutError as e:
            tap.check(False, 'the bridges connect again when the upstream is back',
                      f'{e}; labels: {labels(app.main_window())}')

        # 7. Removing asks first, then takes only that block out of the file.
        tw.click(tw.wait_for(lambda: tw.find(app.main_window(), 'push button',
                                             'Remove the bridge edge'), 'the remove button'))
        confirm = tw.wait_for(lambda: confirmation(app, 'edge'), 'the confirmation')
        tap.check('connection edge' in open(conf).read(), 'nothing is removed before the answer')
        tw.click(next(a for a in tw.walk(confirm) if a.getRoleName() == 'push button'
                      and a.name.replace('_', '').split()[-1:] == ['Remove']))
        try:
            tw.wait_for(lambda: 'connection edge' not in open(conf).read(), 'the block to go')
            tw.wait_for(lambda: labels(app.main_window()).count(connected) == 1, 'one row left')
            tap.check(open(conf).read() == edited,
                      'a confirmed removal takes the bridge out of the page and its lines out '
                      'of the file', open(conf).read())
        except TimeoutError as e:
            tap.check(False, 'a confirmed removal takes the bridge out of the page and its lines '
                      'out of the file', f'{e}; file: {open(conf).read()}')

        # 8. Without bridges: the empty state, with its own Add Bridge… button.
        tw.click(tw.find(app.main_window(), 'push button', 'Remove the bridge site'))
        confirm = tw.wait_for(lambda: confirmation(app, 'site'), 'the confirmation')
        tw.click(next(a for a in tw.walk(confirm) if a.getRoleName() == 'push button'
                      and a.name.replace('_', '').split()[-1:] == ['Remove']))
        try:
            tw.wait_for(lambda: 'No Bridges' in labels(app.main_window()), 'the empty state')

            # Read while the removed row's accessible objects may still be
            # going away: a vanished object is read again, not an error.
            def add_buttons():
                return [a for a in tw.walk(app.main_window())
                        if a.getRoleName() == 'push button' and a.name == 'Add Bridge…'
                        and a.getState().contains(pyatspi.STATE_VISIBLE)]
            buttons = tw.wait_for(lambda: add_buttons() or None, 'an Add Bridge… button')
            tap.check(len(buttons) == 1 and open(conf).read() == (
                f'# the plant broker\nlistener {port} 127.0.0.1\nallow_anonymous true\n\n'
                '# readings go up\n\n'),
                      'without bridges the page says so and offers one Add Bridge… button',
                      f'buttons: {len(buttons)}; file: {open(conf).read()}')
        except TimeoutError as e:
            tap.check(False, 'without bridges the page says so and offers one Add Bridge… button',
                      f'{e}; labels: {labels(app.main_window())}')
        screenshot('bridges-none.png')

        app.proc.terminate()
        criticals += app.stop()
        app = None
    except Exception:
        import traceback
        tap.check(False, 'the test ran to its end', traceback.format_exc())
    finally:
        if app is not None:
            criticals += app.stop()
        if upstream is not None:
            upstream.stop()
        shutil.rmtree(home, ignore_errors=True)

    tap.check(not criticals, 'the application logged no critical warning', '\n'.join(criticals))
    tap.print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1' else outer_main())
