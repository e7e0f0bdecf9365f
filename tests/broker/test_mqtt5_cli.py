# test_mqtt5_cli.py — mosquitto_pub / mosquitto_sub -V 5 against the broker
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Statement numbers are those of the MQTT Version 5.0 OASIS Standard (2019).

import pytest

from brokertest import mosquitto_pub as pub


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_v5_round_trip(broker, cli_sub, qos):
    """mosquitto_pub -V 5 -q N to mosquitto_sub -V 5 -q 2: delivered at QoS N."""
    s = cli_sub(broker, "-V", "5", "-t", "c5/#", "-q", "2")
    s.subscribed()
    pub(broker, "-V", "5", "-t", "c5/a", "-m", "v5 %d" % qos, "-q", str(qos))
    assert s.message() == ("c5/a", qos, 0, "v5 %d" % qos)


def test_v5_retained(broker, cli_sub):
    """mosquitto_pub -V 5 -r: a later v5 subscriber gets it with RETAIN 1."""
    pub(broker, "-V", "5", "-t", "c5/ret", "-m", "kept", "-r", "-q", "1")
    s = cli_sub(broker, "-V", "5", "-t", "c5/ret", "-q", "1", "-C", "1")
    assert s.message() == ("c5/ret", 1, 1, "kept")


def test_v5_properties_pass_through(broker, cli_sub):
    """[MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20] content
    type, user property, response topic and correlation data set with
    mosquitto_pub -D reach mosquitto_sub unchanged."""
    s = cli_sub(broker, "-V", "5", "-t", "c5/#", "-q", "1",
                fmt="MSG %t|%C|%P|%R|%D|%p")
    s.subscribed()
    pub(broker, "-V", "5", "-t", "c5/p", "-m", "body", "-q", "1",
        "-D", "publish", "content-type", "text/plain",
        "-D", "publish", "user-property", "site", "plant-1",
        "-D", "publish", "response-topic", "c5/reply",
        "-D", "publish", "correlation-data", "req-42")
    assert s.raw_message() == "c5/p|text/plain|site:plant-1|c5/reply|req-42|body"


def test_v3_publisher_v5_subscriber_and_back(broker, cli_sub):
    """MQTT 3.1.1 and 5 command-line clients interoperate both ways."""
    s5 = cli_sub(broker, "-V", "5", "-t", "mix/to5", "-q", "1")
    s3 = cli_sub(broker, "-V", "mqttv311", "-t", "mix/to3", "-q", "1")
    s5.subscribed()
    s3.subscribed()
    pub(broker, "-V", "mqttv311", "-t", "mix/to5", "-m", "from3", "-q", "1")
    pub(broker, "-V", "5", "-t", "mix/to3", "-m", "from5", "-q", "1",
        "-D", "publish", "user-property", "k", "v")
    assert s5.message() == ("mix/to5", 1, 0, "from3")
    assert s3.message() == ("mix/to3", 1, 0, "from5")


def test_v5_message_expiry_shown(broker, cli_sub):
    """[MQTT-3.3.2-6] a retained message with a Message Expiry Interval is sent
    to a later subscriber with the interval (reduced by the time it waited)."""
    pub(broker, "-V", "5", "-t", "c5/exp", "-m", "soon", "-r",
        "-D", "publish", "message-expiry-interval", "60")
    s = cli_sub(broker, "-V", "5", "-t", "c5/exp", "-C", "1", fmt="MSG %E|%p")
    expiry, payload = s.raw_message().split("|")
    assert payload == "soon" and 55 <= int(expiry) <= 60
