# test_unix_socket.py — listeners on Unix domain sockets (`listener 0 /PATH`)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Mosquitto 2.0 listens on a Unix socket when a listener has port 0 and a
# path; Debian's mosquitto_pub and mosquitto_sub reach it with --unix. Each
# broker here also has a TCP listener, which the harness moves to a free
# loopback port and waits for; the socket's line stays as written. The
# tests also run against Mosquitto (BROKER_UNDER_TEST=mosquitto), except
# those that read Brokerdesk's own start-up errors.

import os
import re
import signal
import socket
import stat
import uuid

import mqttwire
from brokertest import TIMEOUT, CliSub, brokerdesk_only, brokerdesk_refuses, mosquitto_pub


def unix_lines(path, *extra):
    return ["listener 0 " + path, "listener 1883"] + list(extra)


def sub_on_socket(broker, path, topic):
    sub = CliSub(broker, ["--unix", path, "-t", topic, "-q", "1"])
    sub.subscribed()
    return sub


def assert_socket_serves(broker, path, message):
    """A subscriber and a publisher on the socket: the message goes round."""
    topic = "unix/" + uuid.uuid4().hex[:8]
    sub = sub_on_socket(broker, path, topic)
    try:
        mosquitto_pub(broker, "--unix", path, "-t", topic, "-m", message, "-q", "1")
        assert sub.message() == (topic, 1, 0, message)
    finally:
        sub.close()


def test_pub_sub_over_unix_socket(broker_factory, tmp_path):
    """A subscriber on the socket gets what is published over TCP and over
    the socket itself: one broker, whatever the transport."""
    path = str(tmp_path / "broker.sock")
    broker = broker_factory(unix_lines(path))
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    topic = "unix/" + uuid.uuid4().hex[:8]
    sub = sub_on_socket(broker, path, topic)
    try:
        mosquitto_pub(broker, "-t", topic, "-m", "over tcp", "-q", "1")
        assert sub.message() == (topic, 1, 0, "over tcp")
        mosquitto_pub(broker, "--unix", path, "-t", topic, "-m", "over the socket", "-q", "1")
        assert sub.message() == (topic, 1, 0, "over the socket")
    finally:
        sub.close()


def test_raw_mqtt_over_unix_socket(broker_factory, tmp_path):
    """CONNECT over the socket with the raw client: a CONNACK, accepted
    [MQTT-3.2.2-3] (no transport of its own: the MQTT bytes as on TCP)."""
    path = str(tmp_path / "broker.sock")
    broker_factory(unix_lines(path))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(TIMEOUT)
        s.connect(path)
        s.sendall(mqttwire.connect("unix-" + uuid.uuid4().hex[:8]))
        assert s.recv(4) == b"\x20\x02\x00\x00"


def test_stale_socket_replaced_after_kill(broker_factory, tmp_path):
    """A broker killed outright leaves its socket file behind; the next
    start replaces it rather than failing."""
    path = str(tmp_path / "broker.sock")
    broker = broker_factory(unix_lines(path))
    broker.stop(signal.SIGKILL)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    broker.start()
    assert_socket_serves(broker, path, "again")


@brokerdesk_only
def test_socket_removed_on_exit(broker_factory, tmp_path):
    """No socket file is left for clients to find once the broker is gone."""
    path = str(tmp_path / "broker.sock")
    broker = broker_factory(unix_lines(path))
    assert broker.stop() == 0
    assert not os.path.exists(path)


@brokerdesk_only
def test_file_in_the_way_is_kept(tmp_path):
    """A file at the path that is not a socket stops start-up with the line
    that named it, and is left as it was."""
    sock = tmp_path / "notes.txt"
    sock.write_text("not a socket\n")
    conf, err = brokerdesk_refuses(tmp_path, "listener 1883 127.0.0.1\nlistener 0 %s\n" % sock)
    assert re.search(r"%s:2: listener: cannot listen on the Unix socket .*notes\.txt.*: "
                     r"a file that is not a socket is in the way" % re.escape(conf), err), err
    assert sock.read_text() == "not a socket\n"


@brokerdesk_only
def test_socket_in_use_is_refused(broker_factory, tmp_path):
    """A socket another broker answers on is not taken from it: the second
    one refuses to start, and the first still serves its clients."""
    path = str(tmp_path / "broker.sock")
    broker = broker_factory(unix_lines(path))
    conf, err = brokerdesk_refuses(tmp_path, "listener 0 %s\n" % path, data="data2")
    assert re.search(r"%s:1: listener: cannot listen on the Unix socket .*: another program "
                     r"is listening on it" % re.escape(conf), err), err
    assert_socket_serves(broker, path, "still mine")


@brokerdesk_only
def test_config_errors(tmp_path):
    """A relative path, the same socket twice, or bind_interface on a socket
    stop start-up with FILE:LINE."""
    sock = str(tmp_path / "b.sock")
    cases = [
        ("listener 0 run/b.sock\n", r":1: listener: the Unix socket .*run/b\.sock.* needs an "
                                    r"absolute path"),
        ("listener 0 %s\nlistener 0 %s\n" % (sock, sock),
         r":2: listener: the Unix socket .*b\.sock.* is already the listener's on .*:1"),
        ("listener 0 %s\nbind_interface lo\n" % sock,
         r":2: bind_interface: the listener on the Unix socket .*b\.sock.* has no network "
         r"interface"),
    ]
    for n, (text, message) in enumerate(cases):
        case = tmp_path / ("case%d" % n)
        case.mkdir()
        conf, err = brokerdesk_refuses(case, text)
        assert re.search(re.escape(conf) + message, err), err
