# test_retained.py — retained messages (MQTT 3.1.1 section 3.3.1.3)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import subscribed


def _pub(raw_client, client_id="pub"):
    p = raw_client()
    p.connect(client_id)
    return p


def _subscriber(raw_client, filt, qos=1, client_id="sub"):
    s = raw_client()
    s.connect(client_id)
    ack = s.subscribe(1, [(filt, qos)])
    assert ack.return_codes == [qos]
    return s


def _no_more(raw_client, s, topic="zz/marker"):
    """Subscribe the marker topic, publish there: the next packet s sees must
    be the marker (nothing else was pending)."""
    s.subscribe(99, [(topic, 0)])
    m = raw_client()
    m.connect("marker")
    m.publish(topic, b"marker", qos=1, packet_id=3)
    p = s.expect(w.PUBLISH)
    assert p.payload == b"marker", "expected nothing before the marker, got %r" % p


def test_retained_delivered_on_subscribe(broker, raw_client):
    """[MQTT-3.3.1-5] a RETAIN=1 PUBLISH is stored; [MQTT-3.3.1-6] a new
    subscription receives the last retained message of each matching topic;
    [MQTT-3.3.1-8] with RETAIN set to 1."""
    p = _pub(raw_client)
    p.publish("r/a", b"A", qos=1, retain=True)
    s = _subscriber(raw_client, "r/a")
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.retain, m.qos) == ("r/a", b"A", True, 1)


def test_retained_replaced_by_newer(broker, raw_client):
    """[MQTT-3.3.1-5] a new retained message replaces the stored one."""
    p = _pub(raw_client)
    p.publish("r/a", b"old", qos=1, retain=True)
    p.publish("r/a", b"new", qos=1, packet_id=2, retain=True)
    s = _subscriber(raw_client, "r/a")
    assert s.expect(w.PUBLISH).payload == b"new"
    _no_more(raw_client, s)


def test_retain_flag_cleared_on_normal_forwarding(broker, raw_client):
    """[MQTT-3.3.1-9] a RETAIN=1 message sent to a subscription that existed
    before it was published carries RETAIN 0."""
    s = _subscriber(raw_client, "r/#")
    p = _pub(raw_client)
    p.publish("r/a", b"live", qos=1, retain=True)
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.retain) == (b"live", False)


def test_retained_qos0_kept(broker, raw_client):
    """[MQTT-3.3.1-7] a retained QoS 0 message is stored too (the server
    discards any earlier retained message for that topic and keeps it)."""
    p = _pub(raw_client)
    p.send(w.publish("r/q0", b"first", qos=1, packet_id=1, retain=True))
    p.expect(w.PUBACK)
    p.send(w.publish("r/q0", b"zero", qos=0, retain=True))
    p.ping()  # the QoS 0 PUBLISH was processed before the PINGREQ
    s = _subscriber(raw_client, "r/q0", qos=1)
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.qos, m.retain) == (b"zero", 0, True)


def test_empty_retained_payload_clears(broker, raw_client):
    """[MQTT-3.3.1-10] a RETAIN=1 PUBLISH with zero-byte payload removes the
    retained message; [MQTT-3.3.1-11] it is not stored itself. Existing
    subscribers still receive it as a normal message."""
    live = _subscriber(raw_client, "r/#", client_id="live")
    p = _pub(raw_client)
    p.publish("r/a", b"A", qos=1, retain=True)
    assert live.expect(w.PUBLISH).payload == b"A"
    live.send(w.puback(1))
    p.publish("r/a", b"", qos=1, packet_id=2, retain=True)
    m = live.expect(w.PUBLISH)
    assert m.payload == b""
    s = _subscriber(raw_client, "r/#")
    _no_more(raw_client, s)


def test_non_retained_publish_keeps_retained(broker, raw_client):
    """[MQTT-3.3.1-12] a RETAIN=0 PUBLISH neither stores nor removes the
    retained message of its topic."""
    p = _pub(raw_client)
    p.publish("r/a", b"kept", qos=1, retain=True)
    p.publish("r/a", b"transient", qos=1, packet_id=2)
    s = _subscriber(raw_client, "r/a")
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.retain) == (b"kept", True)
    _no_more(raw_client, s)


def test_retained_through_wildcards(broker, raw_client):
    """[MQTT-3.3.1-6] every matching retained message is sent for a wildcard
    subscription, each once."""
    p = _pub(raw_client)
    for i, t in enumerate(("h/1/temp", "h/2/temp", "h/2/hum", "other")):
        p.publish(t, t.encode(), qos=1, packet_id=i + 1, retain=True)
    s = _subscriber(raw_client, "h/+/temp")
    got = sorted(s.expect(w.PUBLISH).topic for _ in range(2))
    assert got == ["h/1/temp", "h/2/temp"]
    _no_more(raw_client, s)
    s2 = _subscriber(raw_client, "h/#", client_id="sub2")
    got = sorted(s2.expect(w.PUBLISH).topic for _ in range(3))
    assert got == ["h/1/temp", "h/2/hum", "h/2/temp"]


def test_retained_delivered_at_min_qos(broker, raw_client):
    """[MQTT-3.8.4-6] [3.3.1.3] a retained QoS 2 message to a QoS 1
    subscription is sent at QoS 1."""
    p = _pub(raw_client)
    p.publish("r/a", b"A", qos=2, retain=True)
    s = _subscriber(raw_client, "r/a", qos=1)
    m = s.expect(w.PUBLISH)
    assert (m.qos, m.retain) == (1, True)


def test_resubscribe_resends_retained(broker, raw_client):
    """[MQTT-3.8.4-3] re-sending an identical subscription replaces it and the
    retained messages matching it are re-sent."""
    p = _pub(raw_client)
    p.publish("r/a", b"A", qos=1, retain=True)
    s = _subscriber(raw_client, "r/a", qos=0)
    assert s.expect(w.PUBLISH).retain is True
    s.subscribe(2, [("r/a", 0)])
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.retain) == (b"A", True)


def test_paho_retained(broker, mqtt_client):
    """paho: a retained message published before the subscription arrives with
    retain set; clearing it with an empty retained payload leaves nothing."""
    pub = mqtt_client()
    pub.connect()
    pub.publish("pr/x", b"v1", 1, retain=True)
    sub = mqtt_client()
    sub.connect()
    sub.subscribe("pr/#", 1)
    m = sub.get_message()
    assert (m.topic, m.payload, m.retain) == ("pr/x", b"v1", 1)
    pub.publish("pr/x", b"", 1, retain=True)
    assert sub.get_message().payload == b""
    late = mqtt_client()
    late.connect()
    late.subscribe("pr/#", 1)
    late.sync(via=pub)
    assert late.drain() == []


@pytest.mark.parametrize("persist", [True])
def test_retained_survive_restart_with_persistence(broker_factory, raw_client, persist):
    """With `persistence true` retained messages survive a broker restart
    (Mosquitto semantics; Brokerdesk: "nothing is lost on a crash")."""
    b = broker_factory(["persistence true"])
    p = raw_client(b)
    p.connect("pub")
    p.publish("keep/me", b"stored", qos=1, retain=True)
    p.disconnect()
    b.restart()
    s = subscribed(raw_client(b), "sub", [("keep/#", 1)])
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.retain) == ("keep/me", b"stored", True)
