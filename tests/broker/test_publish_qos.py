# test_publish_qos.py — PUBLISH and the QoS 0/1/2 flows (MQTT 3.1.1 sections 3.3 - 3.7, 4.3, 4.6)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import subscribed


def _sub(raw_client, filt="t/#", qos=2, client_id="sub"):
    s = raw_client()
    s.connect(client_id)
    assert s.subscribe(1, [(filt, qos)]).return_codes == [qos]
    return s


def test_qos0_delivery(broker, raw_client):
    """[MQTT-4.3.1] QoS 0: the message is delivered at most once, as QoS 0, with
    no packet identifier; the server sends no acknowledgement to the sender."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("t/a", b"zero"))
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.qos, m.dup, m.packet_id) == ("t/a", b"zero", 0, False, None)
    # nothing was sent back to the QoS 0 publisher: the next packet is PINGRESP
    p.ping()


def test_qos1_flow(broker, raw_client):
    """[MQTT-4.3.2-2] QoS 1: the server answers PUBLISH with PUBACK carrying
    the same packet identifier; the subscriber gets a QoS 1 PUBLISH with a
    non-zero packet identifier [MQTT-2.3.1-1] and DUP 0 [MQTT-3.3.1-3]."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    ack = p.publish("t/a", b"one", qos=1, packet_id=0x1234)
    assert ack.packet_id == 0x1234 and ack.flags == 0
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.qos, m.dup) == (b"one", 1, False)
    assert m.packet_id != 0
    s.send(w.puback(m.packet_id))
    s.ping()


def test_qos2_flow_inbound(broker, raw_client):
    """[MQTT-4.3.3-2] QoS 2 from a publisher: PUBREC with the same packet id,
    then PUBREL (flags 0010) answered by PUBCOMP with the same id."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("t/a", b"two", qos=2, packet_id=77))
    rec = p.expect(w.PUBREC)
    assert rec.packet_id == 77 and rec.flags == 0
    p.send(w.pubrel(77))
    comp = p.expect(w.PUBCOMP)
    assert comp.packet_id == 77 and comp.flags == 0
    m = s.expect(w.PUBLISH)
    assert (m.payload, m.qos) == (b"two", 2)


def test_qos2_flow_outbound(broker, raw_client):
    """[MQTT-4.3.3-1] QoS 2 to a subscriber: the server sends PUBLISH QoS 2,
    answers PUBREC with PUBREL whose fixed header flags are 0010 [MQTT-3.6.1-1]
    and the same packet id, and the flow ends with our PUBCOMP."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    p.publish("t/a", b"two", qos=2)
    m = s.expect(w.PUBLISH)
    assert m.qos == 2 and m.packet_id
    s.send(w.pubrec(m.packet_id))
    rel = s.expect(w.PUBREL)
    assert rel.packet_id == m.packet_id and rel.flags == 0x2
    s.send(w.pubcomp(m.packet_id))
    s.ping()


def test_qos2_duplicate_publish_delivered_once(broker, raw_client):
    """[MQTT-4.3.3-2] exactly once: a publisher that re-sends the QoS 2 PUBLISH
    with DUP=1 before PUBREL gets PUBREC again, and subscribers receive the
    message only once."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("t/a", b"once", qos=2, packet_id=9))
    assert p.expect(w.PUBREC).packet_id == 9
    p.send(w.publish("t/a", b"once", qos=2, packet_id=9, dup=True))
    assert p.expect(w.PUBREC).packet_id == 9
    p.send(w.pubrel(9))
    assert p.expect(w.PUBCOMP).packet_id == 9
    m = s.expect(w.PUBLISH)
    assert m.payload == b"once"
    s.send(w.pubrec(m.packet_id))
    s.expect(w.PUBREL)
    s.send(w.pubcomp(m.packet_id))
    # the next message the subscriber gets is the marker, not a second copy
    p.send(w.publish("t/marker", b"marker"))
    assert s.expect(w.PUBLISH).payload == b"marker"


def test_pubrel_for_unknown_id_gets_pubcomp(broker, raw_client):
    """[MQTT-4.3.3-2 / 4.4] a PUBREL for a packet id the server does not know
    (e.g. after it already completed) is still answered with PUBCOMP."""
    c = raw_client()
    c.connect("pub")
    c.send(w.pubrel(4242))
    comp = c.expect(w.PUBCOMP)
    assert comp.packet_id == 4242
    c.ping()


def test_puback_for_unknown_id_ignored(broker, raw_client):
    """A PUBACK for a packet id the server never sent is ignored; the
    connection stays usable."""
    c = raw_client()
    c.connect("pub")
    c.send(w.puback(999))
    c.ping()


@pytest.mark.parametrize("pub_qos,sub_qos", [(2, 0), (2, 1), (1, 0), (0, 2), (1, 2)])
def test_qos_downgrade(broker, raw_client, pub_qos, sub_qos):
    """[MQTT-3.8.4-6] [4.3] the message is delivered at the minimum of the
    published QoS and the granted QoS."""
    s = _sub(raw_client, qos=sub_qos)
    p = raw_client()
    p.connect("pub")
    p.publish("t/a", b"x", qos=pub_qos)
    m = s.expect(w.PUBLISH)
    assert m.qos == min(pub_qos, sub_qos)


def test_puback_without_subscribers(broker, raw_client):
    """[MQTT-4.3.2-2] [MQTT-4.3.3-2] the acknowledgement does not depend on
    subscribers: QoS 1 and 2 to a topic nobody subscribes are acknowledged."""
    p = raw_client()
    p.connect("pub")
    p.publish("nobody/listens", b"x", qos=1, packet_id=1)
    p.publish("nobody/listens", b"x", qos=2, packet_id=2)


def test_qos1_ordering(broker, raw_client):
    """[MQTT-4.6.0-2] [MQTT-4.6.0-6] messages published at QoS 1 on a topic
    are delivered to the subscriber in the order they were published (sent
    back to back, without waiting for PUBACKs)."""
    s = _sub(raw_client, qos=1)
    p = raw_client()
    p.connect("pub")
    n = 50
    p.send(b"".join(w.publish("t/order", b"%d" % i, qos=1, packet_id=i + 1) for i in range(n)))
    got = []
    while len(got) < n:
        m = s.expect(w.PUBLISH)
        got.append(int(m.payload))
        s.send(w.puback(m.packet_id))
    assert got == list(range(n))
    acks = [p.expect(w.PUBACK).packet_id for _ in range(n)]
    assert acks == [i + 1 for i in range(n)]  # [MQTT-4.6.0-2] PUBACKs in order


def test_qos2_ordering_and_ack_order(broker, raw_client):
    """[MQTT-4.6.0-3] [MQTT-4.6.0-4] PUBRECs (and PUBCOMPs) come in the order
    of the PUBLISH (PUBREL) packets; QoS 2 messages keep their order."""
    s = _sub(raw_client, qos=2)
    p = raw_client()
    p.connect("pub")
    n = 10
    p.send(b"".join(w.publish("t/order", b"%d" % i, qos=2, packet_id=i + 1) for i in range(n)))
    assert [p.expect(w.PUBREC).packet_id for _ in range(n)] == list(range(1, n + 1))
    p.send(b"".join(w.pubrel(i + 1) for i in range(n)))
    assert [p.expect(w.PUBCOMP).packet_id for _ in range(n)] == list(range(1, n + 1))
    got = []
    while len(got) < n:
        pk = s.recv_packet()
        if pk.type == w.PUBLISH:
            got.append(int(pk.payload))
            s.send(w.pubrec(pk.packet_id))
        elif pk.type == w.PUBREL:
            s.send(w.pubcomp(pk.packet_id))
    assert got == list(range(n))


def test_outgoing_packet_ids_unique_in_flight(broker, raw_client):
    """[MQTT-2.3.1-2] the packet identifiers of unacknowledged QoS 1 messages
    in flight to one client are distinct and non-zero [MQTT-2.3.1-1]."""
    s = _sub(raw_client, qos=1)
    p = raw_client()
    p.connect("pub")
    for i in range(10):
        p.send(w.publish("t/x", b"%d" % i, qos=0))
    ids = [s.expect(w.PUBLISH) for _ in range(10)]
    # QoS 0 published: delivered as QoS 0. Now the same with QoS 1 publications.
    assert all(m.qos == 0 for m in ids)
    p.send(b"".join(w.publish("t/x", b"%d" % i, qos=1, packet_id=i + 1) for i in range(10)))
    msgs = [s.expect(w.PUBLISH) for _ in range(10)]
    pids = [m.packet_id for m in msgs]
    assert 0 not in pids and len(set(pids)) == len(pids)


@pytest.mark.parametrize("payload", [b"", bytes(range(256)), b"\x00" * 10, b"x" * 300000],
                         ids=["empty", "binary", "nul", "300k"])
def test_payload_passes_unchanged(broker, raw_client, payload):
    """[3.3.3] the payload is application data, forwarded byte for byte:
    empty, binary, NUL bytes and a 300 kB payload (4-byte remaining length)."""
    s = _sub(raw_client)
    p = raw_client()
    p.connect("pub")
    p.publish("t/bin", payload, qos=1)
    m = s.expect(w.PUBLISH)
    assert m.payload == payload


def test_topic_case_and_levels_distinct(broker, raw_client):
    """[4.7.3] topic names are case sensitive and a leading or trailing "/"
    makes a distinct topic."""
    s = subscribed(raw_client(), "sub", [("a/b", 0)])
    p = raw_client()
    p.connect("pub")
    for t in ("A/b", "/a/b", "a/b/", "a/B"):
        p.send(w.publish(t, b"wrong"))
    p.send(w.publish("a/b", b"right"))
    m = s.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("a/b", b"right")


def test_paho_qos_round_trip(broker, mqtt_client):
    """paho (a client nobody in the project wrote) at QoS 0/1/2 against a QoS 2
    subscription: each message arrives once with its QoS."""
    sub = mqtt_client()
    sub.connect()
    sub.subscribe("r/#", 2)
    pub = mqtt_client()
    pub.connect()
    for q in (0, 1, 2):
        pub.publish("r/%d" % q, b"q%d" % q, q)
    msgs = sorted(sub.get_messages(3), key=lambda m: m.topic)
    assert [(m.topic, m.payload, m.qos) for m in msgs] == [
        ("r/0", b"q0", 0), ("r/1", b"q1", 1), ("r/2", b"q2", 2)]
    sub.sync(via=pub)
    assert sub.drain() == []
