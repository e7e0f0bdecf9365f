# test_websockets.py — MQTT over WebSockets (RFC 6455), plain and over TLS
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# paho-mqtt with transport="websockets" for the good cases (100 kB payloads,
# with and without TLS), and a raw WebSocket client over a socket for what
# a browser library would never send. Runs against Mosquitto too; its log
# lines are Brokerdesk's own.

import base64
import os
import socket
import struct
import uuid

import pytest

import mqttwire
from brokertest import IS_MOSQUITTO, TIMEOUT, PahoClient, brokerdesk_only
from test_tls import certs, client_context  # noqa: F401 (a fixture)


def ws_lines(certs=None, extra=()):
    lines = ["listener 1883", "allow_anonymous true", "listener 9001", "protocol websockets"]
    lines += list(extra)
    if certs is not None:
        lines += ["listener 9883", "protocol websockets", "certfile " + certs.server_pem,
                  "keyfile " + certs.server_key]
    return lines


class RawWs:
    """A WebSocket client that sends whatever it is told to."""

    def __init__(self, broker, protocol="mqtt", origin=None):
        self.sock = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               % key)
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        if origin:
            req += "Origin: %s\r\n" % origin
        self.sock.sendall((req + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                break
            self.buf += data
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head else 0

    def frame(self, payload, opcode=2, fin=True, mask=True, length=None):
        n = len(payload) if length is None else length
        b0 = (0x80 if fin else 0) | opcode
        m = 0x80 if mask else 0
        if n < 126:
            hdr = struct.pack("!BB", b0, m | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, m | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, m | 127, n)
        if mask:
            key = os.urandom(4)
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
            hdr += key
        return hdr + payload

    def send(self, payload, **kw):
        self.sock.sendall(self.frame(payload, **kw))

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def recv_frame(self):
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, pos = b1 & 0x7f, 2
        if n == 126:
            self._need(4)
            n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
        assert not b1 & 0x80, "server frames are not masked"
        self._need(pos + n)
        payload, self.buf = self.buf[pos:pos + n], self.buf[pos + n:]
        return b0 & 0x0f, payload

    def closed_with(self):
        """The close code of the server's close frame, or None if the
        connection just ended."""
        try:
            while True:
                op, payload = self.recv_frame()
                if op == 8:
                    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        except (ConnectionError, OSError):
            return None

    def close(self):
        self.sock.close()


def mqtt_stream(ws, n_packets):
    """MQTT packets from binary frames, whatever their split."""
    data = b""
    packets = []
    while len(packets) < n_packets:
        op, payload = ws.recv_frame()
        assert op == 2, "MQTT in binary frames [MQTT-6.0.0-1]"
        data += payload
        while len(data) >= 2:
            n, pos = mqttwire.decode_varint(data, 1)
            if len(data) < pos + n:
                break
            packets.append(data[0] >> 4)
            data = data[pos + n:]
    return packets


def test_paho_websockets(broker_factory, certs):
    """paho over WebSockets, with and without TLS: 100 kB payloads arrive
    whole, also from one transport to the other."""
    broker = broker_factory(ws_lines(certs))
    topic = "ws/" + uuid.uuid4().hex[:8]
    payload = os.urandom(100 * 1024)
    ws = PahoClient(broker, "ws-plain", port=broker.ports[1], transport="websockets")
    wss = PahoClient(broker, "ws-tls", port=broker.ports[2], transport="websockets",
                     tls_context=client_context(certs))
    try:
        ws.connect()
        wss.connect()
        ws.subscribe(topic, qos=1)
        wss.subscribe(topic, qos=1)
        wss.publish(topic, payload, qos=1)
        for c in (ws, wss):
            msg = c.get_message()
            assert msg.topic == topic and msg.payload == payload
    finally:
        ws.close()
        wss.close()
    broker.check_alive()


def test_packets_split_across_frames_and_joined_in_one(broker_factory):
    """A CONNECT split over three frames, then SUBSCRIBE and PUBLISH in one
    frame [MQTT-6.0.0-2][MQTT-6.0.0-3]; a ping gets its pong."""
    broker = broker_factory(ws_lines())
    ws = RawWs(broker)
    try:
        assert ws.status == 101
        connect = mqttwire.connect("ws-raw")
        ws.send(connect[:3])
        ws.send(connect[3:7])
        ws.send(connect[7:])
        assert mqtt_stream(ws, 1) == [mqttwire.CONNACK]
        ws.send(b"are you there", opcode=9)
        assert ws.recv_frame() == (10, b"are you there")
        ws.send(mqttwire.subscribe(1, [("ws/raw", 0)]) + mqttwire.publish("ws/raw", b"x" * 300))
        assert mqtt_stream(ws, 2) == [mqttwire.SUBACK, mqttwire.PUBLISH]
        ws.send(struct.pack("!H", 1000), opcode=8)
        assert ws.closed_with() == 1000
    finally:
        ws.close()


def test_fragmented_message(broker_factory):
    """A CONNECT sent as one message in three fragments, a ping between
    them, is served: RFC 6455 5.4 lets any intermediary fragment a message
    and 5.5 lets control frames come between its fragments."""
    broker = broker_factory(ws_lines())
    ws = RawWs(broker)
    try:
        assert ws.status == 101
        connect = mqttwire.connect("ws-fragments")
        ws.send(connect[:4], fin=False)
        ws.send(b"between", opcode=9)
        assert ws.recv_frame() == (10, b"between")
        ws.send(connect[4:9], opcode=0, fin=False)
        ws.send(connect[9:], opcode=0)
        assert mqtt_stream(ws, 1) == [mqttwire.CONNACK]
        # A new message while one is open is a protocol error.
        ws.send(mqttwire.pingreq()[:1], fin=False)
        ws.send(mqttwire.pingreq()[1:])
        got = ws.closed_with()
        if not IS_MOSQUITTO:
            assert got == 1002
    finally:
        ws.close()
    broker.check_alive()


def test_upgrade_without_mqtt_subprotocol(broker_factory):
    """An upgrade that does not ask for the mqtt subprotocol is refused."""
    broker = broker_factory(ws_lines())
    mark = broker.mark()
    ws = RawWs(broker, protocol="chat")
    ws.close()
    assert ws.status != 101
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"WebSocket upgrade refused: no mqtt subprotocol", start=mark)
    broker.check_alive()


BAD_FRAMES = [
    ("unmasked", dict(payload=b"\x10\x00", mask=False), 1002, "unmasked frame"),
    ("length-2^63", dict(payload=b"", length=1 << 63), 1002, "frame length of 2\\^63"),
    ("continuation-first", dict(payload=b"\x10", opcode=0), 1002,
     "continuation frame without a message"),
    ("text", dict(payload=b"hello", opcode=1), 1003, "text frame"),
]


@pytest.mark.parametrize("name,frame,code,log", BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES])
def test_bad_frames(broker_factory, name, frame, code, log):
    """Frames a client must not send end its connection (with a close code
    from Brokerdesk, and one log line); others are served on."""
    broker = broker_factory(ws_lines())
    mark = broker.mark()
    ws = RawWs(broker)
    try:
        assert ws.status == 101
        ws.send(**frame)
        got = ws.closed_with()
        if not IS_MOSQUITTO:
            assert got == code
    finally:
        ws.close()
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"disconnected: WebSocket: " + log, start=mark)
    broker.check_alive()


@brokerdesk_only
def test_websockets_origin(broker_factory):
    """websockets_origin (Mosquitto 2.1): only listed Origins get in."""
    broker = broker_factory(ws_lines(extra=["websockets_origin https://hmi.plant"]))
    good = RawWs(broker, origin="https://hmi.plant")
    bad = RawWs(broker, origin="https://evil.example")
    none = RawWs(broker)
    for ws in (good, bad, none):
        ws.close()
    assert (good.status, bad.status, none.status) == (101, 403, 403)
    broker.wait_for_log(r"origin “https://evil.example” is not in websockets_origin")
