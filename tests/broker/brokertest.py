# brokertest.py — the broker under test and the paho client wrapper
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The conformance suite drives a real broker process over loopback with
# clients the project did not write. The broker is Brokerdesk by default
# ($BROKERDESK, set by meson's test_env) or Debian's Mosquitto when
# BROKER_UNDER_TEST=mosquitto, so every test can first be validated against
# a reference implementation.
#
# Contract assumed from `brokerdesk --headless` (the lead implements exactly this):
#   brokerdesk --headless --port 0 --data-dir DIR --no-demo [--config FILE]
#   * FILE uses mosquitto.conf syntax; with a `listener` line in FILE, --port 0
#     still overrides the port of the default (first) listener;
#   * for each listener, once it accepts connections, one stderr line matching
#     [Ll]istening on (\S+):(\d+)   with the real port when 0 was asked for,
#     in the order of the listeners in FILE;
#   * SIGTERM and SIGINT: clean shutdown, exit status 0 within 10 s;
#   * a bad config file: non-zero exit status and "FILE:LINE: message" on stderr.

import fcntl
import os
import re
import signal
import socket
import subprocess
import threading
import time
import queue
import uuid

import pytest
import paho.mqtt.client as paho
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.subscribeoptions import SubscribeOptions

import mqttwire

BROKER_UNDER_TEST = os.environ.get("BROKER_UNDER_TEST", "brokerdesk")
IS_MOSQUITTO = BROKER_UNDER_TEST == "mosquitto"
MOSQUITTO = os.environ.get("MOSQUITTO_BINARY", "/usr/sbin/mosquitto")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
# The default wait for something the broker should do promptly. Generous on
# purpose: a loaded CI machine is slow, and a passing test never waits this long.
TIMEOUT = 5.0
# How long "nothing happens" is watched when no event can be awaited instead.
QUIET = 0.5

if BROKER_UNDER_TEST not in ("brokerdesk", "mosquitto"):
    raise RuntimeError("BROKER_UNDER_TEST must be 'brokerdesk' or 'mosquitto'")


def mosquitto_deviation(reason):
    """Mark a test that checks what the issue or the standard demands but
    Mosquitto 2.0.11 does differently. Strict: if Mosquitto starts passing,
    the mark must go."""
    return pytest.mark.xfail(IS_MOSQUITTO, strict=True,
                             reason="Mosquitto 2.0 deviation: " + reason)


brokerdesk_only = pytest.mark.skipif(
    IS_MOSQUITTO, reason="checks Brokerdesk's own command line, not MQTT")


class BrokerError(AssertionError):
    pass


# Set when a broker never became ready: later tests in the same pytest run
# fail at once instead of each waiting START_TIMEOUT for the same problem
# (e.g. a brokerdesk that does not listen yet).
_start_failure = None


def free_port():
    """A port that was free a moment ago (only for Mosquitto, which cannot
    listen on port 0 and report the port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One broker process with its own port, data directory and stderr log."""

    def __init__(self, workdir, config_lines=(), name="broker"):
        self.kind = BROKER_UNDER_TEST
        self.name = name
        self.workdir = str(workdir)
        self.data_dir = os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.config_lines = list(config_lines)
        self.log_path = os.path.join(self.workdir, name + "-stderr.log")
        self.config_path = None
        self.host = "127.0.0.1"
        self.port = None
        # Every listener's port, in the order of the `listener` lines
        # (ports[0] == port); other listener options (TLS, protocol) are
        # kept as written, for both brokers.
        self.ports = []
        self._mosquitto_ports = []
        self.proc = None
        self.returncode = None
        self._lines = []
        self._cv = threading.Condition()
        self._eof = False
        self._reader = None
        # Cleared to stop reading stderr, so the pipe fills up as it would
        # for a broker whose log nobody reads.
        self._reading = threading.Event()
        self._reading.set()
        self.starts = 0

    # -- log
    def log_text(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _read_stderr(self, stream):
        with open(self.log_path, "ab") as log:
            while True:
                self._reading.wait()
                line = stream.readline()
                if not line:
                    break
                log.write(line)
                log.flush()
                with self._cv:
                    self._lines.append(line.decode("utf-8", "replace"))
                    self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def pause_log(self, pipe_size=4096):
        """Stop reading the broker's stderr and shrink its pipe, so the
        pipe is soon full (at most one more line is taken)."""
        self._reading.clear()
        fcntl.fcntl(self.proc.stderr.fileno(), fcntl.F_SETPIPE_SZ, pipe_size)

    def resume_log(self):
        self._reading.set()

    def mark(self):
        """Position in the log, to wait for lines printed after it."""
        with self._cv:
            return len(self._lines)

    def wait_for_log(self, regex, timeout=TIMEOUT, start=0):
        """Wait for a stderr line matching regex; returns the match."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cv:
            pos = start
            while True:
                while pos < len(self._lines):
                    m = pattern.search(self._lines[pos])
                    pos += 1
                    if m:
                        return m
                if self._eof:
                    raise BrokerError("broker stderr ended before a line matching %r" % regex)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrokerError("no stderr line matching %r within %.1f s" % (regex, timeout))
                self._cv.wait(remaining)

    # -- configuration
    @staticmethod
    def _is_tcp_listener(line):
        """A `listener` line the harness moves to a free loopback port; a
        Unix socket's (`listener 0 /PATH`) stays as written."""
        words = line.split()
        return words[:1] == ["listener"] and not (len(words) > 2 and words[2].startswith("/"))

    def _config_text(self, port):
        has_listener = any(self._is_tcp_listener(l) for l in self.config_lines)
        out = []
        if self.kind == "mosquitto":
            if not has_listener:
                out.append("listener %d 127.0.0.1" % port)
            out.append("allow_anonymous true")
            out.append("persistence_location %s/" % self.data_dir)
            if os.geteuid() == 0:
                # Started as root, Mosquitto would switch to the "mosquitto"
                # user, which cannot read the test's private temporary files.
                out.append("user root")
        else:
            # Mosquitto 2.0 semantics, which Brokerdesk follows: a configured
            # listener turns anonymous access off unless it is allowed.
            out.append("allow_anonymous true")
        n_listener = 0
        for line in self.config_lines:
            if self._is_tcp_listener(line):
                if self.kind == "mosquitto":
                    line = "listener %d 127.0.0.1" % self._mosquitto_ports[n_listener]
                else:
                    line = "listener 0 127.0.0.1"
                n_listener += 1
            out.append(line)
        return "\n".join(out) + "\n"

    def _n_listeners(self):
        return max(1, sum(1 for l in self.config_lines if self._is_tcp_listener(l)))

    def _write_config(self, port):
        if self.kind == "mosquitto":
            self._mosquitto_ports = [port] + [free_port() for _ in range(self._n_listeners() - 1)]
        self.config_path = os.path.join(self.workdir, self.name + ".conf")
        with open(self.config_path, "w") as f:
            f.write(self._config_text(port))

    # -- process
    def _spawn(self, argv):
        with open(self.log_path, "ab") as log:
            log.write(("==== %s\n" % " ".join(argv)).encode())
        with self._cv:
            self._lines = []
            self._eof = False
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(self.workdir, self.name + "-stdout.log"), "ab"),
                                     stderr=subprocess.PIPE, cwd=self.workdir)
        self._reader = threading.Thread(target=self._read_stderr, args=(self.proc.stderr,),
                                        daemon=True)
        self._reader.start()
        self.returncode = None

    def start(self):
        self.starts += 1
        if self.kind == "mosquitto":
            self._start_mosquitto()
        else:
            self._start_brokerdesk()
        return self

    def _start_brokerdesk(self):
        exe = os.environ.get("BROKERDESK")
        if not exe:
            raise BrokerError("BROKERDESK is not set (path of the brokerdesk binary); "
                              "or run with BROKER_UNDER_TEST=mosquitto")
        argv = [exe, "--headless", "--port", "0", "--data-dir", self.data_dir, "--no-demo"]
        if self.config_lines:
            self._write_config(0)
            argv += ["--config", self.config_path]
        global _start_failure
        if _start_failure is not None:
            raise BrokerError("an earlier brokerdesk never became ready, not trying again:\n"
                              + _start_failure)
        self._spawn(argv)
        try:
            found = self._wait_for_listening(self._n_listeners())
        except BrokerError as e:
            still_running = self.proc.poll() is None
            self._kill()
            message = "%s\n--- broker stderr ---\n%s" % (e, self.log_text())
            if still_running:
                _start_failure = message
            raise BrokerError(message)
        host = found[0].group(1).strip("[]")
        self.host = host if re.fullmatch(r"127(\.\d+){3}", host) else "127.0.0.1"
        self.ports = [int(m.group(2)) for m in found]
        self.port = self.ports[0]

    def _wait_for_listening(self, n):
        """The first n "Listening on" lines (one per listener, in order)."""
        pattern = re.compile(r"[Ll]istening on (\S+):(\d+)")
        deadline = time.monotonic() + START_TIMEOUT
        found = []
        pos = 0
        with self._cv:
            while True:
                while pos < len(self._lines) and len(found) < n:
                    m = pattern.search(self._lines[pos])
                    pos += 1
                    if m:
                        found.append(m)
                if len(found) == n:
                    return found
                if self._eof:
                    raise BrokerError("broker stderr ended before %d listening lines" % n)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrokerError("no %d listening lines within %.1f s" % (n, START_TIMEOUT))
                self._cv.wait(remaining)

    def _start_mosquitto(self):
        last_error = None
        for _ in range(3):
            port = free_port()
            self._write_config(port)
            self._spawn([MOSQUITTO, "-c", self.config_path, "-v"])
            try:
                for p in self._mosquitto_ports:
                    self.wait_for_log(r"Opening (ipv4|websockets) listen socket on port %d\." % p,
                                      START_TIMEOUT)
                # Mosquitto prints that line just before bind() and listen():
                # probe with a short, bounded connect loop (Mosquitto only).
                for p in self._mosquitto_ports:
                    self._probe_mosquitto(p)
                self.port = port
                self.ports = list(self._mosquitto_ports)
                return
            except BrokerError as e:
                last_error = e
                self._kill()
                if "Address already in use" not in self.log_text():
                    break
        raise BrokerError("%s\n--- broker stderr ---\n%s" % (last_error, self.log_text()))

    def _probe_mosquitto(self, port):
        deadline = time.monotonic() + 2.0
        delay = 0.005
        while True:
            mark = self.mark()
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1.0)
            except ConnectionRefusedError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise BrokerError("mosquitto is not accepting connections on port %d" % port)
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
                continue
            s.close()
            # Wait until Mosquitto has reaped the probe, so it does not count
            # against max_connections or show up in $SYS.
            try:
                self.wait_for_log(r"Client \S+ (closed its connection|disconnected)", 2.0, mark)
            except BrokerError:
                pass
            return

    def _kill(self):
        """Only for a broker that failed to start: it is not stopped again."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self._reader is not None:
                self._reader.join(2)
            self.proc.stderr.close()
            self.proc = None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Send sig and wait for the exit; returns the exit status (negative:
        killed by a signal; None: had to be killed after timeout)."""
        if self.proc is None:
            return self.returncode
        self.resume_log()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.returncode = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                self.returncode = None
        else:
            self.returncode = self.proc.returncode
        if self._reader is not None:
            self._reader.join(2)
        self.proc.stderr.close()
        self.proc = None
        return self.returncode

    def restart(self):
        rc = self.stop()
        assert rc == 0, "broker exited with status %r on SIGTERM" % rc
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- clients
    def raw(self, version=4, timeout=TIMEOUT):
        return mqttwire.RawClient(self.host, self.port, version=version, timeout=timeout)

    def check_alive(self):
        """The broker still serves a new client: CONNECT, SUBSCRIBE and a
        message routed back. Every malformed-packet test ends with this."""
        assert self.running, "broker process has exited (status %r)" % self.proc.poll()
        tag = uuid.uuid4().hex[:8]
        c = self.raw()
        try:
            c.connect("alive-" + tag)
            ack = c.subscribe(1, [("alive/" + tag, 0)])
            assert ack.return_codes == [0]
            c.send(mqttwire.publish("alive/" + tag, b"ok"))
            p = c.expect(mqttwire.PUBLISH)
            assert p.topic == "alive/" + tag and p.payload == b"ok"
        finally:
            c.disconnect()


class Connack:
    def __init__(self, rc, session_present, properties):
        self.rc = rc
        self.session_present = session_present
        self.properties = properties

    def __repr__(self):
        return "<CONNACK rc=%d sp=%s>" % (self.rc, self.session_present)


def _code(rc):
    """paho gives MQTT 5 reason codes as ReasonCodes objects."""
    return rc.value if hasattr(rc, "value") else int(rc)


class PahoClient:
    """paho-mqtt 1.6.1 with its network thread, and waits on its callbacks."""

    VERSIONS = {3: paho.MQTTv31, 4: paho.MQTTv311, 5: paho.MQTTv5}

    def __init__(self, broker, client_id="", version=4, clean_session=True, port=None,
                 tls_context=None, transport="tcp"):
        """port: another listener of broker's; tls_context: an ssl.SSLContext
        for a TLS listener; transport: paho's, "tcp" or "websockets"."""
        self.broker = broker
        self.port = port if port is not None else broker.port
        self.version = version
        self.client_id = client_id
        self.clean_session = clean_session
        self.client = paho.Client(client_id=client_id,
                                  clean_session=None if version == 5 else clean_session,
                                  protocol=self.VERSIONS[version],
                                  transport=transport,
                                  reconnect_on_failure=False)
        if tls_context is not None:
            self.client.tls_set_context(tls_context)
        self.messages = queue.Queue()
        self._sync_messages = queue.Queue()
        self._cv = threading.Condition()
        self._connacks = []
        self._subacks = {}
        self._unsubacks = {}
        self._published = set()
        self.disconnected = threading.Event()
        self.disconnect_rc = None
        self.disconnect_props = None
        self._sync_topic = None
        self._loop = False
        c = self.client
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_subscribe = self._on_subscribe
        c.on_unsubscribe = self._on_unsubscribe
        c.on_publish = self._on_publish
        c.on_message = self._on_message

    # -- callbacks (network thread)
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        with self._cv:
            self._connacks.append(Connack(_code(rc), bool(flags.get("session present")),
                                          properties))
            self._cv.notify_all()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        with self._cv:
            self.disconnect_rc = _code(rc)
            self.disconnect_props = properties
            self.disconnected.set()
            self._cv.notify_all()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self._cv:
            self._subacks[mid] = [_code(g) for g in granted]
            self._cv.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, properties=None, reasons=None):
        with self._cv:
            if isinstance(reasons, list):
                reasons = [_code(r) for r in reasons]
            elif reasons is not None:
                reasons = [_code(reasons)]
            self._unsubacks[mid] = reasons
            self._cv.notify_all()

    def _on_publish(self, client, userdata, mid):
        with self._cv:
            self._published.add(mid)
            self._cv.notify_all()

    def _on_message(self, client, userdata, msg):
        if self._sync_topic is not None and msg.topic == self._sync_topic:
            self._sync_messages.put(msg.payload)
        else:
            self.messages.put(msg)

    def _wait(self, predicate, timeout, what):
        with self._cv:
            if not self._cv.wait_for(predicate, timeout):
                raise AssertionError("%s: nothing within %.1f s (client %r)"
                                     % (what, timeout, self.client_id))

    # -- operations
    def connect(self, keepalive=60, will=None, username=None, password=None,
                properties=None, clean_start=True, expect_rc=0, timeout=TIMEOUT):
        """Connect and wait for the CONNACK; returns it (None if the broker
        closed the connection without one). will: dict for paho's will_set."""
        if will is not None:
            self.client.will_set(**will)
        if username is not None:
            self.client.username_pw_set(username, password)
        n = len(self._connacks)
        self.disconnected.clear()
        kw = {}
        if self.version == 5:
            kw["clean_start"] = clean_start
            kw["properties"] = properties
        self.client.connect(self.broker.host, self.port, keepalive, **kw)
        if not self._loop:
            self.client.loop_start()
            self._loop = True
        self._wait(lambda: len(self._connacks) > n or self.disconnected.is_set(), timeout,
                   "CONNACK")
        ack = self._connacks[n] if len(self._connacks) > n else None
        if expect_rc is not None:
            assert ack is not None, "connection closed without CONNACK"
            assert ack.rc == expect_rc, "CONNACK code %d, expected %d" % (ack.rc, expect_rc)
        return ack

    def subscribe(self, topic, qos=0, options=None, properties=None, timeout=TIMEOUT):
        """Subscribe (topic may be a list of (filter, qos|SubscribeOptions));
        returns the SUBACK codes as ints."""
        if options is not None:
            rc, mid = self.client.subscribe(topic, options=options, properties=properties)
        elif isinstance(topic, list):
            rc, mid = self.client.subscribe(topic, properties=properties)
        else:
            rc, mid = self.client.subscribe(topic, qos, properties=properties)
        assert rc == paho.MQTT_ERR_SUCCESS, "paho subscribe failed: %d" % rc
        self._wait(lambda: mid in self._subacks, timeout, "SUBACK")
        return self._subacks[mid]

    def unsubscribe(self, topic, properties=None, timeout=TIMEOUT):
        rc, mid = self.client.unsubscribe(topic, properties=properties)
        assert rc == paho.MQTT_ERR_SUCCESS
        self._wait(lambda: mid in self._unsubacks, timeout, "UNSUBACK")
        return self._unsubacks[mid]

    def publish(self, topic, payload=b"", qos=0, retain=False, properties=None,
                wait=True, timeout=TIMEOUT):
        """Publish; with wait, until PUBACK/PUBCOMP (QoS 0: until written)."""
        info = self.client.publish(topic, payload, qos, retain, properties=properties)
        assert info.rc == paho.MQTT_ERR_SUCCESS, "paho publish failed: %d" % info.rc
        if wait:
            self._wait(lambda: info.mid in self._published, timeout,
                       "publish completion of %r" % topic)
        return info

    def get_message(self, timeout=TIMEOUT):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message within %.1f s (client %r)"
                                 % (timeout, self.client_id)) from None

    def get_messages(self, n, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        return [self.get_message(max(deadline - time.monotonic(), 0.001)) for _ in range(n)]

    def drain(self):
        """Every message received so far and not yet taken."""
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def expect_no_message(self, timeout=QUIET):
        """Bounded watch for a message that must not come (prefer sync())."""
        try:
            msg = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError("unexpected message %r %r" % (msg.topic, msg.payload))

    def sync(self, via=None, timeout=TIMEOUT):
        """Round trip through the broker: a QoS 1 marker published (by `via`,
        default this client) to this client's private topic comes back. What
        the broker routed to this client before the marker arrives before it,
        so drain() afterwards is complete without sleeping."""
        if self._sync_topic is None:
            topic = "bdsync/" + uuid.uuid4().hex
            self._sync_topic = topic
            assert self.subscribe(topic, 1)[0] in (1, 2)
        token = uuid.uuid4().hex.encode()
        (via or self).publish(self._sync_topic, token, 1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self._sync_messages.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise AssertionError("sync marker did not come back") from None
            if got == token:
                return

    def wait_disconnected(self, timeout=TIMEOUT):
        assert self.disconnected.wait(timeout), "client %r still connected" % self.client_id
        return self.disconnect_rc

    def disconnect(self, properties=None):
        if not self.disconnected.is_set():
            if self.version == 5:
                self.client.disconnect(properties=properties)
            else:
                self.client.disconnect()
            self.disconnected.wait(TIMEOUT)
        self.close()

    def close(self):
        if self._loop:
            # paho's network thread sleeps in select() for up to 1 s; wake it
            # through its own socket pair so that stopping is immediate.
            self.client._thread_terminate = True
            try:
                self.client._sockpairW.send(b"0")
            except (OSError, AttributeError):
                pass
            self.client.loop_stop()
            self._loop = False
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def subscribed(client, client_id, filters, away=False, **connect):
    """client (a fresh mqttwire.RawClient) connected as client_id (with the
    keywords of RawClient.connect) and subscribed to filters, a list of
    (topic filter, options), as packet 1. away=True then disconnects it:
    with clean=False its session stays and queues what comes meanwhile."""
    client.connect(client_id, **connect)
    client.subscribe(1, filters)
    if away:
        client.disconnect()
    return client


def published(client, topic, payloads, client_id="pub"):
    """client (a fresh mqttwire.RawClient) connected as client_id, having
    published each of payloads on topic at QoS 1 with packet ids 1, 2, ...,
    each one acknowledged before the next is sent."""
    client.connect(client_id)
    for i, payload in enumerate(payloads):
        client.publish(topic, payload, qos=1, packet_id=i + 1)
    return client


def published_while_away(raw_client, broker, client_id, filters, topic, payloads):
    """A persistent subscriber (client_id, filters as for subscribed()) that
    was away while a client "pub" published payloads on topic as
    published() does: connected again, with its session present
    [MQTT-3.2.2-2]. Returns (subscriber, publisher)."""
    subscribed(raw_client(broker), client_id, filters, clean=False, away=True)
    p = published(raw_client(broker), topic, payloads)
    c = raw_client(broker)
    assert c.connect(client_id, clean=False).session_present is True
    return c, p


def make_password_file(path, users):
    """A Mosquitto password file made by mosquitto_passwd, which Brokerdesk
    must read as it is. users: {name: password}."""
    path = str(path)
    first = True
    for name, password in users.items():
        argv = ["mosquitto_passwd", "-b"] + (["-c"] if first else []) + [path, name, password]
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        first = False
    return path


def write_file(path, text):
    with open(str(path), "w") as f:
        f.write(text)
    return str(path)


# Certificates for the TLS tests, made with the `openssl` command in a
# folder: NAME.key and NAME.pem (and NAME.csr for one a CA signs).
_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(folder, *args):
    subprocess.run(["openssl"] + list(args), cwd=folder, check=True, capture_output=True,
                   timeout=30)


def make_ca(folder, name, cn):
    """A self-signed CA certificate for 30 days."""
    openssl(folder, "req", "-x509", *_EC_KEY, "-keyout", name + ".key", "-out", name + ".pem",
            "-days", "30", "-subj", "/CN=" + cn)


def make_key_and_csr(folder, name, cn):
    openssl(folder, "req", *_EC_KEY, "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + cn)


def sign_certificate(folder, name, ca, days=30, ext=None):
    """NAME.csr signed by the CA (CA.pem, CA.key); ext is one extension line
    such as "subjectAltName=IP:127.0.0.1", kept in NAME.ext."""
    args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", str(days)]
    if ext is not None:
        write_file(os.path.join(folder, name + ".ext"), ext + "\n")
        args += ["-extfile", name + ".ext"]
    openssl(folder, *args)


def make_certificate(folder, name, cn, ca="ca", days=30, ext=None):
    """A key and a certificate for CN=cn, signed by the CA."""
    make_key_and_csr(folder, name, cn)
    sign_certificate(folder, name, ca, days, ext)


def auth_lines(folder, users, acl=None, anonymous=False):
    """Configuration lines for a password file of users ({name: password},
    made by mosquitto_passwd as folder/passwd) and, given acl (its text), an
    ACL file folder/acl; without anonymous, anonymous clients are refused."""
    lines = [] if anonymous else ["allow_anonymous false"]
    lines.append("password_file " + make_password_file(os.path.join(str(folder), "passwd"), users))
    if acl is not None:
        lines.append("acl_file " + write_file(os.path.join(str(folder), "acl"), acl))
    return lines


# -- mosquitto_sub / mosquitto_pub subprocesses

CLI_FORMAT = "MSG %t|%q|%r|%p"


class CliSub:
    def __init__(self, broker, args, fmt=None):
        # stdbuf: mosquitto_sub's stdout is block-buffered into a pipe.
        argv = ["stdbuf", "-oL", "mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-d",
                "-F", fmt or CLI_FORMAT] + list(args)
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.output = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix, timeout=5.0):
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError("mosquitto_sub printed no %r line; output:\n%s"
                                     % (prefix, "\n".join(self.output))) from None
            if line is None:
                raise AssertionError("mosquitto_sub exited (%r) before %r; output:\n%s"
                                     % (self.proc.wait(), prefix, "\n".join(self.output)))
            if line.startswith(prefix):
                return line

    def subscribed(self):
        return self.wait_for("Subscribed (mid:")

    def raw_message(self, timeout=5.0):
        """The next message line as printed by a custom -F format ("MSG …")."""
        return self.wait_for("MSG ", timeout)[4:]

    def message(self, timeout=5.0):
        topic, qos, retain, payload = self.wait_for("MSG ", timeout)[4:].split("|", 3)
        return topic, int(qos), int(retain), payload

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def mosquitto_pub(broker, *args, input=None):
    """Run mosquitto_pub against the broker; it must succeed."""
    argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port)] + list(args)
    r = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                       capture_output=True, timeout=10)
    assert r.returncode == 0, "%s failed (%d): %s" % (argv, r.returncode, r.stderr.decode())
    return r


def brokerdesk_refuses(folder, text, data="data"):
    """brokerdesk --headless on a configuration FOLDER/bad.conf holding
    text must refuse to start without listening anywhere; returns the
    file's path and what it printed on standard error."""
    path = os.path.join(str(folder), "bad.conf")
    write_file(path, text)
    os.mkdir(os.path.join(str(folder), data))
    r = subprocess.run([os.environ["BROKERDESK"], "--headless", "--data-dir",
                        os.path.join(str(folder), data), "--no-demo", "--config", path],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode != 0, err
    assert "Listening on" not in err, err
    return path, err


def props(packet_type, **kw):
    """paho Properties for packet_type (PacketTypes.PUBLISH…) from keywords,
    e.g. props(PacketTypes.PUBLISH, MessageExpiryInterval=5)."""
    p = Properties(packet_type)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


__all__ = ["CliSub", "subscribed", "auth_lines", "mosquitto_pub", "make_password_file",
           "brokerdesk_refuses",
           "write_file", "Broker", "BrokerError", "PahoClient", "Connack", "props", "Properties",
           "PacketTypes", "SubscribeOptions", "IS_MOSQUITTO", "mosquitto_deviation",
           "brokerdesk_only", "TIMEOUT", "QUIET", "BROKER_UNDER_TEST"]
