# test_keepalive.py — Keep Alive and PINGREQ (MQTT 3.1.1 sections 3.1.2.10, 3.12, 3.13)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import time

import mqttwire as w
from brokertest import mosquitto_deviation


def test_pingreq_pingresp(broker, raw_client):
    """[MQTT-3.12.4-1] the server must answer PINGREQ with PINGRESP (flags 0,
    remaining length 0)."""
    c = raw_client()
    c.connect("pinger")
    for _ in range(3):
        p = c.ping()
        assert p.flags == 0 and p.body == b""


@mosquitto_deviation("checks keep alives only every few seconds: a keepalive=1 client is "
                     "dropped after 5-6 s, not 1.5 s (test_will.py checks the loose bound)")
def test_keepalive_expiry_closes_after_one_and_a_half(broker, raw_client):
    """[MQTT-3.1.2-24] with Keep Alive 1 s and no packet from the client, the
    server disconnects after one and a half times the Keep Alive: not before
    1 s, and well before 3 s."""
    c = raw_client()
    c.connect("sleepy", keepalive=1)
    start = time.monotonic()
    c.wait_closed(timeout=3.0)
    elapsed = time.monotonic() - start
    assert elapsed >= 1.0, "closed after %.2f s, before the keep alive" % elapsed
    assert elapsed <= 2.6, "closed after %.2f s, expected about 1.5 s" % elapsed
    broker.check_alive()


def test_pingreq_keeps_connection_alive(broker, raw_client):
    """[MQTT-3.1.2-24] any control packet within the keep alive resets the
    timer: PINGREQ every 0.5 s keeps a keepalive=1 connection open past 3 s."""
    c = raw_client()
    c.connect("pingkeeper", keepalive=1)
    start = time.monotonic()
    while time.monotonic() - start < 3.0:
        c.ping()
        # waiting is the point of this test: the client stays quiet for 0.5 s
        assert c.is_open_after(0.5)


def test_publish_keeps_connection_alive(broker, raw_client):
    """[MQTT-3.1.2-23/-24] the timer counts any control packet, not only
    PINGREQ: QoS 0 PUBLISH every 0.5 s keeps a keepalive=1 connection open."""
    c = raw_client()
    c.connect("pubkeeper", keepalive=1)
    start = time.monotonic()
    while time.monotonic() - start < 3.0:
        c.send(w.publish("keep/alive", b"x"))
        assert c.is_open_after(0.5)
    c.ping()


def test_keepalive_zero_disables(broker, raw_client):
    """[3.1.2.10] Keep Alive 0 turns the mechanism off: a silent client is not
    disconnected (watched for 2.5 s, longer than 1.5 x a 1 s keep alive)."""
    c = raw_client()
    c.connect("forever", keepalive=0)
    assert c.is_open_after(2.5)
    c.ping()
