# mqttwire.py — MQTT packets byte by byte, for tests no client library can write
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A deliberately small, independent encoder/decoder (MQTT 3.1, 3.1.1 and 5)
# and a blocking socket client with timeouts. It never validates what it is
# asked to send: malformed packets are the point. Decoding is lenient too, so
# a test can look at whatever the broker answered.

import socket
import struct
import time

# Control packet types (MQTT 3.1.1 section 2.2.1, same numbers in MQTT 5)
CONNECT = 1
CONNACK = 2
PUBLISH = 3
PUBACK = 4
PUBREC = 5
PUBREL = 6
PUBCOMP = 7
SUBSCRIBE = 8
SUBACK = 9
UNSUBSCRIBE = 10
UNSUBACK = 11
PINGREQ = 12
PINGRESP = 13
DISCONNECT = 14
AUTH = 15

PACKET_NAMES = {
    CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
    PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
    SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE", UNSUBACK: "UNSUBACK",
    PINGREQ: "PINGREQ", PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", AUTH: "AUTH",
}

# MQTT 5 property identifiers (MQTT 5.0 section 2.2.2.2) and their wire types
PROP_PAYLOAD_FORMAT_INDICATOR = 0x01
PROP_MESSAGE_EXPIRY_INTERVAL = 0x02
PROP_CONTENT_TYPE = 0x03
PROP_RESPONSE_TOPIC = 0x08
PROP_CORRELATION_DATA = 0x09
PROP_SUBSCRIPTION_IDENTIFIER = 0x0B
PROP_SESSION_EXPIRY_INTERVAL = 0x11
PROP_ASSIGNED_CLIENT_IDENTIFIER = 0x12
PROP_SERVER_KEEP_ALIVE = 0x13
PROP_AUTHENTICATION_METHOD = 0x15
PROP_AUTHENTICATION_DATA = 0x16
PROP_REQUEST_PROBLEM_INFORMATION = 0x17
PROP_WILL_DELAY_INTERVAL = 0x18
PROP_REQUEST_RESPONSE_INFORMATION = 0x19
PROP_RESPONSE_INFORMATION = 0x1A
PROP_SERVER_REFERENCE = 0x1C
PROP_REASON_STRING = 0x1F
PROP_RECEIVE_MAXIMUM = 0x21
PROP_TOPIC_ALIAS_MAXIMUM = 0x22
PROP_TOPIC_ALIAS = 0x23
PROP_MAXIMUM_QOS = 0x24
PROP_RETAIN_AVAILABLE = 0x25
PROP_USER_PROPERTY = 0x26
PROP_MAXIMUM_PACKET_SIZE = 0x27
PROP_WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
PROP_SHARED_SUBSCRIPTION_AVAILABLE = 0x2A

_PROP_TYPES = {
    0x01: "byte", 0x02: "u32", 0x03: "str", 0x08: "str", 0x09: "bin", 0x0B: "varint",
    0x11: "u32", 0x12: "str", 0x13: "u16", 0x15: "str", 0x16: "bin", 0x17: "byte",
    0x18: "u32", 0x19: "byte", 0x1A: "str", 0x1C: "str", 0x1F: "str", 0x21: "u16",
    0x22: "u16", 0x23: "u16", 0x24: "byte", 0x25: "byte", 0x26: "pair", 0x27: "u32",
    0x28: "byte", 0x29: "byte", 0x2A: "byte",
}


class ConnectionClosed(Exception):
    """The broker closed (or reset) the network connection."""


# ---------------------------------------------------------------- encoding

def varint(n):
    """Variable Byte Integer (3.1.1 section 2.2.3, 5.0 section 1.5.5)."""
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n > 0:
            byte |= 0x80
        out.append(byte)
        if n == 0:
            return bytes(out)


def u16(n):
    return struct.pack("!H", n)


def u32(n):
    return struct.pack("!I", n)


def mqtt_bytes(data):
    """Two-byte length prefix then the raw bytes (no UTF-8 check on purpose)."""
    return u16(len(data)) + data


def mqtt_str(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return mqtt_bytes(s)


def properties(props):
    """Encode MQTT 5 properties from a list of (id, value) pairs (or a dict).

    A property may repeat (user properties, subscription identifiers), hence
    the list form."""
    if props is None:
        props = []
    if isinstance(props, dict):
        props = list(props.items())
    body = bytearray()
    for ident, value in props:
        kind = _PROP_TYPES[ident]
        body += varint(ident)
        if kind == "byte":
            body.append(value)
        elif kind == "u16":
            body += u16(value)
        elif kind == "u32":
            body += u32(value)
        elif kind == "varint":
            body += varint(value)
        elif kind == "str":
            body += mqtt_str(value)
        elif kind == "bin":
            body += mqtt_bytes(value if isinstance(value, bytes) else value.encode())
        elif kind == "pair":
            body += mqtt_str(value[0]) + mqtt_str(value[1])
    return varint(len(body)) + bytes(body)


def packet(ptype, flags, body):
    """A whole control packet: fixed header (type, flags, remaining length) + body."""
    return bytes([(ptype << 4) | (flags & 0x0F)]) + varint(len(body)) + bytes(body)


def connect(client_id="", clean=True, keepalive=60, will=None, username=None,
            password=None, version=4, protocol_name=None, reserved_flag=False,
            props=None, client_id_bytes=None):
    """CONNECT. version 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = MQTT 5.

    will: dict(topic=, payload=b"", qos=0, retain=False, props=None)."""
    if protocol_name is None:
        protocol_name = b"MQIsdp" if version == 3 else b"MQTT"
    flags = 0
    if reserved_flag:
        flags |= 0x01
    if clean:
        flags |= 0x02
    if will is not None:
        flags |= 0x04 | ((will.get("qos", 0) & 3) << 3)
        if will.get("retain"):
            flags |= 0x20
    if password is not None:
        flags |= 0x40
    if username is not None:
        flags |= 0x80
    var = mqtt_bytes(protocol_name) + bytes([version, flags]) + u16(keepalive)
    if version == 5:
        var += properties(props)
    pl = mqtt_bytes(client_id_bytes) if client_id_bytes is not None else mqtt_str(client_id)
    if will is not None:
        if version == 5:
            pl += properties(will.get("props"))
        pl += mqtt_str(will["topic"])
        payload = will.get("payload", b"")
        pl += mqtt_bytes(payload if isinstance(payload, bytes) else payload.encode())
    if username is not None:
        pl += mqtt_str(username)
    if password is not None:
        pl += mqtt_bytes(password if isinstance(password, bytes) else password.encode())
    return packet(CONNECT, 0, var + pl)


def publish(topic, payload=b"", qos=0, retain=False, dup=False, packet_id=None,
            version=4, props=None, topic_bytes=None):
    if isinstance(payload, str):
        payload = payload.encode()
    flags = (0x08 if dup else 0) | ((qos & 3) << 1) | (0x01 if retain else 0)
    body = mqtt_bytes(topic_bytes) if topic_bytes is not None else mqtt_str(topic)
    if qos > 0:
        body += u16(packet_id if packet_id is not None else 1)
    if version == 5:
        body += properties(props)
    return packet(PUBLISH, flags, body + payload)


def _ack(ptype, flags, packet_id, reason=None, version=4):
    body = u16(packet_id)
    if version == 5 and reason is not None:
        body += bytes([reason]) + properties(None)
    return packet(ptype, flags, body)


def puback(packet_id, reason=None, version=4):
    return _ack(PUBACK, 0, packet_id, reason, version)


def pubrec(packet_id, reason=None, version=4):
    return _ack(PUBREC, 0, packet_id, reason, version)


def pubrel(packet_id, reason=None, version=4, flags=0x2):
    """PUBREL; its fixed-header flags MUST be 0010 [MQTT-3.6.1-1]."""
    return _ack(PUBREL, flags, packet_id, reason, version)


def pubcomp(packet_id, reason=None, version=4):
    return _ack(PUBCOMP, 0, packet_id, reason, version)


def subscribe(packet_id, filters, version=4, props=None, flags=0x2):
    """filters: list of (filter, options byte) or plain filter strings (QoS 0)."""
    body = u16(packet_id)
    if version == 5:
        body += properties(props)
    for f in filters:
        if isinstance(f, (str, bytes)):
            f = (f, 0)
        body += mqtt_str(f[0]) + bytes([f[1]])
    return packet(SUBSCRIBE, flags, body)


def unsubscribe(packet_id, filters, version=4, props=None, flags=0x2):
    body = u16(packet_id)
    if version == 5:
        body += properties(props)
    for f in filters:
        body += mqtt_str(f)
    return packet(UNSUBSCRIBE, flags, body)


def pingreq():
    return packet(PINGREQ, 0, b"")


def disconnect(reason=None, version=4, props=None):
    if version == 5 and reason is not None:
        return packet(DISCONNECT, 0, bytes([reason]) + properties(props))
    return packet(DISCONNECT, 0, b"")


# ---------------------------------------------------------------- decoding

def decode_varint(data, pos):
    """Returns (value, new position) or raises ValueError when incomplete."""
    value = 0
    mult = 1
    for i in range(4):
        if pos + i >= len(data):
            raise ValueError("incomplete variable byte integer")
        b = data[pos + i]
        value += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            return value, pos + i + 1
    raise ValueError("variable byte integer longer than 4 bytes")


def decode_properties(data, pos):
    """Returns (list of (id, value), new position)."""
    length, pos = decode_varint(data, pos)
    end = pos + length
    props = []
    while pos < end:
        ident, pos = decode_varint(data, pos)
        kind = _PROP_TYPES.get(ident)
        if kind == "byte":
            value = data[pos]
            pos += 1
        elif kind == "u16":
            value = struct.unpack_from("!H", data, pos)[0]
            pos += 2
        elif kind == "u32":
            value = struct.unpack_from("!I", data, pos)[0]
            pos += 4
        elif kind == "varint":
            value, pos = decode_varint(data, pos)
        elif kind in ("str", "bin"):
            n = struct.unpack_from("!H", data, pos)[0]
            value = bytes(data[pos + 2:pos + 2 + n])
            if kind == "str":
                value = value.decode("utf-8")
            pos += 2 + n
        elif kind == "pair":
            n = struct.unpack_from("!H", data, pos)[0]
            k = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            n = struct.unpack_from("!H", data, pos)[0]
            v = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            value = (k, v)
        else:
            raise ValueError("unknown property 0x%02x" % ident)
        props.append((ident, value))
    return props, end


class Packet:
    """One received control packet, decoded for the fields tests look at."""

    def __init__(self, first_byte, body, version=4):
        self.type = first_byte >> 4
        self.flags = first_byte & 0x0F
        self.body = bytes(body)
        self.version = version
        self.props = []
        self._decode()

    @property
    def name(self):
        return PACKET_NAMES.get(self.type, "type %d" % self.type)

    def prop(self, ident, default=None):
        for i, v in self.props:
            if i == ident:
                return v
        return default

    def props_all(self, ident):
        return [v for i, v in self.props if i == ident]

    def _decode(self):
        b = self.body
        t = self.type
        if t == CONNACK:
            self.session_present = bool(b[0] & 1) if len(b) > 0 else None
            self.rc = b[1] if len(b) > 1 else None
            if self.version == 5 and len(b) > 2:
                self.props, _ = decode_properties(b, 2)
        elif t == PUBLISH:
            self.dup = bool(self.flags & 0x08)
            self.qos = (self.flags >> 1) & 3
            self.retain = bool(self.flags & 1)
            n = struct.unpack_from("!H", b, 0)[0]
            self.topic_bytes = b[2:2 + n]
            self.topic = self.topic_bytes.decode("utf-8", "replace")
            pos = 2 + n
            self.packet_id = None
            if self.qos > 0:
                self.packet_id = struct.unpack_from("!H", b, pos)[0]
                pos += 2
            if self.version == 5:
                self.props, pos = decode_properties(b, pos)
            self.payload = b[pos:]
        elif t in (PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK):
            self.packet_id = struct.unpack_from("!H", b, 0)[0] if len(b) >= 2 else None
            self.rc = b[2] if len(b) > 2 else 0
            if t == UNSUBACK and self.version == 5:
                self.props, pos = decode_properties(b, 2)
                self.reason_codes = list(b[pos:])
            elif self.version == 5 and len(b) > 3:
                self.props, _ = decode_properties(b, 3)
        elif t == SUBACK:
            self.packet_id = struct.unpack_from("!H", b, 0)[0]
            pos = 2
            if self.version == 5:
                self.props, pos = decode_properties(b, 2)
            self.return_codes = list(b[pos:])
        elif t in (DISCONNECT, AUTH):
            self.rc = b[0] if len(b) > 0 else 0
            if self.version == 5 and len(b) > 1:
                self.props, _ = decode_properties(b, 1)

    def __repr__(self):
        extra = ""
        if self.type == PUBLISH:
            extra = " topic=%r qos=%d retain=%s dup=%s id=%s payload=%r" % (
                self.topic, self.qos, self.retain, self.dup, self.packet_id, self.payload)
        elif hasattr(self, "rc"):
            extra = " rc=0x%02x" % (self.rc or 0)
        elif hasattr(self, "return_codes"):
            extra = " codes=%r" % self.return_codes
        return "<%s flags=%x%s>" % (self.name, self.flags, extra)


# ---------------------------------------------------------------- the client

class RawClient:
    """A TCP connection to the broker that sends whatever bytes it is given and
    reads packets back with a timeout. It never answers anything by itself."""

    def __init__(self, host, port, version=4, timeout=5.0):
        self.version = version
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self.closed = False

    # -- sending
    def send(self, data):
        self.sock.sendall(data)

    def try_send(self, data):
        """Send, but report a connection the broker has already closed as False."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    # -- receiving
    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError
        except (ConnectionResetError, ConnectionAbortedError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise ConnectionClosed
        self._buf += chunk

    def _take_packet(self):
        if len(self._buf) < 2:
            return None
        try:
            length, pos = decode_varint(self._buf, 1)
        except ValueError:
            return None
        if len(self._buf) < pos + length:
            return None
        first = self._buf[0]
        body = self._buf[pos:pos + length]
        del self._buf[:pos + length]
        return Packet(first, body, self.version)

    def recv_packet(self, timeout=5.0):
        """The next packet. Raises ConnectionClosed, or AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            p = self._take_packet()
            if p is not None:
                return p
            if self.closed:
                raise ConnectionClosed
            try:
                self._fill(deadline)
            except TimeoutError:
                raise AssertionError("no packet from the broker within %.1f s" % timeout)

    def expect(self, ptype, timeout=5.0):
        """The next packet, which must be of type ptype."""
        try:
            p = self.recv_packet(timeout)
        except ConnectionClosed:
            raise AssertionError("broker closed the connection while %s was expected"
                                 % PACKET_NAMES[ptype])
        assert p.type == ptype, "expected %s, got %r" % (PACKET_NAMES[ptype], p)
        return p

    def wait_closed(self, timeout=5.0):
        """Wait until the broker closes the connection; returns the packets it
        sent before closing. AssertionError if still open after timeout."""
        deadline = time.monotonic() + timeout
        packets = []
        while True:
            try:
                packets.append(self.recv_packet(max(deadline - time.monotonic(), 0.001)))
            except ConnectionClosed:
                return packets
            except AssertionError:
                raise AssertionError("connection still open after %.1f s (received %r)"
                                     % (timeout, packets))

    def send_expect_close(self, data, timeout=5.0):
        """Send data (a malformed or forbidden packet) followed by a PINGREQ in
        the same write, and expect the broker to close the connection. A
        PINGRESP means the broker went on reading after the bad packet,
        which fails at once instead of waiting for a close that will not come.
        Returns the packets received before the close."""
        if not self.try_send(data + pingreq()):
            return []
        packets = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                p = self.recv_packet(max(deadline - time.monotonic(), 0.001))
            except ConnectionClosed:
                return packets
            except AssertionError:
                raise AssertionError("connection still open after %.1f s (received %r)"
                                     % (timeout, packets))
            if p.type == PINGRESP:
                raise AssertionError("the broker kept the connection open and answered the "
                                     "PINGREQ sent after the bad packet (received %r)" % packets)
            packets.append(p)

    def is_open_after(self, timeout):
        """True if the connection stays open (and silent) for timeout seconds."""
        try:
            p = self.recv_packet(timeout)
        except ConnectionClosed:
            return False
        except AssertionError:
            return True
        raise AssertionError("unexpected packet %r" % p)

    # -- conveniences for the common flows
    def connect(self, client_id="", expect_rc=0, timeout=5.0, **kw):
        """Send CONNECT and return the CONNACK (checked against expect_rc unless None)."""
        kw.setdefault("version", self.version)
        self.send(connect(client_id, **kw))
        ack = self.expect(CONNACK, timeout)
        if expect_rc is not None:
            assert ack.rc == expect_rc, "CONNACK return code 0x%02x, expected 0x%02x" % (
                ack.rc, expect_rc)
        return ack

    def subscribe(self, packet_id, filters, timeout=5.0, **kw):
        kw.setdefault("version", self.version)
        self.send(subscribe(packet_id, filters, **kw))
        ack = self.expect(SUBACK, timeout)
        assert ack.packet_id == packet_id
        return ack

    def publish(self, topic, payload=b"", qos=0, packet_id=None, timeout=5.0, **kw):
        """Publish and complete the QoS flow as the sender; returns the last ack."""
        kw.setdefault("version", self.version)
        if qos > 0 and packet_id is None:
            packet_id = 1
        self.send(publish(topic, payload, qos, packet_id=packet_id, **kw))
        if qos == 1:
            ack = self.expect(PUBACK, timeout)
            assert ack.packet_id == packet_id
            return ack
        if qos == 2:
            rec = self.expect(PUBREC, timeout)
            assert rec.packet_id == packet_id
            if self.version == 5 and rec.rc >= 0x80:
                return rec
            self.send(pubrel(packet_id))
            comp = self.expect(PUBCOMP, timeout)
            assert comp.packet_id == packet_id
            return comp
        return None

    def publishes_before_pingresp(self, ack=False, timeout=5.0):
        """The PUBLISH packets the server sent before answering a PINGREQ sent
        now: it writes in order, so the PINGRESP closes what it had sent.
        With ack, QoS 1 ones are acknowledged as they come."""
        self.send(pingreq())
        got = []
        while True:
            p = self.recv_packet(timeout)
            if p.type == PINGRESP:
                return got
            assert p.type == PUBLISH, p
            if ack and p.qos == 1:
                self.send(puback(p.packet_id))
            got.append(p)

    def ping(self, timeout=5.0):
        self.send(pingreq())
        return self.expect(PINGRESP, timeout)

    def disconnect(self):
        try:
            self.send(disconnect(0 if self.version == 5 else None, self.version))
        except OSError:
            pass
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True

    def abort(self):
        """Drop the connection without DISCONNECT and without a FIN handshake
        delay (RST), to look like a network failure."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()
