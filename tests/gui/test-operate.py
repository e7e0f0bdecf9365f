#!/usr/bin/python3
# test-operate.py — charts, alarms and relays, driven as an operator would
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A first start on fresh directories runs the demo plant, which brings its
# relays (its alarm rules are kept out: see below). Through the accessibility tree, as in
# test-window.py (whose helpers this reuses), the test:
#  - charts a demo topic from the topic tree's context menu ("Chart It");
#  - adds an alarm rule from the context menu ("Add Alarm…") on a topic a
#    client nobody here wrote (mosquitto_pub) publishes, crosses its limit,
#    sees the desktop notification (through libnotify, at a notification
#    server on the session bus), acknowledges the alarm, sees the notification
#    withdrawn, and finds the rule in alarms.ini and the transitions in the
#    journal (a real SQLite file);
#  - switches a demo relay: mosquitto_sub receives the command, the demo
#    device answers on its state topic, and the switch is confirmed;
#  - restarts and finds the chart, the rule and the relays again.
# Every wait polls with a deadline; no fixed sleeps.

import importlib.util
import os
import sqlite3
import subprocess
import sys
import time

_spec = importlib.util.spec_from_file_location(
    'test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)

TOPIC = 'busan/factory/manufacture/temperature'
ALARM_TOPIC = 'guitest/oven/temperature'
RELAY = 'Fan, manufacture'


def menu_item(app, pyatspi, name):
    return tw.wait_for(lambda: next((a for a in tw.walk(app.node)
                                     if a.getRoleName() == 'menu item' and a.name == name
                                     and a.getState().contains(pyatspi.STATE_SENSITIVE)), None),
                       f'the menu item {name}')


def is_chart_of(name, topic):
    """A chart's summary names its series ("TOPIC, last hour: …"), after the
    overview's label when it has one ("Temperature (TOPIC), …")."""
    return name.startswith(topic + ',') or f'({topic}),' in name


def open_topic_menu(app, pyatspi, topic):
    """Filters the tree down to @topic and opens its row's context menu."""
    tw.press(pyatspi, ord('1'), alt=True)
    entry = tw.wait_for(lambda: next((a for a in tw.walk(app.main_window())
                                      if a.name == 'Filter topics'), None), 'the filter entry')
    tw.press(pyatspi, ord('f'), ctrl=True)
    tw.wait_for(lambda: entry.getState().contains(pyatspi.STATE_FOCUSED) or None,
                'the focus in the filter entry')
    # Set whole: keys typed while the demo plant keeps the window busy at
    # startup can arrive after the filter's first search has run.
    entry.queryEditableText().setTextContents(topic)
    tw.wait_for(lambda: topic in tw.label_names(app.main_window()) or None, f'the row of {topic}')
    tw.press(pyatspi, 0xff09)                  # Tab: from the filter to the row
    tw.press(pyatspi, 0xff67)                  # Menu: the row's context menu


def set_entry(pyatspi, window, name, value):
    """Sets the text of the entry row named @name through AT-SPI's
    EditableText, as an assistive technology would. (GTK 4.8 does not
    report an entry row's text back, so the saved file is what tells.)"""
    entry = tw.wait_for(lambda: next((a for a in tw.walk(window)
                                      if a.getRoleName() == 'text' and a.name == name), None),
                        f'the entry {name}')
    if not entry.queryEditableText().setTextContents(value):
        raise AssertionError(f'the entry {name} refused “{value}”')


def publish(port, topic, payload, retain=False):
    subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(port), '-t', topic,
                    '-m', payload] + (['-r'] if retain else []),
                   check=True, timeout=tw.TIMEOUT)


def journal_rows(home, kind):
    """The journal's rows of @kind, read from its SQLite file as it is."""
    path = os.path.join(home, 'data', 'brokerdesk', 'journal.db')
    if not os.path.exists(path):
        return []
    db = sqlite3.connect(f'file:{path}?mode=ro', uri=True, timeout=5)
    try:
        return db.execute('SELECT source_id, topic, level, from_state, to_state, value, text '
                          'FROM journal WHERE kind = ? ORDER BY id', (kind,)).fetchall()
    except sqlite3.OperationalError:      # not created yet
        return []
    finally:
        db.close()


class Subscriber:
    """paho (a client nobody here wrote) subscribed to @topic; ready once
    the broker's SUBACK came back, so nothing published after is missed."""

    def __init__(self, port, topic):
        import paho.mqtt.client as mqtt
        self.messages = []
        self.subscribed = False
        self.client = mqtt.Client()
        self.client.on_message = lambda c, u, m: self.messages.append(
            (m.topic, m.payload.decode(errors='replace'), m.qos, m.retain))
        self.client.on_subscribe = lambda *a: setattr(self, 'subscribed', True)
        self.client.connect('127.0.0.1', port)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        tw.wait_for(lambda: self.subscribed, f'the SUBACK for {topic}')

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def notified(path):
    """The calls the fake notification server received, in order."""
    import json
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.endswith('\n')]


def switch_of(app, pyatspi, name):
    return next((a for a in tw.walk(app.main_window())
                 # GTK 4.8 shows a GtkSwitch to AT-SPI as a check box
                 if a.getRoleName() in ('switch', 'toggle button', 'check box') and a.name == name
                 and a.getState().contains(pyatspi.STATE_VISIBLE)), None)


def is_on(pyatspi, node):
    state = node.getState()
    return state.contains(pyatspi.STATE_CHECKED) or state.contains(pyatspi.STATE_PRESSED)


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return tw.SKIP

    sub = None
    with tw.Run(pyatspi, tap, 'brokerdesk-operate-test-', 'the operations test ran to its end') as run:
        home = run.home
        # A notification server on the session bus, so the alarm notifier's
        # libnotify calls land somewhere this test can read.
        notifications = os.path.join(home, 'notifications.jsonl')
        notifier = subprocess.Popen(['/usr/bin/python3', os.path.join(os.path.dirname(
            os.path.abspath(__file__)), 'fake-notifications.py'), notifications],
            stdout=subprocess.PIPE, text=True)

        def stop_notifier():
            notifier.kill()
            notifier.wait()
        run.on_exit(stop_notifier)

        if notifier.stdout.readline().strip() != 'ready':
            raise RuntimeError('the notification server did not start')
        # No alarm rules of the demo's: its first excursion (20 s after the
        # start) would otherwise raise an alarm that the notifier may group
        # with this test's into one summary notification. (The demo's relays
        # still come, as relays.ini does not exist.)
        os.makedirs(os.path.join(home, 'config', 'brokerdesk'))
        with open(os.path.join(home, 'config', 'brokerdesk', 'alarms.ini'), 'w') as f:
            f.write('# no rules yet\n')
        port = tw.free_port()
        app = run.start(args=('--port', str(port)))

        # 1. Chart It: the demo's temperature, from the history, on the
        #    Charts page. The recorder commits about once a second, so the
        #    first attempt may find no numeric value yet and say so; the
        #    operator (and this test) then tries again.
        try:
            chart = None
            deadline = time.monotonic() + tw.TIMEOUT
            while chart is None and time.monotonic() < deadline:
                open_topic_menu(app, pyatspi, TOPIC)
                tw.click(menu_item(app, pyatspi, 'Chart It'))
                chart = tw.wait_for(
                    lambda: next((a for a in tw.walk(app.main_window())
                                  if is_chart_of(a.name, TOPIC)
                                  and a.getRoleName() in ('image', 'img')), None)
                    or ('retry' if any('No numeric values' in (a.name or '')
                                       for a in tw.walk(app.main_window())) else None),
                    'the chart or the "no values yet" toast')
                if chart == 'retry':
                    chart = None
                    tw.wait_for(lambda: not any('No numeric values' in (a.name or '')
                                                for a in tw.walk(app.main_window())) or None,
                                'the toast to go', timeout=15)
            tap.check(chart is not None and app.selected_page() == 'Charts',
                      'Chart It shows the topic\'s chart on the Charts page',
                      f'page: {app.selected_page()}; chart: {chart}')
            # The accessible summary carries real figures from the history.
            summary = tw.wait_for(lambda: 'min' in chart.name and chart.name, 'the chart summary')
            tap.check('max' in summary and 'last' in summary,
                      'the chart summarizes min, max and last value', summary)
        except TimeoutError as e:
            tap.check(False, 'Chart It shows the topic\'s chart on the Charts page',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.main_window()) if a.name)[:80]}')

        # 2. Add Alarm…: a rule on a topic that mosquitto_pub publishes.
        publish(port, ALARM_TOPIC, '21.0', retain=True)
        try:
            open_topic_menu(app, pyatspi, ALARM_TOPIC)
            tw.click(menu_item(app, pyatspi, 'Add Alarm…'))
            editor = tw.wait_for(lambda: app.window('New Alarm Rule'), 'the rule editor')
            set_entry(pyatspi, editor, 'Name', 'Oven')
            set_entry(pyatspi, editor, 'Hi Limit', '30')
            set_entry(pyatspi, editor, 'On-Delay (seconds)', '0')
            save = tw.wait_for(lambda: next((a for a in tw.walk(editor)
                                             if a.getRoleName() == 'push button'
                                             and a.name.split()[-1:] == ['Save']
                                             and a.getState().contains(pyatspi.STATE_SENSITIVE)),
                                            None), 'Save')
            tw.click(save)
            tw.wait_for(lambda: app.window('New Alarm Rule') is None or None, 'the editor to close')
            rules = os.path.join(home, 'config', 'brokerdesk', 'alarms.ini')
            saved = tw.wait_for(lambda: os.path.exists(rules) and 'Oven' in open(rules).read()
                                and open(rules).read(), 'the rule in alarms.ini')
            # The topic came from the menu, the rest from the keyboard.
            tap.check(f'filter={ALARM_TOPIC}' in saved.replace(' ', '')
                      and 'hi=30' in saved.replace(' ', ''),
                      'Add Alarm… opens the rule editor on the topic; the rule is saved in alarms.ini',
                      saved)

            publish(port, ALARM_TOPIC, '35.5')
            ack = tw.wait_for(lambda: next((a for a in tw.walk(app.main_window())
                                            if a.getRoleName() == 'push button'
                                            and a.name.startswith('Acknowledge Oven Hi on '
                                                                  + ALARM_TOPIC)
                                            and a.getState().contains(pyatspi.STATE_SENSITIVE)),
                                           None), 'the alarm with its Acknowledge button')
            labels = ' '.join(tw.label_names(app.main_window()))
            tap.check('35.5' in labels and ALARM_TOPIC in labels,
                      'a value over the limit raises an alarm showing the topic and the value',
                      f'labels: {labels}')
            shown = tw.wait_for(lambda: next((n for n in notified(notifications)
                                              if n['call'] == 'Notify'
                                              and ALARM_TOPIC in n['summary'] + n['body']), None),
                                'the desktop notification')
            tap.check('Oven' in shown['summary'] + shown['body'],
                      'the alarm raises a desktop notification naming the rule and the topic',
                      shown)
            tw.click(ack)
            tw.wait_for(lambda: 'acked' in [r[4] for r in journal_rows(home, 'alarm')] or None,
                        'the acknowledgement in the journal')
            tw.wait_for(lambda: any(n['call'] == 'CloseNotification' and n['id'] == shown['id']
                                    for n in notified(notifications)) or None,
                        'the notification withdrawn on acknowledgement')
            tap.check(True, 'acknowledging the alarm withdraws its notification')
            publish(port, ALARM_TOPIC, '20')
            # unack → acked → normal, each journaled with the topic
            tw.wait_for(lambda: [r[4] for r in journal_rows(home, 'alarm') if r[1] == ALARM_TOPIC]
                        == ['unack', 'acked', 'normal'] or None,
                        'raise, acknowledgement and return in the journal')
            tap.check(True, 'raise, acknowledgement and return are in the journal')
        except (TimeoutError, subprocess.TimeoutExpired) as e:
            tap.check(False, 'an alarm rule added from the topic menu raises and is acknowledged',
                      f'{e}; journal: {journal_rows(home, "alarm")}; names: {sorted(a.name for a in tw.walk(app.node) if a.name)[:100]}')

        # 3. A demo relay: the command reaches a client nobody here wrote,
        #    the demo device answers, and the switch shows the confirmed state.
        try:
            sub = Subscriber(port, 'busan/factory/manufacture/fan/set')
            tw.press(pyatspi, ord('4'), alt=True)
            switch = tw.wait_for(lambda: switch_of(app, pyatspi, RELAY), 'the relay switch')
            tap.check(not is_on(pyatspi, switch), 'the demo fan starts off')
            action = switch.queryAction()
            action.doAction(next(i for i in range(action.nActions) if action.getName(i) == 'toggle'))
            tw.wait_for(lambda: sub.messages, 'the command')
            tap.check(sub.messages[0][:2] == ('busan/factory/manufacture/fan/set', 'ON'),
                      'switching the relay publishes its command (seen by paho)',
                      f'received: {sub.messages}')
            tw.wait_for(lambda: is_on(pyatspi, switch_of(app, pyatspi, RELAY)) or None,
                        'the switch on')
            tw.wait_for(lambda: any('On · since' in n for n in tw.label_names(app.main_window()))
                        or None, 'the confirmed state')
            tw.wait_for(lambda: {'sent', 'confirmed'} <= {r[4] for r in journal_rows(home, 'relay')}
                        or None, 'the command and its confirmation in the journal')
            tap.check(True, 'the device confirms the relay, and the journal logs the command')
        except TimeoutError as e:
            tap.check(False, 'a demo relay is switched and confirmed',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.main_window()) if a.name)[:100]}')
        finally:
            if sub is not None:
                sub.close()

        missing = []
        for page in '234':
            tw.press(pyatspi, ord(page), alt=True)
            tw.wait_for(lambda: app.selected_page() == tw.PAGES[int(page) - 1] or None, f'page {page}')
            missing += [f'{tw.PAGES[int(page) - 1]}: {m}'
                        for m in tw.unnamed_controls(pyatspi, app.main_window())]
        tap.check(not missing, 'every control on Charts, Alarms and Relays has an accessible name',
                  f'unnamed: {missing}')

        run.quit_with_ctrl_q()

        # 4. The next start (demo off now) keeps the chart, the rule and the
        #    relays: they are the user's now, not the demo's.
        app = run.start(args=('--no-demo', '--port', str(port)))
        try:
            tw.press(pyatspi, ord('2'), alt=True)
            tw.wait_for(lambda: any(is_chart_of(a.name, TOPIC) for a in tw.walk(app.main_window())
                                    if a.getRoleName() in ('image', 'img')) or None, 'the chart')
            tw.press(pyatspi, ord('3'), alt=True)
            tw.wait_for(lambda: 'Oven' in tw.label_names(app.main_window()) or None, 'the rule')
            tw.press(pyatspi, ord('4'), alt=True)
            tw.wait_for(lambda: switch_of(app, pyatspi, RELAY), 'the relays')
            tap.check(True, 'after a restart the chart, the rule and the relays are still there')
        except TimeoutError as e:
            tap.check(False, 'after a restart the chart, the rule and the relays are still there',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.main_window()) if a.name)[:100]}')
        run.stop()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1'
             else tw.outer_main(__file__))
