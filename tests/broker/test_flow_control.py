# test_flow_control.py — no QoS 1/2 message is lost to a fast publisher
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# MQTT 3.1.1 has no Receive Maximum: a broker that acknowledges a publisher
# at once lets it run ahead of a subscriber that acknowledges more slowly,
# and a broker that then drops at max_queued_messages breaks QoS 1's "at
# least once" (4.3.2) for a healthy, connected subscriber. Brokerdesk stops
# reading from such a publisher until the subscriber catches up.

import threading

import mqttwire as w
from brokertest import mosquitto_deviation, published, published_while_away, subscribed

BURST = 3000


def _burst():
    """BURST QoS 1 PUBLISH packets in one write, as a device with a big buffer."""
    return b"".join(w.publish("flow/t", b"%d" % i, 1, packet_id=i + 1) for i in range(BURST))


def _receive_all(sub):
    got = []
    while len(got) < BURST:
        p = sub.expect(w.PUBLISH, timeout=10)
        got.append(int(p.payload))
        sub.send(w.puback(p.packet_id))
    return got


@mosquitto_deviation("drops QoS 1 messages for a connected subscriber once its queue "
                     "reaches max_queued_messages")
def test_fast_publisher_loses_nothing_qos1(broker_factory, raw_client):
    """[MQTT-4.3.2-1] at least once: a burst of 3,000 QoS 1 messages, far above
    max_queued_messages (50), reaches a connected subscriber whole and in
    order [MQTT-4.6.0-5]; the publisher gets every PUBACK."""
    b = broker_factory(["max_queued_messages 50", "max_inflight_messages 10"])
    sub = subscribed(raw_client(b), "slow-sub", [("flow/t", 1)])
    pub = raw_client(b)
    pub.connect("fast-pub")

    sender = threading.Thread(target=pub.send, args=(_burst(),))
    sender.start()
    got = _receive_all(sub)
    sender.join(10)

    assert got == list(range(BURST))
    acked = set()
    while len(acked) < BURST:
        acked.add(pub.expect(w.PUBACK, timeout=10).packet_id)
    assert acked == set(range(1, BURST + 1))


def test_publisher_not_held_back_by_stuck_subscriber(broker_factory, raw_client):
    """A subscriber that never acknowledges must not stall a publisher for
    good: after about a second it is treated as slow and its queue limit
    applies, while another subscriber keeps receiving everything."""
    b = broker_factory(["max_queued_messages 50", "max_inflight_messages 10"])
    stuck = subscribed(raw_client(b), "stuck", [("flow/t", 1)])
    healthy = subscribed(raw_client(b), "healthy", [("flow/t", 0)])
    pub = raw_client(b)
    pub.connect("pub")

    sender = threading.Thread(target=pub.send, args=(_burst(),))
    sender.start()
    got = []
    while len(got) < BURST:
        got.append(int(healthy.expect(w.PUBLISH, timeout=10).payload))
    sender.join(10)
    assert got == list(range(BURST))


# -- byte limits (mosquitto.conf: max_queued_bytes, max_inflight_bytes)

def test_max_queued_bytes(broker_factory, raw_client):
    """max_queued_bytes 100: for an offline persistent client, QoS 1 messages
    are queued while the queued payloads are below 100 bytes (so 4 of 30
    bytes: 0, 30, 60, 90), later ones are dropped."""
    b = broker_factory(["max_queued_bytes 100"])
    c, _ = published_while_away(raw_client, b, "offline-bytes", [("qb/#", 1)], "qb/x",
                                [b"%030d" % i for i in range(10)])
    got = []
    for m in c.publishes_before_pingresp():
        got.append(int(m.payload))
        c.send(w.puback(m.packet_id))
    assert got == [0, 1, 2, 3]


@mosquitto_deviation("holds back the message that reaches max_inflight_bytes, then sends "
                     "the held ones as soon as another message arrives, acknowledged or not")
def test_max_inflight_bytes(broker_factory, raw_client):
    """max_inflight_bytes 100: QoS 1 messages of 40 bytes go out while less
    than 100 bytes are unacknowledged (3 of them); the others wait and each
    PUBACK lets the next one go."""
    b = broker_factory(["max_inflight_bytes 100"])
    c = subscribed(raw_client(b), "slow-acker", [("ib/#", 1)])
    published(raw_client(b), "ib/x", [b"%040d" % i for i in range(6)])
    first = c.publishes_before_pingresp()
    assert [int(m.payload) for m in first] == [0, 1, 2]
    c.send(w.puback(first[0].packet_id))
    m = c.expect(w.PUBLISH)
    assert int(m.payload) == 3
    assert c.publishes_before_pingresp() == []
