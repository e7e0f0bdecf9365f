# test_malformed.py — malformed packets no client library would send (MQTT 3.1.1 sections 2, 4.8)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# [MQTT-4.8.0-1] unless stated otherwise, a server that detects a malformed
# packet or a protocol violation closes the network connection. Every test
# ends with broker.check_alive(): the broker still serves a new client.

import pytest

import mqttwire as w
from brokertest import mosquitto_deviation


def _connected(raw_client, client_id="bad"):
    c = raw_client()
    c.connect(client_id)
    return c


def _assert_closed(c, broker, data):
    packets = c.send_expect_close(data)
    assert all(p.type != w.SUBACK and p.type != w.UNSUBACK for p in packets), packets
    broker.check_alive()


@pytest.mark.parametrize("flags", [0x0, 0x1, 0x3, 0xA])
def test_pubrel_wrong_reserved_flags(broker, raw_client, flags):
    """[MQTT-3.6.1-1] PUBREL fixed header flags must be 0010, otherwise the
    server treats the packet as malformed and closes [MQTT-2.2.2-2]."""
    c = _connected(raw_client)
    c.send(w.publish("t", b"x", qos=2, packet_id=3))
    c.expect(w.PUBREC)
    packets = c.send_expect_close(w.pubrel(3, flags=flags))
    assert all(p.type != w.PUBCOMP for p in packets)
    broker.check_alive()


@pytest.mark.parametrize("flags", [0x0, 0x1, 0x3, 0xF])
def test_subscribe_wrong_reserved_flags(broker, raw_client, flags):
    """[MQTT-3.8.1-1] SUBSCRIBE fixed header flags must be 0010; anything else
    is malformed: the connection is closed, no SUBACK."""
    c = _connected(raw_client)
    _assert_closed(c, broker, w.subscribe(1, [("t", 0)], flags=flags))


@pytest.mark.parametrize("flags", [0x0, 0x1, 0x3, 0xF])
def test_unsubscribe_wrong_reserved_flags(broker, raw_client, flags):
    """[MQTT-3.10.1-1] UNSUBSCRIBE fixed header flags must be 0010; anything
    else is malformed: the connection is closed, no UNSUBACK."""
    c = _connected(raw_client)
    _assert_closed(c, broker, w.unsubscribe(1, ["t"], flags=flags))


NO_FLAG_CHECK = mosquitto_deviation("ignores the reserved fixed-header flags of this packet "
                                    "type instead of closing [MQTT-2.2.2-2]")


@pytest.mark.parametrize("ptype,body", [
    pytest.param(w.PINGREQ, b"", marks=NO_FLAG_CHECK),
    (w.DISCONNECT, b""),
    pytest.param(w.PUBACK, b"\x00\x01", marks=NO_FLAG_CHECK),
    pytest.param(w.PUBREC, b"\x00\x01", marks=NO_FLAG_CHECK),
    pytest.param(w.PUBCOMP, b"\x00\x01", marks=NO_FLAG_CHECK),
], ids=["PINGREQ", "DISCONNECT", "PUBACK", "PUBREC", "PUBCOMP"])
def test_reserved_flags_must_be_zero(broker, raw_client, ptype, body):
    """[MQTT-2.2.2-1] [MQTT-2.2.2-2] reserved fixed header flags (0000 for
    these packets) set to another value make the packet malformed: close."""
    c = _connected(raw_client)
    packets = c.send_expect_close(w.packet(ptype, 0x1, body))
    assert all(p.type != w.PINGRESP for p in packets)
    broker.check_alive()


def test_subscribe_without_filters_closes(broker, raw_client):
    """[MQTT-3.8.3-3] a SUBSCRIBE payload must contain at least one filter /
    QoS pair; one with none is a protocol violation: close, no SUBACK."""
    c = _connected(raw_client)
    _assert_closed(c, broker, w.packet(w.SUBSCRIBE, 0x2, w.u16(1)))


def test_unsubscribe_without_filters_closes(broker, raw_client):
    """[MQTT-3.10.3-2] an UNSUBSCRIBE payload must contain at least one filter:
    close, no UNSUBACK."""
    c = _connected(raw_client)
    _assert_closed(c, broker, w.packet(w.UNSUBSCRIBE, 0x2, w.u16(1)))


@pytest.mark.parametrize("qos_byte", [3, 0x04, 0x81, 0xFC])
def test_subscribe_bad_requested_qos_closes(broker, raw_client, qos_byte):
    """[MQTT-3-8.3-4] the requested QoS byte: upper 6 bits reserved (must be
    0) and QoS 3 invalid: the server closes the connection."""
    c = _connected(raw_client)
    _assert_closed(c, broker, w.subscribe(1, [("t", qos_byte)]))


def test_publish_qos3_closes(broker, raw_client):
    """[MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set: close."""
    c = _connected(raw_client)
    packets = c.send_expect_close(w.packet(w.PUBLISH, 0x6, w.mqtt_str("t") + w.u16(1) + b"x"))
    assert all(p.type != w.PUBACK for p in packets)
    broker.check_alive()


@pytest.mark.parametrize("what", ["publish-qos1", "publish-qos2", "subscribe", "unsubscribe"])
def test_packet_id_zero_closes(broker, raw_client, what):
    """[MQTT-2.3.1-1] SUBSCRIBE, UNSUBSCRIBE and PUBLISH with QoS > 0 must
    carry a non-zero packet identifier: id 0 closes the connection."""
    c = _connected(raw_client)
    data = {
        "publish-qos1": w.publish("t", b"x", qos=1, packet_id=0),
        "publish-qos2": w.publish("t", b"x", qos=2, packet_id=0),
        "subscribe": w.subscribe(0, [("t", 0)]),
        "unsubscribe": w.unsubscribe(0, ["t"]),
    }[what]
    packets = c.send_expect_close(data)
    assert all(p.type not in (w.PUBACK, w.PUBREC, w.SUBACK, w.UNSUBACK) for p in packets)
    broker.check_alive()


def test_five_byte_remaining_length_closes(broker, raw_client):
    """[2.2.3] the Remaining Length is at most four bytes: a fifth continuation
    byte makes the packet malformed, the server closes [MQTT-4.8.0-1]."""
    c = _connected(raw_client)
    c.send_expect_close(bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) + b"\x00\x01t")
    broker.check_alive()


def test_five_byte_remaining_length_before_connect(broker, raw_client):
    """[2.2.3] [MQTT-3.1.0-1] same, as the very first bytes on a connection."""
    c = raw_client()
    c.send_expect_close(bytes([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))
    broker.check_alive()


@pytest.mark.parametrize("ptype", [0, 15])
def test_reserved_packet_type_closes(broker, raw_client, ptype):
    """[2.2.1] packet types 0 and 15 are reserved in MQTT 3.1.1 (15 is AUTH only
    in MQTT 5): receiving one is a protocol violation, close."""
    c = _connected(raw_client)
    c.send_expect_close(w.packet(ptype, 0, b""))
    broker.check_alive()


SERVER_ONLY = mosquitto_deviation("accepts (and ignores) this server-to-client packet from a "
                                  "client instead of closing [MQTT-4.8.0-1]")


@pytest.mark.parametrize("ptype", [
    w.CONNACK,
    pytest.param(w.SUBACK, marks=SERVER_ONLY),
    pytest.param(w.UNSUBACK, marks=SERVER_ONLY),
    pytest.param(w.PINGRESP, marks=SERVER_ONLY),
], ids=["CONNACK", "SUBACK", "UNSUBACK", "PINGRESP"])
def test_server_only_packet_from_client_closes(broker, raw_client, ptype):
    """[4.8] a client must not send packets that only a server sends (CONNACK,
    SUBACK, UNSUBACK, PINGRESP): protocol violation, close."""
    c = _connected(raw_client)
    body = {w.CONNACK: b"\x00\x00", w.SUBACK: b"\x00\x01\x00", w.UNSUBACK: b"\x00\x01",
            w.PINGRESP: b""}[ptype]
    c.send_expect_close(w.packet(ptype, 0, body))
    broker.check_alive()


@pytest.mark.parametrize("cut", [1, 2, 5, 12])
def test_truncated_packet_then_disconnect(broker, raw_client, cut):
    """[MQTT-4.8.0-1] a packet cut short by the network (the client vanishes
    mid-packet) does not disturb the broker, which serves the next client."""
    c = _connected(raw_client)
    pkt = w.publish("some/topic", b"payload that is cut", qos=1, packet_id=4)
    c.send(pkt[:cut])
    c.abort()
    broker.check_alive()


def test_truncated_connect_then_disconnect(broker, raw_client):
    """[MQTT-3.1.4-1] half a CONNECT, then the socket closes: the broker is fine."""
    c = raw_client()
    c.send(w.connect("half")[:9])
    c.close()
    broker.check_alive()


def test_string_longer_than_packet_closes(broker, raw_client):
    """[1.5.3] [MQTT-4.8.0-1] a topic length prefix pointing past the end of
    the packet is malformed: close."""
    c = _connected(raw_client)
    c.send_expect_close(w.packet(w.PUBLISH, 0, w.u16(200) + b"short"))
    broker.check_alive()


def test_huge_remaining_length_then_close(broker, raw_client):
    """A PUBLISH announcing the maximum remaining length (268435455 bytes) and
    then vanishing: no crash, no lasting allocation effect on other clients."""
    c = _connected(raw_client)
    c.send(bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]) + w.mqtt_str("t") + b"x" * 100)
    c.abort()
    broker.check_alive()


def test_garbage_instead_of_mqtt(broker, raw_client):
    """Bytes that are not MQTT at all (an HTTP request) as the first packet:
    close [MQTT-3.1.0-1]."""
    c = raw_client()
    c.send_expect_close(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    broker.check_alive()


def test_connect_with_trailing_garbage_in_packet(broker, raw_client):
    """[MQTT-3.1.4-1] a CONNECT whose remaining length covers extra bytes after
    the payload does not conform: close without CONNACK 0."""
    c = raw_client()
    pkt = w.connect("extra")
    body = pkt[2:] + b"junk"
    packets = c.send_expect_close(w.packet(w.CONNECT, 0, body))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in packets)
    broker.check_alive()


def test_many_bad_clients_in_a_row(broker, raw_client):
    """A burst of malformed connections does not wear the broker down."""
    for i in range(20):
        c = raw_client()
        c.send_expect_close([w.pingreq(), b"\xff\xff\xff\xff\xff", w.publish("x", b"")][i % 3])
    broker.check_alive()
