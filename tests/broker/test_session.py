# test_session.py — session state across connections (MQTT 3.1.1 sections 3.1.2.4, 4.1, 4.4)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import subscribed


def _persistent(raw_client, client_id="dev", broker=None, **kw):
    c = raw_client(broker) if broker else raw_client()
    ack = c.connect(client_id, clean=False, **kw)
    return c, ack


def _publisher(raw_client, broker=None):
    p = raw_client(broker) if broker else raw_client()
    p.connect("pub")
    return p


def test_subscriptions_kept_across_reconnect(broker, raw_client):
    """[MQTT-3.1.2-4] [MQTT-3.1.2-5] a CleanSession=0 session keeps its
    subscriptions after disconnection: on reconnect (session present 1) messages
    arrive without subscribing again."""
    c, _ = _persistent(raw_client)
    c.subscribe(1, [("s/#", 1)])
    c.disconnect()
    c, ack = _persistent(raw_client)
    assert ack.session_present is True
    p = _publisher(raw_client)
    p.publish("s/a", b"hello", qos=1)
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.qos) == ("s/a", b"hello", 1)


def test_qos1_and_qos2_queued_while_offline(broker, raw_client):
    """[MQTT-3.1.2-5] QoS 1 and QoS 2 messages that arrive while a persistent
    client is disconnected are stored and delivered when it reconnects, in
    order [MQTT-4.6.0-6]."""
    c, _ = _persistent(raw_client)
    c.subscribe(1, [("s/#", 2)])
    c.disconnect()
    p = _publisher(raw_client)
    p.publish("s/a", b"one", qos=1, packet_id=1)
    p.publish("s/a", b"two", qos=2, packet_id=2)
    p.publish("s/a", b"three", qos=1, packet_id=3)
    c, ack = _persistent(raw_client)
    assert ack.session_present is True
    got = []
    while len(got) < 3:
        pk = c.recv_packet()
        if pk.type == w.PUBLISH:
            got.append((pk.payload, pk.qos))
            if pk.qos == 1:
                c.send(w.puback(pk.packet_id))
            else:
                c.send(w.pubrec(pk.packet_id))
        elif pk.type == w.PUBREL:
            c.send(w.pubcomp(pk.packet_id))
    assert got == [(b"one", 1), (b"two", 2), (b"three", 1)]


def test_qos0_not_queued_while_offline_by_default(broker, raw_client):
    """[3.1.2.4] storing QoS 0 messages for an offline client is optional;
    with Mosquitto's default (queue_qos0_messages false) they are dropped."""
    c, _ = _persistent(raw_client)
    c.subscribe(1, [("s/#", 1)])
    c.disconnect()
    p = _publisher(raw_client)
    p.send(w.publish("s/a", b"lost", qos=0))
    p.publish("s/a", b"kept", qos=1)
    c, _ = _persistent(raw_client)
    m = c.expect(w.PUBLISH)
    assert m.payload == b"kept"


def test_queue_qos0_messages_option(broker_factory, raw_client):
    """With queue_qos0_messages true (mosquitto.conf), QoS 0 messages are
    queued for an offline persistent client too [3.1.2.4 allows it]."""
    b = broker_factory(["queue_qos0_messages true"])
    c, _ = _persistent(raw_client, broker=b)
    c.subscribe(1, [("s/#", 0)])
    c.disconnect()
    p = _publisher(raw_client, b)
    p.send(w.publish("s/a", b"zero", qos=0))
    p.ping()
    c, _ = _persistent(raw_client, broker=b)
    m = c.expect(w.PUBLISH)
    assert (m.payload, m.qos) == (b"zero", 0)


def test_unacked_qos1_resent_with_dup(broker, raw_client):
    """[MQTT-4.4.0-1] on reconnect with CleanSession=0 the server re-sends
    unacknowledged PUBLISH packets with their original packet id, with DUP=1
    [MQTT-3.3.1-1]."""
    c, _ = _persistent(raw_client)
    c.subscribe(1, [("s/#", 1)])
    p = _publisher(raw_client)
    p.publish("s/a", b"unacked", qos=1)
    first = c.expect(w.PUBLISH)
    assert first.dup is False
    c.abort()  # never sent PUBACK
    c, ack = _persistent(raw_client)
    assert ack.session_present is True
    again = c.expect(w.PUBLISH)
    assert (again.payload, again.packet_id, again.dup) == (b"unacked", first.packet_id, True)
    c.send(w.puback(again.packet_id))
    c.ping()


def test_pubrel_resent_after_reconnect(broker, raw_client):
    """[MQTT-4.4.0-1] a QoS 2 flow to the client interrupted after PUBREC is
    resumed on reconnect with PUBREL (same packet id), not the PUBLISH."""
    c, _ = _persistent(raw_client)
    c.subscribe(1, [("s/#", 2)])
    p = _publisher(raw_client)
    p.publish("s/a", b"q2", qos=2)
    m = c.expect(w.PUBLISH)
    c.send(w.pubrec(m.packet_id))
    assert c.expect(w.PUBREL).packet_id == m.packet_id
    c.abort()  # never sent PUBCOMP
    c, _ = _persistent(raw_client)
    rel = c.expect(w.PUBREL)
    assert rel.packet_id == m.packet_id and rel.flags == 0x2
    c.send(w.pubcomp(rel.packet_id))
    c.ping()


def test_inbound_qos2_completed_after_reconnect(broker, raw_client):
    """[MQTT-4.3.3-2] [MQTT-4.4.0-1] a publisher's QoS 2 flow interrupted after
    PUBREC completes after reconnect: PUBREL gets PUBCOMP and subscribers get
    the message exactly once."""
    s = subscribed(raw_client(), "sub", [("s/#", 0), ("zz/marker", 0)])
    p, _ = _persistent(raw_client, "pub2")
    p.send(w.publish("s/a", b"exactly-once", qos=2, packet_id=5))
    p.expect(w.PUBREC)
    p.abort()
    p, ack = _persistent(raw_client, "pub2")
    assert ack.session_present is True
    p.send(w.pubrel(5))
    assert p.expect(w.PUBCOMP).packet_id == 5
    p.send(w.publish("zz/marker", b"marker"))
    got = []
    while True:
        m = s.expect(w.PUBLISH)
        if m.payload == b"marker":
            break
        got.append(m.payload)
    assert got == [b"exactly-once"]


def test_takeover_keeps_persistent_session(broker, raw_client):
    """[MQTT-3.1.4-2] [MQTT-3.2.2-2] a second connection with the same client
    id and CleanSession=0 closes the first and continues its session:
    session present 1 and the subscriptions still deliver."""
    a, _ = _persistent(raw_client)
    a.subscribe(1, [("s/#", 1)])
    b, ack = _persistent(raw_client)
    assert ack.session_present is True
    a.wait_closed()
    p = _publisher(raw_client)
    p.publish("s/a", b"to-new", qos=1)
    assert b.expect(w.PUBLISH).payload == b"to-new"


def test_takeover_with_clean_session_discards(broker, raw_client):
    """[MQTT-3.1.4-2] [MQTT-3.1.2-6] a takeover with CleanSession=1 discards
    the old session: the old subscription no longer delivers."""
    a, _ = _persistent(raw_client)
    a.subscribe(1, [("s/#", 1)])
    b = raw_client()
    assert b.connect("dev", clean=True).session_present is False
    a.wait_closed()
    b.subscribe(1, [("zz/marker", 0)])
    p = _publisher(raw_client)
    p.publish("s/a", b"nobody", qos=1)
    p.send(w.publish("zz/marker", b"marker"))
    assert b.expect(w.PUBLISH).payload == b"marker"


def test_clean_session_state_gone_after_disconnect(broker, raw_client):
    """[MQTT-3.1.2-6] [MQTT-3.1.2-7 context] with CleanSession=1 the session
    ends with the connection: messages published meanwhile are not kept, the
    next connection has no subscriptions."""
    subscribed(raw_client(), "cs", [("s/#", 1)], clean=True, away=True)
    p = _publisher(raw_client)
    p.publish("s/a", b"gone", qos=1)
    c = raw_client()
    assert c.connect("cs", clean=False).session_present is False
    c.subscribe(1, [("zz/marker", 0)])
    p.send(w.publish("s/a", b"gone2"))
    p.send(w.publish("zz/marker", b"marker"))
    assert c.expect(w.PUBLISH).payload == b"marker"


def test_paho_persistent_session(broker, mqtt_client):
    """paho with clean_session=False: QoS 1 messages published while it is
    away are delivered after it reconnects (session present)."""
    c = mqtt_client(client_id="paho-persist", clean_session=False)
    c.connect()
    c.subscribe("ps/#", 1)
    c.disconnect()
    pub = mqtt_client()
    pub.connect()
    for i in range(5):
        pub.publish("ps/x", b"%d" % i, 1)
    c2 = mqtt_client(client_id="paho-persist", clean_session=False)
    ack = c2.connect()
    assert ack.session_present is True
    assert [m.payload for m in c2.get_messages(5)] == [b"0", b"1", b"2", b"3", b"4"]


# MQTT 5: Clean Start 0 keeps a session only with a Session Expiry Interval.
_EXPIRY = [(w.PROP_SESSION_EXPIRY_INTERVAL, 3600)]


def _away_and_back(b, raw_client, version, clients, restart):
    """Closes clients, restarts the broker with restart(), and connects the
    persistent subscriber "away" again: its session must be there."""
    for c in clients:
        c.close()
    restart()
    s = raw_client(b, version)
    assert s.connect("away", clean=False, props=_EXPIRY).session_present
    return s


def inflight_resent_after_restart(b, raw_client, version, restart):
    """A QoS 1 message in flight and a QoS 2 one past PUBREC, then restart():
    both come again at once, the PUBLISH with its packet id and DUP 1, the
    other as its PUBREL. Returns the subscriber and the two messages as
    first received. Shared with the durable store's SIGKILL test."""
    s = subscribed(raw_client(b, version), "away", [("inflight/#", 2)], clean=False,
                   props=_EXPIRY)
    p = raw_client(b, version)
    p.connect("pub")
    # acknowledged first: the ids in flight are not the first a new session uses
    for i in range(3):
        p.send(w.publish("inflight/warm", b"w", qos=1, packet_id=10 + i, version=version))
        s.send(w.puback(s.expect(w.PUBLISH).packet_id))
        p.expect(w.PUBACK)
    p.publish("inflight/1", b"one", qos=1)
    p.publish("inflight/2", b"two", qos=2)
    m1 = s.expect(w.PUBLISH)
    m2 = s.expect(w.PUBLISH)
    assert (m1.payload, m2.payload) == (b"one", b"two")
    s.send(w.pubrec(m2.packet_id))
    assert s.expect(w.PUBREL).packet_id == m2.packet_id
    s = _away_and_back(b, raw_client, version, [p, s], restart)
    # both are re-sent at once, in the order of the original sends or not
    got = {}
    for _ in range(2):
        pk = s.recv_packet()
        got[pk.type] = pk
    assert set(got) == {w.PUBLISH, w.PUBREL}, got
    again = got[w.PUBLISH]
    assert (again.payload, again.packet_id, again.dup) == (b"one", m1.packet_id, True)
    assert got[w.PUBREL].packet_id == m2.packet_id
    return s, m1, m2


@pytest.mark.parametrize("version", [4, 5])
def test_inflight_resent_after_restart(broker_factory, raw_client, version):
    """[MQTT-4.4.0-1] after a restart with `persistence true`, a persistent
    session's unacknowledged QoS 1 PUBLISH is re-sent with its packet id and
    DUP 1 [MQTT-3.3.1-1], and the PUBREL of a QoS 2 message the client
    answered with PUBREC is re-sent."""
    b = broker_factory(["persistence true"])
    inflight_resent_after_restart(b, raw_client, version, b.restart)


@pytest.mark.parametrize("version", [4, 5])
def test_pubrel_id_not_reused_after_restart(broker_factory, raw_client, version):
    """[MQTT-4.4.0-1] a QoS 2 message answered with PUBREC whose PUBREL did
    not reach the client: after a restart the PUBREL comes again, the message
    does not, and a new QoS 2 message gets another packet id, since the
    client holds that one until the PUBREL and would take a new message
    under it for the old one [MQTT-4.3.3-2]."""
    b = broker_factory(["persistence true"])
    s = subscribed(raw_client(b, version), "away", [("q/#", 2)], clean=False, props=_EXPIRY)
    p = raw_client(b, version)
    p.connect("pub")
    p.publish("q/1", b"once", qos=2)
    m = s.expect(w.PUBLISH)
    s.send(w.pubrec(m.packet_id))
    assert s.expect(w.PUBREL).packet_id == m.packet_id
    # taken as lost: no PUBCOMP
    s = _away_and_back(b, raw_client, version, [p, s], b.restart)
    assert s.expect(w.PUBREL).packet_id == m.packet_id
    p = raw_client(b, version)
    p.connect("pub")
    p.publish("q/2", b"new", qos=2)
    new = s.expect(w.PUBLISH)
    assert (new.payload, new.dup) == (b"new", False)
    assert new.packet_id != m.packet_id