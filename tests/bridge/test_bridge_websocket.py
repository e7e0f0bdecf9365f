# test_bridge_websocket.py — bridges over MQTT over WebSocket (ws and wss)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Debian's mosquitto 2.0 is built without WebSocket support (a 'protocol
# websockets' listener does not start), so the upstream here is a second
# Brokerdesk with a plain MQTT listener (for the test's own clients) and a
# WebSocket listener (for the bridge), plain or over TLS; that listener
# takes nothing but a WebSocket upgrade, so a message that crosses proves
# the transport.

import os
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_bridge import (TIMEOUT, brokers, make_certificates,  # noqa: E402,F401
                         free_port, time_limit, wait_bridge_connected)


def ws_upstream(local, extra=(), tls=None):
    """A Brokerdesk upstream: ports[0] plain MQTT, ports[1] WebSocket."""
    lines = ["listener 1883", "listener 9001", "protocol websockets"]
    if tls is not None:
        lines += ["certfile " + tls("server.pem"), "keyfile " + tls("server.key")]
    return local(lines + list(extra), name="upstream")


def ws_bridge(port, topics, extra=()):
    return (["connection up", "address 127.0.0.1:%d" % port, "remote_clientid plant-ws",
             "restart_timeout 1 2", "bridge_transport websockets"]
            + ["topic " + t for t in topics] + list(extra))


def exchange_qos1(client, up, bd):
    """A QoS 1 message out through the bridge, and one in."""
    site = client(up, client_id="site")
    site.connect()
    site.subscribe("site/#", 1)
    plant = client(bd, client_id="plant")
    plant.connect()
    plant.subscribe("local/#", 1)

    # Large enough to span several WebSocket frames and TCP reads.
    big = bytes(range(256)) * 400
    plant.publish("plant/sensors/t1", b"21.5", qos=1)
    plant.publish("plant/sensors/blob", big, qos=1)
    got = site.get_messages(2)
    assert [(m.topic, m.payload, m.qos) for m in got] == [
        ("site/plant/sensors/t1", b"21.5", 1), ("site/plant/sensors/blob", big, 1)]

    site.publish("remote/cmd/valve", b"open", qos=1)
    m = plant.get_message()
    assert (m.topic, m.payload, m.qos) == ("local/cmd/valve", b"open", 1)


TOPICS = ["sensors/# out 1 plant/ site/plant/", "cmd/# in 1 local/ remote/"]


@pytest.mark.parametrize("protocol", ["mqttv311", "mqttv50"])
def test_bridge_over_websocket(brokers, protocol):
    upstream, local, client = brokers
    up = ws_upstream(local)
    mark = up.mark()
    bd = local(ws_bridge(up.ports[1], TOPICS, ["bridge_protocol_version " + protocol,
                                               "bridge_websocket_path /mqtt"]), name="local")
    wait_bridge_connected(bd)
    up.wait_for_log(r"New client connected from \S+ as plant-ws \(p%d"
                    % (5 if protocol == "mqttv50" else 4), TIMEOUT, mark)
    exchange_qos1(client, up, bd)


def test_bridge_over_websocket_with_tls(brokers, tmp_path):
    upstream, local, client = brokers
    _, p = make_certificates(tmp_path)
    up = ws_upstream(local, tls=p)
    bd = local(ws_bridge(up.ports[1], TOPICS, ["bridge_cafile " + p("ca.pem")]), name="local")
    wait_bridge_connected(bd)
    exchange_qos1(client, up, bd)


def test_refused_upgrade_shows_status_and_retries_with_backoff(brokers):
    """An upstream that answers the upgrade with 403 (an Origin it does not
    allow): refused, naming the HTTP status, tried again with backoff."""
    upstream, local, client = brokers
    up = ws_upstream(local, ["websockets_origin https://hmi.plant"])
    bd = local(ws_bridge(up.ports[1], TOPICS), name="local")
    first = bd.wait_for_log(r"Bridge up refused: 127\.0\.0\.1:\d+: WebSocket upgrade refused: "
                            r"HTTP 403 Forbidden; trying again in (\d+) s")
    second = bd.wait_for_log(r"Bridge up refused: .*HTTP 403 Forbidden; trying again in (\d+) s",
                             10, bd.mark())
    assert (int(first.group(1)), int(second.group(1))) == (1, 2)

    watcher = client(bd, client_id="watcher")
    watcher.connect()
    watcher.subscribe("$SYS/broker/connection/+/state", 1)
    assert watcher.get_message().payload == b"0"


@pytest.fixture
def http_server(tmp_path):
    """Python's http.server on an empty folder: a web server without a
    WebSocket at any path (404)."""
    root = tmp_path / "www"
    root.mkdir()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                             "--directory", str(root), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(TIMEOUT)


def test_wrong_path_is_refused_with_404(brokers, http_server):
    upstream, local, client = brokers
    bd = local(ws_bridge(http_server, TOPICS, ["bridge_websocket_path /no/mqtt/here"]),
               name="local")
    bd.wait_for_log(r"Bridge up refused: 127\.0\.0\.1:%d: WebSocket upgrade refused: "
                    r"HTTP 404 File not found; trying again in 1 s" % http_server)
