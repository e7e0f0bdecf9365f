# test_tls.py — TLS listeners: certificates, clients, and what goes wrong
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The certificates are made here with the `openssl` command: a CA, a server
# certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1, so clients verify
# the host name with --insecure off), client certificates from that CA, an
# expired one, and a second CA nobody trusts. The clients are mosquitto_pub /
# mosquitto_sub with --cafile, --cert and --key, paho-mqtt over TLS, Python's
# ssl module for handshakes that go wrong, and raw sockets.
#
# Every test also runs against Mosquitto (BROKER_UNDER_TEST=mosquitto); what
# only Brokerdesk can be asked (its log lines) is checked for it alone.

import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import time
import uuid

import pytest

import mqttwire
from brokertest import (IS_MOSQUITTO, TIMEOUT, CliSub, PahoClient, brokerdesk_only,
                        brokerdesk_refuses, make_ca, make_certificate, make_key_and_csr, mosquitto_deviation,
                        mosquitto_pub, openssl, write_file)


class Certs:
    def __init__(self, d):
        self.dir = d

    def __getattr__(self, name):
        # certs.server_pem -> DIR/server.pem
        base, _, ext = name.rpartition("_")
        return os.path.join(self.dir, "%s.%s" % (base, ext))


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("certs"))
    make_ca(d, "ca", "Brokerdesk Test CA")
    make_ca(d, "otherca", "Someone Else's CA")
    make_certificate(d, "server", "127.0.0.1", ext="subjectAltName=IP:127.0.0.1")
    make_certificate(d, "client", "client1")
    # notAfter a day before notBefore: expired from the start.
    make_certificate(d, "expired", "expired-client", days=-1)
    make_certificate(d, "stranger", "stranger", ca="otherca")
    make_certificate(d, "oldserver", "127.0.0.1", days=-1, ext="subjectAltName=IP:127.0.0.1")
    return Certs(d)


def tls_lines(certs, require_certificate=False, extra=()):
    """A plain listener first (for check_alive), then the TLS one."""
    lines = ["listener 1883", "allow_anonymous true",
             "listener 8883",
             "cafile " + certs.ca_pem,
             "certfile " + certs.server_pem,
             "keyfile " + certs.server_key]
    if require_certificate:
        lines.append("require_certificate true")
    return lines + list(extra)


def client_context(certs, cert=None, ca=None):
    ctx = ssl.create_default_context(cafile=ca or certs.ca_pem)
    if cert is not None:
        ctx.load_cert_chain(getattr(certs, cert + "_pem"), getattr(certs, cert + "_key"))
    return ctx


def tls_connect_mqtt(broker, certs, cert=None, ca=None, client_id=None):
    """TLS + MQTT CONNECT with the ssl module; returns the CONNACK's first
    bytes, or raises ssl.SSLError / ConnectionError / returns b"" when the
    broker ends the connection."""
    ctx = client_context(certs, cert, ca)
    raw = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        s.sendall(mqttwire.connect(client_id or "tls-" + uuid.uuid4().hex[:8]))
        return s.recv(4)


def pub_sub_over_tls(broker, certs, cert_args=()):
    """mosquitto_sub and mosquitto_pub over the TLS listener, host name
    checked (no --insecure)."""
    topic = "tls/" + uuid.uuid4().hex[:8]
    tls_args = ["-p", str(broker.ports[1]), "--cafile", certs.ca_pem] + list(cert_args)
    sub = CliSub(broker, tls_args + ["-t", topic, "-C", "1"])
    try:
        sub.subscribed()
        mosquitto_pub(broker, *(tls_args + ["-t", topic, "-m", "over tls", "-q", "1"]))
        assert sub.message() == (topic, 0, 0, "over tls")
    finally:
        sub.close()


def test_mosquitto_clients_over_tls(broker_factory, certs):
    """mosquitto_pub/mosquitto_sub with --cafile reach each other through the
    TLS listener; the plain listener keeps working beside it."""
    broker = broker_factory(tls_lines(certs))
    pub_sub_over_tls(broker, certs)
    broker.check_alive()


def test_client_certificate_required(broker_factory, certs):
    """require_certificate: a client with a certificate from the cafile's CA
    gets in (--cert/--key); one without a certificate does not."""
    broker = broker_factory(tls_lines(certs, require_certificate=True))
    pub_sub_over_tls(broker, certs, ["--cert", certs.client_pem, "--key", certs.client_key])

    r = subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.ports[1]),
                        "--cafile", certs.ca_pem, "-t", "x", "-m", "no cert", "-q", "1"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert r.returncode != 0, "published without a client certificate"


def test_paho_over_tls_large_payload(broker_factory, certs):
    """paho-mqtt over TLS: a 100 kB payload crosses several TLS records both
    ways and arrives whole."""
    broker = broker_factory(tls_lines(certs))
    ctx = client_context(certs)
    topic = "tls/big/" + uuid.uuid4().hex[:8]
    payload = os.urandom(100 * 1024)
    sub = PahoClient(broker, "tls-sub", port=broker.ports[1], tls_context=ctx)
    pub = PahoClient(broker, "tls-pub", port=broker.ports[1], tls_context=client_context(certs))
    try:
        sub.connect()
        sub.subscribe(topic, qos=1)
        pub.connect()
        pub.publish(topic, payload, qos=1)
        msg = sub.get_message()
        assert msg.topic == topic and msg.payload == payload
    finally:
        sub.close()
        pub.close()


def _assert_refused(fn):
    """fn's TLS/MQTT exchange ends without a CONNACK."""
    try:
        got = fn()
    except (ssl.SSLError, ConnectionError, socket.timeout, OSError):
        return
    assert got == b"", "the broker answered %r" % got


def test_client_certificate_from_another_ca(broker_factory, certs):
    """A client certificate signed by a CA the listener does not trust is
    refused in the handshake, and the listener serves the next client."""
    broker = broker_factory(tls_lines(certs, require_certificate=True))
    mark = broker.mark()
    _assert_refused(lambda: tls_connect_mqtt(broker, certs, cert="stranger"))
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"TLS handshake failed: client certificate refused: "
                            r"unable to get local issuer certificate", start=mark)
    assert tls_connect_mqtt(broker, certs, cert="client")[:1] == b"\x20"


def test_expired_client_certificate(broker_factory, certs):
    """An expired client certificate is refused, with the reason in the log."""
    broker = broker_factory(tls_lines(certs, require_certificate=True))
    mark = broker.mark()
    _assert_refused(lambda: tls_connect_mqtt(broker, certs, cert="expired"))
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"client certificate refused: certificate has expired", start=mark)
    assert tls_connect_mqtt(broker, certs, cert="client")[:1] == b"\x20"


def test_plain_mqtt_to_tls_port(broker_factory, certs):
    """Plain MQTT on the TLS port gets no CONNACK; the connection is closed
    and the listener goes on serving TLS clients."""
    broker = broker_factory(tls_lines(certs))
    mark = broker.mark()
    with socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT) as s:
        s.sendall(mqttwire.connect("plain-on-tls"))
        try:
            got = s.recv(64)
        except ConnectionError:
            got = b""
        # Not a CONNACK (0x20); Mosquitto answers nothing, Brokerdesk too.
        assert not got.startswith(b"\x20")
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"plain MQTT on a TLS listener", start=mark)
    pub_sub_over_tls(broker, certs)


def test_tls_to_plain_port(broker_factory, certs):
    """A TLS handshake on the plain port fails for the client; the plain
    listener goes on serving."""
    broker = broker_factory(tls_lines(certs))
    mark = broker.mark()
    ctx = client_context(certs)
    raw = socket.create_connection((broker.host, broker.ports[0]), timeout=TIMEOUT)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
            pass
    raw.close()
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"TLS handshake on a listener without TLS", start=mark)
    broker.check_alive()


def _client_hello():
    """The first flight of a real TLS client: its ClientHello record."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    hello = outgoing.read()
    assert hello[:1] == b"\x16"
    return hello


def test_handshake_stopped_half_way(broker_factory, certs):
    """A client that sends half a ClientHello and goes quiet holds up nobody:
    a TLS client is served at once meanwhile. Brokerdesk closes it when its
    handshake time is over, and says so."""
    broker = broker_factory(tls_lines(certs))
    hello = _client_hello()
    mark = broker.mark()
    stuck = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
    try:
        stuck.sendall(hello[:len(hello) // 2])
        started = time.monotonic()
        pub_sub_over_tls(broker, certs)
        assert time.monotonic() - started < TIMEOUT
        if not IS_MOSQUITTO:
            broker.wait_for_log(r"disconnected: handshake not completed in time",
                                timeout=15, start=mark)
            stuck.settimeout(TIMEOUT)
            assert stuck.recv(16) == b""
    finally:
        stuck.close()


def test_200_abandoned_handshakes(broker_factory, certs):
    """200 connections that start a handshake and drop it: each is logged,
    and clients are served all along."""
    broker = broker_factory(tls_lines(certs))
    hello = _client_hello()
    socks = []
    try:
        for i in range(200):
            s = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
            s.sendall(hello[:len(hello) // 2] if i % 2 else b"")
            socks.append(s)
        pub_sub_over_tls(broker, certs)
    finally:
        for s in socks:
            s.close()
    if not IS_MOSQUITTO:
        deadline = time.monotonic() + TIMEOUT
        pattern = "disconnected: connection closed during the handshake"
        while True:
            n = broker.log_text().count(pattern)
            if n >= 200 or time.monotonic() > deadline:
                break
            broker.wait_for_log(pattern, timeout=max(0.05, deadline - time.monotonic()),
                                start=broker.mark() - 1)
        assert broker.log_text().count(pattern) == 200
    pub_sub_over_tls(broker, certs)
    broker.check_alive()


def _stuck_handshakes(broker, n):
    """n connections to the TLS port, each with half a ClientHello sent."""
    hello = _client_hello()
    socks = []
    for _ in range(n):
        s = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
        s.sendall(hello[:len(hello) // 2])
        socks.append(s)
    return socks


def test_stop_during_handshakes(broker_factory, certs):
    """Stopping the broker while handshakes are under way ends them: it exits
    cleanly and in time, and each of those clients sees its connection end."""
    broker = broker_factory(tls_lines(certs))
    socks = _stuck_handshakes(broker, 20)
    try:
        pub_sub_over_tls(broker, certs)
        assert broker.stop() == 0
        for s in socks:
            s.settimeout(TIMEOUT)
            try:
                assert s.recv(16) == b""
            except ConnectionResetError:
                pass
    finally:
        for s in socks:
            s.close()


def test_max_connections_counts_handshakes(broker_factory, certs):
    """A connection counts against max_connections from its accept, while
    its handshake is still under way, and stops counting when it ends."""
    broker = broker_factory(tls_lines(certs, extra=["max_connections 2"]))
    mark = broker.mark()
    socks = _stuck_handshakes(broker, 2)
    try:
        with socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT) as raw:
            with pytest.raises(OSError):
                with client_context(certs).wrap_socket(raw, server_hostname="127.0.0.1"):
                    pass
        if not IS_MOSQUITTO:
            broker.wait_for_log(r"Refusing connection from .*max_connections \(2\) reached",
                                start=mark)
    finally:
        for s in socks:
            s.close()
    if not IS_MOSQUITTO:
        pattern = "disconnected: connection closed during the handshake"
        deadline = time.monotonic() + TIMEOUT
        while broker.log_text().count(pattern) < 2 and time.monotonic() < deadline:
            broker.wait_for_log(pattern, timeout=max(0.05, deadline - time.monotonic()),
                                start=broker.mark() - 1)
        assert broker.log_text().count(pattern) == 2
    # Both places are free again: a subscriber and a publisher get in.
    pub_sub_over_tls(broker, certs)


def test_tls_version_minimum(broker_factory, certs):
    """tls_version tlsv1.3: a client limited to TLS 1.2 is refused, a TLS 1.3
    one gets in."""
    broker = broker_factory(tls_lines(certs, extra=["tls_version tlsv1.3"]))
    ctx = client_context(certs)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    raw = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
            pass
    raw.close()
    assert tls_connect_mqtt(broker, certs)[:1] == b"\x20"


def test_use_identity_as_username(broker_factory, certs, tmp_path):
    """use_identity_as_username: the certificate's CN is the user name the
    ACL sees, with anonymous access off."""
    acl = str(tmp_path / "acl")
    write_file(acl, "user client1\ntopic readwrite own/#\n")
    lines = ["listener 8883",
             "cafile " + certs.ca_pem,
             "certfile " + certs.server_pem,
             "keyfile " + certs.server_key,
             "require_certificate true",
             "use_identity_as_username true",
             "allow_anonymous false",
             "acl_file " + acl]
    broker = broker_factory(lines)
    broker.ports = [None] + broker.ports  # the TLS listener is the only one
    ctx = client_context(certs, cert="client")
    c = PahoClient(broker, "cn-user", port=broker.ports[1], tls_context=ctx)
    try:
        c.connect()
        c.subscribe("own/#", qos=1)
        c.subscribe("other/#", qos=1)
        c.publish("other/x", b"denied", qos=1)
        c.publish("own/x", b"allowed", qos=1)
        msg = c.get_message()
        assert (msg.topic, msg.payload) == ("own/x", b"allowed")
        c.expect_no_message()
    finally:
        c.close()


STARTUP_ERRORS = [
    ("key-mismatch", "keyfile", r"keyfile: the key in .* does not match the certificate"),
    ("unreadable-cert", "certfile", r"certfile: cannot read .*: No such file or directory"),
    ("expired-server-cert", "certfile", r"certfile: the certificate in .* expired on"),
]


@brokerdesk_only
@pytest.mark.parametrize("name,option,message", STARTUP_ERRORS, ids=[e[0] for e in STARTUP_ERRORS])
def test_startup_errors(tmp_path, certs, name, option, message):
    """A key that does not match its certificate, an unreadable file or an
    expired server certificate stops start-up with FILE:LINE: what is wrong."""
    certfile = {"unreadable-cert": str(tmp_path / "missing.pem"),
                "expired-server-cert": certs.oldserver_pem}.get(name, certs.server_pem)
    keyfile = {"key-mismatch": certs.client_key,
               "expired-server-cert": certs.oldserver_key}.get(name, certs.server_key)
    path, err = brokerdesk_refuses(tmp_path, "listener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n"
                                   % (certfile, keyfile))
    line = 2 if option == "certfile" else 3
    assert re.search(r"%s:%d: %s" % (re.escape(path), line, message), err), err


def _server_certificate(broker, certs):
    """The subject of the certificate a new TLS client gets, verified against
    the test CA, as {field: value}."""
    raw = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
    with client_context(certs).wrap_socket(raw, server_hostname="127.0.0.1") as s:
        cert = s.getpeercert()
    return {k: v for rdn in cert["subject"] for k, v in rdn}, cert["serialNumber"]


def _until(predicate, what, timeout=TIMEOUT):
    """A reload is asynchronous: retries predicate, bounded."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def test_sighup_reloads_certificates(broker_factory, certs, tmp_path):
    """SIGHUP reads certfile and keyfile again: a connected mosquitto_sub
    stays connected and keeps receiving, a new client gets the renewed
    certificate (its subject and serial). A renewal gone wrong (a key that
    does not match the certificate) is logged with the configuration line
    and the listener keeps the certificate it had."""
    d = str(tmp_path)
    make_key_and_csr(certs.dir, "renewed", "127.0.0.1")
    openssl(certs.dir, "x509", "-req", "-in", "renewed.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "renewed.pem", "-days", "60",
            "-extfile", "server.ext", "-subj", "/O=Renewed/CN=127.0.0.1")
    live_cert, live_key = os.path.join(d, "live.pem"), os.path.join(d, "live.key")
    write_file(live_cert, open(certs.server_pem).read())
    write_file(live_key, open(certs.server_key).read())
    broker = broker_factory(["listener 1883", "allow_anonymous true", "listener 8883",
                             "certfile " + live_cert, "keyfile " + live_key])
    first_subject, first_serial = _server_certificate(broker, certs)
    assert "organizationName" not in first_subject

    topic = "tls/reload/" + uuid.uuid4().hex[:8]
    tls_args = ["-p", str(broker.ports[1]), "--cafile", certs.ca_pem]
    sub = CliSub(broker, tls_args + ["-t", topic, "-q", "1"])
    try:
        sub.subscribed()
        # Renewed: both files replaced as a certificate tool does.
        write_file(live_cert + ".new", open(certs.renewed_pem).read())
        write_file(live_key + ".new", open(certs.renewed_key).read())
        os.replace(live_key + ".new", live_key)
        os.replace(live_cert + ".new", live_cert)
        broker.proc.send_signal(signal.SIGHUP)
        _until(lambda: _server_certificate(broker, certs)[0].get("organizationName") == "Renewed",
               "the renewed certificate")
        subject, serial = _server_certificate(broker, certs)
        assert serial != first_serial
        mosquitto_pub(broker, *(tls_args + ["-t", topic, "-m", "after renewal", "-q", "1"]))
        assert sub.message() == (topic, 1, 0, "after renewal")

        # Gone wrong: a new certificate with the old key.
        mark = broker.mark()
        write_file(live_cert, open(certs.server_pem).read())
        write_file(live_key, open(certs.renewed_key).read())
        broker.proc.send_signal(signal.SIGHUP)
        if not IS_MOSQUITTO:
            broker.wait_for_log(r"%s:6: keyfile: the key in .*live\.key.* does not match the "
                                r"certificate in .*live\.pem.*keeps its previous certificate"
                                % re.escape(broker.config_path), start=mark)
            assert _server_certificate(broker, certs) == (subject, serial)
        mosquitto_pub(broker, *(tls_args + ["-t", topic, "-m", "still here", "-q", "1"]))
        assert sub.message() == (topic, 1, 0, "still here")
    finally:
        sub.close()
    broker.check_alive()


def test_client_gone_right_after_handshake(broker_factory, certs):
    """Clients that finish the handshake and reset the connection at once:
    the broker's TLS 1.3 session tickets then go to a closed socket, which
    must be an ordinary disconnect, not SIGPIPE ending the broker."""
    broker = broker_factory(tls_lines(certs))
    for _ in range(20):
        raw = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
        s = client_context(certs).wrap_socket(raw, server_hostname="127.0.0.1")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    broker.check_alive()
    assert tls_connect_mqtt(broker, certs)[:1] == b"\x20"


@pytest.fixture(scope="module")
def rsa_certs(certs):
    """TLS 1.2's DHE suites authenticate with RSA: a self-signed RSA server
    certificate, Diffie-Hellman parameters of the standard 3072-bit group,
    and a 1024-bit set OpenSSL refuses."""
    d = certs.dir
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key",
            "-out", "rsa.pem", "-days", "30", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1")
    openssl(d, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe3072",
            "-out", "dh3072.pem")
    openssl(d, "dhparam", "-dsaparam", "-out", "dh1024.pem", "1024")
    return certs


def _dhe_handshake(broker, certs):
    """A TLS 1.2 client that offers only DHE-RSA: the size of the server's
    Diffie-Hellman key as Debian's `openssl s_client` reports it, and an MQTT
    CONNECT over the same cipher suite with Python's ssl module."""
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % broker.ports[1],
                        "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256",
                        "-CAfile", certs.rsa_pem, "-verify_return_error"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    out = r.stdout.decode("utf-8", "replace")
    m = re.search(r"Server Temp Key: DH, (\d+) bits", out)
    assert m, out + r.stderr.decode("utf-8", "replace")

    ctx = ssl.create_default_context(cafile=certs.rsa_pem)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256")
    raw = socket.create_connection((broker.host, broker.ports[1]), timeout=TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        assert s.cipher()[0] == "DHE-RSA-AES128-GCM-SHA256"
        s.sendall(mqttwire.connect("dhe-" + uuid.uuid4().hex[:8]))
        assert s.recv(4)[:1] == b"\x20"
    return int(m.group(1))


def _rsa_tls_lines(certs, extra=()):
    return ["listener 1883", "allow_anonymous true", "listener 8883",
            "certfile " + certs.rsa_pem, "keyfile " + certs.rsa_key] + list(extra)


def test_dhe_without_dhparamfile(broker_factory, rsa_certs):
    """A client that only speaks TLS 1.2 DHE gets in without a dhparamfile:
    a standard group as large as the RSA key."""
    assert _dhe_handshake(broker_factory(_rsa_tls_lines(rsa_certs)), rsa_certs) == 2048


@mosquitto_deviation("on OpenSSL 3 it still uses its automatic 2048-bit group, "
                     "whatever dhparamfile names")
def test_dhe_with_dhparamfile(broker_factory, rsa_certs):
    """dhparamfile does what it says: the DHE key exchange uses that file's
    3072-bit parameters."""
    broker = broker_factory(_rsa_tls_lines(rsa_certs, ["dhparamfile " + rsa_certs.dh3072_pem]))
    assert _dhe_handshake(broker, rsa_certs) == 3072


@brokerdesk_only
@pytest.mark.parametrize("params,message", [
    ("dh1024_pem", r"OpenSSL refuses the 1024-bit parameters in .*dh1024\.pem.* \(dh key too small\)"),
    ("rsa_pem", r".*rsa\.pem.* holds no PEM Diffie-Hellman parameters$"),
    ("missing_pem", r"cannot read .*missing\.pem.*: No such file or directory"),
], ids=["too-small", "not-parameters", "missing"])
def test_dhparamfile_errors(tmp_path, rsa_certs, params, message):
    """Parameters OpenSSL will not use, a file that holds none, or no file
    stop start-up with FILE:LINE, as Mosquitto refuses them."""
    path, err = brokerdesk_refuses(tmp_path, "listener 0 127.0.0.1\ncertfile %s\nkeyfile %s\n"
                                   "dhparamfile %s\n" % (rsa_certs.rsa_pem, rsa_certs.rsa_key,
                                                         getattr(rsa_certs, params)))
    assert re.search(r"%s:4: dhparamfile: %s" % (re.escape(path), message), err), err


PSK_KEYS = "# identity:key in hexadecimal\nsensor1:deadbeef0011\n\ngateway:00112233445566778899aabbccddeeff\n"


def psk_lines(path, *extra):
    """A plain listener first (for check_alive), then a TLS-PSK one: no
    certificate, the keys in a psk_file."""
    return ["psk_file " + path, "listener 1883", "listener 8883", "psk_hint brokerdesk"] + list(extra)


def psk_args(broker, identity, key):
    return ["-p", str(broker.ports[1]), "--psk-identity", identity, "--psk", key]


def _psk_pub(broker, identity, key, topic, message):
    """mosquitto_pub over TLS-PSK; its exit status."""
    argv = (["mosquitto_pub", "-h", broker.host] + psk_args(broker, identity, key)
            + ["-t", topic, "-m", message, "-q", "1"])
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT).returncode


def test_psk_clients(broker_factory, tmp_path):
    """Debian's clients with pre-shared keys: a subscriber and a publisher
    with their own identities get in; a wrong key or an unknown identity
    ends the handshake."""
    keys = str(tmp_path / "psk")
    write_file(keys, PSK_KEYS)
    broker = broker_factory(psk_lines(keys))
    topic = "psk/" + uuid.uuid4().hex[:8]
    sub = CliSub(broker, psk_args(broker, "sensor1", "deadbeef0011") + ["-t", topic, "-q", "1"])
    try:
        sub.subscribed()
        assert _psk_pub(broker, "gateway", "00112233445566778899aabbccddeeff", topic, "keyed") == 0
        assert sub.message() == (topic, 1, 0, "keyed")
        assert _psk_pub(broker, "gateway", "00112233445566778899aabbccddeeee", topic, "wrong") != 0
        assert _psk_pub(broker, "stranger", "deadbeef0011", topic, "unknown") != 0
    finally:
        sub.close()
    broker.check_alive()


def test_psk_identity_as_username(broker_factory, tmp_path):
    """use_identity_as_username on a PSK listener: the PSK identity is the
    user name the ACL sees, with anonymous access off."""
    keys = str(tmp_path / "psk")
    acl = str(tmp_path / "acl")
    write_file(keys, PSK_KEYS)
    write_file(acl, "user sensor1\ntopic readwrite own/#\n")
    broker = broker_factory(["listener 8883", "psk_hint brokerdesk", "psk_file " + keys,
                             "use_identity_as_username true", "allow_anonymous false",
                             "acl_file " + acl])
    broker.ports = [None] + broker.ports  # the PSK listener is the only one
    topic = "own/" + uuid.uuid4().hex[:8]
    sub = CliSub(broker, psk_args(broker, "sensor1", "deadbeef0011")
                 + ["-t", "own/#", "-t", "other/#", "-q", "1"])
    try:
        sub.subscribed()
        assert _psk_pub(broker, "sensor1", "deadbeef0011", "other/x", "denied") == 0
        assert _psk_pub(broker, "sensor1", "deadbeef0011", topic, "allowed") == 0
        assert sub.message() == (topic, 1, 0, "allowed")
    finally:
        sub.close()


def test_sighup_reloads_psk_file(broker_factory, tmp_path):
    """A key added to the psk_file works after SIGHUP, without a restart."""
    keys = str(tmp_path / "psk")
    write_file(keys, PSK_KEYS)
    broker = broker_factory(psk_lines(keys))
    topic = "psk/" + uuid.uuid4().hex[:8]
    assert _psk_pub(broker, "newcomer", "0badc0de", topic, "before") != 0
    write_file(keys, PSK_KEYS + "newcomer:0badc0de\n")
    mark = broker.mark()
    broker.proc.send_signal(signal.SIGHUP)
    if not IS_MOSQUITTO:
        broker.wait_for_log(r"Listener \d+: TLS-PSK keys reloaded", start=mark)
        assert _psk_pub(broker, "newcomer", "0badc0de", topic, "after") == 0
    else:
        _until(lambda: _psk_pub(broker, "newcomer", "0badc0de", topic, "after") == 0,
               "the new key")


PSK_ERRORS = [
    ("no-psk-file", None, r":2: psk_hint: a TLS-PSK listener needs a psk_file"),
    ("malformed", "sensor1:deadbeef\n\njust-a-name\n",
     r":3: psk_file: \S*/psk:3: not IDENTITY:KEY with the key in hexadecimal digits"),
    ("odd-digits", "sensor1:abc\n", r":3: psk_file: \S*/psk:1: not IDENTITY:KEY"),
    ("twice", "sensor1:deadbeef\n# again\nsensor1:00ff\n",
     r":3: psk_file: \S*/psk:3: identity “sensor1” is given twice"),
    ("unreadable", "", r":1: psk_file: cannot read .*missing.*: No such file or directory"),
]


@brokerdesk_only
@pytest.mark.parametrize("name,keys,message", PSK_ERRORS, ids=[e[0] for e in PSK_ERRORS])
def test_psk_startup_errors(tmp_path, name, keys, message):
    """A PSK listener without keys, a psk_file line that is not
    IDENTITY:HEXKEY, or a psk_file that cannot be read stops start-up with
    FILE:LINE."""
    keyfile = str(tmp_path / ("missing" if name == "unreadable" else "psk"))
    if keys:
        write_file(keyfile, keys)
    lines = ["listener 0 127.0.0.1", "psk_hint brokerdesk"]
    if name != "no-psk-file":
        lines.insert(0, "psk_file " + keyfile)
    path, err = brokerdesk_refuses(tmp_path, "\n".join(lines) + "\n")
    assert re.search(re.escape(path) + message, err), err
