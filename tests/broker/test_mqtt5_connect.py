# test_mqtt5_connect.py — MQTT 5 CONNECT / CONNACK / DISCONNECT, sessions and wills
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Statement numbers are those of the MQTT Version 5.0 OASIS Standard (2019).
# Suite 'broker-mqtt5': expected to fail for Brokerdesk until it speaks MQTT 5.

import threading
import time

import pytest

import mqttwire as w
from brokertest import PacketTypes, auth_lines, mosquitto_deviation, props, published


def let_time_pass(seconds):
    """For expiry tests the passing of time is what is tested; nothing can be
    awaited instead."""
    threading.Event().wait(seconds)


def _v5(raw_client, broker=None):
    return raw_client(broker, version=5) if broker else raw_client(version=5)


def test_connack_properties(broker, raw_client):
    """[3.2.2.2] CONNACK reason 0x00 for an acceptable MQTT 5 CONNECT, with
    well-formed properties: Receive Maximum > 0 [3.2.2.3.3], Maximum QoS 0 or 1
    if present [3.2.2.3.4], Retain Available and the *Available flags 0 or 1."""
    c = _v5(raw_client)
    ack = c.connect("v5")
    assert ack.rc == 0x00 and ack.session_present is False
    assert ack.prop(w.PROP_RECEIVE_MAXIMUM, 1) > 0
    assert ack.prop(w.PROP_MAXIMUM_QOS, 0) in (0, 1)
    for flag in (w.PROP_RETAIN_AVAILABLE, w.PROP_WILDCARD_SUBSCRIPTION_AVAILABLE,
                 w.PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE, w.PROP_SHARED_SUBSCRIPTION_AVAILABLE):
        assert ack.prop(flag, 1) in (0, 1)
    c.ping()


def test_assigned_client_identifier(broker, raw_client):
    """[MQTT-3.2.2-16] with a zero-length client id the server assigns one and
    returns it in the Assigned Client Identifier property."""
    c = _v5(raw_client)
    ack = c.connect("")
    assigned = ack.prop(w.PROP_ASSIGNED_CLIENT_IDENTIFIER)
    assert assigned, "no Assigned Client Identifier in %r" % ack.props


def test_connack_reflects_configured_limits(broker_factory, raw_client):
    """[3.2.2.3] the CONNACK tells the client the server's limits: Maximum
    Packet Size (max_packet_size), Receive Maximum (max_inflight_messages),
    Maximum QoS (max_qos 1)."""
    b = broker_factory(["max_packet_size 10000", "max_inflight_messages 7",
                        "listener 1883", "max_qos 1"])
    c = _v5(raw_client, b)
    ack = c.connect("limits")
    assert ack.prop(w.PROP_MAXIMUM_PACKET_SIZE) == 10000
    assert ack.prop(w.PROP_RECEIVE_MAXIMUM) == 7
    assert ack.prop(w.PROP_MAXIMUM_QOS) == 1


def test_server_keep_alive(broker_factory, raw_client):
    """[MQTT-3.2.2-21] [MQTT-3.2.2-22] a server that overrides the client's
    keep alive (max_keepalive 10 < 60 asked) sends Server Keep Alive 10."""
    b = broker_factory(["max_keepalive 10"])
    c = _v5(raw_client, b)
    ack = c.connect("ka", keepalive=60)
    assert ack.prop(w.PROP_SERVER_KEEP_ALIVE) == 10


def test_session_expiry_keeps_session(broker, raw_client):
    """[MQTT-3.1.2-23] with Session Expiry Interval > 0 the session outlives
    the connection: reconnecting with Clean Start 0 gives session present 1
    and the messages queued meanwhile [MQTT-3.1.2-5 v5 context]."""
    c = _v5(raw_client)
    c.connect("se", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    c.subscribe(1, [("se/#", 1)])
    c.disconnect()
    p = _v5(raw_client)
    p.connect("pub")
    p.publish("se/a", b"queued", qos=1)
    c = _v5(raw_client)
    ack = c.connect("se", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    assert ack.session_present is True
    assert c.expect(w.PUBLISH).payload == b"queued"


def test_session_expiry_zero_ends_with_connection(broker, raw_client):
    """[MQTT-3.1.2-23 / 3.1.2.11.2] no Session Expiry Interval (0): the session
    ends when the connection closes, even with Clean Start 0."""
    c = _v5(raw_client)
    c.connect("se0", clean=False)
    c.subscribe(1, [("se/#", 1)])
    c.disconnect()
    c = _v5(raw_client)
    assert c.connect("se0", clean=False).session_present is False


def test_session_expires_after_interval(broker, raw_client):
    """[3.1.2.11.2] a session with Session Expiry Interval 1 is discarded once
    the interval has passed after the disconnection."""
    c = _v5(raw_client)
    c.connect("se1", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 1)])
    c.subscribe(1, [("se/#", 1)])
    c.disconnect()
    let_time_pass(2.5)
    c = _v5(raw_client)
    assert c.connect("se1", clean=False).session_present is False


@mosquitto_deviation("2.0.11 closes the old connection without sending DISCONNECT 0x8E")
def test_takeover_sends_disconnect_0x8e(broker, raw_client):
    """[MQTT-3.1.4-3] when a second client connects with the same id, the server
    sends DISCONNECT with reason 0x8E (Session taken over) to the existing
    client [3.14.2.1] and closes its connection."""
    first = _v5(raw_client)
    first.connect("dup")
    second = _v5(raw_client)
    second.connect("dup")
    packets = first.wait_closed()
    assert [(p.type, p.rc) for p in packets] == [(w.DISCONNECT, 0x8E)]
    second.ping()


@mosquitto_deviation("2.0.11 drops the will when the taken-over session continues")
def test_takeover_publishes_will_of_old_connection(broker, raw_client):
    """[MQTT-3.1.4-3] the existing client's Will Message is published as
    described in 3.1.2.5 when a new connection takes its session over: the
    old connection ended without DISCONNECT 0x00 and has no Will Delay
    Interval [MQTT-3.1.2-8], even though the session itself continues."""
    watcher = _v5(raw_client)
    watcher.connect("watcher")
    watcher.subscribe(1, [("will/#", 0)])
    expiry = [(w.PROP_SESSION_EXPIRY_INTERVAL, 60)]
    first = _v5(raw_client)
    first.connect("dev", props=expiry, will=dict(topic="will/dev", payload=b"taken over"))
    second = _v5(raw_client)
    assert second.connect("dev", clean=False, props=expiry).session_present
    assert watcher.expect(w.PUBLISH).payload == b"taken over"


def test_bad_authentication_method(broker, raw_client):
    """[MQTT-4.12.0-1] [3.2.2.2] a CONNECT with an Authentication Method the
    server does not support: CONNACK 0x8C (Bad authentication method), then
    close [MQTT-3.2.2-7]."""
    c = _v5(raw_client)
    c.send(w.connect("auth", version=5,
                     props=[(w.PROP_AUTHENTICATION_METHOD, "SCRAM-SHA-1-NOPE")]))
    packets = c.wait_closed()
    assert [(p.type, p.rc) for p in packets] == [(w.CONNACK, 0x8C)]
    broker.check_alive()


def test_bad_password_v5(broker_factory, raw_client, tmp_path):
    """[3.2.2.2] a wrong password: CONNACK with a reason code >= 0x80 (0x86 Bad
    User Name or Password, or 0x87 Not authorized), then close [MQTT-3.2.2-7]."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    c = _v5(raw_client, b)
    c.send(w.connect("a", version=5, username="alice", password="bad"))
    packets = c.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK]
    assert packets[0].rc in (0x86, 0x87)
    assert packets[0].session_present is False  # [MQTT-3.2.2-6]


def test_unsupported_protocol_version_v5_style(broker, raw_client):
    """[MQTT-3.1.2-2] an unsupported protocol version gets CONNACK 0x84
    (Unsupported Protocol Version) or the 3.1.1 code 0x01, then close."""
    c = raw_client()
    c.send(w.connect("v6", version=6))
    packets = c.wait_closed()
    assert len(packets) == 1 and packets[0].type == w.CONNACK
    assert packets[0].body[1] in (0x84, 0x01)


def _receive_maximum_setup(raw_client):
    s = _v5(raw_client)
    s.connect("slow", props=[(w.PROP_RECEIVE_MAXIMUM, 2)])
    s.subscribe(1, [("rm/#", 1)])
    published(_v5(raw_client), "rm/x", [b"%d" % i for i in range(5)])
    first = [s.expect(w.PUBLISH) for _ in range(2)]
    assert [m.payload for m in first] == [b"0", b"1"]
    assert s.is_open_after(0.5)
    return s, first


def test_receive_maximum_respected(broker, raw_client):
    """[MQTT-3.3.4-9] the server must not send more unacknowledged QoS 1/2
    PUBLISH packets than the client's Receive Maximum (2 here); the others
    follow, in order, once acknowledged."""
    s, first = _receive_maximum_setup(raw_client)
    for m in first:
        s.send(w.puback(m.packet_id, 0, version=5))
    got = []
    while len(got) < 3:
        m = s.expect(w.PUBLISH)
        got.append(m.payload)
        s.send(w.puback(m.packet_id, 0, version=5))
    assert got == [b"2", b"3", b"4"]


@mosquitto_deviation("after one PUBACK it sends two more messages: three unacknowledged "
                     "with Receive Maximum 2")
def test_receive_maximum_window_slides_by_one(broker, raw_client):
    """[MQTT-3.3.4-9] with Receive Maximum 2 and two messages unacknowledged,
    one PUBACK lets exactly one more through."""
    s, first = _receive_maximum_setup(raw_client)
    s.send(w.puback(first[0].packet_id, 0, version=5))
    assert s.expect(w.PUBLISH).payload == b"2"
    assert s.is_open_after(0.5)


def _qos2_refuser(raw_client, clean=True, receive_maximum=1):
    s = _v5(raw_client)
    s.connect("refuser", clean=clean, props=[(w.PROP_RECEIVE_MAXIMUM, receive_maximum),
                                             (w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    if clean:
        s.subscribe(1, [("rr/#", 2)])
    return s


def _refuse_one(s, p, payload, packet_id, reason=0x80):
    p.publish("rr/x", payload, qos=2, packet_id=packet_id)
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.qos) == (payload, 2)
    s.send(w.pubrec(m.packet_id, reason, version=5))


def test_refused_pubrec_gets_no_pubrel(broker, raw_client):
    """[MQTT-4.3.3] [3.5.2.1] a PUBREC with a Reason Code >= 0x80 ends the QoS 2
    exchange: the server sends no PUBREL, neither then nor, for a persistent
    session, after the client reconnects [MQTT-4.4.0-1]; the message is gone."""
    s = _qos2_refuser(raw_client, receive_maximum=10)
    p = _v5(raw_client)
    p.connect("pub")
    _refuse_one(s, p, b"1", 1)
    assert s.ping().type == w.PINGRESP
    _refuse_one(s, p, b"2", 2, reason=0x87)
    s.abort()
    s = _qos2_refuser(raw_client, clean=False, receive_maximum=10)
    p.publish("rr/x", b"3", qos=2, packet_id=3)
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.dup) == (b"3", False)
    s.send(w.pubrec(m.packet_id, 0, version=5))
    assert s.expect(w.PUBREL).packet_id == m.packet_id


@mosquitto_deviation("2.0.11 keeps the Receive Maximum slot of a refused QoS 2 message: "
                     "the next message never comes")
def test_refused_pubrec_frees_receive_maximum_slot(broker, raw_client):
    """[4.9] [MQTT-4.3.3] the send quota is incremented when a PUBREC with a
    Reason Code >= 0x80 is received: with Receive Maximum 1 the next QoS 2
    message is delivered after a refused one, and flows on normally."""
    s = _qos2_refuser(raw_client)
    p = _v5(raw_client)
    p.connect("pub")
    _refuse_one(s, p, b"1", 1)
    p.publish("rr/x", b"2", qos=2, packet_id=2)
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.qos) == (b"2", 2)
    s.send(w.pubrec(m.packet_id, 0, version=5))
    assert s.expect(w.PUBREL).packet_id == m.packet_id


def test_client_maximum_packet_size_respected(broker, raw_client):
    """[MQTT-3.1.2-24] [MQTT-3.1.2-25] the server must not send a packet larger
    than the client's Maximum Packet Size: a too-large message is discarded
    for that client, smaller ones still arrive."""
    s = _v5(raw_client)
    s.connect("small", props=[(w.PROP_MAXIMUM_PACKET_SIZE, 100)])
    s.subscribe(1, [("mp/#", 0)])
    p = _v5(raw_client)
    p.connect("pub")
    p.send(w.publish("mp/big", b"x" * 500, version=5))
    p.send(w.publish("mp/ok", b"small", version=5))
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("mp/ok", b"small")


def _packet_size(p):
    return 1 + len(w.varint(len(p.body))) + len(p.body)


def test_disconnect_within_client_maximum_packet_size(broker, raw_client):
    """[MQTT-3.1.2-24] [MQTT-3.14.2-3] a DISCONNECT from the server must fit
    the client's Maximum Packet Size (10 bytes here): its Reason String (and
    User Properties) are left out rather than exceed it."""
    limit = [(w.PROP_MAXIMUM_PACKET_SIZE, 10)]
    c = _v5(raw_client)
    c.connect("tiny", props=limit)
    packets = c.send_expect_close(w.publish("mp/x", b"1", version=5,
                                            props=[(w.PROP_TOPIC_ALIAS, 0)]))
    assert all(p.type == w.DISCONNECT and _packet_size(p) <= 10 for p in packets), packets
    first = _v5(raw_client)
    first.connect("taken", props=limit)
    second = _v5(raw_client)
    second.connect("taken")
    packets = first.wait_closed()
    assert all(p.type == w.DISCONNECT and _packet_size(p) <= 10 for p in packets), packets
    broker.check_alive()


def test_refusing_connack_within_client_maximum_packet_size(broker, raw_client):
    """[MQTT-3.1.2-24] [MQTT-3.2.2-19] [MQTT-3.2.2-20] the CONNACK, a refusing
    one too, must fit the Maximum Packet Size of the CONNECT it answers (8
    bytes here): no Reason String or User Property that would exceed it."""
    c = _v5(raw_client)
    c.send(w.connect("auth", version=5,
                     props=[(w.PROP_MAXIMUM_PACKET_SIZE, 8),
                            (w.PROP_AUTHENTICATION_METHOD, "SCRAM-SHA-1-NOPE")]))
    packets = c.wait_closed()
    assert [(p.type, p.rc) for p in packets] == [(w.CONNACK, 0x8C)]
    assert _packet_size(packets[0]) <= 8, packets[0].body


def test_server_maximum_packet_size_enforced(broker_factory, raw_client):
    """[3.2.2.3.6] [4.13] a client sending a packet larger than the
    server's Maximum Packet Size is disconnected (DISCONNECT 0x95 Packet too
    large, if the server sends one)."""
    b = broker_factory(["max_packet_size 200"])
    c = _v5(raw_client, b)
    c.connect("big")
    packets = c.send_expect_close(w.publish("t", b"x" * 400, version=5))
    assert all(p.type == w.DISCONNECT and p.rc == 0x95 for p in packets), packets
    b.check_alive()


# Sent right behind the packet the broker refuses, in the same write: the
# client is still busy sending when the broker gives up on it. More than
# loopback's socket buffers hold, so the broker has not read it all by then.
STILL_SENDING = 2 * 1024 * 1024


def _reason_reaches_busy_client(c, data, timeout=5.0):
    """Write data whole, then read until the broker ends the connection.
    Returns the packets received. A write that fails, or a reset instead of
    an orderly end, means the broker closed with unread input: the kernel
    resets such a connection, and a client still writing never reads the
    reason the broker gave."""
    c.sock.settimeout(timeout)
    try:
        c.sock.sendall(data + bytes(STILL_SENDING))
    except (BrokenPipeError, ConnectionResetError) as e:
        raise AssertionError("the broker reset the connection while the client was still "
                             "sending (%r): the reason it sent is lost" % e) from None
    received = bytearray()
    while True:
        try:
            chunk = c.sock.recv(65536)
        except ConnectionResetError:
            raise AssertionError("the connection was reset after %d bytes instead of being "
                                 "closed in order" % len(received)) from None
        if not chunk:
            break
        received += chunk
    c._buf = received
    packets = []
    while True:
        p = c._take_packet()
        if p is None:
            break
        packets.append(p)
    assert not c._buf, "a partial packet before the end: %r" % bytes(c._buf)
    return packets


@mosquitto_deviation("closes at once with unread input: the client still sending gets a reset")
def test_packet_too_large_reason_reaches_busy_client(broker_factory, raw_client):
    """[3.2.2.3.6] [4.13] [MQTT-3.14.4-1] [MQTT-3.14.4-2] a client that sends a
    packet above the server's Maximum Packet Size, and is still sending it,
    gets DISCONNECT 0x95 and then an orderly close of the connection, not a
    reset. The client id is free again at once."""
    b = broker_factory(["max_packet_size 200"])
    c = _v5(raw_client, b)
    c.connect("busy")
    packets = _reason_reaches_busy_client(c, w.publish("t", bytes(STILL_SENDING), version=5))
    assert [(p.type, p.rc) for p in packets] == [(w.DISCONNECT, 0x95)]
    # Not closed on this side yet: the broker still drains it, as a session
    # that has ended.
    again = _v5(raw_client, b)
    assert again.connect("busy").session_present is False
    again.ping()


@mosquitto_deviation("closes at once with unread input: the client still sending gets a reset")
def test_receive_maximum_exceeded_reason_reaches_busy_client(broker_factory, raw_client):
    """[3.3.4] [MQTT-3.3.4-7] [4.13] a client that sends more unacknowledged
    QoS 2 PUBLISH packets than the server's Receive Maximum, and goes on
    sending, gets DISCONNECT 0x93 (Receive Maximum exceeded), then an orderly
    close."""
    b = broker_factory(["max_inflight_messages 2"])
    c = _v5(raw_client, b)
    assert c.connect("eager").prop(w.PROP_RECEIVE_MAXIMUM) == 2
    burst = b"".join(w.publish("rmx/t", b"m", qos=2, packet_id=i + 1, version=5)
                     for i in range(3))
    packets = _reason_reaches_busy_client(c, burst)
    # PUBREC 0x00 or 0x10 (No matching subscribers) for the first two.
    assert [p.type for p in packets] == [w.PUBREC, w.PUBREC, w.DISCONNECT], packets
    assert all(p.rc in (0x00, 0x10) for p in packets[:2]) and packets[2].rc == 0x93, packets
    b.check_alive()


@mosquitto_deviation("closes at once with unread input: the client still sending gets a reset")
def test_refusing_connack_reaches_busy_client(broker, raw_client):
    """[MQTT-3.2.2-7] a refusing CONNACK (0x8C Bad authentication method)
    reaches a client that already sends more, then the connection closes in
    order."""
    c = _v5(raw_client)
    packets = _reason_reaches_busy_client(
        c, w.connect("eager", version=5, props=[(w.PROP_AUTHENTICATION_METHOD, "NOPE")]))
    assert [(p.type, p.rc) for p in packets] == [(w.CONNACK, 0x8C)]
    broker.check_alive()


def _will_delayed_drop(raw_client):
    """A watcher subscribed to "will/#", and a client "dev" (session kept
    60 s) whose will on "will/dev" has a Will Delay Interval of 2 s, dropped
    without DISCONNECT. Returns the watcher."""
    watcher = _v5(raw_client)
    watcher.connect("watcher")
    watcher.subscribe(1, [("will/#", 0)])
    dev = _v5(raw_client)
    dev.connect("dev", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)],
                will=dict(topic="will/dev", payload=b"gone",
                          props=[(w.PROP_WILL_DELAY_INTERVAL, 2)]))
    dev.abort()
    return watcher


def test_will_delay(broker, raw_client):
    """[3.1.3.2.2] [MQTT-3.1.3-9] the will is published only after the Will
    Delay Interval: not at once when the connection drops, but about 2 s later."""
    watcher = _will_delayed_drop(raw_client)
    start = time.monotonic()
    m = watcher.expect(w.PUBLISH, 6.0)
    elapsed = time.monotonic() - start
    assert m.payload == b"gone"
    assert elapsed >= 1.5, "will published after %.2f s, before its 2 s delay" % elapsed


def test_will_delay_cancelled_by_reconnect(broker, raw_client):
    """[MQTT-3.1.3-9] if the client reconnects before the Will Delay Interval
    has passed, the will is not published."""
    watcher = _will_delayed_drop(raw_client)
    dev = _v5(raw_client)
    dev.connect("dev", clean=False, props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    # wait out the delay: the will must not come
    assert watcher.is_open_after(3.0)


def test_will_delay_cancelled_by_reconnect_with_clean_start(broker, raw_client):
    """[MQTT-3.1.2-8] the will is not published if a new Network Connection
    for the ClientID is opened before the Will Delay Interval has elapsed;
    that it starts a new session (Clean Start 1) changes nothing."""
    watcher = _will_delayed_drop(raw_client)
    dev = _v5(raw_client)
    assert dev.connect("dev", clean=True).session_present is False
    # wait out the delay: the will must not come
    assert watcher.is_open_after(3.0)


@pytest.mark.parametrize("config, will, code", [
    ("max_qos 1", dict(qos=2), 0x9B),
    ("retain_available false", dict(retain=True), 0x9A),
], ids=["will-qos-above-max-qos", "will-retain-unavailable"])
def test_will_beyond_server_capabilities_refused(broker_factory, raw_client, config, will, code):
    """[MQTT-3.2.2-12] a Will QoS above the server's Maximum QoS and
    [MQTT-3.2.2-13] a retained will on a server without retained messages
    refuse the connection: CONNACK 0x9B (QoS not supported) or 0x9A (Retain
    not supported), then the server closes the Network Connection."""
    b = broker_factory([config])
    c = raw_client(b, version=5)
    packets = c.send_expect_close(w.connect("dev", version=5, will=dict(
        topic="will/dev", payload=b"gone", **will)))
    assert [(p.type, p.rc) for p in packets] == [(w.CONNACK, code)], packets
    b.check_alive()


@mosquitto_deviation("waits out the Will Delay Interval after the session has ended")
def test_will_delay_ends_with_session(broker, raw_client):
    """[3.1.3.2.2] the will is published when the Will Delay Interval has
    passed or the session ends, whichever happens first: with Session Expiry
    Interval 0 the session ends with the connection, so a 30 s delay does
    not hold the will back [MQTT-3.1.2-8]."""
    watcher = _v5(raw_client)
    watcher.connect("watcher")
    watcher.subscribe(1, [("will/#", 0)])
    dev = _v5(raw_client)
    dev.connect("dev", will=dict(topic="will/dev", payload=b"gone",
                                 props=[(w.PROP_WILL_DELAY_INTERVAL, 30)]))
    dev.abort()
    assert watcher.expect(w.PUBLISH, 3.0).payload == b"gone"


def test_disconnect_with_will_message(broker, raw_client):
    """[3.14.2.1] DISCONNECT with reason 0x04 (Disconnect with Will Message)
    makes the server publish the will [MQTT-3.1.2-8 v5 context]."""
    watcher = _v5(raw_client)
    watcher.connect("watcher")
    watcher.subscribe(1, [("will/#", 0)])
    dev = _v5(raw_client)
    dev.connect("dev", will=dict(topic="will/dev", payload=b"asked"))
    dev.send(w.disconnect(0x04, version=5))
    assert watcher.expect(w.PUBLISH).payload == b"asked"


def test_paho_v5_connect(broker, mqtt_client):
    """paho MQTTv5 connects and gets CONNACK properties back."""
    c = mqtt_client(version=5)
    ack = c.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=30))
    assert ack.rc == 0
    assert ack.properties is not None
