#!/usr/bin/python3
# fake-notifications.py — a desktop notification server for tests
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Owns org.freedesktop.Notifications on the session bus (the Desktop
# Notifications Specification, as GNOME Shell implements it) and appends one
# JSON line per call to the file named by its argument: {"call": "Notify",
# "id": N, "summary": ..., "body": ..., "actions": [key, label, ...]} or
# {"call": "CloseNotification", "id": N}. It prints "ready" once it owns the
# name, and runs until killed. A line "invoke ID KEY" on its standard input
# clicks a notification's action, as a person would (the ActionInvoked signal).
# The application under test talks to it through libnotify, as it would to
# GNOME Shell.

import json
import os
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

XML = '''
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
'''


def main():
    out = open(sys.argv[1], 'a', buffering=1)
    next_id = [1]
    loop = GLib.MainLoop()

    def on_call(conn, sender, path, iface, method, params, invocation):
        if method == 'GetCapabilities':
            invocation.return_value(GLib.Variant('(as)', (['body', 'actions'],)))
        elif method == 'GetServerInformation':
            invocation.return_value(GLib.Variant('(ssss)', ('fake', 'brokerdesk-tests', '1', '1.2')))
        elif method == 'Notify':
            app, replaces, icon, summary, body, actions = params.unpack()[:6]
            nid = replaces or next_id[0]
            if not replaces:
                next_id[0] += 1
            out.write(json.dumps({'call': 'Notify', 'id': nid, 'app': app,
                                  'summary': summary, 'body': body,
                                  'actions': list(actions)}) + '\n')
            invocation.return_value(GLib.Variant('(u)', (nid,)))
        elif method == 'CloseNotification':
            (nid,) = params.unpack()
            out.write(json.dumps({'call': 'CloseNotification', 'id': nid}) + '\n')
            conn.emit_signal(None, path, iface, 'NotificationClosed', GLib.Variant('(uu)', (nid, 3)))
            invocation.return_value(None)

    pending = bytearray()

    def on_input(channel, condition, conn):
        # Raw reads, split here: a buffered readline would keep a second
        # command that arrived with the first until more input came.
        data = os.read(sys.stdin.fileno(), 4096) if condition & GLib.IO_IN else b''
        if not data:
            return False  # end of input: no more clicks, keep serving
        pending.extend(data)
        while b'\n' in pending:
            line, _, rest = bytes(pending).partition(b'\n')
            pending[:] = rest
            words = line.decode(errors='replace').split()
            if len(words) == 3 and words[0] == 'invoke':
                conn.emit_signal(None, '/org/freedesktop/Notifications',
                                 'org.freedesktop.Notifications', 'ActionInvoked',
                                 GLib.Variant('(us)', (int(words[1]), words[2])))
                conn.flush_sync(None)
                try:
                    print('invoked', flush=True)
                except BrokenPipeError:
                    pass  # a test that does not read the replies

        return True

    def on_bus(conn, name):
        info = Gio.DBusNodeInfo.new_for_xml(XML)
        conn.register_object('/org/freedesktop/Notifications', info.interfaces[0], on_call)
        if sys.stdin is not None:
            GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                              GLib.IO_IN | GLib.IO_HUP, on_input, conn)

    def on_name(conn, name):
        print('ready', flush=True)

    Gio.bus_own_name(Gio.BusType.SESSION, 'org.freedesktop.Notifications',
                     Gio.BusNameOwnerFlags.NONE, on_bus, on_name, lambda *a: loop.quit())
    loop.run()


if __name__ == '__main__':
    main()
