# test_cli_clients.py — Debian's mosquitto_pub / mosquitto_sub against the broker
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Clients nobody in the project wrote, as subprocesses. mosquitto_sub runs
# with -d so that its "Subscribed (mid: …)" line tells when the subscription
# is in place (no sleeps), and -F prints each message as
# "MSG topic|qos|retain|payload" (fixture cli_sub, class brokertest.CliSub).

import subprocess

import pytest

from brokertest import auth_lines, mosquitto_pub as pub

@pytest.mark.parametrize("version", ["mqttv31", "mqttv311"])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_round_trip(broker, cli_sub, version, qos):
    """mosquitto_pub -q N -V VERSION to mosquitto_sub -q 2: the message arrives
    with QoS N [MQTT-3.8.4-6] and RETAIN 0."""
    s = cli_sub(broker, "-t", "cli/#", "-q", "2", "-V", version)
    s.subscribed()
    pub(broker, "-t", "cli/a", "-m", "hello %d" % qos, "-q", str(qos), "-V", version)
    assert s.message() == ("cli/a", qos, 0, "hello %d" % qos)


@pytest.mark.parametrize("sub_qos", [0, 1])
def test_downgrade_to_subscription_qos(broker, cli_sub, sub_qos):
    """mosquitto_pub -q 2 to a mosquitto_sub -q 0/1: delivered at the
    subscription's QoS [MQTT-3.8.4-6]."""
    s = cli_sub(broker, "-t", "cli/a", "-q", str(sub_qos))
    s.subscribed()
    pub(broker, "-t", "cli/a", "-m", "x", "-q", "2")
    assert s.message()[1] == sub_qos


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_retained(broker, cli_sub, qos):
    """mosquitto_pub -r: a later mosquitto_sub gets the message with the retain
    flag [MQTT-3.3.1-6] [MQTT-3.3.1-8]."""
    pub(broker, "-t", "cli/ret", "-m", "kept", "-r", "-q", str(qos))
    s = cli_sub(broker, "-t", "cli/ret", "-q", "2", "-C", "1")
    assert s.message() == ("cli/ret", qos, 1, "kept")


def test_retained_cleared_with_null_message(broker, cli_sub):
    """mosquitto_pub -r -n (zero-length retained) clears the retained message
    [MQTT-3.3.1-10]: a new subscriber only gets the other retained topic."""
    pub(broker, "-t", "cli/r/a", "-m", "first", "-r")
    pub(broker, "-t", "cli/r/a", "-r", "-n")
    pub(broker, "-t", "cli/r/b", "-m", "other", "-r")
    s = cli_sub(broker, "-t", "cli/r/#", "-C", "1")
    assert s.message() == ("cli/r/b", 0, 1, "other")


def test_lines_in_order(broker, cli_sub):
    """mosquitto_pub -l -q 1 sends each stdin line as a message: they arrive in
    order [MQTT-4.6.0-6]."""
    s = cli_sub(broker, "-t", "cli/lines", "-q", "1", "-C", "20")
    s.subscribed()
    pub(broker, "-t", "cli/lines", "-q", "1", "-l",
        input=b"".join(b"line %02d\n" % i for i in range(20)))
    assert [s.message()[3] for _ in range(20)] == ["line %02d" % i for i in range(20)]


def test_large_file_message(broker, cli_sub, tmp_path):
    """mosquitto_pub -f with a 200 kB file: mosquitto_sub gets it whole."""
    data = (b"0123456789abcdef" * 12800)
    f = tmp_path / "big"
    f.write_bytes(data)
    s = cli_sub(broker, "-t", "cli/big", "-q", "1")
    s.subscribed()
    pub(broker, "-t", "cli/big", "-q", "1", "-f", str(f))
    assert s.message()[3].encode() == data


def test_username_password(broker_factory, cli_sub, tmp_path):
    """mosquitto_pub / mosquitto_sub -u -P against a mosquitto_passwd file;
    a wrong password makes mosquitto_pub fail."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}))
    s = cli_sub(b, "-t", "cli/auth", "-u", "alice", "-P", "secret")
    s.subscribed()
    pub(b, "-t", "cli/auth", "-m", "authorised", "-u", "alice", "-P", "secret")
    assert s.message()[3] == "authorised"
    r = subprocess.run(["mosquitto_pub", "-h", b.host, "-p", str(b.port), "-t", "cli/auth",
                        "-m", "x", "-u", "alice", "-P", "wrong"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert r.returncode != 0


def test_wildcards_and_multiple_topics(broker, cli_sub):
    """mosquitto_sub with two -t filters using + and #: each matching message
    once [MQTT-3.3.5-1], non-matching ones not at all."""
    s = cli_sub(broker, "-t", "h/+/temp", "-t", "alarm/#", "-q", "1")
    s.subscribed()
    for topic in ("h/1/temp", "h/1/hum", "alarm", "alarm/x/y", "zz/last"):
        pub(broker, "-t", topic, "-m", topic, "-q", "1")
    got = [s.message()[0] for _ in range(3)]
    assert got == ["h/1/temp", "alarm", "alarm/x/y"]
