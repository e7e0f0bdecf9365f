# test_transports.py — which transport and TLS version each client uses, in $SYS
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Mosquitto 2.0 counts connected clients but not how they came; Brokerdesk
# also publishes the count per transport and per TLS version, so an operator
# sees whether the plant's devices use the encrypted listeners. The clients
# are mosquitto_sub over TLS and paho over WebSockets, with and without TLS.

import ssl
import time
import uuid

import mqttwire as w
from brokertest import TIMEOUT, CliSub, PahoClient, brokerdesk_only, subscribed
from test_tls import certs, client_context  # noqa: F401 (a fixture)

TRANSPORT = "$SYS/broker/clients/transport/"
TLS = "$SYS/broker/clients/tls/"


def four_listeners(certs):
    """The typical plant file: mqtt, mqtt+TLS, websockets, websockets+TLS."""
    tls = ["certfile " + certs.server_pem, "keyfile " + certs.server_key]
    return (["sys_interval 1", "listener 1883", "allow_anonymous true",
             "listener 8883"] + tls +
            ["listener 9001", "protocol websockets",
             "listener 9883", "protocol websockets"] + tls)


def wait_for_figures(c, seen, expected, timeout=2 * TIMEOUT):
    """Reads $SYS updates into seen (topic: latest value; a figure is
    published again only when it changes) until every topic of expected has
    its value."""
    deadline = time.monotonic() + timeout
    while any(seen.get(t) != v for t, v in expected.items()):
        remaining = deadline - time.monotonic()
        assert remaining > 0, "expected %r, seen %r" % (expected, seen)
        p = c.expect(w.PUBLISH, remaining)
        seen[p.topic] = p.payload.decode()


@brokerdesk_only
def test_sys_counts_clients_by_transport_and_tls_version(broker_factory, raw_client, certs):
    """One client on each of the four listeners: each transport counts one,
    TLS 1.3 counts the two encrypted ones (TLS and WebSocket over TLS); when
    they leave, the counts go back to 0."""
    broker = broker_factory(four_listeners(certs))
    watcher = subscribed(raw_client(broker), "sys-watch",
                         [(TRANSPORT + "#", 0), (TLS + "#", 0)])
    topic = "transports/" + uuid.uuid4().hex[:8]
    seen = {}
    sub = CliSub(broker, ["-p", str(broker.ports[1]), "--cafile", certs.ca_pem,
                          "-t", topic, "-i", "over-tls"])
    ws = PahoClient(broker, "over-ws", port=broker.ports[2], transport="websockets")
    wss = PahoClient(broker, "over-wss", port=broker.ports[3], transport="websockets",
                     tls_context=client_context(certs))
    try:
        sub.subscribed()
        ws.connect()
        wss.connect()
        wait_for_figures(watcher, seen, {TRANSPORT + "mqtt": "1", TRANSPORT + "tls": "1",
                                   TRANSPORT + "websockets": "1",
                                   TRANSPORT + "websockets-tls": "1",
                                   TLS + "TLSv1.3": "2", TLS + "TLSv1.2": "0"})
    finally:
        sub.close()
        ws.close()
        wss.close()
    wait_for_figures(watcher, seen, {TRANSPORT + "mqtt": "1", TRANSPORT + "tls": "0",
                               TRANSPORT + "websockets": "0", TRANSPORT + "websockets-tls": "0",
                               TLS + "TLSv1.3": "0"})


@brokerdesk_only
def test_sys_counts_tls_1_2(broker_factory, raw_client, certs):
    """A client that offers at most TLS 1.2 is counted under TLSv1.2."""
    broker = broker_factory(four_listeners(certs))
    watcher = subscribed(raw_client(broker), "sys-watch", [(TLS + "#", 0)])
    context = client_context(certs)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    client = PahoClient(broker, "tls12", port=broker.ports[1], tls_context=context)
    try:
        client.connect()
        wait_for_figures(watcher, {}, {TLS + "TLSv1.2": "1", TLS + "TLSv1.3": "0"})
    finally:
        client.close()
