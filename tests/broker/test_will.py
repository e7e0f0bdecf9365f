# test_will.py — Will messages (MQTT 3.1.1 section 3.1.2.5 - 3.1.2.7)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import time

import pytest

import mqttwire as w
from brokertest import auth_lines, mosquitto_deviation, subscribed

WILL = dict(topic="status/dev1", payload=b"offline", qos=1)


def _watcher(raw_client, topic="status/#", qos=1):
    watcher = raw_client()
    watcher.connect("watcher")
    assert watcher.subscribe(1, [(topic, qos)]).return_codes == [qos]
    return watcher


def _expect_will(watcher, payload=b"offline", timeout=5.0):
    p = watcher.expect(w.PUBLISH, timeout)
    assert (p.topic, p.payload) == ("status/dev1", payload)
    if p.qos:
        watcher.send(w.puback(p.packet_id))
    return p


def _marker(raw_client, watcher):
    """Publish a marker on the watched topic from another client; the watcher's
    next message must be it (so nothing, e.g. no will, came before)."""
    m = raw_client()
    m.connect("marker")
    m.publish("status/dev1", b"marker", qos=1, packet_id=7)
    p = watcher.expect(w.PUBLISH)
    assert p.payload == b"marker", "expected only the marker, got %r" % p
    m.disconnect()


def test_will_on_network_failure(broker, raw_client):
    """[MQTT-3.1.2-8] the will is published when the network connection is
    closed without DISCONNECT (here: a TCP reset)."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.abort()
    p = _expect_will(watcher)
    assert p.qos == 1


def test_will_on_plain_close(broker, raw_client):
    """[MQTT-3.1.2-8] a clean TCP close (FIN) without DISCONNECT also counts as
    a network failure: the will is published."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.close()
    _expect_will(watcher)


def test_will_on_keepalive_expiry(broker, raw_client):
    """[MQTT-3.1.2-8] [MQTT-3.1.2-24] a client that stays silent past the keep
    alive is disconnected "as if the network had failed", so its will is
    published. Loose bound here (not before 1 s, within 10 s); test_keepalive.py
    checks the 1.5 x."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL, keepalive=1)
    start = time.monotonic()
    _expect_will(watcher, timeout=10.0)
    assert time.monotonic() - start >= 1.0
    dev.wait_closed()


@mosquitto_deviation("closes a client that sends a second CONNECT without publishing its "
                     "will (it does publish it for a malformed packet)")
def test_will_on_protocol_error(broker, raw_client):
    """[MQTT-3.1.2-8] a connection closed by the server because of a protocol
    error (here a second CONNECT [MQTT-3.1.0-2]) publishes the will."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.send(w.connect("dev1"))
    dev.wait_closed()
    _expect_will(watcher, timeout=2.0)
    broker.check_alive()


def test_will_on_malformed_packet(broker, raw_client):
    """[MQTT-3.1.2-8] [MQTT-4.8.0-1] a malformed packet (PUBLISH with QoS 3)
    closes the connection and the will is published."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.send(w.packet(w.PUBLISH, 0x06, w.mqtt_str("x") + w.u16(1) + b"p"))
    dev.wait_closed()
    _expect_will(watcher)


def test_no_will_after_disconnect(broker, raw_client):
    """[MQTT-3.1.2-10] the will is removed when the server receives DISCONNECT:
    it is never published (the next message the watcher sees is a marker)."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.send(w.disconnect())
    dev.wait_closed()
    _marker(raw_client, watcher)


def test_will_retain(broker, raw_client):
    """[MQTT-3.1.2-17] a will with Will Retain 1 is published as a retained
    message: a later subscriber receives it with RETAIN set."""
    dev = raw_client()
    dev.connect("dev1", will=dict(WILL, retain=True))
    dev.abort()
    # Wait for the will to be published before subscribing: a live watcher
    # sees it first (RETAIN 0 on normal delivery [MQTT-3.3.1-9]).
    watcher = _watcher(raw_client)
    p = watcher.expect(w.PUBLISH)
    if not p.retain:
        # The watcher subscribed before the will went out: resubscribe to
        # get the stored copy [MQTT-3.8.4-3].
        watcher.send(w.puback(p.packet_id))
        watcher.subscribe(2, [("status/#", 1)])
        p = watcher.expect(w.PUBLISH)
    assert (p.topic, p.payload, p.retain) == ("status/dev1", b"offline", True)


def test_will_not_retained_without_will_retain(broker, raw_client):
    """[MQTT-3.1.2-16] Will Retain 0: the will is published as a non-retained
    message, so a subscriber arriving afterwards gets nothing stored."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=WILL)
    dev.abort()
    _expect_will(watcher)
    late = subscribed(raw_client(), "late", [("status/#", 1)])
    _marker(raw_client, late)


@pytest.mark.parametrize("will_qos,sub_qos", [(0, 2), (2, 2), (2, 1)])
def test_will_qos(broker, raw_client, will_qos, sub_qos):
    """[MQTT-3.1.2-14] the will is published with its Will QoS, delivered at the
    lower of that and the subscription's QoS [MQTT-3.8.4-6 context]."""
    watcher = _watcher(raw_client, qos=sub_qos)
    dev = raw_client()
    dev.connect("dev1", will=dict(WILL, qos=will_qos))
    dev.abort()
    p = watcher.expect(w.PUBLISH)
    assert p.payload == b"offline"
    assert p.qos == min(will_qos, sub_qos)


def test_will_message_published_once(broker, raw_client):
    """[MQTT-3.1.2-10] once published the will is removed from the session:
    reconnecting the same persistent client and failing again with no will
    publishes nothing more."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", clean=False, will=WILL)
    dev.abort()
    _expect_will(watcher)
    dev = raw_client()
    dev.connect("dev1", clean=False)
    dev.abort()
    _marker(raw_client, watcher)


def test_empty_will_payload(broker, raw_client):
    """[3.1.3.3] a will payload may be zero length; it is published as such."""
    watcher = _watcher(raw_client)
    dev = raw_client()
    dev.connect("dev1", will=dict(WILL, payload=b""))
    dev.abort()
    _expect_will(watcher, payload=b"")


def test_will_denied_by_acl_is_dropped(broker_factory, raw_client, tmp_path):
    """A will is published on the client's behalf, so the ACL that refuses
    the client's own PUBLISH on its topic refuses the will: it is dropped
    (Mosquitto drops it when it would be sent) [MQTT-3.1.2-8 applies only to
    a will the server accepted]. A will on a topic the client may write
    still goes out."""
    broker = broker_factory(auth_lines(tmp_path, {"dev": "pw", "watcher": "pw"},
                                       "user dev\ntopic write status/allowed\n"
                                       "user watcher\ntopic read #\n", anonymous=True))
    watcher = raw_client(broker)
    watcher.connect("watcher", username="watcher", password="pw")
    assert watcher.subscribe(1, [("status/#", 1)]).return_codes == [1]

    denied = raw_client(broker)
    denied.connect("dev-denied", username="dev", password="pw",
                   will=dict(topic="status/dev1", payload=b"forged", qos=1))
    denied.abort()
    allowed = raw_client(broker)
    allowed.connect("dev-allowed", username="dev", password="pw",
                    will=dict(topic="status/allowed", payload=b"offline", qos=1))
    allowed.abort()
    # Wills go out in the order the connections ended: the first the
    # watcher sees must be the allowed one.
    p = watcher.expect(w.PUBLISH, 5.0)
    assert (p.topic, p.payload) == ("status/allowed", b"offline")
    watcher.send(w.puback(p.packet_id))
