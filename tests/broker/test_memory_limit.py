# test_memory_limit.py — memory_limit (mosquitto.conf(5))
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# mosquitto.conf(5): memory_limit is a hard limit on the heap the broker
# allocates; "if an incoming message is being processed, then the message
# will be dropped and the publishing client will be disconnected". Not
# normative MQTT; the reason code on the MQTT 5 DISCONNECT is Quota exceeded
# (0x97, MQTT 5 section 3.14.2.1). Each test first reads the broker's heap
# from $SYS/broker/heap/current after a warm-up, then restarts it with a
# limit a few MB above that, so the figures of either broker (Brokerdesk: the allocator's
# bytes in use; Mosquitto: its own count) fit.

import time

import pytest

import mqttwire as w
from brokertest import IS_MOSQUITTO, TIMEOUT, mosquitto_deviation

HEADROOM = 4 * 1024 * 1024
PAYLOAD = b"m" * (64 * 1024)
# Far more than HEADROOM holds: a broker that never refuses fails the test.
MAX_MESSAGES = 50 * HEADROOM // len(PAYLOAD)
SESSION = [(w.PROP_SESSION_EXPIRY_INTERVAL, 3600)]


def _warm_heap(broker):
    """$SYS/broker/heap/current once the broker has routed twice as many
    bytes as the test will queue: the first messages allocate what then
    stays (buffers grown to their size, for one). A
    value published after they came back, so not the retained one from
    before."""
    heap = "$SYS/broker/heap/current"
    c = broker.raw(5)
    try:
        c.connect("heap-reader")
        c.subscribe(1, [(heap, 0), ("warm/#", 0)])
        assert c.expect(w.PUBLISH).topic == heap
        for _ in range(2 * HEADROOM // len(PAYLOAD)):
            c.send(w.publish("warm/t", PAYLOAD, version=5))
            p = c.expect(w.PUBLISH)
            while p.topic == heap:
                p = c.expect(w.PUBLISH)
            assert p.topic == "warm/t"
        while True:
            p = c.expect(w.PUBLISH, TIMEOUT)
            if p.topic == heap:
                return int(p.payload)
    finally:
        c.disconnect()


def _limited_broker(broker_factory):
    lines = ["sys_interval 1", "max_queued_messages 0"]
    if not IS_MOSQUITTO:
        # Brokerdesk's heap is the whole process's: the history database's
        # page cache (up to 64 MB) grows with what it records and stays,
        # which is not what these tests measure.
        lines.append("history_enabled false")
    broker = broker_factory(lines)
    heap = _warm_heap(broker)
    broker.stop()
    broker.config_lines = lines + ["memory_limit %d" % (heap + HEADROOM)]
    broker.start()
    return broker


def _connect_when_accepted(broker, client_id, **kw):
    """A new MQTT 5 connection, once the broker takes new connections again.
    It judges them by its last reading of the heap, taken at most a few
    turns ago: each refused CONNECT (Quota exceeded) is such a turn."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        c = broker.raw(5)
        ack = c.connect(client_id, expect_rc=None, **kw)
        if ack.rc == 0:
            return c, ack
        assert ack.rc == 0x97, "CONNACK 0x%02x, expected 0 or 0x97 Quota exceeded" % ack.rc
        c.close()
        assert time.monotonic() < deadline, "new connections still refused after %.1f s" % TIMEOUT


def _flood(broker, version=5):
    """Publishes QoS 1 messages (MQTT version 4 = 3.1.1 or 5) for the away
    session "keeper" until the broker stops taking them; returns (how many
    it acknowledged, the packet that ended it, or None when it just closed
    the connection)."""
    keeper = broker.raw(5)
    keeper.connect("keeper", clean=False, props=SESSION)
    keeper.subscribe(1, [("mem/#", 1)])
    keeper.disconnect()

    pub = broker.raw(version)
    pub.connect("publisher")
    for i in range(MAX_MESSAGES):
        pub.send(w.publish("mem/t", PAYLOAD, qos=1, packet_id=i % 65535 + 1, version=version))
        try:
            p = pub.recv_packet(TIMEOUT)
        except w.ConnectionClosed:
            return i, None
        if p.type != w.PUBACK:
            pub.wait_closed()
            return i, p
        assert p.rc == 0, p
    raise AssertionError("%d messages of %d bytes accepted past a limit %d bytes above the heap"
                         % (MAX_MESSAGES, len(PAYLOAD), HEADROOM))


def test_memory_limit_drops_publish_and_disconnects(broker_factory):
    """Past memory_limit an incoming PUBLISH is dropped and its publisher
    disconnected; the broker stays up for its other clients, and once the
    queued messages are consumed, publishing works again."""
    broker = _limited_broker(broker_factory)
    other = broker.raw(5)
    other.connect("other")

    accepted, refusal = _flood(broker)
    assert refusal is None or (refusal.type == w.DISCONNECT and refusal.rc >= 0x80), refusal
    # The limit held within what a few messages add (the check is per turn).
    assert accepted * len(PAYLOAD) <= 2 * HEADROOM, accepted

    # The broker is alive and answers a client already connected.
    assert broker.running
    other.ping()
    other.disconnect()

    # The session takes its messages; the heap falls back under the limit.
    keeper, ack = _connect_when_accepted(broker, "keeper", clean=False, props=SESSION)
    assert ack.session_present
    for _ in range(accepted):
        p = keeper.expect(w.PUBLISH)
        assert p.payload == PAYLOAD
        keeper.send(w.puback(p.packet_id, version=5))
    keeper.ping()

    pub, _ = _connect_when_accepted(broker, "publisher")
    ack = pub.publish("mem/t", b"after", qos=1, packet_id=1)
    assert ack.rc == 0, ack
    assert keeper.expect(w.PUBLISH).payload == b"after"
    pub.disconnect()
    keeper.disconnect()


@mosquitto_deviation("Mosquitto 2.0.11 says DISCONNECT 0x80 Unspecified error")
def test_memory_limit_disconnect_says_quota_exceeded(broker_factory):
    """The MQTT 5 publisher is told why: DISCONNECT 0x97 Quota exceeded
    (MQTT 5 section 3.14.2.1: an implementation or administrative limit)."""
    broker = _limited_broker(broker_factory)
    _, refusal = _flood(broker)
    assert refusal is not None and refusal.type == w.DISCONNECT and refusal.rc == 0x97, refusal


def test_memory_limit_closes_mqtt311_publisher(broker_factory):
    """MQTT 3.1.1 has no DISCONNECT from the server: past memory_limit the
    publisher's connection is closed, without a PUBACK for the message."""
    broker = _limited_broker(broker_factory)
    other = broker.raw(4)
    other.connect("other")
    _, refusal = _flood(broker, version=4)
    assert refusal is None, refusal
    # Past the limit new clients may be refused: one already connected is
    # still served.
    other.ping()
    other.disconnect()


@pytest.mark.skipif(IS_MOSQUITTO, reason="Mosquitto counts its own allocations and, with a "
                    "limit below them, exits at start-up without a word")
@pytest.mark.parametrize("version, rc", [(4, 0x03), (5, 0x97)])
def test_memory_limit_below_heap_at_start(broker_factory, version, rc):
    """A limit the heap already passes at start is said at once (a warning
    naming it), and new clients are refused with a reason: 3.1.1's Server
    unavailable, MQTT 5's Quota exceeded."""
    broker = broker_factory(["memory_limit 1"])
    broker.wait_for_log(r"memory_limit of 1 bytes is below the heap")
    c = broker.raw(version)
    ack = c.connect("late", expect_rc=None)
    assert ack.rc == rc, ack
    c.wait_closed()
