# test_config.py — configuration file errors and process life cycle
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Brokerdesk reads mosquitto.conf syntax (--config FILE). A line it cannot
# accept stops the start with a non-zero exit status and "FILE:LINE: message"
# on stderr. `--headless` ends cleanly (status 0) on SIGINT and SIGTERM.

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import mqttwire as w
from syslogcapture import stop_process
from brokertest import (IS_MOSQUITTO, MOSQUITTO, TIMEOUT, PahoClient, auth_lines, brokerdesk_only,
                        free_port, mosquitto_deviation, mosquitto_pub, subscribed, write_file)

STARTED = re.compile(r"[Ll]istening on \S+:\d+|mosquitto version \S+ running")
LAX = mosquitto_deviation("accepts this line (reads a missing or non-numeric value as 0)")


def _run_with_config(tmp_path, text):
    """Start the broker on a config file that must be refused; returns
    (exit status, stderr, path of the file). A broker that starts anyway is
    killed as soon as it says it is listening."""
    path = str(tmp_path / "bad.conf")
    if IS_MOSQUITTO:
        # Without a listener Mosquitto would take port 1883: give it a free
        # one after the lines under test (their line numbers do not move).
        text += "\nlistener %d 127.0.0.1\n" % free_port()
    with open(path, "w") as f:
        f.write(text)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if IS_MOSQUITTO:
        argv = [MOSQUITTO, "-c", path]
    else:
        exe = os.environ.get("BROKERDESK")
        assert exe, "BROKERDESK is not set"
        argv = [exe, "--headless", "--port", "0", "--data-dir", str(data), "--no-demo",
                "--config", path]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    watchdog = threading.Timer(10, proc.kill)
    watchdog.start()
    lines = []
    started = False
    try:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if STARTED.search(line):
                started = True
                proc.kill()
                break
        proc.wait()
    finally:
        watchdog.cancel()
        proc.stderr.close()
    err = "".join(lines)
    assert not started, "the broker started on a bad configuration file:\n" + err
    return proc.returncode, err, path


BAD_CONFIGS = [
    ("unknown-directive", "allow_anonymous true\n\nno_such_directive 1\n", 3),
    ("bad-number", "# comment\nmax_inflight_messages lots\n", 2),
    ("bad-boolean", "allow_anonymous maybe\n", 1),
    ("bad-port", "\n\n\n\nlistener 99999\n", 5),
    ("missing-argument", "allow_anonymous true\nmax_connections\n", 2),
]
LAX_IDS = ("bad-number", "missing-argument")


@pytest.mark.parametrize("name,text,line", [
    pytest.param(*b, id=b[0], marks=[LAX] if b[0] in LAX_IDS else []) for b in BAD_CONFIGS])
def test_bad_config_exits_nonzero(tmp_path, name, text, line):
    """A configuration line the broker cannot accept stops it with a non-zero
    exit status (both brokers)."""
    rc, err, path = _run_with_config(tmp_path, text)
    assert rc != 0, "exit status 0 on a bad configuration; stderr:\n" + err


@brokerdesk_only
@pytest.mark.parametrize("name,text,line", BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_reports_file_and_line(tmp_path, name, text, line):
    """The error names the file and the line: "FILE:LINE: message" on stderr."""
    rc, err, path = _run_with_config(tmp_path, text)
    assert rc != 0
    assert re.search(r"%s:%d: \S" % (re.escape(path), line), err), err


@brokerdesk_only
def test_missing_config_file(tmp_path):
    """--config naming a file that does not exist: non-zero exit and the path
    in the message."""
    exe = os.environ["BROKERDESK"]
    path = str(tmp_path / "nope.conf")
    r = subprocess.run([exe, "--headless", "--port", "0", "--data-dir", str(tmp_path),
                        "--no-demo", "--config", path],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert r.returncode != 0
    assert path in r.stderr.decode("utf-8", "replace")


def test_missing_password_file_refused(tmp_path):
    """password_file naming a missing file is an error at start-up, not an
    open broker."""
    rc, err, path = _run_with_config(
        tmp_path, "allow_anonymous false\npassword_file %s\n" % (tmp_path / "missing"))
    assert rc != 0


@brokerdesk_only
def test_missing_persistence_location_names_its_line(tmp_path):
    """persistence true with a persistence_location that does not exist
    stops start-up at its line (Mosquitto starts, then fails at every save;
    the durable store would have no log to write to)."""
    missing = str(tmp_path / "gone") + "/"
    rc, err, path = _run_with_config(
        tmp_path, "persistence true\npersistence_location %s\n" % missing)
    assert rc != 0
    assert re.search(r"%s:2: persistence_location: the directory .%s. does not exist" % (
        re.escape(path), re.escape(missing)), err), err
    assert not os.path.exists(missing)


@brokerdesk_only
def test_duplicate_listener_names_its_line(tmp_path):
    """Two listeners on one port and address: start-up stops at the second
    line, naming the first (Mosquitto only fails to bind)."""
    port = free_port()
    rc, err, path = _run_with_config(
        tmp_path, "listener %d 127.0.0.1\nallow_anonymous true\nlistener %d\n" % (port, port))
    assert rc != 0
    assert re.search(r"%s:3: listener: port %d is already taken by the listener on %s:1" % (
        re.escape(path), port, re.escape(path)), err), err


@brokerdesk_only
@pytest.mark.parametrize("name", ["password_file", "acl_file"])
def test_missing_security_file_names_its_line(tmp_path, name):
    """A password or ACL file that cannot be read stops start-up at the line
    that names it (Mosquitto names only the file)."""
    missing = str(tmp_path / "missing")
    rc, err, path = _run_with_config(
        tmp_path, "allow_anonymous false\n\n%s %s\n" % (name, missing))
    assert rc != 0
    assert re.search(r"%s:3: %s: cannot read .%s.: No such file" % (
        re.escape(path), name, re.escape(missing)), err), err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_clean_exit_on_signal(broker_factory, raw_client, sig):
    """`--headless` (and Mosquitto) exit with status 0 within 10 s on SIGTERM
    and SIGINT, also with clients connected and a persistent session holding
    in-flight messages."""
    b = broker_factory()
    c = subscribed(raw_client(b), "persist", [("x/#", 1)], clean=False)
    p = raw_client(b)
    p.connect("pub")
    p.publish("x/y", b"in flight", qos=1)
    c.expect(w.PUBLISH)  # never acknowledged
    assert b.stop(sig) == 0
    c.wait_closed()


def test_restart_after_clean_exit(broker_factory, raw_client):
    """After a clean exit the same data directory serves again (no stale lock
    or socket left behind)."""
    b = broker_factory(["persistence true"])
    c = raw_client(b)
    c.connect("x")
    c.disconnect()
    b.restart()
    b.check_alive()


@brokerdesk_only
def test_history_has_what_was_published_at_once(broker_factory):
    """Every message the broker routed is in the history, the first ones too.
    The recorder used to be tapped only after the listener was open: QoS 0
    readings published right away (pipelined behind the CONNECT, which 3.1.4
    allows) were routed while nothing recorded them, and went missing from
    the history without being counted as dropped."""
    import sqlite3

    b = broker_factory()
    c = b.raw()
    count = 200
    c.send(w.connect("history-first") +
           b"".join(w.publish("plant/line%03d/temperature" % i, b"%d" % i) for i in range(count)) +
           w.pingreq())
    assert c.expect(w.CONNACK).rc == 0
    # One stream, handled in order: the PINGRESP [MQTT-3.12.4-1] comes after
    # every PUBLISH before it was routed.
    c.expect(w.PINGRESP)
    c.send(w.disconnect())
    c.wait_closed()
    # SIGTERM flushes the recorder's queue before the process ends.
    assert b.stop(signal.SIGTERM) == 0
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(b.data_dir, "history.db"), uri=True)
    try:
        n = db.execute("SELECT count(*) FROM messages JOIN topics ON topics.id = topic_id "
                       "WHERE name LIKE 'plant/%'").fetchone()[0]
    finally:
        db.close()
    assert n == count


# -- settings that change behaviour

def test_upgrade_outgoing_qos(broker_factory, raw_client):
    """upgrade_outgoing_qos true (a deviation from the standard Mosquitto
    offers): a QoS 0 message reaches a QoS 2 subscription at QoS 2, when
    routed and when retained."""
    b = broker_factory(["upgrade_outgoing_qos true"])
    p = raw_client(b)
    p.connect("pub")
    p.publish("up/kept", b"r", qos=0, retain=True)
    c = subscribed(raw_client(b), "sub", [("up/#", 2)])
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.qos) == ("up/kept", 2)
    c.send(w.pubrec(m.packet_id))
    c.expect(w.PUBREL)
    c.send(w.pubcomp(m.packet_id))
    p.publish("up/live", b"x", qos=0)
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.qos) == ("up/live", 2)


@mosquitto_deviation("2.0.11 refuses max_keepalive below 10 at start-up; "
                     "2.0.12 and later read 0 as no limit")
def test_max_keepalive_zero_is_no_limit(broker_factory, raw_client):
    """max_keepalive 0 means no limit, as in Mosquitto 2.0.12 and later: a
    3.1.1 client's keep alive (even 0) is accepted, and an MQTT 5 client is
    not told another one (no Server Keep Alive [MQTT-3.2.2-22])."""
    b = broker_factory(["max_keepalive 0"])
    for keepalive in (60, 0):
        c = raw_client(b)
        c.connect("ka311-%d" % keepalive, keepalive=keepalive)
        c.disconnect()
    c = raw_client(b, version=5)
    ack = c.connect("ka5", keepalive=60)
    assert ack.prop(w.PROP_SERVER_KEEP_ALIVE) is None


RETAIN_ACL_ALLOWED = "topic read rs/#\n\nuser writer\ntopic readwrite rs/#\n"
RETAIN_ACL_REVOKED = "topic read rs/#\n\nuser writer\ntopic read rs/#\n"


RESTORED_UNCHECKED = mosquitto_deviation("does not check the source of a retained message "
                                         "restored from its database after a restart")


@pytest.mark.parametrize("check", [pytest.param(True, id="check", marks=[RESTORED_UNCHECKED]),
                                   pytest.param(False, id="no-check")])
def test_check_retain_source(broker_factory, raw_client, tmp_path, check):
    """check_retain_source (true by default, as in Mosquitto): once the
    publisher of a retained message has lost write access (the ACL changed
    across a restart), the message is no longer delivered to new
    subscribers; with false it still is."""
    lines = ["persistence true"] + auth_lines(tmp_path, {"writer": "pw"}, RETAIN_ACL_ALLOWED,
                                             anonymous=True)
    if not check:
        lines.append("check_retain_source false")
    b = broker_factory(lines)
    p = raw_client(b)
    p.connect("writer-c", username="writer", password="pw")
    p.publish("rs/x", b"kept", qos=1, retain=True)
    p.disconnect()
    c = subscribed(raw_client(b), "reader", [("rs/#", 1)])
    assert [m.payload for m in c.publishes_before_pingresp(ack=True)] == [b"kept"]
    c.disconnect()

    write_file(tmp_path / "acl", RETAIN_ACL_REVOKED)
    b.restart()
    c = subscribed(raw_client(b), "reader", [("rs/#", 1)])
    got = [m.payload for m in c.publishes_before_pingresp(ack=True)]
    assert got == ([] if check else [b"kept"])


def test_pid_file(broker_factory, tmp_path):
    """pid_file PATH: written with the broker's process id at start, removed
    when it stops."""
    path = str(tmp_path / "broker.pid")
    b = broker_factory(["pid_file " + path])
    with open(path) as f:
        assert int(f.read().strip()) == b.proc.pid
    assert b.stop() == 0
    assert not os.path.exists(path)


UNSUPPORTED = [
    ("tls-engine", "listener 8883\ntls_engine pkcs11\n", 2),
    ("plugin", "listener 1883\nplugin /usr/lib/mosquitto_dynamic_security.so\n", 2),
    ("bridge-psk", "\nconnection remote\naddress 127.0.0.1:1\ntopic #\nbridge_psk 00\n", 5),
]


@brokerdesk_only
@pytest.mark.parametrize("name,text,line", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_option_refused(tmp_path, name, text, line):
    """An option Mosquitto has but Brokerdesk does not implement stops
    start-up at its own line, saying so."""
    rc, err, path = _run_with_config(tmp_path, text)
    assert rc != 0
    assert re.search(r"%s:%d: .*not supported" % (re.escape(path), line), err), err


@brokerdesk_only
@pytest.mark.parametrize("information", [False, True], ids=["without-information", "with-information"])
def test_log_options(broker_factory, tmp_path, information):
    """log_dest file, log_type, log_timestamp_format are honoured: the file
    gets the types asked for, stamped with the format, and nothing else."""
    log_file = tmp_path / "broker.log"
    lines = ["log_dest stderr", "log_dest file %s" % log_file,
             "log_type error", "log_type warning", "log_type notice",
             "log_timestamp_format %Y-%m-%d"]
    if information:
        lines.append("log_type information")
    broker = broker_factory(lines)
    mosquitto_pub(broker, "-i", "log-test", "-t", "plant/x", "-m", "1")
    # An information line: the broker's own $SYS refuses a client publish.
    mosquitto_pub(broker, "-i", "log-test", "-t", "$SYS/fake", "-m", "1")
    assert broker.stop() == 0   # the writer flushes at exit
    text = log_file.read_text()
    today = r"\d{4}-\d{2}-\d{2} "
    assert re.search(r"^%snotice: New client connected .* as log-test" % today, text, re.M), text
    assert re.search(r"^%snotice: Listening on " % today, text, re.M), text
    denied = re.search(r"Denied PUBLISH from .*\$SYS", text)
    assert bool(denied) == information, text


@brokerdesk_only
def test_log_without_timestamp(broker_factory, tmp_path):
    """log_timestamp false leaves the stamp out."""
    log_file = tmp_path / "broker.log"
    broker = broker_factory(["log_dest stderr", "log_dest file %s" % log_file,
                             "log_timestamp false"])
    assert broker.stop() == 0
    text = log_file.read_text()
    assert re.search(r"^notice: Listening on ", text, re.M), text


@brokerdesk_only
def test_log_connection_messages_and_subscribe_types(broker_factory, tmp_path):
    """connection_messages false leaves out clients coming and going;
    log_type subscribe / unsubscribe log each filter, and only those."""
    log_file = tmp_path / "broker.log"
    broker = broker_factory(["log_dest stderr", "log_dest file %s" % log_file,
                             "log_type notice", "log_type subscribe",
                             "connection_messages false"])
    c = PahoClient(broker, client_id="quiet-client")
    c.connect()
    c.subscribe("plant/+/temperature")
    c.unsubscribe("plant/+/temperature")
    c.disconnect()
    assert broker.stop() == 0
    text = log_file.read_text()
    assert re.search(r"notice: Listening on ", text), text
    assert re.search(r"Client quiet-client subscribed to .plant/\+/temperature. \(QoS 0\)", text), text
    assert "unsubscribed" not in text, text
    assert "connected" not in text, text


SYSLOG_CAPTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "syslogcapture.py")


def _plain_argv(tmp_path, name, text):
    """The command line of the broker under test on the configuration text,
    written to tmp_path/name as it is (no harness lines but "user root" for
    Mosquitto started as root, which would otherwise switch users)."""
    path = str(tmp_path / name)
    if IS_MOSQUITTO and os.geteuid() == 0:
        text += "user root\n"
    write_file(path, text)
    if IS_MOSQUITTO:
        return [MOSQUITTO, "-c", path]
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return [os.environ["BROKERDESK"], "--headless", "--data-dir", str(data), "--no-demo",
            "--config", path]


def _first_syslog_line(tmp_path, lines):
    """Start the broker with lines, its syslog going to a /dev/log served in
    a mount namespace of the test's own (root only); returns the first line
    saying it runs, as syslog(3) sent it ("<PRI>…")."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("serving /dev/log in a private mount namespace needs root and unshare")
    # A container may refuse new namespaces even to root.
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine refuses a private mount namespace")
    text = "\n".join(lines) + "\nlistener %d 127.0.0.1\nallow_anonymous true\n" % free_port()
    argv = _plain_argv(tmp_path, "syslog.conf", text)
    r = subprocess.run(["unshare", "--mount", sys.executable, SYSLOG_CAPTURE, str(tmp_path),
                        r"Listening on|mosquitto version", "--"] + argv,
                       capture_output=True, timeout=30)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, out + r.stderr.decode("utf-8", "replace")
    m = re.match(r"<(\d+)>", out)
    assert m, out
    return int(m.group(1)), out


@pytest.mark.parametrize("lines,facility", [
    ([], 3),            # LOG_DAEMON
    (["log_facility 0"], 16),   # LOG_LOCAL0
    (["log_facility 5"], 21),   # LOG_LOCAL5
], ids=["daemon", "local0", "local5"])
def test_log_facility(tmp_path, lines, facility):
    """log_dest syslog sends with the daemon facility; log_facility N with
    local N, as Mosquitto does."""
    pri, out = _first_syslog_line(tmp_path, ["log_dest syslog"] + lines)
    assert pri >> 3 == facility, out


@pytest.mark.parametrize("value", ["false", "true"])
def test_allow_duplicate_messages(broker_factory, raw_client, value):
    """allow_duplicate_messages: a 3.1.1 client whose subscriptions overlap
    gets one copy [MQTT-3.3.5-1] with false. true only allows duplicates
    ("clients must be able to correctly deal with duplicate messages"),
    and Brokerdesk still sends one; Mosquitto sends one per subscription."""
    if IS_MOSQUITTO and value == "true":
        pytest.skip("Mosquitto sends a copy per matching subscription with true")
    broker = broker_factory(["allow_duplicate_messages " + value])
    c = subscribed(raw_client(broker), "sub", [("dup/#", 1), ("dup/+", 1), ("m/marker", 0)])
    p = raw_client(broker)
    p.connect("pub")
    p.publish("dup/a", b"once", qos=1, packet_id=1)
    got = []
    while True:
        m = c.expect(w.PUBLISH)
        if m.payload == b"marker":
            break
        got.append(m.payload)
        c.send(w.puback(m.packet_id))
        if len(got) == 1:
            p.send(w.publish("m/marker", b"marker"))
    assert got == [b"once"]


def _interface_addresses(name):
    """The IPv4 and IPv6 addresses of a network interface (None: of all),
    from `ip`."""
    r = subprocess.run(["ip", "-o", "addr", "show"] + (["dev", name] if name else []),
                       capture_output=True, timeout=10)
    if r.returncode != 0:
        return []
    return [m.group(1) for m in re.finditer(r"\binet6? ([0-9a-f.:]+)/", r.stdout.decode())]


def _accepts(address, port, timeout=5.0):
    """Whether a TCP connection to address:port is accepted; retried, within
    timeout, while it is refused (the broker may still be opening it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            try:
                s.connect((address, port))
                return True
            except ConnectionRefusedError:
                if time.monotonic() >= deadline:
                    return False
        time.sleep(0.05)


def _start_plain(tmp_path, text):
    """A broker on a configuration file of its own (with the test's listener
    lines as written); the caller stops it."""
    argv = _plain_argv(tmp_path, "plain.conf", text)
    log = open(str(tmp_path / "plain-stderr.log"), "wb")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    return proc


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip(8) to list addresses")
def test_bind_interface_lo(tmp_path):
    """bind_interface lo: the listener listens on lo's addresses, 127.0.0.1
    and ::1, and on no other address of the machine."""
    port = free_port()
    lo = _interface_addresses("lo")
    # 127.0.0.2 is lo's too but not its first address, so Mosquitto does not
    # bind it either: refused there shows the listener is not on every address.
    others = ["127.0.0.2"] + [a for a in _interface_addresses(None)
                              if a not in lo and not a.startswith("fe80:")]
    proc = _start_plain(tmp_path, "listener %d\nbind_interface lo\nallow_anonymous true\n" % port)
    try:
        assert _accepts("127.0.0.1", port), (tmp_path / "plain-stderr.log").read_text()
        if "::1" in lo:
            assert _accepts("::1", port)
        for address in others:
            assert not _accepts(address, port, timeout=0.2), address
        assert proc.poll() is None
    finally:
        stop_process(proc)


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip(8) to list addresses")
def test_bind_interface_shares_its_port_with_another_address(tmp_path):
    """A listener with bind_interface lo and a second one on the same port
    bound to another address of the machine do not overlap: both listen (the
    second one's 'listener' line comes before what decides its address; the
    port is only taken where the addresses really meet)."""
    lo = _interface_addresses("lo")
    others = [a for a in _interface_addresses(None)
              if a not in lo and not a.startswith("fe80:")]
    if not others:
        pytest.skip("the machine has no address but the loopback interface's")
    # An IPv4 one first, if there is one.
    other = sorted(others, key=lambda a: ":" in a)[0]
    port = free_port()
    proc = _start_plain(tmp_path, "listener %d %s\nlistener %d\nbind_interface lo\n"
                        "allow_anonymous true\n" % (port, other, port))
    try:
        assert _accepts("127.0.0.1", port), (tmp_path / "plain-stderr.log").read_text()
        assert _accepts(other, port), (tmp_path / "plain-stderr.log").read_text()
        assert proc.poll() is None
    finally:
        stop_process(proc)


@brokerdesk_only
@pytest.mark.parametrize("text,line,message", [
    ("listener 1883\n\nbind_interface no-such-if0\n", 3,
     "bind_interface: there is no network interface “no-such-if0”"),
    ("listener 0 192.0.2.99\nbind_interface lo\n", 2,
     "bind_interface: the listener's address “192.0.2.99” is not one of interface “lo”"),
], ids=["unknown", "other-address"])
def test_bind_interface_refused(tmp_path, text, line, message):
    """An interface that does not exist, or a listener address that is not
    the interface's, stops start-up at the bind_interface line."""
    rc, err, path = _run_with_config(tmp_path, text)
    assert rc != 0
    assert "%s:%d: %s" % (path, line, message) in err, err


def test_autosave_on_changes_keeps_each_change(broker_factory, raw_client):
    """persistence with autosave_on_changes true and autosave_interval 1:
    the state is saved once a change is made, so an acknowledged retained
    message survives a SIGKILL (Brokerdesk's durable mode writes every
    change; Mosquitto saves after the first change, which it logs)."""
    b = broker_factory(["persistence true", "autosave_on_changes true", "autosave_interval 1"])
    start = b.mark()
    p = raw_client(b)
    p.connect("keeper")
    p.publish("kept/one", b"kept", qos=1, packet_id=1, retain=True)
    if IS_MOSQUITTO:
        # It logs before it writes, and renames the file into place last.
        b.wait_for_log(r"Saving in-memory database", start=start)
        saved = os.path.join(b.data_dir, "mosquitto.db")
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(saved):
            assert time.monotonic() < deadline, "Mosquitto did not save " + saved
            time.sleep(0.02)
    b.proc.send_signal(signal.SIGKILL)
    assert b.stop() == -signal.SIGKILL
    b.start()
    c = subscribed(raw_client(b), "reader", [("kept/#", 0)])
    m = c.expect(w.PUBLISH)
    assert (m.topic, m.payload, m.retain) == ("kept/one", b"kept", True)
