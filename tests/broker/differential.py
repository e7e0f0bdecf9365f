#!/usr/bin/python3
# differential.py — run the same MQTT scenarios against Brokerdesk and Mosquitto
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A tool run by hand, not part of `meson test`:
#
#   /usr/bin/python3 tests/broker/differential.py [--brokerdesk PATH] [-k SUBSTRING] [-v]
#
# Each scenario starts one Brokerdesk (`brokerdesk --headless --config F`) and
# one Debian Mosquitto (`mosquitto -c F`) with the same small configuration on
# loopback ports, drives both the same way with the raw client (mqttwire) or
# paho-mqtt, and records what the clients observe: CONNACK codes and
# properties, SUBACK/UNSUBACK codes, delivered messages (topic, payload, QoS,
# RETAIN, DUP, properties) in order, and disconnect reasons. Observations that
# differ are printed side by side. Scenarios where the standard allows both
# behaviours carry a note, and their differences are reported as "allowed".
#
# Waits are event driven: a PINGREQ after the packets of interest makes the
# broker's PINGRESP close what it had to send (it writes in order).

import argparse
import os
import re
import sys
import tempfile
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mqttwire as w  # noqa: E402
import brokertest  # noqa: E402

V5_PROP_NAMES = {v: k[5:].lower() for k, v in vars(w).items()
                 if k.startswith("PROP_") and isinstance(v, int)}

# Properties whose value is the server's own choice; shown as present only.
# A Reason String is optional and its text free [MQTT-3.14.2.2.3]: left out.
SERVER_CHOICE = {w.PROP_ASSIGNED_CLIENT_IDENTIFIER}
LEFT_OUT = {w.PROP_REASON_STRING}


def fmt_props(props):
    """Properties sorted by identifier: only the order of the same property
    repeated (User Properties [MQTT-3.3.2-18]) is significant."""
    out = []
    for ident, value in sorted(props, key=lambda p: p[0]):
        if ident in LEFT_OUT:
            continue
        name = V5_PROP_NAMES.get(ident, hex(ident))
        if ident in SERVER_CHOICE:
            value = "<%d chars>" % len(value)
        out.append("%s=%r" % (name, value))
    return "{" + ", ".join(out) + "}" if out else ""


def resolve_alias(c, p):
    """Server Topic Aliases are the server's choice [MQTT-3.3.2-8..12]: the
    PUBLISH is shown with the topic the client resolves, and an alias the
    client could not resolve (or one carried over from an earlier network
    connection [MQTT-3.3.2-7]) is shown as an error."""
    if p.type != w.PUBLISH or c.version != 5:
        return
    aliases = c.__dict__.setdefault("aliases", {})
    alias = p.prop(w.PROP_TOPIC_ALIAS)
    if alias is None:
        return
    p.props = [(i, v) for i, v in p.props if i != w.PROP_TOPIC_ALIAS]
    if p.topic:
        aliases[alias] = p.topic
    elif alias in aliases:
        p.topic = aliases[alias]
    else:
        p.topic = "<UNKNOWN TOPIC ALIAS %d>" % alias


def fmt(p):
    """One received packet as a line; packet identifiers are left out (the
    server chooses them) but their presence shows through QoS."""
    if p is None:
        return "none"
    if p.type == w.CONNACK:
        return "CONNACK rc=0x%02x sp=%d %s" % (p.rc, p.session_present, fmt_props(p.props))
    if p.type == w.PUBLISH:
        return "PUBLISH %s %r q%d%s%s %s" % (p.topic, bytes(p.payload), p.qos,
                                           " retain" if p.retain else "",
                                           " dup" if p.dup else "", fmt_props(p.props))
    if p.type == w.SUBACK:
        return "SUBACK %s %s" % (["0x%02x" % c for c in p.return_codes], fmt_props(p.props))
    if p.type == w.UNSUBACK:
        codes = getattr(p, "reason_codes", None)
        return "UNSUBACK %s %s" % (["0x%02x" % c for c in codes] if codes is not None else "",
                                   fmt_props(p.props))
    if p.type in (w.DISCONNECT, w.PUBACK, w.PUBREC, w.PUBCOMP, w.PUBREL):
        return "%s rc=0x%02x %s" % (p.name, p.rc or 0, fmt_props(p.props))
    return p.name


class Run:
    """What one broker showed in one scenario."""

    def __init__(self, broker):
        self.broker = broker
        self.lines = []
        self.clients = []

    def log(self, who, text):
        self.lines.append("%s: %s" % (who, text))

    def raw(self, version=4):
        c = w.RawClient(self.broker.host, self.broker.port, version=version, timeout=5.0)
        self.clients.append(c)
        return c

    def connect(self, who, client_id, version=4, expect_rc=None, **kw):
        c = self.raw(version)
        ack = c.connect(client_id, expect_rc=expect_rc, **kw)
        self.log(who, fmt(ack))
        return c

    def sub(self, who, c, filters, packet_id=1, **kw):
        ack = c.subscribe(packet_id, filters, **kw)
        self.log(who, fmt(ack))
        return ack

    def drain(self, who, c, ack=True, timeout=5.0, unordered=False):
        """Every packet c gets before the PINGRESP to a PINGREQ sent now;
        QoS 1 and 2 deliveries are acknowledged (ack=True). unordered: the
        standard sets no order (retained messages of several topics), so
        they are logged sorted."""
        if unordered:
            mark = len(self.lines)
            got = self.drain(who, c, ack, timeout)
            self.lines[mark:] = sorted(self.lines[mark:])
            return got
        try:
            c.send(w.pingreq())
        except OSError:
            self.log(who, "(send failed: closed)")
            return []
        got = []
        pending = set()   # PUBREC sent, PUBREL not yet received
        while True:
            try:
                p = c.recv_packet(timeout)
            except w.ConnectionClosed:
                self.log(who, "closed")
                return got
            except AssertionError:
                self.log(who, "(no PINGRESP within %.1f s)" % timeout)
                return got
            resolve_alias(c, p)
            if p.type == w.PINGRESP:
                if not pending:
                    return got
                c.send(w.pingreq())
                continue
            if p.type == w.PUBREL and p.packet_id in pending:
                pending.discard(p.packet_id)
                c.send(w.pubcomp(p.packet_id, 0 if c.version == 5 else None, c.version))
                continue
            self.log(who, fmt(p))
            got.append(p)
            if ack and p.type == w.PUBLISH:
                rc = 0 if c.version == 5 else None
                if p.qos == 1:
                    c.send(w.puback(p.packet_id, rc, c.version))
                elif p.qos == 2:
                    c.send(w.pubrec(p.packet_id, rc, c.version))
                    pending.add(p.packet_id)

    def expect_packet(self, who, c, timeout=5.0):
        try:
            p = c.recv_packet(timeout)
        except w.ConnectionClosed:
            self.log(who, "closed")
            return None
        except AssertionError:
            self.log(who, "(nothing within %.1f s)" % timeout)
            return None
        resolve_alias(c, p)
        self.log(who, fmt(p))
        return p

    def wait_closed(self, who, c, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                p = c.recv_packet(max(deadline - time.monotonic(), 0.001))
            except w.ConnectionClosed:
                self.log(who, "closed")
                return
            except AssertionError:
                self.log(who, "still open after %.1f s" % timeout)
                return
            self.log(who, fmt(p))

    def close(self):
        for c in self.clients:
            c.close()
        self.clients = []


SCENARIOS = []


def scenario(config=(), note=None):
    def deco(fn):
        SCENARIOS.append((fn.__name__, fn, list(config), note))
        return fn
    return deco


def pub(c, topic, payload, qos=0, retain=False, props=None, packet_id=None):
    """Publish and wait until the broker has taken it (QoS 0: a PINGREQ round
    trip after it), so a later drain() of a subscriber sees it."""
    c.publish(topic, payload, qos=qos, retain=retain, props=props,
              packet_id=packet_id if packet_id is not None else (7 if qos else None))
    if qos == 0:
        c.ping()


# ---------------------------------------------------------------- MQTT 3.1.1

@scenario()
def v311_basic(r):
    s = r.connect("sub", "s1")
    r.sub("sub", s, [("b/q0", 0), ("b/q1", 1), ("b/q2", 2), ("b/+/x", 2)])
    p = r.connect("pub", "p1")
    for q in (0, 1, 2):
        pub(p, "b/q%d" % q, b"m%d" % q, q)
        pub(p, "b/q%d" % q, b"m%d-down" % q, 2)
    pub(p, "b/a/x", b"wild", 1)
    r.drain("sub", s)


@scenario()
def v311_retained(r):
    p = r.connect("pub", "p1")
    pub(p, "r/a", b"one", 1, retain=True)
    pub(p, "r/b", b"two", 2, retain=True)
    s = r.connect("sub", "s1")
    r.sub("sub", s, [("r/#", 1)])
    r.drain("sub", s)
    pub(p, "r/a", b"", 0, retain=True)       # clears and is forwarded [MQTT-3.3.1-10]
    pub(p, "r/b", b"live", 1, retain=True)   # forwarded with RETAIN 0 [MQTT-3.3.1-9]
    r.drain("sub", s)
    s2 = r.connect("sub2", "s2")
    r.sub("sub2", s2, [("r/#", 2)])
    r.drain("sub2", s2)


@scenario()
def v311_offline_queue_and_redelivery(r):
    s = r.connect("sub", "off", clean=False)
    r.sub("sub", s, [("o/#", 2)])
    s.disconnect()
    p = r.connect("pub", "p1")
    for q in (0, 1, 2):
        pub(p, "o/%d" % q, b"q%d" % q, q)
    s = r.connect("sub", "off", clean=False)
    got = []
    while True:   # receive without acknowledging
        s.send(w.pingreq())
        pk = s.recv_packet()
        while pk.type != w.PINGRESP:
            r.log("sub", fmt(pk))
            got.append(pk)
            pk = s.recv_packet()
        break
    s.abort()
    s = r.connect("sub again", "off", clean=False)
    r.drain("sub again", s)
    s.disconnect()
    s = r.connect("sub clean", "off", clean=True)


@scenario()
def v311_qos2_pubrel_resend(r):
    s = r.connect("sub", "q2", clean=False)
    r.sub("sub", s, [("q2/#", 2)])
    p = r.connect("pub", "p1")
    pub(p, "q2/x", b"exactly", 2)
    m = s.expect(w.PUBLISH)
    r.log("sub", fmt(m))
    s.send(w.pubrec(m.packet_id))
    r.log("sub", fmt(s.expect(w.PUBREL)))
    s.abort()
    s = r.connect("sub again", "q2", clean=False)
    r.drain("sub again", s, ack=False)
    # inbound duplicate QoS 2 from the publisher, before and after PUBREL
    p.send(w.publish("q2/y", b"dup-in", 2, packet_id=9))
    r.log("pub", fmt(p.expect(w.PUBREC)))
    p.send(w.publish("q2/y", b"dup-in", 2, dup=True, packet_id=9))
    r.log("pub", fmt(p.expect(w.PUBREC)))
    p.send(w.pubrel(9))
    r.log("pub", fmt(p.expect(w.PUBCOMP)))
    r.drain("sub again", s)


@scenario()
def v311_zero_length_client_id(r):
    r.connect("clean0", "", clean=False)
    r.connect("clean1", "", clean=True)


@scenario(note="[MQTT-3.3.5-1] one copy per subscription or one at the maximum QoS: both allowed")
def v311_overlapping(r):
    s = r.connect("sub", "ov")
    r.sub("sub", s, [("ov/#", 0), ("ov/+", 2), ("ov/x", 1)])
    p = r.connect("pub", "p1")
    pub(p, "ov/x", b"o", 2)
    r.drain("sub", s)


@scenario()
def v311_will(r):
    w_ = r.connect("watch", "watch")
    r.sub("watch", w_, [("will/#", 2)])
    a = r.connect("a", "a", will=dict(topic="will/a", payload=b"gone-a", qos=1, retain=True))
    a.disconnect()
    b = r.connect("b", "b", will=dict(topic="will/b", payload=b"gone-b", qos=2))
    b.abort()
    time.sleep(0.3)   # the broker notices the reset asynchronously
    r.drain("watch", w_)
    c = r.connect("c", "c", will=dict(topic="will/c", payload=b"gone-c", qos=0))
    c2 = r.connect("c takeover", "c")
    r.drain("watch", w_)
    s = r.connect("late", "late")
    r.sub("late", s, [("will/#", 1)])
    r.drain("late", s)


@scenario()
def v311_sys_not_matched(r):
    s = r.connect("sub", "sys")
    r.sub("sub", s, [("#", 0), ("+/broker/uptime", 0)])
    r.drain("sub", s)
    r.sub("sub", s, [("$SYS/broker/version", 0)], packet_id=2)
    p = s.expect(w.PUBLISH)
    r.log("sub", "%s retain=%s has a version number: %s" % (
        p.topic, p.retain, re.search(rb"\d+\.\d+", p.payload) is not None))


@scenario()
def v311_session_present(r):
    r.connect("first", "sp", clean=False).disconnect()
    r.connect("second", "sp", clean=False).disconnect()
    r.connect("clean", "sp", clean=True).disconnect()
    r.connect("after clean", "sp", clean=False).disconnect()


@scenario()
def v311_unsubscribe(r):
    s = r.connect("sub", "u")
    r.sub("sub", s, [("u/a", 1)])
    s.send(w.unsubscribe(2, ["u/none", "u/a"]))
    r.expect_packet("sub", s)
    p = r.connect("pub", "p")
    pub(p, "u/a", b"gone", 1)
    r.drain("sub", s)


@scenario()
def v311_empty_retained_not_stored(r):
    p = r.connect("pub", "p")
    pub(p, "e/x", b"", 1, retain=True)   # nothing to clear: not stored [MQTT-3.3.1-11]
    s = r.connect("sub", "s")
    r.sub("sub", s, [("e/#", 1)])
    r.drain("sub", s)


@scenario()
def v311_publish_wildcard(r):
    p = r.connect("pub", "p")
    p.send(w.publish("a/+", b"x"))
    r.wait_closed("pub", p)


@scenario()
def v31_client(r):
    s = r.connect("v31", "v31-client-id-longer-than-23-chars", version=3)
    c = r.connect("v31b", "v31", version=3)
    r.sub("v31b", c, [("v31/#", 2)])
    pub(s, "v31/x", b"x", 2)
    r.drain("v31b", c)


@scenario()
def v311_retained_qos0_stored_downgrade(r):
    p = r.connect("pub", "p")
    pub(p, "rq/2", b"two", 2, retain=True)
    pub(p, "rq/0", b"zero", 0, retain=True)
    s = r.connect("sub", "s")
    r.sub("sub", s, [("rq/#", 1)])
    r.drain("sub", s)
    s.send(w.unsubscribe(2, ["rq/#"]))
    r.expect_packet("sub", s)
    r.sub("sub", s, [("rq/2", 2), ("rq/0", 2)], packet_id=3)
    r.drain("sub", s)


# ---------------------------------------------------------------- MQTT 5

def v5(r, who, cid, **kw):
    return r.connect(who, cid, version=5, **kw)


@scenario(note="server limits in CONNACK are the server's choice")
def v5_connack(r):
    c = v5(r, "plain", "c5")
    c.disconnect()
    v5(r, "assigned", "")
    v5(r, "req info", "ri", props=[(w.PROP_REQUEST_RESPONSE_INFORMATION, 1),
                                   (w.PROP_SESSION_EXPIRY_INTERVAL, 30),
                                   (w.PROP_TOPIC_ALIAS_MAXIMUM, 5),
                                   (w.PROP_RECEIVE_MAXIMUM, 3)])
    v5(r, "assigned clean0", "", clean=False)


@scenario()
def v5_retain_handling(r):
    p = v5(r, "pub", "p")
    pub(p, "rh/x", b"kept", 1, retain=True)
    s = v5(r, "sub", "s")
    for n, rh in enumerate((0, 1, 2)):
        r.sub("sub rh%d first" % rh, s, [("rh%d/#" % rh if False else "rh/#", 1 | (rh << 4))],
              packet_id=10 + n)
        r.drain("sub", s)
        r.sub("sub rh%d again" % rh, s, [("rh/#", 1 | (rh << 4))], packet_id=20 + n)
        r.drain("sub", s)
        s.send(w.unsubscribe(30 + n, ["rh/#"], version=5))
        r.expect_packet("sub", s)


@scenario()
def v5_retain_as_published_and_clear(r):
    s = v5(r, "rap", "rap")
    r.sub("rap", s, [("ra/#", 1 | 0x08)])
    n = v5(r, "plain", "plain")
    r.sub("plain", n, [("ra/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "ra/x", b"r", 1, retain=True)
    pub(p, "ra/x", b"", 1, retain=True)
    r.drain("rap", s)
    r.drain("plain", n)


@scenario()
def v5_session_expiry_queue(r):
    s = v5(r, "sub", "se", clean=True, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("se/#", 2)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 5)])
    s.disconnect()
    p = v5(r, "pub", "p")
    pub(p, "se/1", b"one", 1, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 100),
                                    (w.PROP_USER_PROPERTY, ("k", "v1")),
                                    (w.PROP_USER_PROPERTY, ("k", "v0"))])
    pub(p, "se/2", b"two", 2, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    pub(p, "se/0", b"zero", 0)
    time.sleep(2.1)
    s = v5(r, "sub again", "se", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    got = r.drain("sub again", s)
    s.send(w.disconnect(0, version=5))
    s.close()
    v5(r, "sub clean", "se", clean=True).disconnect()


@scenario()
def v5_session_expiry_zero_clean_false(r):
    s = v5(r, "first", "z", clean=False)
    r.sub("first", s, [("z/#", 1)])
    s.disconnect()
    v5(r, "second", "z", clean=False)


@scenario()
def v5_session_expiry_on_disconnect(r):
    s = v5(r, "a", "d0")
    s.send(w.disconnect(0, version=5, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 30)]))
    r.wait_closed("a", s)
    s = v5(r, "b", "d1", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 30)])
    s.send(w.disconnect(0, version=5, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 0)]))
    r.wait_closed("b", s)
    v5(r, "b again", "d1", clean=False)


@scenario()
def v5_will(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("w5/#", 2)])
    wprops = [(w.PROP_CONTENT_TYPE, "text/plain"), (w.PROP_USER_PROPERTY, ("a", "1")),
              (w.PROP_USER_PROPERTY, ("a", "0")), (w.PROP_RESPONSE_TOPIC, "w5/resp"),
              (w.PROP_CORRELATION_DATA, b"cd"), (w.PROP_PAYLOAD_FORMAT_INDICATOR, 1),
              (w.PROP_MESSAGE_EXPIRY_INTERVAL, 50)]
    a = v5(r, "a", "a", will=dict(topic="w5/a", payload=b"a", qos=1, props=wprops))
    a.send(w.disconnect(0x04, version=5))
    a.close()
    r.drain("watch", watch)
    b = v5(r, "b", "b", will=dict(topic="w5/b", payload=b"b", qos=1))
    b.send(w.disconnect(0x00, version=5))
    b.close()
    r.drain("watch", watch)
    c = v5(r, "c delay", "c", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)],
           will=dict(topic="w5/c", payload=b"c", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 1)]))
    c.abort()
    r.expect_packet("watch", watch, timeout=4.0)
    d = v5(r, "d delay>expiry", "d", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 1)],
           will=dict(topic="w5/d", payload=b"d", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 30)]))
    d.abort()
    r.expect_packet("watch", watch, timeout=4.0)
    e = v5(r, "e delay, reconnect", "e", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)],
           will=dict(topic="w5/e", payload=b"e", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 2)]))
    e.abort()
    time.sleep(0.3)
    v5(r, "e back", "e", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)])
    time.sleep(2.5)
    r.drain("watch", watch)
    f = v5(r, "f delay, new session", "f", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)],
           will=dict(topic="w5/f", payload=b"f", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 5)]))
    f.abort()
    time.sleep(0.3)
    v5(r, "f back clean", "f", clean=True)
    r.drain("watch", watch)


@scenario()
def v5_will_keepalive(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("wk/#", 2)])
    a = v5(r, "a", "a", keepalive=1, will=dict(topic="wk/a", payload=b"ka", qos=1))
    r.expect_packet("watch", watch, timeout=4.0)
    r.wait_closed("a", a, timeout=4.0)


@scenario()
def v5_no_local_shared(r):
    c = v5(r, "self", "self")
    r.sub("self", c, [("nl/#", 1 | 0x04)])
    r.sub("self shared", c, [("$share/g/nl/#", 1 | 0x04)], packet_id=2)
    pub(c, "nl/x", b"own", 1)
    r.drain("self", c)


@scenario()
def v5_topic_alias(r):
    s = v5(r, "sub", "s", props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 2)])
    r.sub("sub", s, [("ta/#", 0)])
    p = v5(r, "pub", "p")
    p.send(w.publish("ta/one", b"1", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("", b"2", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("ta/two", b"3", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("", b"4", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    pub(p, "ta/x", b"5", 1)
    r.drain("sub", s)
    p.send(w.publish("", b"6", version=5, props=[(w.PROP_TOPIC_ALIAS, 2)]))
    r.wait_closed("pub", p)


@scenario()
def v5_topic_alias_retained(r):
    p = v5(r, "pub", "p")
    p.send(w.publish("tar/one", b"1", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    pub(p, "", b"kept", 1, retain=True, props=[(w.PROP_TOPIC_ALIAS, 1)])
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("tar/#", 1)])
    r.drain("sub", s)


@scenario()
def v5_sys_and_shared(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/sh/#", 1)])
    b = v5(r, "b", "b")
    r.sub("b", b, [("$share/g/sh/#", 1)])
    c = v5(r, "c", "c")
    r.sub("c", c, [("$share/h/sh/#", 1), ("sh/#", 0)])
    p = v5(r, "pub", "p")
    for i in range(4):
        pub(p, "sh/%d" % i, b"%d" % i, 1)
    pa = r.drain("a", a)
    pb = r.drain("b", b)
    r.log("a+b", "%d messages" % (len(pa) + len(pb)))
    r.drain("c", c)


@scenario()
def v5_shared_retained(r):
    p = v5(r, "pub", "p")
    pub(p, "shr/x", b"kept", 1, retain=True)
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/shr/#", 1)])
    r.drain("a", a)


@scenario()
def v5_shared_invalid(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g", 1), ("$share//x", 1), ("$share/g+/x", 1)])
    r.drain("a", a)


@scenario(note="several copies or one with all identifiers: both allowed [MQTT-3.3.4-3..5]")
def v5_subscription_identifiers(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("si/#", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 1)])
    r.sub("sub", s, [("si/+", 2)], packet_id=2, props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 268435455)])
    r.sub("sub", s, [("si/x", 0)], packet_id=3)
    p = v5(r, "pub", "p")
    pub(p, "si/x", b"x", 2)
    pub(p, "si/y/z", b"yz", 1)
    r.drain("sub", s)
    r.sub("sub", s, [("si/#", 1)], packet_id=4, props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 0)])
    r.drain("sub", s)


@scenario()
def v5_subscription_identifier_retained(r):
    p = v5(r, "pub", "p")
    pub(p, "sir/x", b"kept", 1, retain=True)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("sir/#", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 42)])
    r.drain("sub", s)


@scenario()
def v5_message_expiry_retained(r):
    p = v5(r, "pub", "p")
    pub(p, "mer/a", b"short", 1, retain=True, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    pub(p, "mer/b", b"long", 1, retain=True, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 100)])
    time.sleep(2.1)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("mer/#", 1)])
    r.drain("sub", s, unordered=True)


@scenario()
def v5_request_response_props(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("rr/#", 2)])
    p = v5(r, "pub", "p")
    props = [(w.PROP_RESPONSE_TOPIC, "rr/reply"), (w.PROP_CORRELATION_DATA, b"\x00\x01"),
             (w.PROP_USER_PROPERTY, ("z", "1")), (w.PROP_USER_PROPERTY, ("a", "2")),
             (w.PROP_USER_PROPERTY, ("z", "0")), (w.PROP_CONTENT_TYPE, "app/x"),
             (w.PROP_PAYLOAD_FORMAT_INDICATOR, 1)]
    for q in (0, 1, 2):
        pub(p, "rr/q", b"req", q, props=props)
    r.drain("sub", s)
    v4 = r.connect("v311 sub", "v4")
    r.sub("v311 sub", v4, [("rr/#", 1)])
    pub(p, "rr/q", b"to-v311", 1, props=props)
    r.drain("v311 sub", v4)


@scenario()
def v5_receive_maximum(r):
    s = v5(r, "sub", "s", props=[(w.PROP_RECEIVE_MAXIMUM, 2)])
    r.sub("sub", s, [("rm/#", 1)])
    p = v5(r, "pub", "p")
    for i in range(4):
        pub(p, "rm/x", b"%d" % i, 1)
    got = r.drain("sub", s, ack=False)
    for m in got:
        s.send(w.puback(m.packet_id, 0, version=5))
    r.drain("sub", s)


@scenario()
def v5_client_maximum_packet_size(r):
    s = v5(r, "sub", "s", props=[(w.PROP_MAXIMUM_PACKET_SIZE, 64)])
    r.sub("sub", s, [("mp/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "mp/big", b"x" * 100, 1)
    pub(p, "mp/small", b"y", 1)
    pub(p, "mp/props", b"z" * 20, 1, props=[(w.PROP_USER_PROPERTY, ("k", "v" * 40))])
    r.drain("sub", s)


@scenario(config=["max_keepalive 10"])
def v5_server_keep_alive(r):
    v5(r, "ka 60", "k1", keepalive=60)
    v5(r, "ka 0", "k2", keepalive=0)
    v5(r, "ka 5", "k3", keepalive=5)
    r.connect("v311 ka 60", "k4", keepalive=60)


@scenario()
def v5_unsubscribe_codes(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("us/a", 1), ("$share/g/us/b", 1)])
    s.send(w.unsubscribe(2, ["us/a", "us/none", "$share/g/us/b", "$share/g/us/a"], version=5))
    r.expect_packet("sub", s)


@scenario(note="an invalid filter: SUBACK 0x8F or DISCONNECT 0x8F/0x82 are both allowed")
def v5_invalid_filters(r):
    s = v5(r, "sub", "s")
    s.send(w.subscribe(1, [("ok/#", 1), ("bad/#/x", 1)], version=5))
    r.expect_packet("sub", s)
    r.wait_closed("sub", s, timeout=1.0)


@scenario()
def v5_publish_wildcard(r):
    p = v5(r, "pub", "p")
    p.send(w.publish("a/#", b"x", version=5))
    r.wait_closed("pub", p)


@scenario()
def v5_qos2_duplicates(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("q2/#", 2)])
    p = v5(r, "pub", "p")
    p.send(w.publish("q2/x", b"once", 2, packet_id=3, version=5))
    r.expect_packet("pub", p)
    p.send(w.publish("q2/x", b"once", 2, dup=True, packet_id=3, version=5))
    r.expect_packet("pub", p)
    p.send(w.pubrel(3, 0, version=5))
    r.expect_packet("pub", p)
    p.send(w.pubrel(3, 0, version=5))
    r.expect_packet("pub", p)
    r.drain("sub", s)


@scenario()
def v5_takeover(r):
    a = v5(r, "first", "tk", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 30)])
    r.sub("first", a, [("tk/#", 1)])
    b = v5(r, "second", "tk", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 30)])
    r.wait_closed("first", a)
    c = v5(r, "third clean", "tk", clean=True)
    r.wait_closed("second", b)


@scenario(config=["max_qos 1"])
def v5_max_qos_config(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("mq/#", 2)])
    p = v5(r, "pub", "p")
    p.send(w.publish("mq/x", b"q2", 2, packet_id=4, version=5))
    r.expect_packet("pub", p)
    r.drain("sub", s)


@scenario()
def v5_disconnect_reasons(r):
    a = v5(r, "a", "a")
    a.send(w.disconnect(0x80, version=5))
    r.wait_closed("a", a)
    b = v5(r, "b", "b")
    b.send(w.publish("x", b"x", version=5, props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 3)]))
    r.wait_closed("b", b)
    c = v5(r, "c", "c")
    c.send(w.publish("x", b"x", qos=1, packet_id=5, version=5, props=[
        (w.PROP_RESPONSE_TOPIC, "a/+")]))
    r.wait_closed("c", c)


@scenario()
def v5_retained_delivery_qos_and_flags(r):
    p = v5(r, "pub", "p")
    pub(p, "rd/x", b"q2", 2, retain=True, props=[(w.PROP_USER_PROPERTY, ("r", "1")),
                                                 (w.PROP_CONTENT_TYPE, "c")])
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("rd/#", 1 | 0x08)])
    r.drain("sub", s)


@scenario()
def v5_empty_retained_forwarded(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("er/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "er/x", b"", 1, retain=True)
    r.drain("sub", s)


@scenario()
def v5_unsubscribe_then_queue(r):
    s = v5(r, "sub", "s", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 30)])
    r.sub("sub", s, [("uq/#", 1), ("uq/a", 2)])
    s.send(w.unsubscribe(2, ["uq/#"], version=5))
    r.expect_packet("sub", s)
    p = v5(r, "pub", "p")
    pub(p, "uq/a", b"a", 2)
    pub(p, "uq/b", b"b", 1)
    r.drain("sub", s)


@scenario()
def v5_request_problem_information(r):
    s = v5(r, "sub", "s", props=[(w.PROP_REQUEST_PROBLEM_INFORMATION, 0)])
    s.send(w.subscribe(1, [("$share/g/x", 1 | 0x04)], version=5))
    r.expect_packet("sub", s)
    r.wait_closed("sub", s, timeout=1.0)


@scenario()
def v5_payload_format_from_will_and_v311(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("pf/#", 1)])
    p = r.connect("v311 pub", "p4")
    pub(p, "pf/x", b"from-v311", 1, retain=True)
    r.drain("sub", s)


@scenario()
def v5_receive_maximum_zero(r):
    c = r.raw(5)
    c.send(w.connect("rm0", version=5, props=[(w.PROP_RECEIVE_MAXIMUM, 0)]))
    r.wait_closed("rm0", c)
    c = r.raw(5)
    c.send(w.connect("mps0", version=5, props=[(w.PROP_MAXIMUM_PACKET_SIZE, 0)]))
    r.wait_closed("mps0", c)


@scenario()
def v5_duplicate_property(r):
    c = r.raw(5)
    c.send(w.connect("dp", version=5, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 1),
                                             (w.PROP_SESSION_EXPIRY_INTERVAL, 2)]))
    r.wait_closed("dup session expiry", c)
    c = v5(r, "pub", "p")
    c.send(w.publish("x", b"x", version=5, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1),
                                                  (w.PROP_MESSAGE_EXPIRY_INTERVAL, 2)]))
    r.wait_closed("dup message expiry", c)


@scenario()
def v5_auth_packet_without_method(r):
    c = v5(r, "c", "c")
    c.send(w.packet(w.AUTH, 0, bytes([0x18]) + w.properties(None)))
    r.wait_closed("auth", c)


@scenario()
def v5_subscribe_no_local_overlap_v311(r):
    # A 3.1.1 SUBSCRIBE with option bits above QoS set is malformed [MQTT-3-8.3-4]
    c = r.connect("v311", "c")
    c.send(w.subscribe(1, [("x/#", 0x04)]))
    r.wait_closed("v311", c)


@scenario()
def v5_server_topic_alias_limits(r):
    s = v5(r, "sub", "s", props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 1)])
    r.sub("sub", s, [("tl/#", 0)])
    p = v5(r, "pub", "p")
    for t in ("tl/a", "tl/b", "tl/a", "tl/a", "tl/c", "tl/b"):
        pub(p, t, t.encode(), 0)
    r.drain("sub", s)


@scenario()
def v5_server_topic_alias_across_reconnect(r):
    s = v5(r, "sub", "tar", props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 5),
                                  (w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("tr/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "tr/a", b"acked", 1)
    r.drain("sub", s)
    pub(p, "tr/a", b"not acked", 1)
    r.drain("sub", s, ack=False)
    s.abort()
    pub(p, "tr/a", b"while away", 1)
    s = v5(r, "sub again", "tar", clean=False, props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 5),
                                                     (w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.drain("sub again", s)
    pub(p, "tr/a", b"live", 1)
    r.drain("sub again", s)
    s.abort()
    pub(p, "tr/a", b"to v5 without aliases", 1)
    s = v5(r, "sub no alias", "tar", clean=False,
           props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.drain("sub no alias", s)


@scenario()
def v5_message_expiry_on_redelivery(r):
    s = v5(r, "sub", "mr", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("mr/#", 2)])
    p = v5(r, "pub", "p")
    pub(p, "mr/1", b"one", 1, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 30)])
    pub(p, "mr/2", b"two", 2, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    r.drain("sub", s, ack=False)
    s.abort()
    time.sleep(2.2)
    s = v5(r, "sub again", "mr", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.drain("sub again", s)


@scenario()
def v5_receive_maximum_on_reconnect(r):
    s = v5(r, "sub", "rr", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("rr/#", 1)])
    p = v5(r, "pub", "p")
    for i in range(4):
        pub(p, "rr/x", b"%d" % i, 1)
    r.drain("sub", s, ack=False)
    s.abort()
    s = v5(r, "sub again rm1", "rr", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60),
                                                        (w.PROP_RECEIVE_MAXIMUM, 1)])
    got = r.drain("sub again rm1", s, ack=False)
    r.log("sub again rm1", "%d before acknowledging" % len(got))
    r.drain("sub again rm1", s)


@scenario(config=["retain_available false"])
def v5_retain_unavailable(r):
    c = v5(r, "c", "c")
    c.send(w.publish("ru/x", b"r", 1, retain=True, packet_id=3, version=5))
    r.wait_closed("c", c)
    d = r.connect("v311", "d")
    d.send(w.publish("ru/x", b"r", 1, retain=True, packet_id=3))
    r.wait_closed("v311", d, timeout=1.0)


@scenario(config=["message_size_limit 10"])
def v5_message_size_limit(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("ms/#", 1)])
    p = v5(r, "pub", "p")
    p.send(w.publish("ms/x", b"x" * 11, 1, packet_id=3, version=5))
    r.expect_packet("pub", p)
    p.send(w.publish("ms/x", b"x" * 11, 2, packet_id=4, version=5))
    r.expect_packet("pub", p)
    p.send(w.publish("ms/x", b"x" * 11, 0, version=5))
    pub(p, "ms/x", b"ok", 1)
    r.drain("sub", s)
    q = r.connect("v311", "q")
    q.send(w.publish("ms/x", b"x" * 11, 1, packet_id=3))
    r.expect_packet("v311", q)


@scenario(config=["max_topic_alias 2"])
def v5_max_topic_alias_config(r):
    p = v5(r, "pub", "p")
    p.send(w.publish("mt/x", b"x", version=5, props=[(w.PROP_TOPIC_ALIAS, 3)]))
    r.wait_closed("pub", p)


@scenario(config=["max_topic_alias 0"])
def v5_max_topic_alias_zero(r):
    p = v5(r, "pub", "p")
    p.send(w.publish("mt/x", b"x", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    r.wait_closed("pub", p)


@scenario(config=["auto_id_prefix dev-"])
def v5_auto_id_prefix(r):
    c = r.raw(5)
    ack = c.connect("", version=5)
    r.log("c", "assigned starts with dev-: %s" % str(
        ack.prop(w.PROP_ASSIGNED_CLIENT_IDENTIFIER, "").startswith("dev-")))


@scenario(config=["allow_zero_length_clientid false"])
def zero_length_clientid_refused(r):
    r.connect("v311", "", clean=True)
    r.connect("v5", "", version=5)


@scenario(config=["listener 1883", "mount_point mp/"])
def mount_point(r):
    s = r.connect("sub", "s")
    r.sub("sub", s, [("t/#", 1), ("#", 0)])
    p = r.connect("pub", "p", will=dict(topic="t/will", payload=b"w"))
    pub(p, "t/a", b"a", 1, retain=True)
    r.drain("sub", s)
    p.abort()
    r.expect_packet("sub", s)
    s2 = r.connect("sub2", "s2")
    r.sub("sub2", s2, [("t/#", 1)])
    r.drain("sub2", s2)
    s5 = v5(r, "sub5", "s5")
    r.sub("sub5", s5, [("$share/g/t/#", 1), ("t/+", 1)])
    s5.send(w.publish("t/b", b"b", 1, packet_id=9, version=5))
    r.drain("sub5", s5)


@scenario(config=["upgrade_outgoing_qos true"])
def upgrade_outgoing_qos(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("uo/#", 2)])
    p = v5(r, "pub", "p")
    pub(p, "uo/x", b"q0", 0)
    pub(p, "uo/x", b"q1", 1)
    r.drain("sub", s)


@scenario(config=["max_queued_messages 2"])
def v5_max_queued(r):
    s = v5(r, "sub", "mq", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("mq/#", 1)])
    s.disconnect()
    p = v5(r, "pub", "p")
    for i in range(4):
        pub(p, "mq/x", b"%d" % i, 1)
    s = v5(r, "sub again", "mq", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.drain("sub again", s)


@scenario()
def wildcard_edges(r):
    s = r.connect("sub", "s")
    r.sub("sub", s, [("+/+", 0), ("/+", 0), ("we/#", 0), ("we/+/#", 0), ("+", 0)])
    p = r.connect("pub", "p")
    for t in ("/we", "we", "we/", "we/a", "we//", "/", "x/y/z"):
        pub(p, t, t.encode(), 0)
    r.drain("sub", s)


@scenario(note="overlapping subscriptions: one copy or one per subscription [MQTT-3.3.4-2]")
def v5_overlapping_no_local_and_rap(r):
    c = v5(r, "c", "c")
    r.sub("c", c, [("ol/#", 1 | 0x04 | 0x08), ("ol/+", 0)])
    c.send(w.publish("ol/x", b"own", 1, retain=True, packet_id=9, version=5))
    r.drain("c", c)
    o = v5(r, "other", "o")
    pub(o, "ol/y", b"other", 1, retain=True)
    r.drain("c", c)


@scenario()
def v5_will_retained_and_expiry(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("wr/#", 1)])
    a = v5(r, "a", "a", will=dict(topic="wr/a", payload=b"gone", qos=1, retain=True,
                                 props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)]))
    a.abort()
    r.expect_packet("watch", watch)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("wr/#", 1)])
    r.drain("sub", s)
    time.sleep(1.5)
    s2 = v5(r, "sub2", "s2")
    r.sub("sub2", s2, [("wr/#", 1)])
    r.drain("sub2", s2)


@scenario()
def v311_redelivery_order_and_new(r):
    s = r.connect("sub", "ro", clean=False)
    r.sub("sub", s, [("ro/#", 2)])
    p = r.connect("pub", "p")
    pub(p, "ro/x", b"1", 1)
    pub(p, "ro/x", b"2", 2)
    r.drain("sub", s, ack=False)
    s.abort()
    pub(p, "ro/x", b"3", 1)
    pub(p, "ro/x", b"4", 0)
    s = r.connect("sub again", "ro", clean=False)
    r.drain("sub again", s)


@scenario()
def v5_message_expiry_zero(r):
    """A Message Expiry Interval of 0 is a lifetime of 0 s [3.3.2.3.3]."""
    live = v5(r, "live", "live")
    r.sub("live", live, [("rz/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "rz/x", b"r", 1, retain=True, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 0)])
    r.drain("live", live)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("rz/#", 1)])
    r.drain("sub", s)


@scenario()
def v5_shared_qos2_member_leaves(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/sq/#", 2)])
    b = v5(r, "b", "b")
    r.sub("b", b, [("$share/g/sq/#", 2)])
    p = v5(r, "pub", "p")
    for i in range(2):
        pub(p, "sq/x", b"%d" % i, 2)
    ga = r.drain("a", a, ack=False)
    gb = r.drain("b", b, ack=False)
    r.log("a+b", "%d messages" % (len(ga) + len(gb)))
    a.abort()
    time.sleep(0.3)
    gb = r.drain("b", b)
    r.log("b", "%d more" % len(gb))



@scenario()
def dollar_topics_from_clients(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("#", 0), ("+/x", 0), ("$share/g/#", 0), ("$share/h/+/x", 0)])
    p = v5(r, "pub", "p")
    pub(p, "$foo/x", b"dollar", 1)
    pub(p, "foo/x", b"plain", 1)
    r.drain("sub", s)
    d = v5(r, "dsub", "d")
    r.sub("dsub", d, [("$foo/#", 0), ("$share/g/$foo/+", 0)])
    pub(p, "$foo/x", b"dollar2", 1)
    r.drain("dsub", d)


@scenario()
def v311_takeover_keeps_inflight(r):
    s = r.connect("first", "tk", clean=False)
    r.sub("first", s, [("tk/#", 2)])
    p = r.connect("pub", "p")
    pub(p, "tk/1", b"one", 1)
    pub(p, "tk/2", b"two", 2)
    r.drain("first", s, ack=False)
    s2 = r.connect("second", "tk", clean=False)
    r.drain("second", s2)
    r.wait_closed("first", s)


@scenario()
def v5_takeover_keeps_inflight(r):
    s = v5(r, "first", "tk", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("first", s, [("tk/#", 2)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 9)])
    p = v5(r, "pub", "p")
    pub(p, "tk/1", b"one", 1)
    pub(p, "tk/2", b"two", 2)
    r.drain("first", s, ack=False)
    s2 = v5(r, "second", "tk", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.drain("second", s2)


@scenario()
def v311_qos2_same_id_before_pubrel(r):
    s = r.connect("sub", "s")
    r.sub("sub", s, [("qi/#", 2)])
    p = r.connect("pub", "p")
    p.send(w.publish("qi/x", b"first", 2, packet_id=5))
    r.expect_packet("pub", p)
    p.send(w.publish("qi/x", b"second", 2, packet_id=5))
    r.expect_packet("pub", p)
    p.send(w.pubrel(5))
    r.expect_packet("pub", p)
    p.send(w.publish("qi/x", b"third", 2, packet_id=5))
    r.expect_packet("pub", p)
    p.send(w.pubrel(5))
    r.expect_packet("pub", p)
    r.drain("sub", s)


@scenario()
def v5_pubrel_unknown_id(r):
    p = v5(r, "pub", "p")
    p.send(w.pubrel(77, 0, version=5))
    r.expect_packet("pub", p)
    p.send(w.puback(78, 0, version=5))
    p.send(w.pubrec(79, 0, version=5))
    r.expect_packet("pub", p, timeout=1.0)


@scenario()
def v5_request_problem_information_zero(r):
    c = v5(r, "c", "c", props=[(w.PROP_REQUEST_PROBLEM_INFORMATION, 0)])
    c.send(w.publish("$SYS/x", b"x", 1, packet_id=3, version=5))
    p = c.recv_packet()
    r.log("c", "%s reason string: %s" % (p.name, p.prop(w.PROP_REASON_STRING) is not None))
    c.send(w.unsubscribe(4, ["none"], version=5))
    p = c.recv_packet()
    r.log("c", "%s %s reason string: %s" % (p.name, p.reason_codes,
                                              p.prop(w.PROP_REASON_STRING) is not None))


@scenario()
def v5_small_client_maximum_packet_size_acks(r):
    c = v5(r, "c", "c", props=[(w.PROP_MAXIMUM_PACKET_SIZE, 12)])
    c.send(w.publish("$SYS/x", b"x", 1, packet_id=3, version=5))
    r.expect_packet("c", c)
    c.send(w.subscribe(4, [("a", 1), ("b", 1)], version=5))
    r.expect_packet("c", c)
    c.send(w.unsubscribe(5, ["none"], version=5))
    r.expect_packet("c", c)


@scenario()
def v5_subscription_identifier_replaced(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("sr/#", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 3)])
    r.sub("sub", s, [("sr/#", 1)], packet_id=2)
    p = v5(r, "pub", "p")
    pub(p, "sr/x", b"x", 1)
    r.drain("sub", s)
    r.sub("sub", s, [("sr/#", 1)], packet_id=3, props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 4)])
    pub(p, "sr/x", b"y", 1)
    r.drain("sub", s)


@scenario()
def v5_will_delay_session_expiry_zero(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("wz/#", 1)])
    a = v5(r, "a", "a", will=dict(topic="wz/a", payload=b"a", qos=1,
                                 props=[(w.PROP_WILL_DELAY_INTERVAL, 30)]))
    a.abort()
    r.expect_packet("watch", watch, timeout=3.0)


@scenario()
def v5_paho_interop_flow(r):
    """paho-mqtt 1.6.1 MQTT 5: retained, user properties, subscription ids."""
    pc = brokertest.PahoClient(r.broker, "paho-sub", version=5)
    try:
        pc.connect(properties=brokertest.props(brokertest.PacketTypes.CONNECT,
                                               SessionExpiryInterval=30))
        opts = brokertest.SubscribeOptions(qos=2, noLocal=True, retainAsPublished=True)
        r.log("paho", "SUBACK %s" % pc.subscribe("pi/#", options=opts, properties=brokertest.props(
            brokertest.PacketTypes.SUBSCRIBE, SubscriptionIdentifier=11)))
        p = v5(r, "pub", "p")
        pub(p, "pi/x", b"hello", 2, retain=True, props=[(w.PROP_USER_PROPERTY, ("b", "2")),
                                                      (w.PROP_USER_PROPERTY, ("a", "1"))])
        pc.publish("pi/own", b"own", 1)
        m = pc.get_message()
        r.log("paho", "message %s %r q%d retain=%d props=%s" % (
            m.topic, m.payload, m.qos, m.retain,
            sorted(m.properties.json().items()) if m.properties else None))
        pc.sync()
        r.log("paho", "left: %d" % len(pc.drain()))
    finally:
        pc.disconnect()



PERSIST = ["persistence true"]


@scenario(config=PERSIST)
def restart_retained_with_properties(r):
    p = v5(r, "pub", "p")
    pub(p, "pr/a", b"a", 2, retain=True, props=[
        (w.PROP_USER_PROPERTY, ("z", "1")), (w.PROP_USER_PROPERTY, ("a", "2")),
        (w.PROP_CONTENT_TYPE, "text/x"), (w.PROP_RESPONSE_TOPIC, "pr/resp"),
        (w.PROP_CORRELATION_DATA, b"\x00c"), (w.PROP_PAYLOAD_FORMAT_INDICATOR, 1),
        (w.PROP_MESSAGE_EXPIRY_INTERVAL, 100)])
    pub(p, "pr/b", b"b", 0, retain=True)
    r.close()
    r.broker.restart()
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("pr/#", 2)])
    r.drain("sub", s, unordered=True)
    s3 = r.connect("v311 sub", "s3")
    r.sub("v311 sub", s3, [("pr/#", 2)])
    r.drain("v311 sub", s3, unordered=True)


@scenario(config=PERSIST)
def restart_session_subscription_options(r):
    s = v5(r, "sub", "so", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)])
    r.sub("sub", s, [("so/nl/#", 1 | 0x04)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 7)])
    r.sub("sub", s, [("so/rap/#", 1 | 0x08 | 0x20)], packet_id=2)
    r.sub("sub", s, [("$share/g/so/sh/#", 2)], packet_id=3)
    s.disconnect()
    p = v5(r, "pub", "p")
    pub(p, "so/nl/x", b"queued", 1, props=[(w.PROP_USER_PROPERTY, ("k", "v")),
                                          (w.PROP_MESSAGE_EXPIRY_INTERVAL, 100)])
    pub(p, "so/sh/x", b"shared", 2)
    r.close()
    r.broker.restart()
    s = v5(r, "sub again", "so", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)])
    r.drain("sub again", s)
    s.send(w.publish("so/nl/own", b"own", 1, packet_id=5, version=5))
    r.drain("sub again", s)
    p = v5(r, "pub", "p")
    pub(p, "so/rap/x", b"rap", 1, retain=True)
    pub(p, "so/nl/y", b"nl", 1)
    pub(p, "so/sh/y", b"shared2", 1)
    r.drain("sub again", s)
    r.sub("sub again", s, [("so/rap/#", 1 | 0x08 | 0x10)], packet_id=9)
    r.drain("sub again", s)


@scenario(config=PERSIST)
def restart_inflight_and_qos2(r):
    s = r.connect("sub", "iq", clean=False)
    r.sub("sub", s, [("iq/#", 2)])
    p = r.connect("pub", "p", clean=False)
    pub(p, "iq/1", b"one", 1)
    pub(p, "iq/2", b"two", 2)
    got = r.drain("sub", s, ack=False)
    for m in got:
        if m.qos == 2:
            s.send(w.pubrec(m.packet_id))
            r.log("sub", fmt(s.expect(w.PUBREL)))
    p.send(w.publish("iq/3", b"three", 2, packet_id=12))
    r.expect_packet("pub", p)
    r.close()
    r.broker.restart()
    p = r.connect("pub again", "p", clean=False)
    p.send(w.publish("iq/3", b"three", 2, packet_id=12, dup=True))
    r.expect_packet("pub again", p)
    p.send(w.pubrel(12))
    r.expect_packet("pub again", p)
    s = r.connect("sub again", "iq", clean=False)
    r.drain("sub again", s)


@scenario(config=PERSIST)
def restart_pending_will(r):
    a = v5(r, "a", "a", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)],
           will=dict(topic="pw/a", payload=b"late", qos=1, retain=True,
                     props=[(w.PROP_WILL_DELAY_INTERVAL, 2)]))
    a.abort()
    time.sleep(0.3)
    r.close()
    r.broker.restart()
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("pw/#", 1)])
    r.expect_packet("watch", watch, timeout=4.0)
    late = v5(r, "late", "late")
    r.sub("late", late, [("pw/#", 1)])
    r.drain("late", late)



@scenario()
def v5_disconnect_with_will_and_delay(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("wd/#", 1)])
    a = v5(r, "a", "a", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)],
           will=dict(topic="wd/a", payload=b"a", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 2)]))
    a.send(w.disconnect(0x04, version=5))
    start = time.monotonic()
    r.expect_packet("watch", watch, timeout=1.0)
    r.expect_packet("watch", watch, timeout=3.0)
    r.log("watch", "after >= 1.5 s: %s" % (time.monotonic() - start >= 1.5))
    b = v5(r, "b", "b", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)],
           will=dict(topic="wd/b", payload=b"b", qos=1, props=[(w.PROP_WILL_DELAY_INTERVAL, 2)]))
    b.send(w.disconnect(0x04, version=5))
    b.close()
    v5(r, "b back", "b", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 10)])
    r.expect_packet("watch", watch, timeout=3.0)


@scenario()
def v5_shared_qos_and_flags(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/sf/#", 1 | 0x08)])
    p = v5(r, "pub", "p")
    pub(p, "sf/x", b"q2 retained", 2, retain=True, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 50)])
    pub(p, "sf/y", b"q0", 0)
    r.drain("a", a)


@scenario()
def v5_shared_member_window_full(r):
    a = v5(r, "a", "a", props=[(w.PROP_RECEIVE_MAXIMUM, 1)])
    r.sub("a", a, [("$share/g/sw/#", 1)])
    b = v5(r, "b", "b", props=[(w.PROP_RECEIVE_MAXIMUM, 1)])
    r.sub("b", b, [("$share/g/sw/#", 1)])
    p = v5(r, "pub", "p")
    for i in range(4):
        pub(p, "sw/x", b"%d" % i, 1)
    ga = r.drain("a", a, ack=False)
    gb = r.drain("b", b, ack=False)
    r.log("a+b", "%d in flight at once" % (len(ga) + len(gb)))
    for m in ga:
        a.send(w.puback(m.packet_id, 0, version=5))
    for m in gb:
        b.send(w.puback(m.packet_id, 0, version=5))
    ga = r.drain("a", a)
    gb = r.drain("b", b)
    r.log("a+b", "%d more" % (len(ga) + len(gb)))


@scenario()
def v5_shared_unsubscribe_with_inflight(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/su/#", 1)])
    b = v5(r, "b", "b")
    r.sub("b", b, [("$share/g/su/#", 1)])
    p = v5(r, "pub", "p")
    pub(p, "su/x", b"0", 1)
    pub(p, "su/x", b"1", 1)
    ga = r.drain("a", a, ack=False)
    a.send(w.unsubscribe(5, ["$share/g/su/#"], version=5))
    r.expect_packet("a", a)
    for m in ga:
        a.send(w.puback(m.packet_id, 0, version=5))
    pub(p, "su/x", b"2", 1)
    pub(p, "su/x", b"3", 1)
    r.drain("a", a)
    r.drain("b", b)


@scenario(note="the same filter twice in one SUBSCRIBE: retained messages once or per filter")
def v311_subscribe_same_filter_twice(r):
    p = r.connect("pub", "p")
    pub(p, "tw/r", b"retained", 2, retain=True)
    s = r.connect("sub", "s")
    r.sub("sub", s, [("tw/#", 0), ("tw/#", 2)])
    r.drain("sub", s)
    pub(p, "tw/x", b"x", 2)
    r.drain("sub", s)
    s.send(w.unsubscribe(2, ["tw/#", "tw/#"]))
    r.expect_packet("sub", s)
    pub(p, "tw/x", b"y", 2)
    r.drain("sub", s)


@scenario()
def v5_will_on_server_disconnect(r):
    watch = v5(r, "watch", "watch")
    r.sub("watch", watch, [("ws/#", 1)])
    a = v5(r, "a", "a", will=dict(topic="ws/a", payload=b"protocol error", qos=1))
    a.send(w.publish("x", b"x", version=5, props=[(w.PROP_TOPIC_ALIAS, 0)]))
    r.wait_closed("a", a)
    r.expect_packet("watch", watch, timeout=3.0)
    b = v5(r, "b", "b", will=dict(topic="ws/b", payload=b"taken over", qos=1))
    v5(r, "b2", "b")
    r.wait_closed("b", b)
    r.expect_packet("watch", watch, timeout=3.0)



@scenario(config=["max_qos 1", "retain_available false"])
def v5_will_beyond_server_limits(r):
    c = r.raw(5)
    c.send(w.connect("wq", version=5, will=dict(topic="wl/q", payload=b"x", qos=2)))
    r.wait_closed("will qos 2", c)
    c = r.raw(5)
    c.send(w.connect("wr", version=5, will=dict(topic="wl/r", payload=b"x", retain=True)))
    r.wait_closed("will retain", c)
    c = r.raw(4)
    c.send(w.connect("wq3", version=4, will=dict(topic="wl/q", payload=b"x", qos=2)))
    r.wait_closed("v311 will qos 2", c)
    s = v5(r, "sub", "s")
    s.send(w.subscribe(1, [("wl/#", 2 | 0x08)], version=5))
    r.expect_packet("sub", s)
    p = r.connect("v311 pub", "p")
    p.send(w.publish("wl/x", b"x", 2, packet_id=3))
    r.wait_closed("v311 pub", p)



@scenario()
def v5_subscribe_option_reserved_bits(r):
    a = v5(r, "rh3", "a")
    a.send(w.subscribe(1, [("so/x", 0x30)], version=5))
    r.wait_closed("rh3", a)
    b = v5(r, "bit6", "b")
    b.send(w.subscribe(1, [("so/x", 0x40)], version=5))
    r.wait_closed("bit6", b)


@scenario()
def v311_shared_subscription(r):
    a = r.connect("a", "a")
    r.sub("a", a, [("$share/g/s3/#", 1)])
    b = r.connect("b", "b")
    r.sub("b", b, [("$share/g/s3/#", 1)])
    p = r.connect("pub", "p")
    for i in range(4):
        pub(p, "s3/x", b"%d" % i, 1)
    ga = r.drain("a", a)
    gb = r.drain("b", b)
    a.send(w.unsubscribe(2, ["$share/g/s3/#"]))
    r.expect_packet("a", a)


@scenario()
def v5_topic_alias_redefine_and_qos(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("tq/#", 2)])
    p = v5(r, "pub", "p")
    pub(p, "tq/a", b"1", 2, props=[(w.PROP_TOPIC_ALIAS, 3)])
    pub(p, "", b"2", 1, props=[(w.PROP_TOPIC_ALIAS, 3)])
    pub(p, "tq/b", b"3", 1, props=[(w.PROP_TOPIC_ALIAS, 3)])
    pub(p, "", b"4", 2, props=[(w.PROP_TOPIC_ALIAS, 3)])
    r.drain("sub", s)
    p.disconnect()
    p = v5(r, "pub again", "p")
    p.send(w.publish("", b"5", version=5, props=[(w.PROP_TOPIC_ALIAS, 3)]))
    r.wait_closed("pub again", p)


@scenario()
def v5_unsubscribe_then_resubscribe_retained(r):
    p = v5(r, "pub", "p")
    pub(p, "ur/x", b"kept", 1, retain=True)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("ur/#", 1 | 0x10)])
    r.drain("sub", s)
    s.send(w.unsubscribe(2, ["ur/#"], version=5))
    r.expect_packet("sub", s)
    r.sub("sub", s, [("ur/#", 1 | 0x10)], packet_id=3)
    r.drain("sub", s)


@scenario()
def v5_session_resumed_retain_handling_1(r):
    p = v5(r, "pub", "p")
    pub(p, "sr1/x", b"kept", 1, retain=True)
    s = v5(r, "sub", "s1", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("sr1/#", 1 | 0x10)])
    r.drain("sub", s)
    s.disconnect()
    s = v5(r, "sub again", "s1", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub again", s, [("sr1/#", 1 | 0x10)])
    r.drain("sub again", s)


@scenario()
def v5_puback_no_subscribers(r):
    p = v5(r, "pub", "p")
    p.send(w.publish("nobody/x", b"x", 1, packet_id=3, version=5))
    r.expect_packet("pub", p)
    p.send(w.publish("nobody/x", b"x", 2, packet_id=4, version=5))
    r.expect_packet("pub", p)
    p.send(w.publish("nobody/x", b"r", 1, retain=True, packet_id=5, version=5))
    r.expect_packet("pub", p)



@scenario()
def v5_queued_beyond_new_maximum_packet_size(r):
    s = v5(r, "sub", "mx", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("mx/#", 1)])
    s.disconnect()
    p = v5(r, "pub", "p")
    pub(p, "mx/a", b"small", 1)
    pub(p, "mx/b", b"x" * 200, 1)
    pub(p, "mx/c", b"small too", 1)
    s = v5(r, "sub again", "mx", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60),
                                                    (w.PROP_MAXIMUM_PACKET_SIZE, 64)])
    r.drain("sub again", s)
    pub(p, "mx/d", b"live", 1)
    r.drain("sub again", s)


@scenario()
def session_v5_resumed_by_v311(r):
    s = v5(r, "v5 sub", "pc", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)])
    r.sub("v5 sub", s, [("pc/#", 1 | 0x04)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 4)])
    s.disconnect()
    p = v5(r, "pub", "p")
    pub(p, "pc/x", b"queued", 1, props=[(w.PROP_USER_PROPERTY, ("k", "v"))])
    s = r.connect("v311 sub", "pc", clean=False)
    r.drain("v311 sub", s)
    s.send(w.publish("pc/own", b"own", 1, packet_id=3))
    r.drain("v311 sub", s)
    s.disconnect()
    pub(p, "pc/y", b"queued again", 1)
    s = v5(r, "v5 again", "pc", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)])
    r.drain("v5 again", s)


@scenario()
def session_v311_resumed_by_v5(r):
    s = r.connect("v311 sub", "cp", clean=False)
    r.sub("v311 sub", s, [("cp/#", 1)])
    s.disconnect()
    p = r.connect("pub", "p")
    pub(p, "cp/x", b"queued", 1)
    s = v5(r, "v5 sub", "cp", clean=False)
    r.drain("v5 sub", s)
    s.disconnect()
    pub(p, "cp/y", b"after v5 left", 1)
    s = r.connect("v311 again", "cp", clean=False)
    r.drain("v311 again", s)



@scenario(config=["sys_interval 1"],
          note="$SYS is not in the standard; names Mosquitto has and Brokerdesk lacks are listed")
def sys_topic_names(r):
    s = r.connect("sub", "sys")
    r.sub("sub", s, [("$SYS/#", 0)])
    names = set()
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        try:
            p = s.recv_packet(max(deadline - time.monotonic(), 0.01))
        except AssertionError:
            break
        if p.type == w.PUBLISH:
            # per-listener and per-bridge names vary with ports and names
            names.add(re.sub(r"\d+", "N", p.topic))
    for n in sorted(names):
        r.log("sys", n)



@scenario(note="overlapping and shared subscriptions in one packet: copies may differ")
def v5_mixed_duplicates_in_one_subscribe(r):
    p = v5(r, "pub", "p")
    pub(p, "md/r", b"kept", 1, retain=True)
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("$share/g/md/#", 1), ("md/#", 0), ("$share/g/md/#", 2), ("$share/h/md/#", 0),
                     ("md/#", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 2)])
    r.drain("sub", s)
    pub(p, "md/x", b"x", 2)
    r.drain("sub", s)
    s.send(w.unsubscribe(2, ["$share/g/md/#", "$share/g/md/#", "md/#"], version=5))
    r.expect_packet("sub", s)
    pub(p, "md/y", b"y", 1)
    r.drain("sub", s)


@scenario()
def own_will_into_own_session(r):
    a = r.connect("a", "self", clean=False)
    r.sub("a", a, [("ow/#", 1)])
    a.disconnect()
    a = r.connect("a again", "self", clean=False, will=dict(topic="ow/self", payload=b"me", qos=1))
    a.abort()
    time.sleep(0.3)
    a = r.connect("a back", "self", clean=False)
    r.drain("a back", a)
    b = r.connect("b", "clean-self", clean=True, will=dict(topic="ow/b", payload=b"b", qos=1))
    r.sub("b", b, [("ow/#", 1)])
    b.abort()
    time.sleep(0.3)
    a2 = r.connect("a2", "self", clean=False)
    r.drain("a2", a2)


@scenario()
def takeover_will_into_taking_session(r):
    a = r.connect("a", "tw", clean=False, will=dict(topic="tw/will", payload=b"old", qos=1))
    r.sub("a", a, [("tw/#", 1)])
    b = r.connect("b clean", "tw", clean=True)
    r.wait_closed("a", a)
    r.drain("b clean", b)
    c = v5(r, "c", "tw5", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)],
           will=dict(topic="tw/will5", payload=b"old5", qos=1))
    r.sub("c", c, [("tw/#", 1)])
    d = v5(r, "d resume", "tw5", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.wait_closed("c", c)
    r.drain("d resume", d)


@scenario()
def rapid_takeovers_with_inflight(r):
    s = v5(r, "first", "rt", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("first", s, [("rt/#", 2), ("$share/g/rt/#", 1)])
    p = v5(r, "pub", "p")
    for i in range(3):
        pub(p, "rt/x", b"%d" % i, 2)
    clients = []
    for i in range(5):
        c = r.raw(5)
        c.send(w.connect("rt", clean=False, version=5,
                         props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60 if i < 4 else 0)]))
        clients.append(c)
    last = clients[-1]
    # the last CONNECT wins; earlier ones may have been answered and closed
    while True:
        pk = last.recv_packet()
        if pk.type == w.CONNACK:
            r.log("last", fmt(pk))
            break
    r.drain("last", last)
    last.disconnect()
    r.broker.check_alive()
    r.log("broker", "alive")



@scenario()
def v5_property_edges(r):
    s = v5(r, "sub", "s")
    r.sub("sub", s, [("pe/#", 1)])
    cases = [
        ("empty user property", [(w.PROP_USER_PROPERTY, ("", ""))]),
        ("empty correlation data", [(w.PROP_CORRELATION_DATA, b"")]),
        ("empty content type", [(w.PROP_CONTENT_TYPE, "")]),
        ("long user property", [(w.PROP_USER_PROPERTY, ("k" * 3000, "v" * 3000))]),
        ("many user properties", [(w.PROP_USER_PROPERTY, ("k%d" % i, "v")) for i in range(200)]),
        ("expiry max", [(w.PROP_MESSAGE_EXPIRY_INTERVAL, 0xFFFFFFFF)]),
    ]
    p = v5(r, "pub", "p")
    for i, (what, props) in enumerate(cases):
        p.send(w.publish("pe/%d" % i, what, 1, packet_id=i + 1, version=5, props=props))
        r.expect_packet("pub " + what, p)
    got = r.drain("sub", s)
    bad = [
        ("empty response topic", [(w.PROP_RESPONSE_TOPIC, "")]),
        ("payload format 2", [(w.PROP_PAYLOAD_FORMAT_INDICATOR, 2)]),
        ("server-only property", [(w.PROP_ASSIGNED_CLIENT_IDENTIFIER, "x")]),
        ("subscription id in SUBSCRIBE x2", None),
    ]
    for what, props in bad:
        c = v5(r, what, "bad")
        if props is None:
            c.send(w.subscribe(1, [("x", 0)], version=5, props=[
                (w.PROP_SUBSCRIPTION_IDENTIFIER, 1), (w.PROP_SUBSCRIPTION_IDENTIFIER, 2)]))
        else:
            c.send(w.publish("pe/bad", b"x", 1, packet_id=1, version=5, props=props))
        r.wait_closed(what, c)
    r.broker.check_alive()



def cli(r, *argv, timeout=10):
    """Run one of Debian's mosquitto clients against the broker; returns
    (status, output lines) with the broker's port left out."""
    import subprocess
    b = r.broker
    try:
        res = subprocess.run([argv[0], "-h", b.host, "-p", str(b.port)] + list(argv[1:]),
                             capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, ["(timed out)"]
    out = (res.stdout + res.stderr).decode("utf-8", "replace").replace(str(b.port), "PORT")
    return res.returncode, out.splitlines()


@scenario()
def cli_retained_tools(r):
    for t in ("cr/a", "cr/b/c", "cr/d"):
        st, out = cli(r, "mosquitto_pub", "-t", t, "-m", t, "-r", "-q", "1")
        r.log("pub " + t, "status %s" % st)
    st, out = cli(r, "mosquitto_sub", "-t", "cr/#", "--retained-only", "-v", "-W", "3")
    r.log("sub --retained-only", "status %s: %s" % (st, sorted(out)))
    st, out = cli(r, "mosquitto_sub", "-t", "cr/b/#", "--remove-retained", "--retained-only",
                  "-W", "3")
    r.log("sub --remove-retained", "status %s: %s" % (st, sorted(out)))
    st, out = cli(r, "mosquitto_sub", "-t", "cr/#", "--retained-only", "-v", "-W", "3")
    r.log("sub --retained-only", "status %s: %s" % (st, sorted(out)))
    st, out = cli(r, "mosquitto_sub", "-V", "5", "-t", "cr/#", "-E", "-D", "subscribe",
                  "subscription-identifier", "7")
    r.log("sub -E", "status %s: %s" % (st, out))


@scenario()
def cli_request_response(r):
    import threading
    resp = v5(r, "responder", "responder")
    r.sub("responder", resp, [("rr/service", 1)])
    def answer():
        try:
            m = resp.expect(w.PUBLISH, 8.0)
            if m.qos:
                resp.send(w.puback(m.packet_id, 0, version=5))
            props = [(w.PROP_CORRELATION_DATA, m.prop(w.PROP_CORRELATION_DATA))] \
                if m.prop(w.PROP_CORRELATION_DATA) is not None else []
            resp.send(w.publish(m.prop(w.PROP_RESPONSE_TOPIC) or "none", b"answer:" + m.payload,
                                version=5, props=props))
        except Exception as e:
            r.log("responder", "failed: %s" % e)
    t = threading.Thread(target=answer)
    t.start()
    st, out = cli(r, "mosquitto_rr", "-t", "rr/service", "-e", "rr/reply", "-m", "ping", "-q", "1",
                  "-W", "5")
    t.join()
    r.log("mosquitto_rr", "status %s: %s" % (st, out))



@scenario()
def retained_wildcard_edges(r):
    p = r.connect("pub", "p")
    topics = ("rw", "rw/", "/rw", "rw//", "rw/a", "rw/a/b", "rw//b", "/", "//", "$rw/a")
    for t in topics:
        pub(p, t, t.encode(), 1, retain=True)
    filters = ("rw/#", "rw/+", "+/+", "/+", "+", "#", "rw/+/#", "+/a/#", "rw//+", "/#", "+/#",
               "$rw/#", "+/+/+")
    for i, f in enumerate(filters):
        s = r.connect("sub " + f, "s%d" % i)
        r.sub("sub " + f, s, [(f, 0)])
        r.drain("sub " + f, s, unordered=True)
        s.disconnect()
        r.clients.remove(s)
    for t in topics:
        pub(p, t, b"", 1, retain=True)



@scenario(note="a soak: only whether the broker survives is compared")
def soak_sessions_and_shared_groups(r):
    soak(r)


@scenario(config=PERSIST, note="a soak: only whether the broker survives is compared")
def soak_with_persistence_and_restart(r):
    soak(r)
    r.close()
    r.broker.restart()
    time.sleep(1.5)
    r.broker.check_alive()
    r.log("broker", "alive after restart")


def soak(r):
    """Clients joining and leaving shared groups, dropping connections with
    messages in flight, taking sessions over and letting them expire, in a
    fixed pseudo-random order; the broker must stay up and exit cleanly
    (run it against a sanitizer build)."""
    import random
    rnd = random.Random(int(os.environ.get("DIFF_SEED", "1234")))
    p = v5(r, "pub", "p")
    live = {}
    for step in range(300):
        cid = "soak%d" % rnd.randrange(8)
        action = rnd.randrange(6)
        try:
            if action == 0 or cid not in live:
                if cid in live:
                    live.pop(cid).abort()
                c = r.raw(5)
                c.send(w.connect(cid, clean=rnd.random() < 0.3, version=5, props=[
                    (w.PROP_SESSION_EXPIRY_INTERVAL, rnd.choice((0, 1, 60))),
                    (w.PROP_RECEIVE_MAXIMUM, rnd.choice((1, 2, 20)))],
                    will=dict(topic="soak/will/" + cid, payload=b"w", qos=1,
                              props=[(w.PROP_WILL_DELAY_INTERVAL, rnd.choice((0, 1)))])))
                live[cid] = c
            elif action == 1:
                c = live[cid]
                f = rnd.choice(("$share/g/soak/#", "$share/h/soak/+", "soak/#", "soak/x"))
                c.send(w.subscribe(rnd.randrange(1, 1000), [(f, rnd.randrange(3)), (f, 1)],
                                   version=5, props=[(w.PROP_SUBSCRIPTION_IDENTIFIER,
                                                      rnd.randrange(1, 5))]))
            elif action == 2:
                live[cid].send(w.unsubscribe(rnd.randrange(1, 1000),
                                             ["$share/g/soak/#", "soak/#"], version=5))
            elif action == 3:
                live.pop(cid).abort()
            elif action == 4:
                live.pop(cid).send(w.disconnect(rnd.choice((0, 4)), version=5))
            else:
                for i in range(3):
                    q = rnd.randrange(3)
                    p.send(w.publish("soak/x", b"m", q, retain=rnd.random() < 0.1,
                                     packet_id=(step * 3 + i) % 60000 + 1, version=5))
        except OSError:
            live.pop(cid, None)
        # acknowledge what the live clients got (QoS 1: PUBACK, QoS 2: PUBREC/PUBCOMP)
        for c in list(live.values()):
            try:
                c.sock.setblocking(False)
                data = c.sock.recv(65536)
                c.sock.setblocking(True)
            except (BlockingIOError, OSError):
                c.sock.setblocking(True)
                continue
            c._buf += data
            while True:
                pk = c._take_packet()
                if pk is None:
                    break
                if pk.type == w.PUBLISH and pk.qos == 1:
                    c.send(w.puback(pk.packet_id, 0, version=5))
                elif pk.type == w.PUBLISH and pk.qos == 2:
                    c.send(w.pubrec(pk.packet_id, 0, version=5))
                elif pk.type == w.PUBREL:
                    c.send(w.pubcomp(pk.packet_id, 0, version=5))
        if step % 50 == 0:
            try:
                p.ping()
            except Exception:
                p = v5(r, "pub", "p")
    time.sleep(1.5)
    r.broker.check_alive()
    r.log("broker", "alive")



def _passwd_config():
    path = os.path.join(tempfile.gettempdir(), "bd-differential-passwd-%d" % os.getpid())
    if not os.path.exists(path):
        brokertest.make_password_file(path, {"alice": "secret", "bob": "pw"})
    return ["allow_anonymous false", "password_file " + path]


@scenario(config=_passwd_config() + ["use_username_as_clientid true"])
def use_username_as_clientid(r):
    a = r.connect("alice 1", "one", username="alice", password="secret")
    r.sub("alice 1", a, [("uu/#", 1)])
    b = v5(r, "alice 2", "two", username="alice", password="secret")
    r.wait_closed("alice 1", a)
    c = v5(r, "bob", "", username="bob", password="pw")
    r.sub("bob", c, [("uu/#", 1)])
    pub(b, "uu/x", b"x", 1)
    r.drain("bob", c)
    r.connect("anonymous", "anon")


@scenario(config=["clientid_prefixes dev-"])
def clientid_prefixes(r):
    r.connect("dev-1", "dev-1")
    r.connect("other", "other")
    v5(r, "other v5", "other5")
    v5(r, "assigned", "")



@scenario()
def v5_shared_subscription_identifier_and_rap(r):
    a = v5(r, "a", "a")
    r.sub("a", a, [("$share/g/si/#", 2 | 0x08)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 77)])
    p = v5(r, "pub", "p")
    pub(p, "si/x", b"r", 1, retain=True)
    pub(p, "si/y", b"n", 2)
    r.drain("a", a)
    r.sub("a", a, [("$share/g/si/#", 1)], packet_id=2)
    pub(p, "si/z", b"no id", 2)
    r.drain("a", a)
    pub(p, "si/x", b"", 1, retain=True)



@scenario(note="both re-send all in flight [MQTT-4.4.0-1] beyond a lowered Receive "
               "Maximum; Mosquitto then also sends a queued one [MQTT-3.3.4-9]")
def v5_redelivery_with_pubrel_and_lower_receive_maximum(r):
    s = v5(r, "sub", "rl", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    r.sub("sub", s, [("rl/#", 2)])
    p = v5(r, "pub", "p")
    for i in range(3):
        pub(p, "rl/x", b"%d" % i, 2)
    got = r.drain("sub", s, ack=False)
    s.send(w.pubrec(got[0].packet_id, 0, version=5))
    r.expect_packet("sub", s)
    s.abort()
    pub(p, "rl/x", b"3", 2)
    s = v5(r, "sub again", "rl", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60),
                                                    (w.PROP_RECEIVE_MAXIMUM, 1)])
    got = r.drain("sub again", s, ack=False)
    r.log("sub again", "%d packets before acknowledging" % len(got))
    for pk in got:
        if pk.type == w.PUBREL:
            s.send(w.pubcomp(pk.packet_id, 0, version=5))
    r.drain("sub again", s)
    r.drain("sub again", s)



@scenario()
def qos0_with_dup(r):
    s = r.connect("sub", "s")
    r.sub("sub", s, [("dq/#", 0)])
    p = r.connect("v311", "p")
    p.send(w.publish("dq/x", b"dup0", 0, dup=True))
    r.wait_closed("v311", p, timeout=1.0)
    q = v5(r, "v5", "q")
    q.send(w.publish("dq/x", b"dup0", 0, dup=True, version=5))
    r.wait_closed("v5", q, timeout=1.0)
    r.drain("sub", s)



def _acl_config():
    path = os.path.join(tempfile.gettempdir(), "bd-differential-acl-%d" % os.getpid())
    with open(path, "w") as f:
        f.write("topic readwrite ok/#\ntopic read ro/#\ntopic write wo/#\n")
    return ["acl_file " + path]


@scenario(config=_acl_config())
def acl_publication_and_subscription_failures(r):
    s = v5(r, "sub", "s")
    s.send(w.subscribe(1, [("ok/#", 1), ("ro/#", 1), ("wo/#", 1), ("no/#", 1)], version=5))
    r.expect_packet("sub", s)
    p = v5(r, "pub", "p")
    for t in ("ok/x", "ro/x", "wo/x", "no/x"):
        p.send(w.publish(t, t.encode(), 1, packet_id=3, version=5))
        r.expect_packet("pub " + t, p)
        p.send(w.publish(t, t.encode(), 2, packet_id=4, version=5))
        rec = r.expect_packet("pub q2 " + t, p)
        if rec is not None and rec.type == w.PUBREC and rec.rc < 0x80:
            p.send(w.pubrel(4, 0, version=5))
            r.expect_packet("pub q2 " + t, p)
    r.drain("sub", s)
    q = r.connect("v311 pub", "q")
    q.send(w.publish("ro/x", b"denied", 1, packet_id=5))
    r.expect_packet("v311 pub", q)



@scenario()
def v5_takeover_of_expiry_zero_session(r):
    a = v5(r, "first", "tz")
    r.sub("first", a, [("tz/#", 1)])
    b = v5(r, "second clean0", "tz", clean=False)
    r.wait_closed("first", a)
    p = v5(r, "pub", "p")
    pub(p, "tz/x", b"x", 1)
    r.drain("second clean0", b)
    c = r.connect("v311 first", "tz3", clean=True)
    r.sub("v311 first", c, [("tz/#", 1)])
    d = r.connect("v311 second clean0", "tz3", clean=False)
    r.wait_closed("v311 first", c)
    pub(p, "tz/y", b"y", 1)
    r.drain("v311 second clean0", d)


# Differences already judged against the standard. Printed with the
# difference; a scenario that differs and is not listed here (or marked
# with a note) is new and needs a verdict.
VERDICTS = {
    "v311_overlapping": "allowed [MQTT-3.3.5-1]: Brokerdesk sends one copy at the maximum QoS",
    "v5_will_keepalive": "Mosquitto checks keep alives every few seconds (later than 1.5 x "
                         "[MQTT-3.1.2-22]); Brokerdesk's DISCONNECT 0x8D is allowed",
    "v5_no_local_shared": "Brokerdesk right: No Local on a shared subscription is a Protocol "
                          "Error [MQTT-3.8.3-4] (tested, Mosquitto deviation)",
    "v5_request_problem_information": "as v5_no_local_shared [MQTT-3.8.3-4]",
    "v5_shared_retained": "Brokerdesk right: only a new non-shared subscription gets the "
                          "retained messages [3.3.1.3] (tested, Mosquitto deviation)",
    "v5_shared_invalid": "both close; 0x81 or 0x82 both acceptable for a $share filter "
                         "without a topic filter [4.8.2]",
    "v5_server_keep_alive": "not in the standard: Brokerdesk refuses a 3.1.1 keep alive above "
                            "max_keepalive (0x02, a choice made in bd-handle-connect.c); "
                            "Mosquitto 2.0.11 accepts it",
    "v5_publish_wildcard": "both allowed: 0x90 Topic Name invalid is the precise code, 0x82 "
                           "acceptable [MQTT-3.3.2-2]",
    "v5_takeover": "Brokerdesk right: DISCONNECT 0x8E to the old connection [MQTT-3.1.4-3] "
                   "(tested, Mosquitto deviation)",
    "v5_disconnect_reasons": "Brokerdesk right: a client PUBLISH with a Subscription Identifier "
                             "[MQTT-3.3.4-6] or a wildcard Response Topic [MQTT-3.3.2-14] is "
                             "a Protocol Error; Mosquitto accepts both",
    "v5_duplicate_property": "both close; DISCONNECT 0x82 first is allowed [4.13]",
    "v5_auth_packet_without_method": "both close; DISCONNECT 0x82 first is allowed [4.12]",
    "v5_message_expiry_on_redelivery": "both defensible: an expired message already sent is "
                                       "re-sent (Brokerdesk, [MQTT-4.4.0-1]; [MQTT-3.3.2-5] "
                                       "only drops before onward delivery) or dropped",
    "zero_length_clientid_refused": "both allowed; 0x85 is the code [MQTT-3.1.3-8] suggests",
    "mount_point": "configuration gap, not MQTT: Brokerdesk refuses mount_point (bd-config.c)",
    "v5_message_expiry_zero": "Brokerdesk right: a Message Expiry Interval 0 is a lifetime of "
                              "0 s [3.3.2.3.3]; Mosquitto treats it as absent",
    "v5_shared_qos2_member_leaves": "both allowed; Brokerdesk follows the SHOULD of 4.8.2 "
                                    "(another member gets an unacknowledged message)",
    "dollar_topics_from_clients": "allowed: overlapping subscriptions, one copy or several "
                                  "[MQTT-3.3.4-2]; neither matches $foo/x with # or +",
    "v311_qos2_same_id_before_pubrel": "both allowed: method A or B of 4.3.3, delivered once "
                                       "[MQTT-4.3.3-9]",
    "v5_will_delay_session_expiry_zero": "Brokerdesk right: the will goes when the session "
                                         "ends, if before the delay [3.1.3.2.2] (tested, "
                                         "Mosquitto deviation)",
    "restart_retained_with_properties": "Brokerdesk wrong, not fixed: the store keeps no MQTT 5 "
                                        "properties [MQTT-3.3.1-5] (bd-store*, strict xfail)",
    "restart_session_subscription_options": "Brokerdesk wrong, not fixed: queued messages lose "
                                            "their properties across a restart (store); "
                                            "Mosquitto 2.0 loses the MQTT 5 session itself",
    "restart_inflight_and_qos2": "Brokerdesk wrong, not fixed: after a restart no DUP on the "
                                 "re-sent PUBLISH [MQTT-3.3.1-1] and the PUBREL is lost "
                                 "[MQTT-4.4.0-1] (bd-store*, strict xfail)",
    "restart_pending_will": "timing: Mosquitto sent the delayed will before the watcher "
                            "subscribed; both keep it retained",
    "v5_will_on_server_disconnect": "both allowed: 0x81/0x82 for Topic Alias 0 (0x94 would be "
                                    "precise); DISCONNECT 0x8E on takeover [MQTT-3.1.4-3]",
    "v5_will_beyond_server_limits": "both refuse [MQTT-3.2.2-12][MQTT-3.2.2-13]; Mosquitto adds "
                                    "Maximum QoS to the refusing CONNACK",
    "v5_subscribe_option_reserved_bits": "Brokerdesk right: Retain Handling 3 is a Protocol "
                                         "Error (0x82) [3.8.3.1]",
    "takeover_will_into_taking_session": "Brokerdesk right: the taken-over connection's will "
                                         "is published [MQTT-3.1.4-3] (tested, Mosquitto "
                                         "deviation)",
    "v5_property_edges": "Brokerdesk right: a Payload Format Indicator other than 0 or 1 is "
                         "refused [3.3.2.3.2]; 0x81/0x82 both fine for a server-only property. "
                         "Both accept an empty Response Topic (the standard is silent)",
    "v5_shared_subscription_identifier_and_rap": "as v5_shared_retained [3.3.1.3]",
    "qos0_with_dup": "Brokerdesk right: DUP must be 0 at QoS 0 [MQTT-3.3.1-2], and a protocol "
                     "violation closes the connection [MQTT-4.8.0-1 / 4.13]; Mosquitto accepts it",
    "acl_publication_and_subscription_failures": "known: Brokerdesk refuses a filter outside the "
                                                 "ACL in SUBACK (0x87), Mosquitto grants it and "
                                                 "filters at delivery (tested); 0x10 when nobody "
                                                 "may read is allowed",
    "v5_takeover_of_expiry_zero_session": "same sessions (session present 0 both); only the "
                                          "DISCONNECT 0x8E of v5_takeover differs",
    "v5_puback_no_subscribers": "both allowed: 0x10 No matching subscribers MAY be used in "
                                "PUBREC too",
}


# ---------------------------------------------------------------- driver

def run_one(kind, name, fn, config, workdir):
    b = brokertest.Broker(os.path.join(workdir, kind), config, name)
    b.kind = kind
    os.makedirs(b.workdir, exist_ok=True)
    try:
        b.start()
    except brokertest.BrokerError as e:
        brokertest._start_failure = None   # a refused configuration, not a stuck broker
        lines = [l for l in str(e).splitlines() if l and not l.startswith(("====", "---"))]
        return ["!: broker did not start: " + lines[-1]], b.log_text()
    r = Run(b)
    try:
        fn(r)
    except Exception as e:
        r.log("!", "scenario raised %s: %s" % (type(e).__name__, str(e).splitlines()[0]))
        if os.environ.get("DIFF_TRACE"):
            traceback.print_exc()
    finally:
        r.close()
        rc = b.stop()
        if rc != 0:
            r.log("!", "broker exit status %r" % rc)
    return r.lines, b.log_text()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--brokerdesk", default=os.environ.get("BROKERDESK") or os.path.join(
        HERE, "..", "..", "_build", "src", "brokerdesk"))
    ap.add_argument("-k", action="append", default=[], help="only scenarios containing this")
    ap.add_argument("-v", action="store_true", help="also print scenarios without differences")
    ap.add_argument("--logs", action="store_true", help="print broker logs of differing runs")
    args = ap.parse_args()
    os.environ["BROKERDESK"] = os.path.abspath(args.brokerdesk)
    n_diff = 0
    n_allowed = 0
    n_known = 0
    with tempfile.TemporaryDirectory(prefix="bd-differential-") as tmp:
        for name, fn, config, note in SCENARIOS:
            if args.k and not any(k in name for k in args.k):
                continue
            work = os.path.join(tmp, name)
            os.makedirs(work)
            bd, bd_log = run_one("brokerdesk", name, fn, config, work)
            mq, mq_log = run_one("mosquitto", name, fn, config, work)
            same = bd == mq
            if same and not args.v:
                print("same     %s" % name)
                continue
            if not same:
                if note:
                    n_allowed += 1
                    print("ALLOWED  %s  (%s)" % (name, note))
                elif name in VERDICTS:
                    n_known += 1
                    print("KNOWN    %s  (%s)" % (name, VERDICTS[name]))
                else:
                    n_diff += 1
                    print("DIFFERS  %s" % name)
            else:
                print("same     %s" % name)
            width = max([len(l) for l in bd] + [10])
            width = min(width, 90)
            for i in range(max(len(bd), len(mq))):
                left = bd[i] if i < len(bd) else ""
                right = mq[i] if i < len(mq) else ""
                mark = "  " if left == right else "!="
                print("   %-*s %s %s" % (width, left, mark, right))
            if not same and args.logs:
                print("   --- brokerdesk log\n" + bd_log[-3000:])
                print("   --- mosquitto log\n" + mq_log[-3000:])
    print("\n%d scenario(s) differ without a verdict, %d with one (VERDICTS), %d where the "
          "standard allows both" % (n_diff, n_known, n_allowed))
    print("(left: Brokerdesk, right: Mosquitto)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
