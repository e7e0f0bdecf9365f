# test_mqtt5_publish.py — MQTT 5 PUBLISH properties, topic aliases, expiry, interop
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Statement numbers are those of the MQTT Version 5.0 OASIS Standard (2019).

import threading

import pytest

import mqttwire as w
from brokertest import IS_MOSQUITTO, PacketTypes, mosquitto_deviation, props


def _v5(raw_client, client_id, **kw):
    c = raw_client(version=5)
    c.connect(client_id, **kw)
    return c


def test_properties_passed_through(broker, mqtt_client):
    """[MQTT-3.3.2-4] Payload Format Indicator, [MQTT-3.3.2-15] Response Topic,
    [MQTT-3.3.2-16] Correlation Data, [MQTT-3.3.2-17] [MQTT-3.3.2-18] User
    Properties (in order), [MQTT-3.3.2-20] Content Type are forwarded
    unaltered to the subscriber."""
    sub = mqtt_client(version=5)
    sub.connect()
    sub.subscribe("p5/#", 1)
    pub = mqtt_client(version=5)
    pub.connect()
    user = [("b", "2"), ("a", "1"), ("a", "0")]
    pub.publish("p5/x", b"{}", 1, properties=props(
        PacketTypes.PUBLISH, PayloadFormatIndicator=1, ContentType="application/json",
        ResponseTopic="p5/reply", CorrelationData=b"\x00\x01corr", UserProperty=user))
    m = sub.get_message()
    p = m.properties
    assert p.PayloadFormatIndicator == 1
    assert p.ContentType == "application/json"
    assert p.ResponseTopic == "p5/reply"
    assert p.CorrelationData == b"\x00\x01corr"
    assert p.UserProperty == user


@mosquitto_deviation("does not check the payload against Payload Format Indicator 1: "
                     "PUBACK 0x00 and the message is delivered")
def test_payload_format_invalid_utf8_puback_0x99(broker, raw_client):
    """[3.3.2.3.2] [3.4.2.1] a PUBLISH with Payload Format Indicator 1 whose
    payload is not valid UTF-8: PUBACK with reason 0x99 (Payload format
    invalid), or a DISCONNECT 0x99; the message is not delivered."""
    s = _v5(raw_client, "sub")
    s.subscribe(1, [("pf/#", 1)])
    p = _v5(raw_client, "pub")
    p.send(w.publish("pf/x", b"\xff\xfe bad", qos=1, packet_id=3, version=5,
                     props=[(w.PROP_PAYLOAD_FORMAT_INDICATOR, 1)]))
    ack = p.recv_packet()
    assert (ack.type, ack.rc) in ((w.PUBACK, 0x99), (w.DISCONNECT, 0x99)), ack
    q = _v5(raw_client, "pub2")
    q.publish("pf/x", b"good", qos=1)
    m = s.expect(w.PUBLISH)
    assert m.payload == b"good"


def test_topic_alias_from_client(broker, raw_client):
    """[MQTT-3.3.2-12] a client may set a Topic Alias with a topic name and
    then publish with an empty topic and that alias; the server resolves it.
    The subscriber gets the full topic name each time."""
    s = _v5(raw_client, "sub")
    s.subscribe(1, [("ta/#", 0)])
    p = _v5(raw_client, "pub")
    p.send(w.publish("ta/long/topic", b"1", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("", b"2", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("ta/other", b"3", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    p.send(w.publish("", b"4", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    got = [(m.topic, m.payload) for m in (s.expect(w.PUBLISH) for _ in range(4))]
    assert got == [("ta/long/topic", b"1"), ("ta/long/topic", b"2"),
                   ("ta/other", b"3"), ("ta/other", b"4")]


def test_topic_alias_zero_is_error(broker, raw_client):
    """[MQTT-3.3.2-8] Topic Alias 0 is not permitted: the server disconnects
    (DISCONNECT 0x94 Topic Alias invalid; Mosquitto says 0x81 Malformed
    Packet, also accepted)."""
    p = _v5(raw_client, "pub")
    packets = p.send_expect_close(w.publish("ta/x", b"1", version=5,
                                            props=[(w.PROP_TOPIC_ALIAS, 0)]))
    assert all(x.type == w.DISCONNECT and x.rc in (0x94, 0x81, 0x82) for x in packets), packets
    broker.check_alive()


def test_topic_alias_above_maximum_is_error(broker, raw_client):
    """[MQTT-3.3.2-9] a Topic Alias greater than the server's Topic Alias
    Maximum (from CONNACK) is a protocol error: disconnect."""
    p = raw_client(version=5)
    ack = p.connect("pub")
    maximum = ack.prop(w.PROP_TOPIC_ALIAS_MAXIMUM, 0)
    packets = p.send_expect_close(w.publish("ta/x", b"1", version=5,
                                            props=[(w.PROP_TOPIC_ALIAS, maximum + 1)]))
    assert all(x.type == w.DISCONNECT and x.rc in (0x94, 0x82) for x in packets), packets
    broker.check_alive()


def test_unknown_topic_alias_is_error(broker, raw_client):
    """[3.3.4] a PUBLISH with an empty topic and an alias never set is a
    protocol error: disconnect (0x82 Protocol Error, if sent)."""
    p = _v5(raw_client, "pub")
    packets = p.send_expect_close(w.publish("", b"1", version=5,
                                            props=[(w.PROP_TOPIC_ALIAS, 1)]))
    assert all(x.type == w.DISCONNECT and x.rc >= 0x80 for x in packets), packets
    broker.check_alive()


def test_server_aliases_within_client_maximum(broker, raw_client):
    """[MQTT-3.3.2-10] [MQTT-3.3.2-11] the server must not send a Topic Alias
    greater than the client's Topic Alias Maximum; with none given (0) it
    sends no alias and always the full topic name."""
    plain = _v5(raw_client, "plain")
    plain.subscribe(1, [("sa/#", 0)])
    aliased = _v5(raw_client, "aliased", props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 2)])
    aliased.subscribe(1, [("sa/#", 0)])
    p = _v5(raw_client, "pub")
    for i in range(4):
        p.send(w.publish("sa/repeated/topic", b"%d" % i, version=5))
    aliases = {}
    for i in range(4):
        m = plain.expect(w.PUBLISH)
        assert m.prop(w.PROP_TOPIC_ALIAS) is None and m.topic == "sa/repeated/topic"
        m = aliased.expect(w.PUBLISH)
        alias = m.prop(w.PROP_TOPIC_ALIAS)
        if alias is not None:
            assert 1 <= alias <= 2
            if m.topic:
                aliases[alias] = m.topic
            topic = aliases.get(alias)
        else:
            topic = m.topic
        assert topic == "sa/repeated/topic"


def test_message_expiry(broker, raw_client):
    """[MQTT-3.3.2-5] a message whose expiry interval has passed is not sent to
    a subscriber (queued for an offline session, or retained); [MQTT-3.3.2-6]
    a message still valid is sent with the expiry interval reduced by the
    time it waited."""
    s = _v5(raw_client, "offline", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    s.subscribe(1, [("ex/#", 1)])
    s.disconnect()
    p = _v5(raw_client, "pub")
    p.publish("ex/short", b"expires", qos=1, packet_id=1,
              props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    p.publish("ex/long", b"valid", qos=1, packet_id=2,
              props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 60)])
    p.publish("ex/retained", b"expires", qos=1, packet_id=3, retain=True,
              props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    # the passing of time is what is tested
    threading.Event().wait(2.2)
    s = raw_client(version=5)
    assert s.connect("offline", clean=False,
                     props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)]).session_present
    m = s.expect(w.PUBLISH)
    assert m.payload == b"valid"
    assert 50 <= m.prop(w.PROP_MESSAGE_EXPIRY_INTERVAL) < 60
    s.send(w.puback(m.packet_id, 0, version=5))
    late = _v5(raw_client, "late")
    late.subscribe(1, [("ex/retained", 0), ("zz/marker", 0)])
    p.send(w.publish("zz/marker", b"marker", version=5))
    assert late.expect(w.PUBLISH).payload == b"marker"


def test_message_expiry_not_rounded_down(broker, raw_client):
    """[MQTT-3.3.2-6] the Message Expiry Interval forwarded is the received
    value minus the time the message waited in the server: a message sent on
    at once (live, retained, or queued for a session that reconnects at
    once) keeps its whole interval, 4 stays 4 and 1 stays 1 (never 0 for a
    message still delivered)."""
    s = _v5(raw_client, "queued", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)])
    s.subscribe(1, [("er/#", 1)])
    p = _v5(raw_client, "pub")
    for i, interval in enumerate((4, 1)):
        p.publish("er/live", b"%d" % interval, qos=1, packet_id=i + 1,
                  props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, interval)])
        m = s.expect(w.PUBLISH)
        assert (m.payload, m.prop(w.PROP_MESSAGE_EXPIRY_INTERVAL)) == (b"%d" % interval, interval)
        s.send(w.puback(m.packet_id, 0, version=5))
    s.disconnect()
    p.publish("er/offline", b"1", qos=1, packet_id=3,
              props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    p.publish("er/retained", b"4", qos=1, packet_id=4, retain=True,
              props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 4)])
    s = raw_client(version=5)
    assert s.connect("queued", clean=False,
                     props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 60)]).session_present
    got = {}
    for _ in range(2):
        m = s.expect(w.PUBLISH)
        got[m.topic] = m.prop(w.PROP_MESSAGE_EXPIRY_INTERVAL)
        s.send(w.puback(m.packet_id, 0, version=5))
    assert got == {"er/offline": 1, "er/retained": 4}
    late = _v5(raw_client, "late")
    late.subscribe(1, [("er/retained", 1)])
    m = late.expect(w.PUBLISH)
    assert (m.retain, m.prop(w.PROP_MESSAGE_EXPIRY_INTERVAL)) == (True, 4)


def test_v311_publisher_v5_subscriber(broker, mqtt_client):
    """MQTT 3.1.1 and MQTT 5 clients share topics: a 3.1.1 message (and a
    retained one) reaches a v5 subscriber with QoS and retain intact."""
    old = mqtt_client(version=4)
    old.connect()
    old.publish("mix/ret", b"retained", 1, retain=True)
    new = mqtt_client(version=5)
    new.connect()
    new.subscribe("mix/#", 2)
    m = new.get_message()
    assert (m.topic, m.payload, m.retain) == ("mix/ret", b"retained", 1)
    old.publish("mix/live", b"live", 2)
    m = new.get_message()
    assert (m.topic, m.payload, m.qos) == ("mix/live", b"live", 2)


def test_v5_publisher_v311_subscriber(broker, mqtt_client):
    """A v5 message with properties reaches an MQTT 3.1.1 subscriber as a plain
    3.1.1 PUBLISH (properties dropped, payload and QoS intact)."""
    old = mqtt_client(version=4)
    old.connect()
    old.subscribe("mix/#", 1)
    new = mqtt_client(version=5)
    new.connect()
    new.publish("mix/x", b"from5", 1, properties=props(
        PacketTypes.PUBLISH, UserProperty=[("k", "v")], ContentType="text/plain"))
    m = old.get_message()
    assert (m.topic, m.payload, m.qos) == ("mix/x", b"from5", 1)


def test_v5_puback_reason_codes(broker, raw_client):
    """[3.4.2.1] PUBACK to a QoS 1 PUBLISH is 0x00 Success, or 0x10 No matching
    subscribers when nobody subscribes; both are success codes (< 0x80)."""
    p = _v5(raw_client, "pub")
    ack = p.publish("nobody/here", b"x", qos=1)
    assert ack.rc in (0x00, 0x10)
    s = _v5(raw_client, "sub")
    s.subscribe(1, [("some/one", 0)])
    ack = p.publish("some/one", b"x", qos=1, packet_id=2)
    assert ack.rc == 0x00


STORED_PROPS = [(w.PROP_PAYLOAD_FORMAT_INDICATOR, 1), (w.PROP_CONTENT_TYPE, "text/plain"),
                (w.PROP_RESPONSE_TOPIC, "reply/here"), (w.PROP_CORRELATION_DATA, b"\x00id"),
                (w.PROP_USER_PROPERTY, ("z", "1")), (w.PROP_USER_PROPERTY, ("a", "2"))]


def _without_expiry(m):
    return [(i, v) for i, v in m.props if i not in (w.PROP_MESSAGE_EXPIRY_INTERVAL,
                                                     w.PROP_SUBSCRIPTION_IDENTIFIER)]


def test_retained_properties_survive_restart(broker_factory, raw_client):
    """[MQTT-3.3.1-5] the server stores the Application Message, properties
    included: after a restart with `persistence true`, a retained message
    still carries its Payload Format Indicator [MQTT-3.3.2-4], Content Type
    [MQTT-3.3.2-20], Response Topic, Correlation Data and User Properties in
    order [MQTT-3.3.2-17][MQTT-3.3.2-18]."""
    b = broker_factory(["persistence true"])
    p = raw_client(b, version=5)
    p.connect("pub")
    p.publish("keep/props", b"stored", qos=1, retain=True, props=STORED_PROPS)
    p.disconnect()
    b.restart()
    s = raw_client(b, version=5)
    s.connect("sub")
    s.subscribe(1, [("keep/#", 1)])
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.retain) == ("keep/props", b"stored", True)
    assert sorted(_without_expiry(m), key=lambda p: p[0]) == sorted(STORED_PROPS, key=lambda p: p[0])



def test_malformed_publish_reason_names_packet_once(broker, raw_client):
    """A property given twice is a Protocol Error [MQTT-2.2.2-2]: the server
    disconnects with 0x82, and a Reason String it adds [MQTT-3.14.2.2.3]
    names the packet once."""
    p = _v5(raw_client, "pub")
    packets = p.send_expect_close(w.publish("twice/x", b"1", version=5,
                                            props=[(w.PROP_PAYLOAD_FORMAT_INDICATOR, 1),
                                                   (w.PROP_PAYLOAD_FORMAT_INDICATOR, 1)]))
    # Closing without a DISCONNECT is allowed too [MQTT-4.13.1-1] (Mosquitto).
    assert all(x.type == w.DISCONNECT and x.rc == 0x82 for x in packets), packets
    reason = packets[0].prop(w.PROP_REASON_STRING) if packets else None
    if not IS_MOSQUITTO:
        assert reason is not None, packets
    if reason is not None:
        assert reason.startswith("PUBLISH") and "PUBLISH: PUBLISH" not in reason, reason
    broker.check_alive()
