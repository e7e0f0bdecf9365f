#!/usr/bin/python3
# test-flatpak.py — the Flatpak manifest: a supported runtime and the least
# permissions, with portals where they exist
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads flatpak/APP_ID.json and checks what flatpak-builder would only find
# out later, or never: the schema's required keys and their types, a GNOME
# runtime that still gets updates, finish-args limited to what the app needs
# (no direct D-Bus names where a portal serves: notifications, secrets,
# background), and that the manifest, the desktop file and the metainfo name
# the same application. The desktop file and metainfo themselves are validated
# by desktop-file-validate and appstreamcli (data/meson.build). Output is TAP.

import json
import os
import re
import sys

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_ID = 'io.github.brokerdesk.Brokerdesk'
# GNOME keeps the two latest runtimes up to date; 44 to 46 are end of life.
SUPPORTED_RUNTIMES = {'47', '48'}
# What Brokerdesk needs: the network (it is a broker), its display, GPU
# rendering for GTK 4, and X11's shared memory when it falls back to X11.
ALLOWED_FINISH_ARGS = {'--share=network', '--share=ipc', '--socket=wayland',
                       '--socket=fallback-x11', '--device=dri'}
# Served by portals: libnotify 0.8 and GNotification use the Notification
# portal, libsecret the Secret portal, autostart the Background portal.
PORTAL_SERVED = ('org.freedesktop.Notifications', 'org.freedesktop.secrets',
                 'org.gnome.keyring', 'org.freedesktop.portal.')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, detail=''):
        self.n += 1
        print(f'{"ok" if ok else "not ok"} {self.n} - {what}', flush=True)
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines():
                print(f'# {line}')


def main():
    tap = Tap()
    path = os.path.join(SOURCE, 'flatpak', APP_ID + '.json')
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        tap.check(False, 'the manifest is JSON', e)
        print(f'1..{tap.n}')
        return 1
    tap.check(True, 'the manifest is JSON')

    types = {'id': str, 'runtime': str, 'runtime-version': str, 'sdk': str, 'command': str,
             'finish-args': list, 'modules': list}
    wrong = [k for k, t in types.items() if not isinstance(manifest.get(k), t)]
    tap.check(not wrong, 'the required keys are there with their types', f'wrong: {wrong}')
    tap.check(manifest.get('id') == APP_ID and manifest.get('command') == 'brokerdesk',
              f'the manifest builds {APP_ID} and runs brokerdesk',
              f'id={manifest.get("id")} command={manifest.get("command")}')
    tap.check(manifest.get('runtime') == 'org.gnome.Platform'
              and manifest.get('sdk') == 'org.gnome.Sdk'
              and manifest.get('runtime-version') in SUPPORTED_RUNTIMES,
              'a GNOME runtime that is still supported',
              f'{manifest.get("runtime")} {manifest.get("runtime-version")}, '
              f'supported: {sorted(SUPPORTED_RUNTIMES)}')

    args = manifest.get('finish-args', [])
    extra = [a for a in args if a not in ALLOWED_FINISH_ARGS]
    tap.check(not extra, 'finish-args are the least the app needs', f'not needed: {extra}')
    talks = [a for a in args if a.startswith(('--talk-name=', '--own-name='))
             and a.split('=', 1)[1].startswith(PORTAL_SERVED)]
    tap.check(not talks, 'no session service reached directly where a portal serves',
              f'direct: {talks}')
    broad = [a for a in args if re.match(r'--(filesystem=(home|host)|socket=(x11|session-bus|'
                                         r'system-bus)|device=all)$', a)]
    tap.check(not broad, 'no home, host, bus-wide or device-wide access', f'broad: {broad}')
    tap.check(len(args) == len(set(args)), 'no finish-arg twice', f'{args}')

    modules = [m for m in manifest.get('modules', []) if isinstance(m, dict)]
    app = next((m for m in modules if m.get('name') == 'brokerdesk'), None)
    tap.check(app is not None and app.get('buildsystem') == 'meson'
              and all(isinstance(s, dict) and 'type' in s for s in app.get('sources', [])),
              'the last module builds brokerdesk with meson from typed sources',
              f'{app}')
    tap.check(bool(modules) and modules[-1] is app, 'brokerdesk is the last module')

    desktop = os.path.join(SOURCE, 'data', APP_ID + '.desktop.in')
    metainfo = os.path.join(SOURCE, 'data', APP_ID + '.metainfo.xml.in')
    with open(metainfo) as f:
        meta = f.read()
    tap.check(os.path.exists(desktop)
              and f'<id>{APP_ID}</id>' in meta
              and f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in meta,
              'the desktop file and the metainfo name the manifest’s application')
    with open(desktop) as f:
        exec_lines = [l for l in f if l.startswith('Exec=')]
    tap.check(exec_lines and exec_lines[0].split('=', 1)[1].split()[0] == manifest.get('command'),
              'the desktop file runs the manifest’s command', f'{exec_lines}')

    print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
