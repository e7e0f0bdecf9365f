# test_sys.py — the $SYS topic tree (Mosquitto's names, MQTT 3.1.1 section 4.7.2)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# $SYS is not normative; Brokerdesk publishes Mosquitto's topic names and
# payload formats so that existing dashboards keep working. sys_interval 1
# makes the periodic topics update every second.

import re
import time

import pytest

import mqttwire as w
from brokertest import IS_MOSQUITTO, PacketTypes, props, subscribed

SYS_CONFIG = ["sys_interval 1"]


@pytest.fixture
def sys_broker(broker_factory):
    return broker_factory(SYS_CONFIG)


def _collect(c, wanted, timeout=4.0, predicate=None):
    """Read $SYS messages until every topic in wanted has a value accepted by
    predicate(topic, payload); returns {topic: payload}."""
    deadline = time.monotonic() + timeout
    seen = {}
    while not all(t in seen for t in wanted):
        remaining = deadline - time.monotonic()
        assert remaining > 0, "missing %r (seen %r)" % ([t for t in wanted if t not in seen], seen)
        p = c.expect(w.PUBLISH, remaining)
        if p.topic in wanted and (predicate is None or predicate(p.topic, p.payload)):
            seen[p.topic] = p.payload
    return seen


def test_sys_broker_topics(sys_broker, raw_client):
    """$SYS/broker/version, uptime ("N seconds"), clients/connected and
    messages/received are published within about 2 s with sys_interval 1."""
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/#", 0)])
    topics = ["$SYS/broker/version", "$SYS/broker/uptime", "$SYS/broker/clients/connected",
              "$SYS/broker/messages/received"]
    # The first copy of a topic may be the retained value from before this
    # client connected: wait for an update that counts it.
    seen = _collect(c, topics, timeout=3.5,
                    predicate=lambda t, v: t != topics[2] or int(v) >= 1)
    assert re.search(rb"\d+\.\d+", seen["$SYS/broker/version"]), seen["$SYS/broker/version"]
    assert re.fullmatch(rb"\d+ seconds", seen["$SYS/broker/uptime"])
    assert int(seen["$SYS/broker/messages/received"]) >= 0


def test_sys_version_is_retained(sys_broker, raw_client):
    """$SYS/broker/version is a retained message: a subscriber gets it at once
    with RETAIN set [MQTT-3.3.1-8]."""
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/version", 0)])
    p = c.expect(w.PUBLISH, 2.0)
    assert p.retain is True and p.payload


def test_sys_clients_connected_follows_connections(sys_broker, raw_client):
    """$SYS/broker/clients/connected counts connected clients: with two more
    clients it reaches at least 3 at the next update."""
    c = raw_client(sys_broker)
    c.connect("sys")
    others = [raw_client(sys_broker) for _ in range(2)]
    for i, o in enumerate(others):
        o.connect("other%d" % i)
    c.subscribe(1, [("$SYS/broker/clients/connected", 0)])
    _collect(c, ["$SYS/broker/clients/connected"], timeout=4.0,
             predicate=lambda t, v: int(v) >= 3)


def test_sys_messages_received_increases(sys_broker, raw_client):
    """$SYS/broker/messages/received grows when clients publish."""
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/messages/received", 0)])
    first = int(_collect(c, ["$SYS/broker/messages/received"])["$SYS/broker/messages/received"])
    p = raw_client(sys_broker)
    p.connect("pub")
    for i in range(10):
        p.publish("load/x", b"%d" % i, qos=1, packet_id=i + 1)
    _collect(c, ["$SYS/broker/messages/received"], timeout=4.0,
             predicate=lambda t, v: int(v) >= first + 10)


def test_sys_uptime_advances(sys_broker, raw_client):
    """$SYS/broker/uptime counts seconds: a later update shows a larger value."""
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/uptime", 0)])
    first = int(_collect(c, ["$SYS/broker/uptime"])["$SYS/broker/uptime"].split()[0])
    _collect(c, ["$SYS/broker/uptime"], timeout=4.0,
             predicate=lambda t, v: int(v.split()[0]) > first)


def test_sys_not_matched_by_hash(sys_broker, raw_client):
    """[MQTT-4.7.2-1] "#" does not receive $SYS messages even while they are
    published every second."""
    c = subscribed(raw_client(sys_broker), "all", [("#", 0)])
    s = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/uptime", 0)])
    s.expect(w.PUBLISH, 3.0)
    # an update was published after the "#" subscription: wait for the next
    s.expect(w.PUBLISH, 3.0)
    p = raw_client(sys_broker)
    p.connect("pub")
    p.send(w.publish("zz/marker", b"marker"))
    assert c.expect(w.PUBLISH).topic == "zz/marker"


@pytest.mark.skipif(IS_MOSQUITTO, reason="Brokerdesk's own $SYS figures")
def test_sys_counts_what_limits_refuse(broker_factory, raw_client):
    """Limits are counted in $SYS: a connection refused at max_connections and
    a packet over max_packet_size (whose connection is closed) show in
    $SYS/broker/connections/refused and $SYS/broker/packets/too_large."""
    b = broker_factory(SYS_CONFIG + ["max_connections 2", "max_packet_size 200"])
    watcher = raw_client(b)
    watcher.connect("watcher")
    big = raw_client(b)
    big.connect("big")
    big.send_expect_close(w.publish("t", b"x" * 500))
    held = raw_client(b)
    held.connect("held")
    refused = raw_client(b)
    refused.send_expect_close(w.connect("one-too-many"))
    watcher.subscribe(1, [("$SYS/broker/connections/refused", 0),
                          ("$SYS/broker/packets/too_large", 0)])
    seen = _collect(watcher, ["$SYS/broker/connections/refused", "$SYS/broker/packets/too_large"],
                    predicate=lambda t, p: int(p) >= 1)
    assert int(seen["$SYS/broker/connections/refused"]) == 1
    assert int(seen["$SYS/broker/packets/too_large"]) == 1


# What the tests below publish into $SYS as a client; the broker's own $SYS
# messages (retained, periodic) may arrive too, with other payloads.
FAKES = {b"9999", b"q0", b"q1", b"q2", b"bare", b"gone"}


def _sys_watcher(b, raw_client, version, client_id="watch"):
    c = raw_client(b, version=version)
    c.connect(client_id)
    c.subscribe(1, [("$SYS/broker/clients/connected", 0), ("$SYS/fake/#", 0), ("$SYS", 0),
                    ("zz/marker", 0)])
    return c


def _no_fake_before_marker(publisher, watcher, version):
    """Publishes the marker; the watcher must see no fake before it."""
    publisher.send(w.publish("zz/marker", b"marker", version=version))
    while True:
        p = watcher.expect(w.PUBLISH)
        if p.topic == "zz/marker":
            return
        assert p.payload not in FAKES, "a client's $SYS publish was delivered: %r" % p


@pytest.mark.parametrize("version", [4, 5])
def test_client_publish_to_sys_dropped(broker, raw_client, version):
    """$ topics are the server's (4.7.2: applications cannot use them for
    their own purposes): a client's PUBLISH into $SYS (fake statistics,
    retained or not, any QoS) reaches no subscriber and is not retained, as
    in Mosquitto. QoS 1 and 2 are still
    acknowledged, so the client does not wait for ever [MQTT-4.3.2-2]
    [MQTT-4.3.3-2]; MQTT 5 with 0x87 Not authorized (3.4.2.1)."""
    watcher = _sys_watcher(broker, raw_client, version)
    p = raw_client(broker, version=version)
    p.connect("faker-" + "x" * 200)
    p.send(w.publish("$SYS/broker/clients/connected", b"9999", retain=True, version=version))
    p.send(w.publish("$SYS/fake/a", b"q0", version=version))
    p.send(w.publish("$SYS", b"bare", version=version))
    p.send(w.publish("$SYS/fake/b", b"q1", qos=1, packet_id=1, retain=True, version=version))
    ack = p.expect(w.PUBACK)
    assert ack.packet_id == 1
    p.send(w.publish("$SYS/fake/c", b"q2", qos=2, packet_id=2, retain=True, version=version))
    rec = p.expect(w.PUBREC)
    assert rec.packet_id == 2
    if version == 5:
        assert (ack.rc, rec.rc) == (0x87, 0x87)
    else:
        p.send(w.pubrel(2))
        assert p.expect(w.PUBCOMP).packet_id == 2
    _no_fake_before_marker(p, watcher, version)
    # nothing was retained: a new subscriber's first message is the marker
    late = _sys_watcher(broker, raw_client, version, "late")
    _no_fake_before_marker(p, late, version)
    broker.check_alive()


def test_client_will_to_sys_dropped(broker, raw_client):
    """(4.7.2) a will is a client's publish too: a will on $SYS/... is
    not published when its connection ends (here taken over by a new
    connection with the same client id, which publishes the will
    [MQTT-3.1.4-2] before the CONNACK)."""
    watcher = _sys_watcher(broker, raw_client, 4)
    first = raw_client(broker)
    first.connect("willer", will=dict(topic="$SYS/fake/will", payload=b"gone", retain=True))
    second = raw_client(broker)
    second.connect("willer")
    first.wait_closed()
    _no_fake_before_marker(second, watcher, 4)


def test_bridge_connection_state_accepted(broker, raw_client):
    """$SYS/broker/connection/NAME/state is the one $SYS topic a client may
    publish (retained), as in Mosquitto: a Mosquitto bridge connecting to this
    broker reports its state there."""
    c = subscribed(raw_client(broker), "watch", [("$SYS/broker/connection/+/state", 0)])
    p = raw_client(broker)
    p.connect("bridge")
    p.publish("$SYS/broker/connection/br1/state", b"1", qos=1, retain=True)
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("$SYS/broker/connection/br1/state", b"1")


def test_sys_load_figures_as_mosquitto(sys_broker, raw_client):
    """The load tree of Mosquitto 2.0, so dashboards made for it work:
    $SYS/broker/load/NAME/{1min,5min,15min} for messages, publish, bytes,
    sockets and connections, each a decimal number; the connections' figure
    rises once a client has connected."""
    names = ["messages/received", "messages/sent", "publish/dropped", "publish/received",
             "publish/sent", "bytes/received", "bytes/sent", "sockets", "connections"]
    wanted = ["$SYS/broker/load/%s/%s" % (n, w) for n in names for w in ("1min", "5min", "15min")]
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/load/#", 0)])
    seen = _collect(c, wanted, timeout=4.0,
                    predicate=lambda t, v: t != "$SYS/broker/load/connections/1min" or float(v) > 0)
    assert set(seen) == set(wanted)
    for topic, value in seen.items():
        float(value)


def test_sys_publish_bytes_count_payloads(sys_broker, raw_client):
    """$SYS/broker/publish/bytes/received and …/sent count PUBLISH payload
    bytes, as Mosquitto's: a 1000-byte message in and out raises both by at
    least 1000."""
    topics = ["$SYS/broker/publish/bytes/received", "$SYS/broker/publish/bytes/sent"]
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/publish/bytes/#", 0)])
    first = {t: int(v) for t, v in _collect(c, topics).items()}
    s = subscribed(raw_client(sys_broker), "sub", [("bytes/x", 0)])
    p = raw_client(sys_broker)
    p.connect("pub")
    p.publish("bytes/x", b"b" * 1000, qos=1, packet_id=1)
    assert s.expect(w.PUBLISH).payload == b"b" * 1000
    _collect(c, topics, timeout=4.0, predicate=lambda t, v: int(v) >= first[t] + 1000)


def test_sys_heap_figures(sys_broker, raw_client):
    """$SYS/broker/heap/current is the memory in use, heap/maximum the most
    of it seen: both positive, and the maximum never below the current."""
    topics = ["$SYS/broker/heap/current", "$SYS/broker/heap/maximum"]
    c = subscribed(raw_client(sys_broker), "sys", [("$SYS/broker/heap/#", 0)])
    seen = {t: int(v) for t, v in _collect(c, topics).items()}
    assert seen["$SYS/broker/heap/current"] > 0
    assert seen["$SYS/broker/heap/maximum"] >= seen["$SYS/broker/heap/current"]


def test_sys_clients_expired(sys_broker, raw_client, mqtt_client):
    """$SYS/broker/clients/expired counts sessions ended by their expiry: an
    MQTT 5 session with a Session Expiry Interval of 1 s, once its client is
    gone [MQTT-3.1.2-23]."""
    topic = "$SYS/broker/clients/expired"
    c = subscribed(raw_client(sys_broker), "sys", [(topic, 0)])
    first = int(_collect(c, [topic])[topic])
    gone = mqtt_client(sys_broker, client_id="expiring", version=5)
    gone.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=1))
    gone.disconnect()
    _collect(c, [topic], timeout=6.0, predicate=lambda t, v: int(v) == first + 1)


def test_sys_shared_subscriptions_and_store_bytes(sys_broker, raw_client):
    """$SYS/broker/shared_subscriptions/count counts "$share/…" subscriptions;
    $SYS/broker/store/messages/bytes the payload bytes the broker holds (a
    500-byte retained message among them)."""
    topics = ["$SYS/broker/shared_subscriptions/count", "$SYS/broker/store/messages/bytes"]
    c = subscribed(raw_client(sys_broker), "sys", [(t, 0) for t in topics])
    subscribed(raw_client(sys_broker), "sharer", [("$share/g/jobs/+", 0)])
    p = raw_client(sys_broker)
    p.connect("keeper")
    p.publish("kept/x", b"k" * 500, qos=1, packet_id=1, retain=True)
    _collect(c, topics, timeout=4.0,
             predicate=lambda t, v: int(v) >= (1 if t == topics[0] else 500))
