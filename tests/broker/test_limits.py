# test_limits.py — resource limits from the configuration (mosquitto.conf semantics)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# These settings are not MQTT normative statements but Mosquitto 2.0's
# documented behaviour (mosquitto.conf(5)), which Brokerdesk promises to keep
# for an existing configuration.

import socket
import threading

import pytest

import mqttwire as w
from brokertest import (IS_MOSQUITTO, QUIET, mosquitto_deviation, published,
                        published_while_away, subscribed)


def _connect_or_refused(b):
    """Try a new client; returns True if it got CONNACK 0."""
    try:
        c = b.raw()
    except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
        return False, None
    try:
        c.send(w.connect("extra"))
        p = c.recv_packet()
    except (w.ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return False, c
    return (p.type == w.CONNACK and p.rc == 0), c


@mosquitto_deviation("its per-listener client count goes below zero when a connection closes "
                     "before CONNECT (upstream issue #1460); the harness's readiness probe is "
                     "such a connection, so a 4th client gets in")
def test_max_connections(broker_factory, raw_client):
    """max_connections N: N clients are served, the N+1th connection is refused
    (closed without CONNACK 0); once one leaves, a new client is accepted."""
    b = broker_factory(["max_connections 3"])
    clients = []
    for i in range(3):
        c = raw_client(b)
        c.connect("c%d" % i)
        clients.append(c)
    ok, extra = _connect_or_refused(b)
    assert not ok, "a 4th connection was accepted with max_connections 3"
    if extra is not None:
        extra.close()
    clients[0].send(w.disconnect())
    clients[0].wait_closed()
    c = raw_client(b)
    c.connect("after")
    c.ping()


@pytest.mark.skipif(IS_MOSQUITTO, reason="Mosquitto also refuses now and then (1 in 400 "
                    "here), but its count drifts below zero (issue #1460), so it fails too "
                    "rarely for a strict mark")
def test_max_connections_free_once_closed(broker_factory):
    """max_connections N: a connection counts until its socket is closed and
    no longer. N clients that each close their connection (with or without
    DISCONNECT) and connect again at once, over and over, are never refused:
    there are never more than N connections open."""
    n, rounds = 4, 100
    b = broker_factory(["max_connections %d" % n])
    refused = []

    def cycle(k):
        for i in range(rounds):
            c = b.raw()
            try:
                c.connect("cycle%d" % k)
            except (AssertionError, w.ConnectionClosed):
                refused.append((k, i))
            if i % 2:
                c.try_send(w.disconnect())
            c.close()

    threads = [threading.Thread(target=cycle, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not any(t.is_alive() for t in threads)
    assert not refused, "%d of %d connections refused (client, round): %r" % (
        len(refused), n * rounds, refused[:10])


def test_max_queued_messages(broker_factory, raw_client):
    """max_queued_messages N: an offline persistent client gets at most N of
    the QoS 1 messages published while it was away."""
    b = broker_factory(["max_queued_messages 5"])
    c, p = published_while_away(raw_client, b, "offline", [("q/#", 1)], "q/x",
                                [b"%d" % i for i in range(12)])
    got = []
    marker_sent = False
    while True:
        m = c.expect(w.PUBLISH)
        c.send(w.puback(m.packet_id))
        if m.payload == b"marker":
            break
        got.append(m.payload)
        if not marker_sent:
            # Now online: the marker queues behind whatever was stored.
            p.publish("q/x", b"marker", qos=1, packet_id=100)
            marker_sent = True
    assert len(got) == 5, got


def _inflight_setup(broker_factory, raw_client):
    b = broker_factory(["max_inflight_messages 3"])
    s = subscribed(raw_client(b), "slow", [("i/#", 1)])
    published(raw_client(b), "i/x", [b"%d" % i for i in range(8)])
    first = [s.expect(w.PUBLISH) for _ in range(3)]
    assert [m.payload for m in first] == [b"0", b"1", b"2"]
    return s, first


def test_max_inflight_messages(broker_factory, raw_client):
    """max_inflight_messages N: a subscriber that never sends PUBACK receives
    at most N unacknowledged QoS 1 messages; the rest wait, in order
    [MQTT-4.6.0-6], and all arrive once it acknowledges."""
    s, first = _inflight_setup(broker_factory, raw_client)
    # The window is full: nothing more comes while we do not acknowledge.
    assert s.is_open_after(QUIET)
    got = []
    for pk in first:
        s.send(w.puback(pk.packet_id))
    while len(got) < 5:
        m = s.expect(w.PUBLISH)
        got.append(m.payload)
        s.send(w.puback(m.packet_id))
    assert got == [b"3", b"4", b"5", b"6", b"7"]


@mosquitto_deviation("after one PUBACK it sends three more messages, exceeding "
                     "max_inflight_messages 3")
def test_max_inflight_window_slides_by_one(broker_factory, raw_client):
    """max_inflight_messages N: each PUBACK frees exactly one slot, so exactly
    one more message comes (never more than N unacknowledged)."""
    s, first = _inflight_setup(broker_factory, raw_client)
    s.send(w.puback(first[0].packet_id))
    assert s.expect(w.PUBLISH).payload == b"3"
    assert s.is_open_after(QUIET)


def test_message_size_limit(broker_factory, raw_client):
    """message_size_limit N: a PUBLISH whose payload is larger than N bytes is
    not delivered; one of exactly N bytes is."""
    b = broker_factory(["message_size_limit 100"])
    s = subscribed(raw_client(b), "sub", [("m/#", 0)])
    p = raw_client(b)
    p.connect("pub")
    p.send(w.publish("m/big", b"x" * 101))
    try:
        p.send(w.publish("m/ok", b"y" * 100))
    except OSError:
        # The broker may drop a client that sends an oversize message.
        p = raw_client(b)
        p.connect("pub2")
        p.send(w.publish("m/ok", b"y" * 100))
    m = s.expect(w.PUBLISH)
    assert (m.topic, len(m.payload)) == ("m/ok", 100)


def test_max_packet_size_publish(broker_factory, raw_client):
    """max_packet_size N: a PUBLISH larger than N bytes closes the sender's
    connection and is not delivered."""
    b = broker_factory(["max_packet_size 200"])
    s = subscribed(raw_client(b), "sub", [("m/#", 0)])
    p = raw_client(b)
    p.connect("pub")
    p.send_expect_close(w.publish("m/big", b"x" * 300))
    p = raw_client(b)
    p.connect("pub")
    p.send(w.publish("m/ok", b"small"))
    assert s.expect(w.PUBLISH).payload == b"small"


def test_connect_exceeding_max_packet_size(broker_factory, raw_client):
    """max_packet_size N: a CONNECT larger than N bytes (a big will payload) is
    refused: closed without CONNACK 0."""
    b = broker_factory(["max_packet_size 200"])
    c = raw_client(b)
    packets = c.send_expect_close(w.connect("big", will=dict(topic="w", payload=b"x" * 500)))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in packets)
    b.check_alive()


def test_connect_will_exceeding_message_size_limit(broker_factory, raw_client):
    """message_size_limit N: a CONNECT whose will payload is larger than N is
    refused (no CONNACK 0, connection closed)."""
    b = broker_factory(["message_size_limit 100"])
    c = raw_client(b)
    packets = c.send_expect_close(w.connect("bigwill", will=dict(topic="w", payload=b"x" * 500)))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in packets)
    b.check_alive()


@pytest.mark.parametrize("config, will", [
    ("max_qos 1", dict(qos=2)),
    ("retain_available false", dict(retain=True)),
], ids=["will-qos-above-max-qos", "will-retain-unavailable"])
def test_connect_will_beyond_server_limits(broker_factory, raw_client, config, will):
    """max_qos 1 / retain_available false: a 3.1.1 CONNECT whose will could
    not be published as asked (QoS 2, or retained) is refused as a PUBLISH
    like it would be: no CONNACK 0, connection closed (3.1.1 has no return
    code for it; MQTT 5 answers 0x9B/0x9A [MQTT-3.2.2-12][MQTT-3.2.2-13])."""
    b = broker_factory([config])
    c = raw_client(b)
    packets = c.send_expect_close(w.connect("dev", will=dict(
        topic="will/dev", payload=b"gone", **will)))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in packets), packets
    b.check_alive()


# A log line per connection and one per disconnection: more than any log
# queue should hold while nobody reads the log.
LOG_FLOOD_CLIENTS = 700


@mosquitto_deviation("writes its log synchronously: a full stderr pipe stops it")
def test_unread_log_does_not_stall_broker(broker_factory, raw_client):
    """A broker whose standard error is a pipe nobody reads goes on serving
    clients (publish and subscribe round trips); the lines it could not write
    are counted and reported once the log is read again, and client-supplied
    text in a log line is capped: a 64 KiB client id does not make a 64 KiB
    line."""
    b = broker_factory()
    b.pause_log()
    long_id = "L" * 65000
    c = raw_client(b)
    c.connect(long_id)
    c.disconnect()
    for i in range(LOG_FLOOD_CLIENTS):
        c = b.raw()
        c.connect("flood%d" % i)
        c.disconnect()
    b.check_alive()
    b.check_alive()

    b.resume_log()
    m = b.wait_for_log(r"as (L+)(\S*)")
    assert len(m.group(1)) <= 256 and m.group(2).startswith("…"), \
        "client id logged with %d bytes" % len(m.group(1))
    b.wait_for_log(r"\b\d+ log lines? dropped")
    b.check_alive()
