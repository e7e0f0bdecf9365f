# test_mqtt5_subscribe.py — MQTT 5 subscription options, identifiers, shared subscriptions
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Statement numbers are those of the MQTT Version 5.0 OASIS Standard (2019).
# Subscription options byte (3.8.3.1): bits 0-1 QoS, bit 2 No Local,
# bit 3 Retain As Published, bits 4-5 Retain Handling.

import pytest

import mqttwire as w
from brokertest import PacketTypes, SubscribeOptions, auth_lines, mosquitto_deviation, props

NO_LOCAL = 0x04
RETAIN_AS_PUBLISHED = 0x08


def RH(n):
    return n << 4


def _v5(raw_client, client_id, **kw):
    c = raw_client(version=5)
    c.connect(client_id, **kw)
    return c


def _marker(p, s, topic="zz/marker"):
    """s is subscribed to topic: the next PUBLISH s sees must be the marker."""
    p.send(w.publish(topic, b"marker", version=5))
    m = s.expect(w.PUBLISH)
    assert m.payload == b"marker", "expected only the marker, got %r" % m


def test_no_local(broker, raw_client):
    """[MQTT-3.8.3-3] with No Local 1, the server must not forward a message to
    the connection that published it; others' messages still arrive."""
    c = _v5(raw_client, "self")
    assert c.subscribe(1, [("nl/#", 1 | NO_LOCAL), ("zz/marker", 0)]).return_codes == [1, 0]
    c.publish("nl/x", b"own", qos=1)
    other = _v5(raw_client, "other")
    other.publish("nl/x", b"foreign", qos=1)
    m = c.expect(w.PUBLISH)
    assert m.payload == b"foreign"
    c.send(w.puback(m.packet_id, 0, version=5))
    _marker(other, c)


def test_without_no_local_own_messages_arrive(broker, raw_client):
    """[3.8.3.1] No Local 0 (default): a client receives its own messages."""
    c = _v5(raw_client, "self")
    c.subscribe(1, [("nl/#", 0)])
    c.send(w.publish("nl/x", b"own", version=5))
    assert c.expect(w.PUBLISH).payload == b"own"


def test_retain_as_published(broker, raw_client):
    """[MQTT-3.3.1-12] Retain As Published 0: RETAIN is cleared on forwarding;
    [MQTT-3.3.1-13] Retain As Published 1: RETAIN is kept as published."""
    rap = _v5(raw_client, "rap")
    rap.subscribe(1, [("ra/#", RETAIN_AS_PUBLISHED)])
    plain = _v5(raw_client, "plain")
    plain.subscribe(1, [("ra/#", 0)])
    p = _v5(raw_client, "pub")
    p.publish("ra/x", b"r", qos=1, retain=True)
    assert rap.expect(w.PUBLISH).retain is True
    assert plain.expect(w.PUBLISH).retain is False


def test_retain_handling_0_sends_on_every_subscribe(broker, raw_client):
    """[MQTT-3.3.1-9] Retain Handling 0: retained messages are sent at every
    subscribe, also when the subscription already existed."""
    p = _v5(raw_client, "pub")
    p.publish("rh/x", b"kept", qos=1, retain=True)
    c = _v5(raw_client, "sub")
    c.subscribe(1, [("rh/#", RH(0))])
    assert c.expect(w.PUBLISH).retain is True
    c.subscribe(2, [("rh/#", RH(0))])
    assert c.expect(w.PUBLISH).payload == b"kept"


def test_retain_handling_1_only_new_subscription(broker, raw_client):
    """[MQTT-3.3.1-10] Retain Handling 1: retained messages are sent only if
    the subscription did not exist before."""
    p = _v5(raw_client, "pub")
    p.publish("rh/x", b"kept", qos=1, retain=True)
    c = _v5(raw_client, "sub")
    c.subscribe(1, [("rh/#", RH(1)), ("zz/marker", 0)])
    assert c.expect(w.PUBLISH).payload == b"kept"
    c.subscribe(2, [("rh/#", RH(1))])
    _marker(p, c)


def test_retain_handling_2_never(broker, raw_client):
    """[MQTT-3.3.1-11] Retain Handling 2: retained messages are not sent when
    subscribing; live messages still are."""
    p = _v5(raw_client, "pub")
    p.publish("rh/x", b"kept", qos=1, retain=True)
    c = _v5(raw_client, "sub")
    c.subscribe(1, [("rh/#", RH(2)), ("zz/marker", 0)])
    _marker(p, c)
    p.send(w.publish("rh/x", b"live", version=5))
    assert c.expect(w.PUBLISH).payload == b"live"


def test_subscription_identifiers(broker, raw_client):
    """[MQTT-3.3.4-3] the server sends the Subscription Identifier of each
    matching subscription with the message; [MQTT-3.3.4-4] if it sends one
    copy for several subscriptions it includes all their identifiers."""
    c = raw_client(version=5)
    c.connect("ids")
    c.subscribe(1, [("si/#", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 7)])
    c.subscribe(2, [("si/+", 1)], props=[(w.PROP_SUBSCRIPTION_IDENTIFIER, 300)])
    c.subscribe(3, [("zz/marker", 0)])
    p = _v5(raw_client, "pub")
    p.publish("si/a", b"x", qos=1)
    ids = []
    copies = 0
    while True:
        m = c.expect(w.PUBLISH)
        if m.payload == b"marker":
            break
        copies += 1
        ids += m.props_all(w.PROP_SUBSCRIPTION_IDENTIFIER)
        c.send(w.puback(m.packet_id, 0, version=5))
        if copies == 1:
            p.send(w.publish("zz/marker", b"marker", version=5))
    assert sorted(ids) == [7, 300]


def test_subscription_identifier_not_on_unmarked_subscription(broker, raw_client):
    """[MQTT-3.3.4-3] a subscription made without an identifier gets messages
    without a Subscription Identifier property."""
    c = _v5(raw_client, "noid")
    c.subscribe(1, [("si/#", 0)])
    c.send(w.publish("si/a", b"x", version=5))
    assert c.expect(w.PUBLISH).props_all(w.PROP_SUBSCRIPTION_IDENTIFIER) == []


def test_shared_subscription_distribution(broker, raw_client):
    """[4.8.2] a message to a shared subscription $share/g/f is sent to only
    one member of the group; distribution is fair: with two members and 20
    messages, each gets some and none is lost or duplicated."""
    # each member also subscribes a marker topic normally
    a = _v5(raw_client, "a")
    a.subscribe(1, [("$share/g/sh/#", 1), ("zz/marker", 0)])
    b = _v5(raw_client, "b")
    b.subscribe(1, [("$share/g/sh/#", 1), ("zz/marker", 0)])
    p = _v5(raw_client, "pub")
    n = 20
    for i in range(n):
        p.publish("sh/x", b"%d" % i, qos=1, packet_id=i + 1)
    p.send(w.publish("zz/marker", b"marker", version=5))
    got = {}
    for name, c in (("a", a), ("b", b)):
        got[name] = []
        while True:
            m = c.expect(w.PUBLISH)
            if m.payload == b"marker":
                break
            got[name].append(int(m.payload))
            c.send(w.puback(m.packet_id, 0, version=5))
    assert sorted(got["a"] + got["b"]) == list(range(n))
    assert len(got["a"]) >= n // 4 and len(got["b"]) >= n // 4, got


def test_shared_and_normal_subscription(broker, raw_client):
    """[4.8.2] a normal subscription on the same filter still gets every
    message, independent of the shared group."""
    s1 = _v5(raw_client, "s1")
    s1.subscribe(1, [("$share/grp/sn/#", 0)])
    normal = _v5(raw_client, "normal")
    normal.subscribe(1, [("sn/#", 0)])
    p = _v5(raw_client, "pub")
    for i in range(5):
        p.send(w.publish("sn/x", b"%d" % i, version=5))
    assert [normal.expect(w.PUBLISH).payload for _ in range(5)] == [b"%d" % i for i in range(5)]
    assert [s1.expect(w.PUBLISH).payload for _ in range(5)] == [b"%d" % i for i in range(5)]


def test_shared_subscription_kept_by_stored_session(broker, raw_client):
    """[4.8.2] a shared subscription belongs to the session: a session kept
    after its client left ([MQTT-3.1.2-23], Session Expiry Interval > 0) gets
    the group's messages when it resumes, and the broker still shuts down
    cleanly (status 0, checked at teardown) while it holds such a session."""
    c = _v5(raw_client, "member", props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)])
    assert c.subscribe(1, [("$share/g/kept/#", 1)]).return_codes == [1]
    c.disconnect()
    p = _v5(raw_client, "pub")
    p.publish("kept/x", b"while away", qos=1)
    c = raw_client(version=5)
    assert c.connect("member", clean=False,
                     props=[(w.PROP_SESSION_EXPIRY_INTERVAL, 600)]).session_present
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("kept/x", b"while away")
    c.send(w.puback(m.packet_id, 0, version=5))
    c.disconnect()


@mosquitto_deviation("sends the retained messages to a new shared subscription")
def test_retained_not_sent_to_shared_subscription(broker, raw_client):
    """[3.3.1.3] only a new Non-shared Subscription is sent the retained
    messages: subscribing to a shared subscription sends none (Retain
    Handling 0 notwithstanding)."""
    p = _v5(raw_client, "pub")
    p.publish("shr/x", b"kept", qos=1, retain=True)
    c = _v5(raw_client, "member")
    assert c.subscribe(1, [("$share/g/shr/#", 1), ("zz/marker", 0)]).return_codes == [1, 0]
    _marker(p, c)


@mosquitto_deviation("grants No Local on a shared subscription (SUBACK 0x00)")
def test_shared_subscription_with_no_local_is_error(broker, raw_client):
    """[MQTT-3.8.3-4] No Local 1 on a shared subscription is a protocol error:
    SUBACK with a failure code or the connection closed."""
    c = _v5(raw_client, "sub")
    c.send(w.subscribe(1, [("$share/g/t", NO_LOCAL)], version=5))
    try:
        p = c.recv_packet()
    except w.ConnectionClosed:
        broker.check_alive()
        return
    if p.type == w.SUBACK:
        assert p.return_codes[0] >= 0x80, p
    else:
        assert p.type == w.DISCONNECT and p.rc >= 0x80, p
    broker.check_alive()


SHARE_ACL = """\
# anonymous clients
topic read plant/#
topic write wo/#
pattern read devices/%c/#
pattern read users/%u/#

user admin
topic readwrite #
"""


def _share_acl_broker(broker_factory, tmp_path, acl=SHARE_ACL):
    return broker_factory(auth_lines(tmp_path, {"admin": "pw", "alice": "pw"}, acl, anonymous=True))


def test_shared_subscription_acl_readwrite_all(broker_factory, raw_client, tmp_path):
    """[MQTT-4.8.2-1] [MQTT-4.8.2-2] in $share/{ShareName}/{filter} only the
    filter after the ShareName selects topics: an ACL granting "topic
    readwrite #" allows $share/group/plant/x [MQTT-3.9.3-1], and its members
    get the messages."""
    b = _share_acl_broker(broker_factory, tmp_path, "topic readwrite #\n")
    s = raw_client(b, version=5)
    s.connect("member")
    assert s.subscribe(1, [("$share/group/plant/x", 1)]).return_codes == [1]
    p = raw_client(b, version=5)
    p.connect("pub")
    p.publish("plant/x", b"42", qos=1)
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("plant/x", b"42")


def test_shared_subscription_acl_read_and_patterns(broker_factory, raw_client, tmp_path):
    """[MQTT-4.8.2-2] the ACL judges the filter after $share/{ShareName}/ as
    it judges a plain subscription: a read-only grant and "pattern" lines
    with %c and %u allow the shared subscriptions they cover, and the
    messages reach the members."""
    b = _share_acl_broker(broker_factory, tmp_path)
    anon = raw_client(b, version=5)
    anon.connect("dev1")
    assert anon.subscribe(1, [("$share/g/plant/x", 1),
                              ("$share/g/devices/dev1/#", 1)]).return_codes == [1, 1]
    alice = raw_client(b, version=5)
    alice.connect("alice-c", username="alice", password="pw")
    assert alice.subscribe(1, [("$share/h/users/alice/t", 1)]).return_codes == [1]
    admin = raw_client(b, version=5)
    admin.connect("admin-c", username="admin", password="pw")
    for topic in ("plant/x", "devices/dev1/t", "users/alice/t"):
        admin.publish(topic, topic.encode(), qos=1)
    got = [anon.expect(w.PUBLISH).topic for _ in range(2)]
    assert sorted(got) == ["devices/dev1/t", "plant/x"]
    assert alice.expect(w.PUBLISH).topic == "users/alice/t"


@mosquitto_deviation("grants every subscription (SUBACK 0x01) and filters at delivery")
def test_shared_subscription_outside_acl_refused(broker_factory, raw_client, tmp_path):
    """[MQTT-3.9.3-1] leaving out $share/{ShareName}/ widens nothing: a shared
    subscription to a filter the ACL does not grant for reading (another
    tree, a wider filter, a write-only grant, another client's %c level)
    gets 0x87 Not authorized."""
    b = _share_acl_broker(broker_factory, tmp_path)
    c = raw_client(b, version=5)
    c.connect("dev1")
    ack = c.subscribe(1, [("$share/g/secret/x", 1), ("$share/g/#", 1), ("$share/g/wo/x", 1),
                          ("$share/g/devices/dev2/t", 1), ("$share/g/plant/x", 1)])
    assert ack.return_codes == [0x87, 0x87, 0x87, 0x87, 1]


def test_unsuback_reason_codes(broker, raw_client):
    """[3.11.3] UNSUBACK carries one reason code per filter: 0x00 Success for
    an existing subscription, 0x11 No subscription existed otherwise."""
    c = _v5(raw_client, "sub")
    c.subscribe(1, [("us/a", 0)])
    c.send(w.unsubscribe(2, ["us/a", "us/none"], version=5))
    ack = c.expect(w.UNSUBACK)
    assert ack.packet_id == 2
    assert ack.reason_codes == [0x00, 0x11]


@pytest.mark.parametrize("packet_type", ["SUBSCRIBE", "UNSUBSCRIBE"])
@pytest.mark.parametrize("filt", ["#/a", "a/b#", ""])
def test_invalid_filter_closes_v5(broker, raw_client, packet_type, filt):
    """[MQTT-4.7.1-1] [MQTT-4.7.3-1] "#/a", "a/b#" and "" are not topic
    filters: a SUBSCRIBE or UNSUBSCRIBE holding one is a Protocol Error, and
    the server closes the connection [MQTT-4.13.1-1] with DISCONNECT, the same
    for both packets; neither SUBACK nor UNSUBACK (not 0x11 "No subscription
    existed")."""
    c = _v5(raw_client, "bad")
    c.subscribe(1, [("ok/a", 0)])
    if packet_type == "SUBSCRIBE":
        bad = w.subscribe(2, [("ok/b", 0), (filt, 0)], version=5)
    else:
        bad = w.unsubscribe(2, ["ok/a", filt], version=5)
    packets = c.send_expect_close(bad)
    assert all(p.type == w.DISCONNECT and p.rc >= 0x80 for p in packets), packets
    broker.check_alive()


def test_suback_v5_codes(broker, raw_client):
    """[3.9.3] SUBACK reason codes are the granted QoS 0x00/0x01/0x02 per filter."""
    c = _v5(raw_client, "sub")
    assert c.subscribe(9, [("a", 0), ("b", 1), ("c", 2)]).return_codes == [0, 1, 2]


def test_paho_v5_subscribe_options(broker, mqtt_client):
    """paho MQTTv5 SubscribeOptions: noLocal and retainHandling work as on the
    wire (a client nobody in the project wrote)."""
    c = mqtt_client(version=5)
    c.connect()
    opts = SubscribeOptions(qos=1, noLocal=True, retainAsPublished=True, retainHandling=0)
    assert c.subscribe("po/#", options=opts) == [1]
    c.publish("po/self", b"own", 1)
    other = mqtt_client(version=5)
    other.connect()
    other.publish("po/x", b"foreign", 1, retain=True,
                  properties=props(PacketTypes.PUBLISH, UserProperty=[("from", "other")]))
    m = c.get_message()
    assert (m.payload, m.retain) == (b"foreign", 1)
    assert m.properties.UserProperty == [("from", "other")]
