# test_log_dest.py — 'log_dest topic': the broker's log published under $SYS/broker/log
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# $SYS is not normative; Mosquitto publishes each log line of a type that
# log_type selects on $SYS/broker/log/LETTER (E, W, N, I, M/subscribe,
# M/unsubscribe; debug lines never) at QoS 2, the payload being the line
# without its level after "SECONDS: " (or the log_timestamp_format's stamp).
# Subscribers here are mosquitto_sub processes; the texts of the lines
# differ between the brokers, so only the client ids in them are checked.

import re

import pytest

from brokertest import PahoClient, auth_lines, brokerdesk_only

LOG_CONFIG = ["log_dest stderr", "log_dest topic", "log_type all"]


def _watch(broker, cli_sub):
    """A mosquitto_sub on $SYS/broker/log/# at QoS 2, once subscribed."""
    sub = cli_sub(broker, "-q", "2", "-t", "$SYS/broker/log/#")
    sub.subscribed()
    return sub


def _message_about(sub, topic, text):
    """The next message on topic whose payload matches the regex text."""
    while True:
        t, qos, retain, payload = sub.message()
        if t == topic and re.search(text, payload):
            return qos, retain, payload


def test_log_lines_published_by_type(broker_factory, cli_sub):
    """A connection is a notice on …/log/N, a subscription and an
    unsubscription on …/log/M/subscribe and …/M/unsubscribe; each at QoS 2,
    not retained, stamped with the time in seconds; debug lines never."""
    broker = broker_factory(LOG_CONFIG)
    sub = _watch(broker, cli_sub)
    c = PahoClient(broker, client_id="log-watched")
    c.connect()
    qos, retain, payload = _message_about(sub, "$SYS/broker/log/N", "log-watched")
    assert (qos, retain) == (2, 0)
    assert re.match(r"\d{10,}: New client connected from 127\.0\.0\.1", payload), payload
    c.subscribe("plant/+/temperature", qos=1)
    _, _, payload = _message_about(sub, "$SYS/broker/log/M/subscribe", "log-watched")
    assert "plant/+/temperature" in payload
    c.unsubscribe("plant/+/temperature")
    _, _, payload = _message_about(sub, "$SYS/broker/log/M/unsubscribe", "log-watched")
    assert "plant/+/temperature" in payload
    c.disconnect()
    topics = {line.split("|", 1)[0][4:] for line in sub.output if line.startswith("MSG ")}
    assert "$SYS/broker/log/D" not in topics, topics
    assert topics <= {"$SYS/broker/log/%s" % t for t in
                      ("E", "W", "N", "I", "M/subscribe", "M/unsubscribe")}, topics


@pytest.mark.parametrize("lines,stamp", [
    (["log_timestamp_format %Y-%m-%dT%H"], r"\d{4}-\d{2}-\d{2}T\d{2}: "),
    (["log_timestamp false"], r""),
], ids=["format", "no-timestamp"])
def test_log_line_stamp(broker_factory, cli_sub, lines, stamp):
    """log_timestamp_format stamps the published line as the others;
    log_timestamp false publishes the bare line."""
    broker = broker_factory(LOG_CONFIG + lines)
    sub = _watch(broker, cli_sub)
    c = PahoClient(broker, client_id="log-stamped")
    c.connect()
    _, _, payload = _message_about(sub, "$SYS/broker/log/N", "log-stamped")
    assert re.match(stamp + r"New client connected from ", payload), payload
    c.disconnect()


# The harness starts Mosquitto with -v, which selects every log type.
@brokerdesk_only
def test_log_type_selects_topics(broker_factory, cli_sub):
    """Only the types log_type selects are published: without 'subscribe',
    a subscription is not, while the connection's notice is."""
    broker = broker_factory(["log_dest stderr", "log_dest topic", "log_type notice"])
    sub = _watch(broker, cli_sub)
    c = PahoClient(broker, client_id="log-typed")
    c.connect()
    c.subscribe("plant/quiet")
    c.disconnect()
    # The disconnection's notice comes after the subscription's line would have.
    _message_about(sub, "$SYS/broker/log/N", "log-typed")
    _message_about(sub, "$SYS/broker/log/N", "log-typed")
    topics = {line.split("|", 1)[0][4:] for line in sub.output if line.startswith("MSG ")}
    assert topics == {"$SYS/broker/log/N"}, topics


def test_log_lines_carry_no_password(broker_factory, cli_sub, tmp_path):
    """A refused password is logged, but never itself published."""
    secret = "s3cret-never-logged"
    broker = broker_factory(LOG_CONFIG + auth_lines(tmp_path, {"watcher": "w-pass",
                                                               "operator": "right-pass"}))
    sub = cli_sub(broker, "-q", "2", "-u", "watcher", "-P", "w-pass", "-t", "$SYS/broker/log/#")
    sub.subscribed()
    c = PahoClient(broker, client_id="log-refused")
    connack = c.connect(username="operator", password=secret, expect_rc=None)
    assert connack is None or connack.rc != 0
    # The refusal is logged (in other words by each broker), the password
    # nowhere.
    _message_about(sub, "$SYS/broker/log/N", r"not authori[sz]ed|Refused connection from 127\.0")
    assert not any(secret in line for line in sub.output), sub.output
