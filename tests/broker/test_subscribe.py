# test_subscribe.py — SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK (MQTT 3.1.1 sections 3.8 - 3.11)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import auth_lines, mosquitto_deviation, subscribed, write_file


def _pub(raw_client):
    p = raw_client()
    p.connect("pub")
    return p


def _marker_next(s, p, topic="m/marker"):
    """s must be subscribed to topic; the next PUBLISH s sees must be the marker."""
    p.send(w.publish(topic, b"marker"))
    got = s.expect(w.PUBLISH)
    assert got.payload == b"marker", "expected only the marker, got %r" % got


def test_suback_codes_per_filter(broker, raw_client):
    """[MQTT-3.8.4-1] SUBACK answers SUBSCRIBE with the same packet id
    [MQTT-3.8.4-2]; [MQTT-3.8.4-5] [MQTT-3.9.3-1] one return code per filter,
    in order, here the QoS requested [MQTT-3.8.4-6]."""
    c = raw_client()
    c.connect("sub")
    ack = c.subscribe(0x4321, [("a/0", 0), ("a/1", 1), ("a/2", 2), ("b/#", 1), ("+/c", 2)])
    assert ack.packet_id == 0x4321
    assert ack.return_codes == [0, 1, 2, 1, 2]
    assert ack.flags == 0


def test_max_qos_lowers_granted_qos(broker_factory, raw_client):
    """[MQTT-3.8.4-6] the server may grant a lower maximum QoS than requested
    (max_qos 1 in the configuration) and then delivers at most that QoS."""
    b = broker_factory(["listener 1883", "max_qos 1"])
    c = raw_client(b)
    c.connect("sub")
    assert c.subscribe(1, [("a", 2), ("b", 0)]).return_codes == [1, 0]
    p = raw_client(b)
    p.connect("pub")
    p.send(w.publish("a", b"x", qos=1, packet_id=1))
    assert c.expect(w.PUBLISH).qos == 1


ACL = """\
# anonymous clients
topic read allowed/#
topic readwrite both/#

user admin
topic readwrite #
"""


@mosquitto_deviation("grants a subscription its ACL forbids (SUBACK 1) and drops the "
                     "messages at delivery instead of answering 0x80")
def test_acl_denied_filter_gets_0x80(broker_factory, raw_client, tmp_path):
    """[MQTT-3.9.3-1] [MQTT-3.8.4-5] a filter the server refuses (ACL deny) gets
    return code 0x80 while the other filters of the same SUBSCRIBE succeed."""
    acl = write_file(tmp_path / "acl", ACL)
    b = broker_factory(["acl_file " + acl])
    c = raw_client(b)
    c.connect("sub")
    ack = c.subscribe(1, [("allowed/x", 1), ("secret/x", 1), ("both/y", 2)])
    assert ack.return_codes == [1, 0x80, 2]


def test_acl_denied_subscription_gets_nothing(broker_factory, raw_client, tmp_path):
    """[MQTT-3.9.3-1] a refused subscription does not exist: messages published
    on its topic (by a user allowed to) are not delivered."""
    b = broker_factory(auth_lines(tmp_path, {"admin": "pw"}, ACL, anonymous=True))
    c = raw_client(b)
    c.connect("sub")
    assert c.subscribe(1, [("secret/x", 1), ("both/x", 0)]).return_codes[1] == 0
    p = raw_client(b)
    p.connect("admin-c", username="admin", password="pw")
    p.publish("secret/x", b"hidden", qos=1)
    _marker_next(c, p, "both/x")


def test_invalid_filter_closes(broker, raw_client):
    """[MQTT-4.7.1-2] "#" must be the last character of a filter: "a/#/b" is
    invalid; [MQTT-4.8.0-1] the server treats it as a protocol violation and
    closes the connection (the standard also allows SUBACK 0x80; Brokerdesk,
    like Mosquitto, closes)."""
    c = raw_client()
    c.connect("sub")
    c.send(w.subscribe(1, [("a/#/b", 0)]))
    packets = c.wait_closed()
    assert not any(p.type == w.SUBACK and p.return_codes != [0x80] for p in packets)
    broker.check_alive()


@pytest.mark.parametrize("filt", ["#/a", "a/b#", ""])
def test_invalid_filter_in_unsubscribe_closes(broker, raw_client, filt):
    """[MQTT-4.7.1-2] [MQTT-4.7.3-1] "#/a", "a/b#" and "" are not topic filters;
    in UNSUBSCRIBE as in SUBSCRIBE, [MQTT-4.8.0-1] the server treats them as a
    protocol violation and closes the connection: no UNSUBACK."""
    c = subscribed(raw_client(), "unsub", [("u/a", 0)])
    packets = c.send_expect_close(w.unsubscribe(2, ["u/a", filt]))
    assert not any(p.type == w.UNSUBACK for p in packets), packets
    broker.check_alive()


def test_resubscribe_replaces_subscription(broker, raw_client):
    """[MQTT-3.8.4-3] a SUBSCRIBE with a filter identical to an existing one
    replaces it: the new QoS applies and the message is delivered once."""
    c = subscribed(raw_client(), "sub", [("r/a", 2)])
    assert c.subscribe(2, [("r/a", 0)]).return_codes == [0]
    p = _pub(raw_client)
    p.publish("r/a", b"x", qos=2)
    m = c.expect(w.PUBLISH)
    assert (m.payload, m.qos) == (b"x", 0)
    c.subscribe(3, [("m/marker", 0)])
    _marker_next(c, p)


def test_same_filter_twice_in_one_subscribe(broker, raw_client):
    """[MQTT-3.8.4-4] a SUBSCRIBE with several filters is handled as a
    sequence of SUBSCRIBE packets with one SUBACK: the same filter twice is
    subscribed, then replaced [MQTT-3.8.4-3], each time with the retained
    messages sent at that subscription's QoS; a message published afterwards
    arrives once, at the second one's QoS, and the broker survives it."""
    p = _pub(raw_client)
    p.publish("tw/r", b"kept", qos=2, retain=True)
    c = raw_client()
    c.connect("sub")
    assert c.subscribe(1, [("tw/#", 0), ("tw/#", 2), ("m/marker", 0)]).return_codes == [0, 2, 0]
    got = [c.expect(w.PUBLISH) for _ in range(2)]
    assert [(m.topic, m.payload, m.qos, m.retain) for m in got] == [
        ("tw/r", b"kept", 0, True), ("tw/r", b"kept", 2, True)]
    c.send(w.pubrec(got[1].packet_id))
    c.send(w.pubcomp(c.expect(w.PUBREL).packet_id))
    p.publish("tw/x", b"once", qos=2, packet_id=2)
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.qos) == ("tw/x", b"once", 2)
    c.send(w.pubrec(m.packet_id))
    c.send(w.pubcomp(c.expect(w.PUBREL).packet_id))
    _marker_next(c, p)
    broker.check_alive()


def test_unsubscribe_stops_delivery(broker, raw_client):
    """[MQTT-3.10.4-1] [MQTT-3.10.4-2] after UNSUBSCRIBE the server stops
    adding messages for that filter; UNSUBACK carries the same packet id
    [MQTT-3.10.4-4] and flags 0."""
    c = subscribed(raw_client(), "sub", [("u/a", 1), ("m/marker", 0)])
    p = _pub(raw_client)
    p.send(w.publish("u/a", b"before"))
    assert c.expect(w.PUBLISH).payload == b"before"
    c.send(w.unsubscribe(0x0102, ["u/a"]))
    ack = c.expect(w.UNSUBACK)
    assert ack.packet_id == 0x0102 and ack.flags == 0 and len(ack.body) == 2
    p.send(w.publish("u/a", b"after"))
    _marker_next(c, p)


def test_unsuback_when_nothing_subscribed(broker, raw_client):
    """[MQTT-3.10.4-5] UNSUBACK is sent even if no topic filter matched."""
    c = raw_client()
    c.connect("sub")
    c.send(w.unsubscribe(77, ["never/subscribed", "nor/this/#"]))
    assert c.expect(w.UNSUBACK).packet_id == 77


def test_unsubscribe_matches_filter_exactly(broker, raw_client):
    """[MQTT-3.10.4-1] filters are compared character by character: unsubscribing
    "a/+" leaves the subscription "a/b" in place."""
    c = subscribed(raw_client(), "sub", [("a/b", 0)])
    c.send(w.unsubscribe(2, ["a/+", "A/b"]))
    c.expect(w.UNSUBACK)
    p = _pub(raw_client)
    p.send(w.publish("a/b", b"still"))
    assert c.expect(w.PUBLISH).payload == b"still"


def test_unsubscribe_several_filters(broker, raw_client):
    """[MQTT-3.10.4-6] an UNSUBSCRIBE with several filters is processed as if
    they were sent one by one, with a single UNSUBACK."""
    c = subscribed(raw_client(), "sub", [("x/1", 0), ("x/2", 0), ("x/3", 0), ("m/marker", 0)])
    c.send(w.unsubscribe(2, ["x/1", "x/3"]))
    c.expect(w.UNSUBACK)
    p = _pub(raw_client)
    for t in ("x/1", "x/2", "x/3"):
        p.send(w.publish(t, t.encode()))
    assert c.expect(w.PUBLISH).topic == "x/2"
    _marker_next(c, p)


@mosquitto_deviation("sends its single copy at the QoS of one matching subscription "
                     "(1, from o/a), not the maximum of them (2, from o/+)")
def test_overlapping_subscriptions_max_qos(broker, raw_client):
    """[MQTT-3.3.5-1] with overlapping subscriptions the server must deliver at
    the maximum QoS of the matching subscriptions; the issue demands exactly
    one copy at the highest granted QoS."""
    c = subscribed(raw_client(), "sub", [("o/#", 0), ("o/+", 2), ("o/a", 1), ("m/marker", 0)])
    p = _pub(raw_client)
    p.publish("o/a", b"once", qos=2)
    m = c.expect(w.PUBLISH)
    assert m.qos == 2
    c.send(w.pubrec(m.packet_id))
    c.expect(w.PUBREL)
    c.send(w.pubcomp(m.packet_id))
    _marker_next(c, p)


def test_overlapping_subscriptions_single_copy(broker, raw_client):
    """[MQTT-3.3.5-1] overlapping subscriptions may each get a copy, but the
    issue demands one copy only (Mosquitto 2.0 also sends one)."""
    c = subscribed(raw_client(), "sub", [("o/#", 0), ("o/+", 1), ("o/a", 1), ("m/marker", 0)])
    p = _pub(raw_client)
    p.publish("o/a", b"once", qos=1)
    got = []
    while True:
        m = c.expect(w.PUBLISH)
        if m.payload == b"marker":
            break
        got.append(m.qos)
        if m.qos:
            c.send(w.puback(m.packet_id))
        if len(got) == 1:
            p.send(w.publish("m/marker", b"marker"))
    assert got == [1]


def test_paho_subscribe_unsubscribe(broker, mqtt_client):
    """paho: SUBSCRIBE with a list of filters gets the granted QoS list;
    UNSUBSCRIBE then stops delivery."""
    c = mqtt_client()
    c.connect()
    assert c.subscribe([("p/a", 0), ("p/b", 1), ("p/c", 2)]) == [0, 1, 2]
    pub = mqtt_client()
    pub.connect()
    pub.publish("p/b", b"1", 1)
    assert c.get_message().payload == b"1"
    c.unsubscribe(["p/a", "p/b"])
    pub.publish("p/b", b"2", 1)
    pub.publish("p/c", b"3", 1)
    assert c.get_message().payload == b"3"
    c.sync(via=pub)
    assert c.drain() == []
