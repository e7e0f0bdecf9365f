# test_auth_reload.py — the password and ACL files read again at run time (SIGHUP)
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Users and topic permissions change without a restart: a user added to the
# password file may connect, a removed one is refused and disconnected at
# once, a client still allowed keeps its connection, and a narrower ACL
# refuses a subscription it granted before. Mosquitto does the same on
# SIGHUP, which validates these tests against it.

import signal
import subprocess
import time

from brokertest import TIMEOUT, auth_lines, make_password_file, mosquitto_deviation, write_file


def reload(broker):
    broker.proc.send_signal(signal.SIGHUP)


def until(predicate, what, timeout=TIMEOUT):
    """Retries @predicate (a reload is asynchronous) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def connack_rc(broker, raw_client, client_id, username, password):
    c = raw_client(broker)
    rc = c.connect(client_id, expect_rc=None, username=username, password=password).rc
    c.close()
    return rc


def test_added_user_connects_after_reload(broker_factory, raw_client, tmp_path):
    """[MQTT-3.1.4-2] a user added to the password file (by mosquitto_passwd)
    is accepted after a reload, without a restart; before, it is refused."""
    pw = make_password_file(tmp_path / "passwd", {"alice": "secret"})
    b = broker_factory(["allow_anonymous false", "password_file " + pw])
    assert connack_rc(b, raw_client, "bob-c", "bob", "hunter2") in (4, 5)
    subprocess.run(["mosquitto_passwd", "-b", pw, "bob", "hunter2"], check=True,
                   capture_output=True, timeout=TIMEOUT)
    reload(b)
    until(lambda: connack_rc(b, raw_client, "bob-c", "bob", "hunter2") == 0, "bob accepted")
    r = subprocess.run(["mosquitto_pub", "-h", b.host, "-p", str(b.port), "-u", "bob",
                        "-P", "hunter2", "-q", "1", "-t", "t", "-m", "x"],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr


def test_removed_user_is_disconnected_others_stay(broker_factory, raw_client, tmp_path):
    """A user removed from the password file is disconnected at the reload and
    refused afterwards; a client whose user stays keeps its connection."""
    pw = make_password_file(tmp_path / "passwd", {"alice": "secret", "bob": "hunter2"})
    b = broker_factory(["allow_anonymous false", "password_file " + pw])
    alice = raw_client(b)
    alice.connect("alice-c", username="alice", password="secret")
    bob = raw_client(b)
    bob.connect("bob-c", username="bob", password="hunter2")
    subprocess.run(["mosquitto_passwd", "-D", pw, "alice"], check=True,
                   capture_output=True, timeout=TIMEOUT)
    reload(b)
    alice.wait_closed(timeout=TIMEOUT)
    assert connack_rc(b, raw_client, "alice-c", "alice", "secret") in (4, 5)
    # bob is still there: a round trip on his connection answers.
    assert bob.subscribe(1, [("still/here", 0)]).return_codes == [0]


@mosquitto_deviation("keeps granting a subscription that the ACL reloaded on SIGHUP no "
                     "longer allows (it refuses it after a restart)")
def test_narrower_acl_refuses_subscription_after_reload(broker_factory, raw_client, tmp_path):
    """[MQTT-3.9.3-1] after the ACL is narrowed and reloaded, a subscription it
    no longer grants gets 0x80; one it grants still succeeds."""
    b = broker_factory(auth_lines(tmp_path, {"alice": "secret"}, "user alice\ntopic readwrite #\n"))
    c = raw_client(b)
    c.connect("alice-c", username="alice", password="secret")
    assert c.subscribe(1, [("secret/x", 0)]).return_codes == [0]
    write_file(tmp_path / "acl", "user alice\ntopic read public/#\n")
    reload(b)
    packet_id = [1]

    def refused():
        packet_id[0] += 1
        return c.subscribe(packet_id[0], [("secret/y", 0)]).return_codes == [0x80]
    until(refused, "the secret subscription refused")
    assert c.subscribe(100, [("public/x", 0)]).return_codes == [0]
