# test_topics.py — topic names, filters and wildcards (MQTT 3.1.1 sections 1.5.3, 4.7)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import subscribed

# (filter, topic, matches) — the examples of section 4.7.1 and a few more
MATCHES = [
    ("sport/tennis/player1/#", "sport/tennis/player1", True),          # [MQTT-4.7.1-2]
    ("sport/tennis/player1/#", "sport/tennis/player1/ranking", True),
    ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", True),
    ("sport/#", "sport", True),                                        # parent level
    ("#", "sport/tennis", True),
    ("#", "/", True),
    ("sport/tennis/+", "sport/tennis/player1", True),
    ("sport/tennis/+", "sport/tennis/player1/ranking", False),
    ("sport/+", "sport", False),
    ("sport/+", "sport/", True),                                       # empty level
    ("+", "sport", True),
    ("+/+", "/finance", True),
    ("/+", "/finance", True),
    ("+", "/finance", False),
    ("+/tennis/#", "sport/tennis/player1", True),
    ("+/+/+", "a/b/c", True),
    ("+/+/+", "a/b", False),
    ("a/+/c/#", "a/b/c", True),
    ("a//c", "a//c", True),
    ("a/+/c", "a//c", True),
    ("sport/tennis", "sport/tennis/", False),
    ("Sport", "sport", False),                                         # case sensitive
]


@pytest.mark.parametrize("filt,topic,matches", MATCHES,
                         ids=["%s~%s" % (f, t) for f, t, _ in MATCHES])
def test_wildcard_matching(broker, raw_client, filt, topic, matches):
    """[MQTT-4.7.1-1..3] [4.7.1.2] "#" matches the parent and any number of
    levels, [4.7.1.3] "+" exactly one level (possibly empty); topic matching
    is case sensitive and "/" delimits levels [4.7.3]."""
    c = subscribed(raw_client(), "sub", [(filt, 0), ("zz/marker", 0)])
    p = raw_client()
    p.connect("pub")
    p.send(w.publish(topic, b"data"))
    p.send(w.publish("zz/marker", b"marker"))
    got = c.expect(w.PUBLISH)
    if matches:
        assert (got.topic, got.payload) == (topic, b"data")
    else:
        assert got.payload == b"marker", "%r should not match %r" % (topic, filt)


@pytest.mark.parametrize("filt", ["#", "+/info", "+/+", "+/#"])
def test_dollar_topics_not_matched_by_leading_wildcard(broker, raw_client, filt):
    """[MQTT-4.7.2-1] a filter starting with a wildcard does not match topic
    names beginning with "$"."""
    c = subscribed(raw_client(), "sub", [(filt, 0), ("zz/marker", 0)])
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("$test/info", b"dollar"))
    p.send(w.publish("zz/marker", b"marker"))
    assert c.expect(w.PUBLISH).payload == b"marker"


def test_dollar_topic_matched_explicitly(broker, raw_client):
    """[4.7.2] "$test/#" and "$test/+" do match "$test/info" (a client may
    publish to a $ topic other than $SYS)."""
    c = subscribed(raw_client(), "sub", [("$test/#", 0)])
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("$test/info", b"dollar"))
    assert c.expect(w.PUBLISH).topic == "$test/info"


@pytest.mark.parametrize("topic", ["a/+", "+", "a/#", "#", "a/b+", "a#"])
def test_publish_with_wildcard_closes(broker, raw_client, topic):
    """[MQTT-3.3.2-2] the topic name of a PUBLISH must not contain wildcard
    characters: the server closes the connection and routes nothing."""
    s = subscribed(raw_client(), "sub", [("#", 0)])
    c = raw_client()
    c.connect("bad")
    c.send(w.publish(topic, b"wild"))
    c.wait_closed()
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("zz/marker", b"marker"))
    assert s.expect(w.PUBLISH).payload == b"marker"
    broker.check_alive()


def test_empty_topic_name_closes(broker, raw_client):
    """[MQTT-4.7.3-1] topic names are at least one character long: a PUBLISH
    with an empty topic closes the connection."""
    c = raw_client()
    c.connect("bad")
    c.send(w.publish("", b"x"))
    c.wait_closed()
    broker.check_alive()


def expect_refused(c):
    """A refused SUBSCRIBE: the connection closed or, as the standard also
    allows, SUBACK 0x80; never granted."""
    try:
        p = c.recv_packet()
        assert p.type == w.SUBACK and p.return_codes == [0x80], p
    except w.ConnectionClosed:
        pass


@pytest.mark.parametrize("filt", ["", "a/#/b", "sport+", "sport/tennis#", "#/", "a/b#", "+a"])
def test_invalid_filters_refused(broker, raw_client, filt):
    """[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.3-1] an invalid
    filter (empty, "#" not last or not a whole level, "+" not a whole level)
    is refused: the connection is closed (or, as the standard also allows,
    SUBACK 0x80); never granted."""
    c = raw_client()
    c.connect("bad")
    c.send(w.subscribe(1, [(filt, 0)]))
    expect_refused(c)
    broker.check_alive()


@pytest.mark.parametrize("raw", [b"a/\xff", b"a/\xc3", b"\xed\xa0\x80", b"a/\xc0\xaf"],
                         ids=["ff", "truncated", "surrogate", "overlong"])
def test_invalid_utf8_topic_closes(broker, raw_client, raw):
    """[MQTT-1.5.3-1] a topic that is not well-formed UTF-8 (including an
    encoded surrogate U+D800 and an overlong form) closes the connection."""
    c = raw_client()
    c.connect("bad")
    c.send(w.publish(None, b"x", topic_bytes=raw))
    c.wait_closed()
    broker.check_alive()


def test_nul_in_topic_closes(broker, raw_client):
    """[MQTT-1.5.3-2] a UTF-8 string must not contain U+0000: a PUBLISH topic
    with a NUL character closes the connection."""
    c = raw_client()
    c.connect("bad")
    c.send(w.publish(None, b"x", topic_bytes=b"a/\x00/b"))
    c.wait_closed()
    broker.check_alive()


def test_nul_in_filter_closes(broker, raw_client):
    """[MQTT-1.5.3-2] U+0000 in a SUBSCRIBE topic filter closes the connection."""
    c = raw_client()
    c.connect("bad")
    body = w.u16(1) + w.mqtt_bytes(b"a/\x00") + b"\x00"
    c.send(w.packet(w.SUBSCRIBE, 2, body))
    expect_refused(c)
    broker.check_alive()


def test_bom_not_stripped_and_unicode_topics(broker, raw_client):
    """[MQTT-1.5.3-3] U+FEFF at the start of a string is not skipped or
    stripped; multi-byte UTF-8 levels match byte for byte."""
    c = subscribed(raw_client(), "sub", [("\ufeffa/#", 0), ("température/+", 0)])
    p = raw_client()
    p.connect("pub")
    p.send(w.publish("a/b", b"no-bom"))
    p.send(w.publish("\ufeffa/b", b"bom"))
    p.send(w.publish("température/salon", b"21"))
    m = c.expect(w.PUBLISH)
    assert (m.topic_bytes, m.payload) == ("\ufeffa/b".encode(), b"bom")
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("température/salon", b"21")


def test_long_topic(broker, raw_client):
    """[1.5.3] a topic name may be up to 65535 bytes: a 59 kB topic of
    100 levels is routed. (Mosquitto refuses more than 200 levels, so the
    test stays below that.)"""
    topic = "/".join(["lvl%d" % i + "x" * 594 for i in range(100)])[:60000]
    assert len(topic) > 59000
    c = subscribed(raw_client(), "sub", [("lvl0" + "x" * 594 + "/#", 0)])
    p = raw_client()
    p.connect("pub")
    p.send(w.publish(topic, b"deep"))
    assert c.expect(w.PUBLISH).topic == topic
