# test_mount_point.py — mount_point PREFIX on a listener (Mosquitto's)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Not normative: Mosquitto's listener option. The topics of a mounted
# listener's clients are the prefix followed by what they send (PUBLISH,
# will, SUBSCRIBE, UNSUBSCRIBE); what they are sent has it taken off, so they
# see only that subtree. The first listener here is mounted at "site1/",
# the second is plain.

import pytest

import mqttwire as w
from brokertest import mosquitto_deviation

CONFIG = ["sys_interval 1", "listener 1883", "mount_point site1/", "listener 1884"]


@pytest.fixture
def mounted(broker_factory):
    broker = broker_factory(CONFIG)
    clients = []

    def client(on, client_id, version=4, **kw):
        """A raw client on the mounted (0) or the plain (1) listener."""
        c = w.RawClient(broker.host, broker.ports[on], version=version)
        clients.append(c)
        c.connect(client_id, **kw)
        return c

    yield client
    for c in clients:
        c.close()


def _marker(sub, pub, topic="m"):
    """pub publishes a marker on topic (which sub is subscribed to as seen
    from its side); sub's next message must be it."""
    pub.send(w.publish(topic, b"marker"))
    p = sub.expect(w.PUBLISH)
    assert p.payload == b"marker", (p.topic, p.payload)


KEEPS_PREFIX = mosquitto_deviation("2.0.11 sends its clients the topics with the mount point "
                                   "still on them (later versions take it off)")


@KEEPS_PREFIX
def test_publish_in_and_out(mounted):
    """A mounted client's "#" gets the subtree without the prefix and nothing
    else; what it publishes arrives under the prefix."""
    inside = mounted(0, "inside")
    inside.subscribe(1, [("#", 0)])
    outside = mounted(1, "outside")
    outside.subscribe(1, [("#", 0)])
    outside.send(w.publish("other/x", b"not for inside"))
    outside.send(w.publish("site1/temp", b"21"))
    p = inside.expect(w.PUBLISH)
    assert (p.topic, p.payload) == ("temp", b"21")
    inside.send(w.publish("hum", b"40"))
    seen = [outside.expect(w.PUBLISH) for _ in range(3)]
    assert [(p.topic, p.payload) for p in seen] == [
        ("other/x", b"not for inside"), ("site1/temp", b"21"), ("site1/hum", b"40")]
    # "hum" came back to inside too, as "hum"; nothing of other/x came.
    p = inside.expect(w.PUBLISH)
    assert (p.topic, p.payload) == ("hum", b"40")


@KEEPS_PREFIX
def test_retained(mounted):
    """A retained message under the prefix reaches a mounted subscriber
    without it."""
    outside = mounted(1, "outside")
    outside.publish("site1/kept", b"k", qos=1, packet_id=1, retain=True)
    inside = mounted(0, "inside")
    inside.subscribe(1, [("kept", 0)])
    p = inside.expect(w.PUBLISH)
    assert (p.topic, p.payload, p.retain) == ("kept", b"k", True)


def test_will(mounted):
    """A mounted client's will is published under the prefix."""
    watcher = mounted(1, "watcher")
    watcher.subscribe(1, [("site1/gone", 0)])
    dying = mounted(0, "dying", will=dict(topic="gone", payload=b"bye"))
    dying.close()
    p = watcher.expect(w.PUBLISH)
    assert (p.topic, p.payload) == ("site1/gone", b"bye")


@mosquitto_deviation("2.0.11 does not put the mount point before an UNSUBSCRIBE's filters "
                     "(the subscription stays), and keeps it on the topics it sends")
def test_unsubscribe(mounted):
    """An UNSUBSCRIBE names the filter as the client subscribed it."""
    inside = mounted(0, "inside")
    inside.subscribe(1, [("u/#", 0), ("m", 0)])
    inside.send(w.unsubscribe(2, ["u/#"]))
    inside.expect(w.UNSUBACK)
    outside = mounted(1, "outside")
    outside.send(w.publish("site1/u/x", b"after"))
    _marker(inside, outside, "site1/m")


def test_sys_stays_outside(mounted):
    """$SYS/# from a mounted client is a filter under the prefix: the
    broker's own figures are not its to see."""
    inside = mounted(0, "inside")
    inside.subscribe(1, [("$SYS/broker/uptime", 0), ("m", 0)])
    outside = mounted(1, "outside")
    outside.subscribe(1, [("$SYS/broker/uptime", 0)])
    outside.expect(w.PUBLISH)   # the retained value
    outside.expect(w.PUBLISH)   # an update, published after inside subscribed
    _marker(inside, outside, "site1/m")


@mosquitto_deviation("2.0.11 puts the mount point before \"$share/\" (the subscription "
                     "matches nothing) and keeps it on the topics it sends")
def test_shared_subscription(mounted):
    """A shared subscription's filter is mounted after "$share/GROUP/"."""
    inside = mounted(0, "inside", version=5)
    inside.subscribe(1, [("$share/g/jobs/+", 0)])
    outside = mounted(1, "outside")
    outside.send(w.publish("site1/jobs/a", b"job"))
    p = inside.expect(w.PUBLISH)
    assert (p.topic, p.payload) == ("jobs/a", b"job")


@KEEPS_PREFIX
def test_topic_aliases_both_ways(mounted):
    """MQTT 5 Topic Aliases [MQTT-3.3.2-12]: a mounted client's alias stands
    for its own topic, which is then mounted; the aliases the broker gives it
    stand for topics without the prefix."""
    inside = mounted(0, "inside", version=5, props=[(w.PROP_TOPIC_ALIAS_MAXIMUM, 2)])
    inside.subscribe(1, [("ta/#", 0)])
    outside = mounted(1, "outside")
    outside.subscribe(1, [("site1/ta/#", 0)])
    pub = mounted(0, "pub", version=5)
    pub.send(w.publish("ta/x", b"1", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    pub.send(w.publish("", b"2", version=5, props=[(w.PROP_TOPIC_ALIAS, 1)]))
    assert [(m.topic, m.payload) for m in (outside.expect(w.PUBLISH) for _ in range(2))] == [
        ("site1/ta/x", b"1"), ("site1/ta/x", b"2")]
    aliases = {}
    for payload in (b"1", b"2"):
        m = inside.expect(w.PUBLISH)
        alias = m.prop(w.PROP_TOPIC_ALIAS)
        if alias is not None and m.topic:
            aliases[alias] = m.topic
        assert (m.topic or aliases.get(alias), m.payload) == ("ta/x", payload)
