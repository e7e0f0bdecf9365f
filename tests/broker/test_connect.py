# test_connect.py — CONNECT / CONNACK (MQTT 3.1.1 sections 3.1, 3.2)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

import mqttwire as w
from brokertest import auth_lines, mosquitto_deviation, subscribed


def test_first_packet_must_be_connect(broker, raw_client):
    """[MQTT-3.1.0-1] the first packet from the client must be CONNECT: a
    PINGREQ first is a protocol violation and the server closes the connection."""
    c = raw_client()
    c.send(w.pingreq())
    assert c.wait_closed() == []
    broker.check_alive()


def test_publish_before_connect_closes(broker, raw_client):
    """[MQTT-3.1.0-1] a PUBLISH before CONNECT closes the connection and is not
    routed."""
    sub = subscribed(raw_client(), "watcher", [("t", 0)])
    c = raw_client()
    c.send(w.publish("t", b"sneaky"))
    assert c.wait_closed() == []
    sub.send(w.publish("t", b"marker"))
    assert sub.expect(w.PUBLISH).payload == b"marker"
    broker.check_alive()


def test_second_connect_closes(broker, raw_client):
    """[MQTT-3.1.0-2] a second CONNECT on the same connection is a protocol
    violation: the server closes the connection."""
    c = raw_client()
    c.connect("twice")
    c.send(w.connect("twice"))
    assert all(p.type != w.CONNACK for p in c.wait_closed())
    broker.check_alive()


def test_connack_is_first_packet_from_server(broker, raw_client):
    """[MQTT-3.2.0-1] the first packet sent by the server is CONNACK, with
    return code 0 for an acceptable CONNECT [MQTT-3.2.2-6 context]."""
    c = raw_client()
    ack = c.connect("first", expect_rc=0)
    assert ack.body[0] & 0xFE == 0, "reserved CONNACK acknowledge flag bits must be 0"
    assert len(ack.body) == 2
    c.ping()


# Level 3 is only valid with the name "MQIsdp". Levels with bit 0x80 set are
# left out: Mosquitto reads that bit as its private bridge flag.
@pytest.mark.parametrize("level", [2, 3, 6, 7])
def test_unsupported_protocol_level(broker, raw_client, level):
    """[MQTT-3.1.2-2] an unsupported protocol level gets CONNACK 0x01
    (unacceptable protocol version), then the connection is closed [MQTT-3.2.2-5]."""
    c = raw_client()
    c.send(w.connect("lvl", version=level, protocol_name=b"MQTT"))
    packets = c.wait_closed()
    assert len(packets) == 1 and packets[0].type == w.CONNACK, packets
    assert packets[0].rc == 0x01
    assert packets[0].session_present is False  # [MQTT-3.2.2-4]
    broker.check_alive()


@pytest.mark.parametrize("name", [b"MQTX", b"mqtt", b"MQIsdp\x00", b""])
def test_bad_protocol_name_closes(broker, raw_client, name):
    """[MQTT-3.1.2-1] a wrong protocol name: the server may disconnect and must
    not go on processing the CONNECT by this specification (so no CONNACK 0)."""
    c = raw_client()
    c.send(w.connect("badname", protocol_name=name))
    packets = c.wait_closed()
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in packets), packets
    broker.check_alive()


def test_reserved_connect_flag_closes(broker, raw_client):
    """[MQTT-3.1.2-3] the reserved flag of CONNECT must be 0, otherwise the
    server disconnects the client."""
    c = raw_client()
    c.send(w.connect("reserved", reserved_flag=True))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in c.wait_closed())
    broker.check_alive()


def test_clean_session_session_present_0(broker, raw_client):
    """[MQTT-3.2.2-1] CleanSession=1: CONNACK session present is 0."""
    c = raw_client()
    ack = c.connect("clean", clean=True)
    assert ack.session_present is False


def test_persistent_session_present_flag(broker, raw_client):
    """[MQTT-3.2.2-2] CleanSession=0 with a stored session: session present 1;
    [MQTT-3.2.2-3] without stored session state: session present 0."""
    c = raw_client()
    assert c.connect("persist", clean=False).session_present is False
    c.disconnect()
    c = raw_client()
    assert c.connect("persist", clean=False).session_present is True


def test_clean_session_discards_stored_session(broker, raw_client):
    """[MQTT-3.1.2-6] CleanSession=1 discards any previous session; the next
    CleanSession=0 connection starts a new one (session present 0)."""
    subscribed(raw_client(), "discard", [("t", 1)], clean=False, away=True)
    c = raw_client()
    assert c.connect("discard", clean=True).session_present is False
    c.disconnect()
    c = raw_client()
    assert c.connect("discard", clean=False).session_present is False


def test_zero_length_client_id_with_clean_session(broker, raw_client):
    """[MQTT-3.1.3-6] a zero-byte client id is allowed, the server assigns a
    unique one; [MQTT-3.1.3-7] only with CleanSession=1. Two such clients are
    distinct sessions (neither takes the other over)."""
    a = raw_client()
    a.connect("", clean=True)
    b = raw_client()
    b.connect("", clean=True)
    a.subscribe(1, [("zl", 0)])
    b.send(w.publish("zl", b"hello"))
    assert a.expect(w.PUBLISH).payload == b"hello"
    b.ping()


def test_zero_length_client_id_without_clean_session(broker, raw_client):
    """[MQTT-3.1.3-8] a zero-byte client id with CleanSession=0: CONNACK 0x02
    (identifier rejected) and the connection is closed [MQTT-3.2.2-5]."""
    c = raw_client()
    c.send(w.connect("", clean=False))
    packets = c.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK]
    assert packets[0].rc == 0x02
    assert packets[0].session_present is False  # [MQTT-3.2.2-4]
    broker.check_alive()


def test_client_id_23_chars_accepted(broker, raw_client):
    """[MQTT-3.1.3-5] the server must accept client ids of 1 to 23 UTF-8 bytes
    of [0-9a-zA-Z]."""
    c = raw_client()
    c.connect("0123456789abcdefABCDEFz")
    c.ping()


def test_session_takeover_closes_first_connection(broker, raw_client):
    """[MQTT-3.1.4-2] a CONNECT with the client id of a connected client: the
    server disconnects the existing client; the new one is served."""
    first = raw_client()
    first.connect("same-id")
    second = raw_client()
    second.connect("same-id")
    first.wait_closed()
    second.ping()
    broker.check_alive()


@pytest.mark.parametrize("user,password", [("alice", "wrong"), ("mallory", "secret"),
                                           ("alice", "")])
def test_bad_credentials_refused(broker_factory, raw_client, tmp_path, user, password):
    """[MQTT-3.2.2-5] [table 3.1] a wrong password or unknown user (password_file
    made by mosquitto_passwd) is refused with a non-zero CONNACK (0x04 or 0x05),
    then the connection is closed. test_bad_password_connack_4 pins the code."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    c = raw_client(b)
    c.send(w.connect("alice-c", username=user, password=password))
    packets = c.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK]
    assert packets[0].rc in (0x04, 0x05)
    assert packets[0].session_present is False


@mosquitto_deviation("answers a wrong password with CONNACK 0x05 (not authorized), not 0x04")
def test_bad_password_connack_4(broker_factory, raw_client, tmp_path):
    """[MQTT-3.2.2.3 table 3.1] CONNACK 0x04 "bad user name or password" is the
    code for a wrong password (the issue asks for 4)."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    c = raw_client(b)
    c.send(w.connect("alice-c", username="alice", password="wrong"))
    packets = c.wait_closed()
    assert packets and packets[0].rc == 0x04


def test_good_password_accepted(broker_factory, raw_client, tmp_path):
    """A user and password from a mosquitto_passwd file: CONNACK 0; a second
    user in the same file works too."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret", "bob": "hunter2"}))
    c = raw_client(b)
    c.connect("alice-c", username="alice", password="secret")
    c.ping()
    d = raw_client(b)
    d.connect("bob-c", username="bob", password="hunter2")


def test_anonymous_not_authorized_connack_5(broker_factory, raw_client, tmp_path):
    """Table 3.1: without credentials where anonymous access is off (allow_anonymous
    false): CONNACK 0x05 not authorized, then close [MQTT-3.2.2-5]."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    c = raw_client(b)
    c.send(w.connect("anon"))
    packets = c.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK]
    assert packets[0].rc == 0x05
    assert packets[0].session_present is False  # [MQTT-3.2.2-4]


def test_rejected_connect_stops_processing(broker_factory, raw_client, tmp_path):
    """[MQTT-3.1.4-5] after rejecting a CONNECT, the server must not process
    anything the client sent after it: a PUBLISH in the same segment is dropped."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    sub = subscribed(raw_client(b), "watcher", [("t", 0)], username="alice", password="secret")
    c = raw_client(b)
    c.send(w.connect("anon") + w.publish("t", b"must-not-arrive"))
    c.wait_closed()
    sub.send(w.publish("t", b"marker"))
    assert sub.expect(w.PUBLISH).payload == b"marker"


def test_password_without_username_closes(broker, raw_client):
    """[MQTT-3.1.2-22] the password flag set with the user name flag 0 is a
    protocol violation: no CONNACK 0, connection closed."""
    c = raw_client()
    c.send(w.connect("pwonly", password="x"))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in c.wait_closed())
    broker.check_alive()


@pytest.mark.parametrize("flags_desc,kw", [
    ("will QoS without will flag", dict(will_qos_only=1)),
    ("will retain without will flag", dict(will_retain_only=True)),
    ("will QoS 3", dict(will=dict(topic="w", payload=b"x", qos=3))),
])
def test_inconsistent_will_flags_close(broker, raw_client, flags_desc, kw):
    """[MQTT-3.1.2-11] [MQTT-3.1.2-13] will flag 0 needs will QoS 0 and will
    retain 0 [MQTT-3.1.2-15]; [MQTT-3.1.2-14] will QoS 3 is invalid: the
    server closes the connection without accepting it."""
    c = raw_client()
    pkt = bytearray(w.connect("willflags", will=kw.get("will")))
    # flags byte: fixed header (2) + name (2+4) + level (1)
    if "will_qos_only" in kw:
        pkt[9] |= kw["will_qos_only"] << 3
    if "will_retain_only" in kw:
        pkt[9] |= 0x20
    c.send(bytes(pkt))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in c.wait_closed())
    broker.check_alive()


def test_will_topic_with_wildcard_closes(broker, raw_client):
    """[MQTT-3.1.3-10 / 4.7.3] the will topic must be a valid topic name; a
    wildcard in it is not accepted (no CONNACK 0, connection closed)."""
    c = raw_client()
    c.send(w.connect("willwild", will=dict(topic="a/#", payload=b"x")))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in c.wait_closed())
    broker.check_alive()


def test_truncated_connect_closes(broker, raw_client):
    """[MQTT-3.1.4-1] a CONNECT that does not parse (client id length beyond
    the packet) closes the connection without CONNACK."""
    c = raw_client()
    body = w.mqtt_bytes(b"MQTT") + bytes([4, 2]) + w.u16(60) + w.u16(50) + b"abc"
    c.send(w.packet(w.CONNECT, 0, body))
    assert not any(p.type == w.CONNACK and p.rc == 0 for p in c.wait_closed())
    broker.check_alive()


@pytest.mark.parametrize("version", [3, 4])
def test_paho_connects(broker, mqtt_client, version):
    """MQTT 3.1 ("MQIsdp", level 3) and 3.1.1 clients are served: paho
    MQTTv31 / MQTTv311 connect, subscribe and get a message back."""
    c = mqtt_client(version=version)
    c.connect()
    assert c.subscribe("v/t", 1) == [1]
    c.publish("v/t", b"payload", 1)
    m = c.get_message()
    assert (m.topic, m.payload, m.qos) == ("v/t", b"payload", 1)


def test_mqtt31_raw_connect(broker, raw_client):
    """MQTT 3.1 CONNECT (protocol name MQIsdp, level 3) is accepted with CONNACK 0."""
    c = raw_client(version=3)
    c.connect("old-client", version=3)
    c.ping()


def test_mqtt31_and_311_interoperate(broker, mqtt_client):
    """A message published by an MQTT 3.1 client reaches an MQTT 3.1.1 subscriber
    and the reverse."""
    old = mqtt_client(version=3)
    new = mqtt_client(version=4)
    old.connect()
    new.connect()
    old.subscribe("x/old", 2)
    new.subscribe("x/new", 2)
    old.publish("x/new", b"from31", 2)
    new.publish("x/old", b"from311", 2)
    assert new.get_message().payload == b"from31"
    assert old.get_message().payload == b"from311"


def test_use_username_as_clientid(broker_factory, raw_client, tmp_path):
    """Mosquitto's use_username_as_clientid: the session is the user's,
    whatever id the client sends (so one client cannot take over another's
    session by its id), and a client with no user name is refused with
    CONNACK 0x05, not authorized."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret", "bob": "pw"}) +
                       ["use_username_as_clientid true"])
    subscribed(raw_client(b), "one", [("uu/#", 1)], clean=False, away=True,
               username="alice", password="secret")
    # Another id, the same user: the same session, with its subscription.
    a = raw_client(b)
    assert a.connect("two", clean=False, username="alice", password="secret").session_present
    # Bob's "two" is his own session, not alice's: she stays connected.
    bob = raw_client(b)
    assert not bob.connect("two", clean=False, username="bob", password="pw").session_present
    bob.publish("uu/x", b"for alice", qos=1)
    m = a.expect(w.PUBLISH)
    assert (m.topic, m.payload) == ("uu/x", b"for alice")
    anon = raw_client(b)
    anon.send(w.connect("anon"))
    packets = anon.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK] and packets[0].rc == 0x05


def test_clientid_prefixes(broker_factory, raw_client):
    """Mosquitto's clientid_prefixes: only client ids that start with it may
    connect; others get CONNACK 0x05 (MQTT 5: 0x87 Not authorized)."""
    b = broker_factory(["clientid_prefixes dev-"])
    raw_client(b).connect("dev-1")
    for version, rc in ((4, 0x05), (5, 0x87)):
        c = raw_client(b, version=version)
        c.send(w.connect("other", version=version))
        packets = c.wait_closed()
        assert [p.type for p in packets] == [w.CONNACK] and packets[0].rc == rc
