#!/usr/bin/python3
# test-overview.py — the Overview page, driven as an operator would
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Through the accessibility tree, with the helpers of test-window.py:
#  - a first start on fresh directories with the demo plant shows the
#    Overview first, with the plant's three areas, their sensors' values
#    and units;
#  - a demo relay switched on the overview is confirmed by the demo device;
#  - a tile hidden from its menu is saved in overview.ini and stays hidden
#    after a restart;
#  - after that restart (demo off, so nothing else publishes), a reading
#    that mosquitto_pub publishes above the Hi limit turns its tile to alarm
#    and shows in the banner;
#  - a topic mosquitto_pub publishes a number on gets a tile with one
#    "Add to Overview" in its menu, saved in overview.ini.
# Every wait polls with a deadline; no fixed sleeps.

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

_spec = importlib.util.spec_from_file_location(
    'test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)
_spec = importlib.util.spec_from_file_location(
    'test_operate', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-operate.py'))
op = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(op)

AREAS = ['Manufacture', 'Assembly', 'Packaging']
RELAY = 'Fan, manufacture'
ALARM_TOPIC = 'busan/factory/assembly/temperature'
NEW_TOPIC = 'guitest/line/spindle_power'
RULES = '''[overview-test-temperature]
name=Temperature
filter=busan/factory/+/temperature
field=
hi=28
deadband=0.5
on-delay=0
off-delay=0
priority=high
stale=0
enabled=true
'''


def showing(pyatspi, node):
    # GTK 4.8 reports VISIBLE for a widget on a page in view and leaves out
    # the ones on the other pages of the view stack.
    return node.getState().contains(pyatspi.STATE_VISIBLE)


def tiles(app, pyatspi, prefix):
    """The showing tiles whose accessible name starts with @prefix. (Charts,
    images, are named after the same labels: "Temperature, last hour: …".)"""
    return [a for a in tw.walk(app.main_window())
            if (a.name or '').startswith(prefix)
            and a.getRoleName() not in ('label', 'image', 'img')
            and showing(pyatspi, a)]


def tile_values(app, pyatspi):
    """The values with their units the showing tiles' names give."""
    return [t.name.split(', ')[1] for t in tiles(app, pyatspi, '') if ', ' in (t.name or '')]


switch_of = op.switch_of
is_on = op.is_on


def inner_main():
    pyatspi, tap = tw.inner_start()
    if pyatspi is None:
        return tw.SKIP

    home = tempfile.mkdtemp(prefix='brokerdesk-overview-test-')
    app = None
    criticals = []
    try:
        # A Hi limit without on-delay, so one reading raises the alarm.
        os.makedirs(os.path.join(home, 'config', 'brokerdesk'))
        with open(os.path.join(home, 'config', 'brokerdesk', 'alarms.ini'), 'w') as f:
            f.write(RULES)
        port = tw.free_port()
        app = tw.App(pyatspi, home, args=('--port', str(port)))

        # 1. The first start shows the Overview with the demo's areas,
        #    values and units. The demo publishes its first round at once,
        #    so they are there about as soon as the window is; the wait is
        #    the usual bound for one thing to appear, counted from the
        #    window. It used to be 10 s from the process's start, which the
        #    accessibility tree alone spent on a slow machine: finding the
        #    window walks it until the page tabs are there, and one walk of
        #    the populated Overview (labels, then tiles) took 3-4 s on a
        #    loaded 2-core machine, so the check failed whenever a first
        #    walk came before the values and the second started after 10 s.
        try:
            def populated():
                labels = tw.label_names(app.main_window())
                # A tile draws its value and says it in its name: "Temperature, 23.4 °C".
                values = tile_values(app, pyatspi)
                return (all(a in labels for a in AREAS)
                        and sum(1 for n in values if n.endswith(' °C')) >= 3
                        and any(n.endswith(' ppm') for n in values)
                        and any(n.endswith(' hPa') for n in values)
                        and labels)
            labels = tw.wait_for(populated, 'three areas with values and units')
            tap.check(app.selected_page() == 'Overview',
                      'a first start with the demo plant shows the Overview, with three areas, '
                      'values and units', f'page: {app.selected_page()}')
            tap.check(len(tiles(app, pyatspi, 'Temperature, ')) == 3,
                      'each area has a Temperature tile named with its value',
                      [t.name for t in tiles(app, pyatspi, 'Temperature, ')])
        except TimeoutError as e:
            tap.check(False, 'a first start with the demo plant shows the Overview, with three '
                      'areas, values and units',
                      f'{e}; labels: {sorted(tw.label_names(app.main_window()))[:80]}; '
                      f'tile values: {tile_values(app, pyatspi)[:40]}')

        # 2. A relay switched on the overview, confirmed by the demo device.
        try:
            switch = tw.wait_for(lambda: switch_of(app, pyatspi, RELAY), 'the relay switch')
            tap.check(not is_on(pyatspi, switch), 'the demo fan starts off on the overview')
            action = switch.queryAction()
            action.doAction(next(i for i in range(action.nActions) if action.getName(i) == 'toggle'))
            tw.wait_for(lambda: is_on(pyatspi, switch_of(app, pyatspi, RELAY)) or None,
                        'the switch on')
            tw.wait_for(lambda: 'On, confirmed' in tw.label_names(app.main_window()) or None,
                        'the confirmed state')
            tap.check(True, 'a relay switched on the overview is confirmed by the demo device')
        except TimeoutError as e:
            tap.check(False, 'a relay switched on the overview is confirmed by the demo device',
                      f'{e}; labels: {sorted(tw.label_names(app.main_window()))[:80]}')

        # 3. Hide the Humidity tile of Manufacture from its menu.
        overview_ini = os.path.join(home, 'config', 'brokerdesk', 'overview.ini')
        try:
            menu = tw.wait_for(lambda: next((a for a in tw.walk(app.main_window())
                                             if a.name == 'Menu of Humidity'
                                             and a.getRoleName() == 'push button'
                                             and a.queryAction().nActions > 0
                                             and showing(pyatspi, a)), None),
                               'the Humidity tile menu')
            tw.click(menu)
            item = tw.wait_for(lambda: next((a for a in tw.walk(app.node)
                                             if a.getRoleName() == 'menu item'
                                             and a.name == 'Hide Tile'
                                             and showing(pyatspi, a)), None), 'Hide Tile')
            tw.click(item)
            tw.wait_for(lambda: len(tiles(app, pyatspi, 'Humidity, ')) == 2 or None,
                        'two Humidity tiles left')
            saved = tw.wait_for(lambda: os.path.exists(overview_ini)
                                and 'hidden=true' in open(overview_ini).read()
                                and open(overview_ini).read(), 'hidden=true in overview.ini')
            group = saved.split('[tile busan/factory/manufacture/humidity]')[1].split('[')[0]
            tap.check('hidden=true' in group, 'Hide Tile hides it and saves that in overview.ini',
                      saved)
        except TimeoutError as e:
            tap.check(False, 'Hide Tile hides it and saves that in overview.ini',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.node) if a.name)[:80]}')

        tw.press(pyatspi, ord('q'), ctrl=True)
        app.proc.wait(timeout=tw.TIMEOUT)
        criticals += app.stop()

        # 4. The next start, without the demo: still hidden; a reading over
        #    the limit turns its tile to alarm and shows in the banner.
        app = tw.App(pyatspi, home, args=('--no-demo', '--port', str(port)))
        try:
            tw.wait_for(lambda: all(a in tw.label_names(app.main_window()) for a in AREAS) or None,
                        'the areas after a restart')
            tw.wait_for(lambda: len(tiles(app, pyatspi, 'Temperature, ')) == 3 or None,
                        'the tiles after a restart')
            tap.check(len(tiles(app, pyatspi, 'Humidity, ')) == 2,
                      'a hidden tile stays hidden after a restart',
                      [t.name for t in tiles(app, pyatspi, 'Humidity, ')])
        except TimeoutError as e:
            tap.check(False, 'a hidden tile stays hidden after a restart', e)
        try:
            subprocess.run(['mosquitto_pub', '-h', '127.0.0.1', '-p', str(port), '-t', ALARM_TOPIC,
                            '-m', '35.5'], check=True, timeout=tw.TIMEOUT)
            tile = tw.wait_for(lambda: next((t for t in tiles(app, pyatspi, 'Temperature, 35.5 °C')
                                             if 'High priority' in t.name), None),
                               'the tile in alarm')
            banner = tw.wait_for(lambda: next((n for n in tw.label_names(app.main_window())
                                               if n.startswith('High priority: Temperature Hi in Assembly')),
                                              None), 'the banner')
            tap.check('35.5 °C' in banner,
                      'a reading above its Hi limit turns its tile to alarm and shows in the banner',
                      f'tile: {tile.name}; banner: {banner}')
        except (TimeoutError, subprocess.TimeoutExpired) as e:
            tap.check(False, 'a reading above its Hi limit turns its tile to alarm and shows in the banner',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.main_window()) if a.name)[:100]}')
        missing = tw.unnamed_controls(pyatspi, app.main_window())
        tap.check(not missing, 'every control of the Overview has an accessible name',
                  f'unnamed: {missing}')

        # 5. Add to Overview: a new sensor topic, from its menu in the tree.
        try:
            op.publish(port, NEW_TOPIC, '1234.5', retain=True)
            op.open_topic_menu(app, pyatspi, NEW_TOPIC)
            tw.click(op.menu_item(app, pyatspi, 'Add to Overview'))
            saved = tw.wait_for(lambda: os.path.exists(overview_ini)
                                and f'[tile {NEW_TOPIC}]' in open(overview_ini).read()
                                and open(overview_ini).read(), 'the new tile in overview.ini')
            tw.press(pyatspi, ord('0'), alt=True)
            tile = tw.wait_for(lambda: next(iter(tiles(app, pyatspi, 'spindle power, 1234.5')), None),
                               'the new tile on the Overview')
            tap.check('[area guitest/line]' in saved,
                      'Add to Overview tiles a numeric topic in its area and saves it',
                      f'tile: {tile.name}; overview.ini: {saved}')
        except (TimeoutError, subprocess.TimeoutExpired) as e:
            tap.check(False, 'Add to Overview tiles a numeric topic in its area and saves it',
                      f'{e}; names: {sorted(a.name for a in tw.walk(app.node) if a.name)[:100]}')
        criticals += app.stop()
        app = None
    except Exception:
        import traceback
        tap.check(False, 'the overview test ran to its end', traceback.format_exc())
    finally:
        if app is not None:
            criticals += app.stop()
        shutil.rmtree(home, ignore_errors=True)

    tap.check(not criticals, 'the application logged no critical warning', '\n'.join(criticals))
    tap.print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(inner_main() if os.environ.get('BD_GUI_TEST_INNER') == '1'
             else tw.outer_main(__file__, ['mosquitto_pub']))
