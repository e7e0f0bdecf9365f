# test_durable.py — nothing acknowledged is lost when the broker is killed
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Brokerdesk's durable store: a PUBACK, PUBREC or CONNACK is sent only once
# what it acknowledges is on disk. The broker is killed with SIGKILL (no
# shutdown code runs: as good as a crash of the process; the page cache
# survives, so this checks the ordering of write, fsync and acknowledgement,
# not the disk's own honesty) and restarted on the same data directory.
# Mosquitto only snapshots, so these tests are Brokerdesk's alone.

import glob
import os
import random
import signal
import socket
import struct
import subprocess
import threading
import time
import zlib

import pytest

import mqttwire as w
from brokertest import IS_MOSQUITTO, TIMEOUT, subscribed
from test_session import inflight_resent_after_restart

pytestmark = pytest.mark.skipif(IS_MOSQUITTO, reason="Brokerdesk's durable store")


def _kill(b):
    b.proc.send_signal(signal.SIGKILL)
    rc = b.stop()
    assert rc == -signal.SIGKILL


def _crash_and_restart(b):
    """A SIGKILL, then the broker started again on the same data."""
    _kill(b)
    b.start()


def _drain(sub, expect_ids, sentinel=b"end", timeout=TIMEOUT):
    """Receives (and acknowledges, completing QoS 2) everything queued for
    sub up to the payload sentinel; returns the payloads in order."""
    got = []
    deadline = time.monotonic() + timeout + len(expect_ids) / 200.0
    while True:
        p = sub.recv_packet(max(deadline - time.monotonic(), 0.01))
        if p.type == w.PUBREL:
            sub.send(w.pubcomp(p.packet_id))
            continue
        assert p.type == w.PUBLISH, p
        if p.qos == 1:
            sub.send(w.puback(p.packet_id))
        elif p.qos == 2:
            sub.send(w.pubrec(p.packet_id))
        if p.payload == sentinel:
            return got
        got.append(p.payload)


def _offline_subscriber(raw_client, b, topic_filter, qos=1):
    """A persistent session subscribed to topic_filter, then away."""
    subscribed(raw_client(b), "sub", [(topic_filter, qos)], clean=False, away=True)


def _send_sentinel(raw_client, b, topic):
    p = raw_client(b)
    p.connect("sentinel")
    p.publish(topic, b"end", qos=1)
    p.disconnect()


def test_issue_scenario_acknowledged_survives_sigkill(broker_factory, raw_client):
    """The issue's report: 1,000 acknowledged QoS 1 messages for an offline
    persistent subscriber and 200 retained messages, then SIGKILL: all come
    back (default settings: no configuration file)."""
    b = broker_factory()
    _offline_subscriber(raw_client, b, "d/#")

    pub = raw_client(b)
    pub.connect("pub")
    out = b"".join(w.publish("d/%d" % i, b"m%d" % i, qos=1, packet_id=i + 1) for i in range(1000))
    out += b"".join(w.publish("r/%d" % i, b"r%d" % i, qos=1, retain=True, packet_id=1001 + i)
                    for i in range(200))
    pub.send(out)
    acked = set()
    while len(acked) < 1200:
        ack = pub.expect(w.PUBACK)
        acked.add(ack.packet_id)
    _crash_and_restart(b)

    assert b.wait_for_log(r"Restored 200 retained messages, 1 persistent sessions and 1000 queued")
    sub = raw_client(b)
    ack = sub.connect("sub", clean=False)
    assert ack.session_present
    _send_sentinel(raw_client, b, "d/end")
    got = _drain(sub, range(1000))
    assert got == [b"m%d" % i for i in range(1000)]

    r = subscribed(raw_client(b), "r", [("r/#", 0)])
    retained = {r.expect(w.PUBLISH).payload for _ in range(200)}
    assert retained == {b"r%d" % i for i in range(200)}


def test_snapshot_mode_loses_what_it_acknowledged(broker_factory, raw_client):
    """persistence_mode snapshot is Mosquitto's behaviour: fast, and what came
    since the last snapshot is gone after a crash (the README's trade-off)."""
    b = broker_factory(["listener 0", "persistence true", "persistence_mode snapshot"])
    _offline_subscriber(raw_client, b, "d/#")
    pub = raw_client(b)
    pub.connect("pub")
    pub.publish("d/1", b"x", qos=1)
    _crash_and_restart(b)
    sub = raw_client(b)
    assert not sub.connect("sub", clean=False).session_present


class _Publisher(threading.Thread):
    """Streams QoS 1 or 2 messages (a window of 50 in flight) until the
    connection dies; records which ones were acknowledged (PUBACK, PUBREC)."""

    def __init__(self, b, qos, client_id, n_max=100000, retained_every=0):
        super().__init__(daemon=True)
        self.c = w.RawClient(b.host, b.port)
        self.c.connect(client_id, clean=False)
        self.qos = qos
        self.n_max = n_max
        self.retained_every = retained_every
        self.acked = []
        self.sent = []
        self.prefix = b"q%d-" % qos

    def _msg(self, i):
        return self.prefix + b"%d" % i

    def run(self):
        pending = {}
        i = 0
        try:
            while i < self.n_max or pending:
                while len(pending) < 50 and i < self.n_max:
                    pid = i % 60000 + 1
                    retain = self.retained_every and i % self.retained_every == 0
                    topic = "ret/%d" % (self.qos) if retain else "s/%d" % self.qos
                    self.sent.append((i, retain))
                    self.c.send(w.publish(topic, self._msg(i), self.qos, retain=bool(retain),
                                          packet_id=pid))
                    pending[pid] = i
                    i += 1
                p = self.c.recv_packet(TIMEOUT)
                if p.type in (w.PUBACK, w.PUBREC):
                    n = pending.pop(p.packet_id) if p.type == w.PUBACK else pending[p.packet_id]
                    self.acked.append(n)
                    if p.type == w.PUBREC:
                        self.c.send(w.pubrel(p.packet_id))
                elif p.type == w.PUBCOMP:
                    pending.pop(p.packet_id)
        except (w.ConnectionClosed, OSError, AssertionError):
            pass


class _Subscriber(threading.Thread):
    """A connected persistent subscriber that acknowledges everything at once
    (completing QoS 2) until the connection dies; records what it got."""

    def __init__(self, b, client_id, topic_filter, qos):
        super().__init__(daemon=True)
        self.c = subscribed(w.RawClient(b.host, b.port), client_id, [(topic_filter, qos)],
                            clean=False)
        self.got = []
        self.completed = []     # QoS 2 messages whose PUBREL came

    def run(self):
        awaiting = {}
        try:
            while True:
                p = self.c.recv_packet(TIMEOUT)
                if p.type == w.PUBREL:
                    if p.packet_id in awaiting:
                        self.completed.append(awaiting.pop(p.packet_id))
                    self.c.send(w.pubcomp(p.packet_id))
                elif p.type == w.PUBLISH:
                    if p.qos == 1:
                        self.c.send(w.puback(p.packet_id))
                    elif p.qos == 2:
                        awaiting[p.packet_id] = p.payload
                        self.c.send(w.pubrec(p.packet_id))
                    self.got.append(p.payload)
        except (w.ConnectionClosed, OSError, AssertionError):
            pass


def _stream_then_kill(b, pubs, rng, others, earliest=0.0):
    """Starts the publishers and kills the broker with SIGKILL at a random
    moment of their stream, once each saw something acknowledged; then
    waits for them and for the other threads."""
    for p in pubs:
        p.start()
    deadline = time.monotonic() + TIMEOUT
    while not all(p.acked for p in pubs) and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(earliest, 0.3))
    _kill(b)
    for t in pubs + others:
        t.join(TIMEOUT)
    assert all(p.acked for p in pubs), "nothing was acknowledged before the kill"


def _sigkill_round(broker_factory, raw_client, seed, online=False):
    """A stream of QoS 1 and QoS 2 publishes (and retained ones) cut by
    SIGKILL at a random moment; checks what comes back after the restart.
    online: a second persistent subscriber stays connected and acknowledges
    at once, before and after the kill."""
    rng = random.Random(seed)
    b = broker_factory(["listener 0", "persistence true", "max_queued_messages 0"])
    _offline_subscriber(raw_client, b, "s/#", 2)
    on = _Subscriber(b, "on", "s/#", 2) if online else None
    if on is not None:
        on.start()

    pubs = [_Publisher(b, 1, "p1", retained_every=7), _Publisher(b, 2, "p2", retained_every=5)]
    _stream_then_kill(b, pubs, rng, [on] if on is not None else [])

    b.start()
    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    if on is not None:
        on_again = raw_client(b)
        assert on_again.connect("on", clean=False).session_present
    _send_sentinel(raw_client, b, "s/end")
    total = sum(len(p.acked) for p in pubs)
    got = _drain(sub, range(total))
    on_after = _drain(on_again, []) if on is not None else None
    on_got = on.got + on_after if on is not None else None
    for p in pubs:
        mine = [x for x in got if x.startswith(p.prefix)]
        plain = {p._msg(i) for i, retain in p.sent if not retain}
        for n in p.acked:
            if p._msg(n) in plain:
                assert p._msg(n) in mine, "acknowledged %r lost (seed %d)" % (p._msg(n), seed)
                # Before the kill, or (not acknowledged by then) after it.
                assert on_got is None or p._msg(n) in on_got, \
                    "acknowledged %r lost for the online subscriber (seed %d)" % (p._msg(n), seed)
        assert set(mine) <= plain, "a message nobody sent arrived"
        if p.qos == 2:
            assert len(mine) == len(set(mine)), "a QoS 2 message arrived twice"
            if on is not None:
                # Its records wait in the pending bytes while its queue is
                # long, and the removals its PUBRECs make may be written
                # before them: a message it completed (PUBREL came) never
                # comes again [MQTT-4.3.3].
                again = [x for x in on_after if x.startswith(p.prefix)]
                assert len(again) == len(set(again)), "a QoS 2 message arrived twice"
                assert not set(on.completed) & set(again), \
                    "a QoS 2 message the online subscriber completed came again (seed %d)" % seed

    r = subscribed(raw_client(b), "r", [("ret/#", 0)])
    seen = {}
    try:
        while True:
            m = r.recv_packet(0.5)
            seen[m.topic] = m.payload
    except AssertionError:
        pass
    for p in pubs:
        acked_retained = [n for n in p.acked if p.sent[n][1]]
        if not acked_retained:
            continue
        last = max(acked_retained)
        allowed = {p._msg(i) for i, retain in p.sent if retain and i >= last}
        assert seen.get("ret/%d" % p.qos) in allowed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_random_moments_loses_nothing_acknowledged(broker_factory, raw_client, seed):
    """A stream of QoS 1 and QoS 2 publishes (and retained ones) is cut by
    SIGKILL at a random moment: every message a publisher saw acknowledged
    reaches the persistent subscriber after the restart, QoS 2 exactly once,
    QoS 1 at least once; the retained message is the last acknowledged one
    or a later one."""
    _sigkill_round(broker_factory, raw_client, seed)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_sigkill_with_an_online_subscriber_loses_nothing_acknowledged(broker_factory, raw_client,
                                                                      seed):
    """The same with a second persistent subscriber connected, acknowledging
    at once: its records are provisional, mostly taken back from the pending
    bytes between the offline subscriber's, and a publisher's acknowledgement
    may come once it acknowledged. Both subscribers have every message a
    publisher saw acknowledged (the online one before or after the kill)."""
    _sigkill_round(broker_factory, raw_client, seed, online=True)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_sigkill_with_only_an_online_qos2_subscriber(broker_factory, raw_client, seed):
    """Two QoS 2 publishers stream to one connected persistent subscriber
    (no offline one, so that nothing forces its provisional records out: they
    wait while its queue is long, and the removals its PUBRECs make may be
    written before them), cut by SIGKILL at a random moment. Every message a
    publisher saw acknowledged reaches it, before or after the kill, and one
    it completed (PUBREL came) never comes again [MQTT-4.3.3]."""
    rng = random.Random(seed)
    b = broker_factory(["listener 0", "persistence true", "max_queued_messages 0"])
    on = _Subscriber(b, "on", "s/#", 2)
    on.start()
    pubs = [_Publisher(b, 2, "p%d" % i) for i in range(2)]
    for i, p in enumerate(pubs):
        p.prefix = b"p%d-" % i
    _stream_then_kill(b, pubs, rng, [on], earliest=0.05)
    assert on.completed, "the subscriber completed nothing before the kill"

    b.start()
    on_again = raw_client(b)
    assert on_again.connect("on", clean=False).session_present
    _send_sentinel(raw_client, b, "s/end")
    after = _drain(on_again, [])
    assert len(after) == len(set(after)), "a QoS 2 message arrived twice after the restart"
    assert not set(on.completed) & set(after), \
        "a QoS 2 message the subscriber completed came again (seed %d)" % seed
    for p in pubs:
        for n in p.acked:
            assert p._msg(n) in on.got or p._msg(n) in after, \
                "acknowledged %r lost (seed %d)" % (p._msg(n), seed)


def _complete_as_subscriber(sub, n):
    """Receives n messages on sub, acknowledging each (completing QoS 2)."""
    got = []
    open_qos2 = 0
    while len(got) < n or open_qos2 > 0:
        p = sub.recv_packet(TIMEOUT)
        if p.type == w.PUBREL:
            sub.send(w.pubcomp(p.packet_id))
            open_qos2 -= 1
            continue
        assert p.type == w.PUBLISH, p
        if p.qos == 1:
            sub.send(w.puback(p.packet_id))
        else:
            sub.send(w.pubrec(p.packet_id))
            open_qos2 += 1
        got.append(p.payload)
    return got


@pytest.mark.parametrize("window", [10, 50])
@pytest.mark.parametrize("qos", [1, 2])
def test_acknowledged_by_online_subscriber_is_not_redelivered(broker_factory, raw_client, qos,
                                                              window):
    """Messages a connected persistent subscriber acknowledged, most of them
    before the store committed them (their records are then taken back
    unwritten, and the publisher's acknowledgement does not wait for the
    disk), do not come again after SIGKILL; the publisher's QoS 2 packet ids
    are free again. A window of 10 sends every message at once; of 50, most
    wait in the subscriber's queue (its window is 20)."""
    n = 200
    b = broker_factory()
    sub = subscribed(raw_client(b), "sub", [("o/#", qos)], clean=False)
    pub = raw_client(b)
    pub.connect("pub", clean=False)
    for first in range(0, n, window):
        ids = range(first + 1, first + window + 1)
        pub.send(b"".join(w.publish("o/%d" % i, b"m%d" % i, qos=qos, packet_id=i) for i in ids))
        got = _complete_as_subscriber(sub, window)
        assert sorted(got) == sorted(b"m%d" % i for i in ids)
        for _ in ids:
            ack = pub.expect(w.PUBACK if qos == 1 else w.PUBREC)
            if qos == 2:
                pub.send(w.pubrel(ack.packet_id))
        if qos == 2:
            assert {pub.expect(w.PUBCOMP).packet_id for _ in ids} == set(ids)
    # Its SUBACK waits for a record made after its acknowledgements: then
    # whatever they recorded is on disk.
    sub.subscribe(2, [("barrier", 0)])
    _crash_and_restart(b)

    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    pub = raw_client(b)
    assert pub.connect("pub", clean=False).session_present
    # A new message with a used id is a new message [MQTT-2.3.1-4].
    pub.publish("o/again", b"again", qos=qos, packet_id=1)
    _send_sentinel(raw_client, b, "o/end")
    assert _drain(sub, []) == [b"again"]


@pytest.mark.parametrize("qos", [1, 2])
def test_online_subscriber_that_does_not_acknowledge_keeps_the_message(broker_factory, raw_client,
                                                                      qos):
    """A connected persistent subscriber receives a message and does not
    acknowledge it: the publisher's acknowledgement then waits for the disk,
    and after SIGKILL the subscriber gets the message again."""
    b = broker_factory()
    sub = subscribed(raw_client(b), "sub", [("o/#", qos)], clean=False)
    pub = raw_client(b)
    pub.connect("pub")
    pub.send(w.publish("o/1", b"keep", qos=qos, packet_id=1))
    assert sub.expect(w.PUBLISH).payload == b"keep"
    assert pub.expect(w.PUBACK if qos == 1 else w.PUBREC).packet_id == 1
    _crash_and_restart(b)

    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    _send_sentinel(raw_client, b, "o/end")
    assert _drain(sub, []) == [b"keep"]


def test_qos2_state_survives_sigkill_no_duplicate(broker_factory, raw_client):
    """In-flight QoS 2 state is durable: a publisher that got PUBREC before the
    crash and sends the PUBLISH again after it (DUP) is not delivered twice
    [MQTT-4.3.3-2]."""
    b = broker_factory()
    _offline_subscriber(raw_client, b, "t", 2)
    p = raw_client(b)
    p.connect("p2", clean=False)
    p.send(w.publish("t", b"once", 2, packet_id=7))
    assert p.expect(w.PUBREC).packet_id == 7
    _crash_and_restart(b)

    p = raw_client(b)
    assert p.connect("p2", clean=False).session_present
    p.send(w.publish("t", b"once", 2, packet_id=7, dup=True))
    assert p.expect(w.PUBREC).packet_id == 7
    p.send(w.pubrel(7))
    assert p.expect(w.PUBCOMP).packet_id == 7
    sub = raw_client(b)
    sub.connect("sub", clean=False)
    _send_sentinel(raw_client, b, "t")
    assert _drain(sub, [1]) == [b"once"]


def _fill_log(b, raw_client, n=300):
    _offline_subscriber(raw_client, b, "d/#")
    pub = raw_client(b)
    pub.connect("pub")
    pub.send(b"".join(w.publish("d/%d" % i, b"m%d" % i, qos=1, packet_id=i + 1) for i in range(n)))
    for _ in range(n):
        pub.expect(w.PUBACK)
    _kill(b)
    logs = glob.glob(os.path.join(b.data_dir, "*.log"))
    assert len(logs) == 1
    return logs[0]


STORE_MAGIC_LEN = 8    # "BDSTORE1"
RECORD_HEADER_LEN = 17  # length, CRC, sequence number, type


def _records_end(path):
    """Where the log's records end. A running Brokerdesk keeps zeros written
    ahead of them, so that a commit does not change the file's size; a
    header of zeros is that room, never a record."""
    with open(path, "rb") as f:
        data = f.read()
    off = STORE_MAGIC_LEN
    while off + RECORD_HEADER_LEN <= len(data) and any(data[off:off + RECORD_HEADER_LEN]):
        off += RECORD_HEADER_LEN + int.from_bytes(data[off:off + 4], "little")
    return min(off, len(data))


def _damage_and_restart(b, raw_client, damage):
    log = _fill_log(b, raw_client)
    size = _records_end(log)
    offset = damage(log, size)
    b.start()
    m = b.wait_for_log(r"(\S+\.log): .* at byte (\d+) of (\d+); restored what comes before it")
    assert m.group(1) == log
    assert int(m.group(2)) <= offset
    sub = raw_client(b)
    sub.connect("sub", clean=False)
    _send_sentinel(raw_client, b, "d/end")
    got = _drain(sub, [])
    # A prefix of what was sent, in order: nothing after the damage.
    assert got == [b"m%d" % i for i in range(len(got))]
    # The cut log takes new records again.
    pub = raw_client(b)
    pub.connect("pub")
    pub.publish("d/new", b"new", qos=1)
    _crash_and_restart(b)
    sub = raw_client(b)
    sub.connect("sub", clean=False)
    _send_sentinel(raw_client, b, "d/end")
    assert _drain(sub, []) == [b"new"]
    return got


def test_truncated_log_is_cut_and_named(broker_factory, raw_client):
    def truncate(log, size):
        off = size - 37
        os.truncate(log, off)
        return off
    got = _damage_and_restart(broker_factory(), raw_client, truncate)
    assert len(got) >= 250


def test_zeroed_log_region_is_cut_and_named(broker_factory, raw_client):
    """Zeros with records after them are damage (zeros to the end are the
    room written ahead, see test_log_room_is_written_ahead_in_zeros)."""
    def zero(log, size):
        off = size // 2
        with open(log, "r+b") as f:
            f.seek(off)
            f.write(b"\0" * 64)
        return off
    _damage_and_restart(broker_factory(), raw_client, zero)


def test_log_room_is_written_ahead_in_zeros(broker_factory, raw_client):
    """Commits write over zeros written and synced ahead of time, so the
    file's size does not change with each one; after a crash the zeros are
    the end of the log (nothing is named as damage, everything acknowledged
    comes back), and a clean stop leaves the file ending at its records."""
    b = broker_factory()
    log = _fill_log(b, raw_client)
    end = _records_end(log)
    assert os.path.getsize(log) > end
    with open(log, "rb") as f:
        f.seek(end)
        assert not any(f.read())
    b.start()
    sub = raw_client(b)
    sub.connect("sub", clean=False)
    _send_sentinel(raw_client, b, "d/end")
    assert _drain(sub, []) == [b"m%d" % i for i in range(300)]
    assert b.stop() == 0
    assert "restored what comes before it" not in b.log_text()
    assert os.path.getsize(log) == _records_end(log)


def test_bit_flip_in_log_is_cut_and_named(broker_factory, raw_client):
    def flip(log, size):
        off = size // 3
        with open(log, "r+b") as f:
            f.seek(off)
            byte = f.read(1)
            f.seek(off)
            f.write(bytes([byte[0] ^ 0x10]))
        return off
    _damage_and_restart(broker_factory(), raw_client, flip)


def test_damaged_snapshot_is_cut_and_named(broker_factory, raw_client):
    """A graceful stop writes a snapshot; a flipped bit in it loses what comes
    after the damage, says where, and the broker still starts."""
    b = broker_factory()
    _offline_subscriber(raw_client, b, "d/#")
    pub = raw_client(b)
    pub.connect("pub")
    for i in range(20):
        pub.publish("d/%d" % i, b"m%d" % i, qos=1)
    assert b.stop() == 0
    snaps = [f for f in glob.glob(os.path.join(b.data_dir, "*")) if not f.endswith(".log")]
    snap = [f for f in snaps if open(f, "rb").read(8) == b"BDSTORE1"][0]
    size = os.path.getsize(snap)
    with open(snap, "r+b") as f:
        f.seek(size - 5)
        byte = f.read(1)
        f.seek(size - 5)
        f.write(bytes([byte[0] ^ 0x01]))
    b.start()
    b.wait_for_log(r"%s: .* at byte \d+ of %d" % (snap.replace(".", r"\."), size))
    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    _send_sentinel(raw_client, b, "d/end")
    assert _drain(sub, []) == [b"m%d" % i for i in range(19)]


def test_log_is_compacted(broker_factory, raw_client, monkeypatch):
    """Growth is bounded: past the limit the writer writes a snapshot and
    starts a new log; nothing is lost on the way."""
    monkeypatch.setenv("BROKERDESK_STORE_COMPACT_BYTES", "20000")
    b = broker_factory()
    _offline_subscriber(raw_client, b, "d/#")
    pub = raw_client(b)
    pub.connect("pub")
    mark = b.mark()
    for burst in range(10):
        pub.send(b"".join(w.publish("d/%d" % i, b"x" * 100, qos=1, packet_id=i + 1)
                          for i in range(100)))
        for _ in range(100):
            pub.expect(w.PUBACK)
    b.wait_for_log(r"Compacted the broker store", start=mark)
    log = glob.glob(os.path.join(b.data_dir, "*.log"))[0]
    assert _records_end(log) < 2 * 20000 + 50000
    _crash_and_restart(b)
    assert b.wait_for_log(r"1 persistent sessions and 1000 queued")


def _mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % r.stderr.decode().strip())


def _fill(path):
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def _await_status(client, want):
    """Reads $SYS/broker/store/status until it says @want (bounded)."""
    deadline = time.monotonic() + TIMEOUT
    payload = None
    while payload != want and time.monotonic() < deadline:
        payload = client.expect(w.PUBLISH, timeout=max(0.1, deadline - time.monotonic())).payload
    assert payload == want


def test_full_disk_refuses_qos1_keeps_qos0_and_recovers(broker_factory, raw_client, tmp_path):
    """A full disk (a 1 MiB tmpfs the test mounts and fills): new QoS 1/2
    messages are refused with Quota exceeded (MQTT 5) or a disconnect
    (3.1.1), QoS 0 still flows, the broker says why (in its log and in
    $SYS/broker/store/status, read from the figures the Broker page shows);
    once space returns the held acknowledgement goes out and QoS 1 is
    accepted again."""
    mnt = str(tmp_path / "store")
    _mount_tmpfs(mnt, "1m")
    b = broker_factory(["listener 0", "persistence true", "persistence_location %s/" % mnt,
                        "sys_interval 1"], start=False)
    try:
        b.start()
        watch = subscribed(raw_client(b), "watch", [("$SYS/broker/store/status", 0)])
        _await_status(watch, b"ok")
        subscribed(raw_client(b), "sub", [("d/#", 1)], clean=False, away=True)
        q0 = subscribed(raw_client(b), "q0", [("q0", 0)])

        filler = os.path.join(mnt, "filler")
        _fill(filler)
        mark = b.mark()
        held = raw_client(b, version=5)
        held.connect("held")
        held.send(w.publish("d/1", b"x" * 8192, qos=1, packet_id=1, version=5))
        b.wait_for_log(r"Cannot write the broker store .*refusing QoS 1 and 2", start=mark)

        p5 = raw_client(b, version=5)
        p5.connect("p5")
        p5.send(w.publish("d/2", b"y", qos=1, packet_id=2, version=5))
        ack = p5.expect(w.PUBACK)
        assert (ack.packet_id, ack.rc) == (2, 0x97)
        p3 = raw_client(b)
        p3.connect("p3")
        assert p3.try_send(w.publish("d/3", b"z", qos=1, packet_id=3))
        p3.wait_closed()
        p5.publish("q0", b"still", qos=0)
        assert q0.expect(w.PUBLISH).payload == b"still"
        _await_status(watch, b"full")

        os.unlink(filler)
        ack = held.expect(w.PUBACK, timeout=TIMEOUT)
        assert (ack.packet_id, ack.rc) == (1, 0)
        b.wait_for_log(r"writable again", start=mark)
        assert p5.publish("d/4", b"w", qos=1).rc == 0
        _await_status(watch, b"ok")

        _crash_and_restart(b)
        sub = raw_client(b)
        sub.connect("sub", clean=False)
        _send_sentinel(raw_client, b, "d/end")
        assert _drain(sub, []) == [b"x" * 8192, b"w"]
    finally:
        b.stop()
        subprocess.run(["umount", mnt])


def test_online_subscriber_acknowledgement_stands_in_for_the_disk(broker_factory, raw_client,
                                                                   tmp_path):
    """With the disk full, a publisher's PUBACK waits while its connected
    persistent subscriber has not acknowledged the message (its record
    cannot be written), and goes out once the subscriber acknowledges it:
    the message has arrived where it had to go."""
    mnt = str(tmp_path / "store")
    _mount_tmpfs(mnt, "1m")
    b = broker_factory(["listener 0", "persistence true", "persistence_location %s/" % mnt],
                       start=False)
    try:
        b.start()
        sub = subscribed(raw_client(b), "sub", [("o/#", 1)], clean=False)
        pub = raw_client(b)
        pub.connect("pub")
        _fill(os.path.join(mnt, "filler"))
        mark = b.mark()
        pub.send(w.publish("o/1", b"x" * 8192, qos=1, packet_id=1))
        m = sub.expect(w.PUBLISH)
        b.wait_for_log(r"Cannot write the broker store", start=mark)
        with pytest.raises(AssertionError):
            pub.recv_packet(0.5)
        sub.send(w.puback(m.packet_id))
        ack = pub.expect(w.PUBACK, timeout=TIMEOUT)
        assert (ack.packet_id, ack.rc) == (1, 0)
    finally:
        b.stop()
        subprocess.run(["umount", mnt])


def test_sys_shows_the_store(broker_factory, raw_client):
    """$SYS/broker/store/...: its size, the last commit and its latency."""
    b = broker_factory(["listener 0", "persistence true", "sys_interval 1"])
    c = subscribed(raw_client(b), "dev", [("x", 1)], clean=False)
    c.subscribe(2, [("$SYS/broker/store/#", 0)])
    want = {"$SYS/broker/store/size", "$SYS/broker/store/last_commit",
            "$SYS/broker/store/commit_latency_ms", "$SYS/broker/store/status"}
    seen = {}
    deadline = time.monotonic() + TIMEOUT
    while not want <= set(seen) and time.monotonic() < deadline:
        m = c.expect(w.PUBLISH)
        seen[m.topic] = m.payload
    assert int(seen["$SYS/broker/store/size"]) > 8
    assert seen["$SYS/broker/store/status"] == b"ok"
    assert float(seen["$SYS/broker/store/commit_latency_ms"]) >= 0
    assert seen["$SYS/broker/store/last_commit"].startswith(b"20")


STORED_PROPS = [(w.PROP_PAYLOAD_FORMAT_INDICATOR, 1), (w.PROP_CONTENT_TYPE, "text/plain"),
                (w.PROP_RESPONSE_TOPIC, "reply/here"), (w.PROP_CORRELATION_DATA, b"\x00id"),
                (w.PROP_USER_PROPERTY, ("z", "1")), (w.PROP_USER_PROPERTY, ("a", "2"))]
SESSION_HOUR = [(w.PROP_SESSION_EXPIRY_INTERVAL, 3600)]


def _props_but_expiry(p):
    """By property id (the order of user properties kept: the sort is stable)."""
    return sorted([(i, v) for i, v in p.props if i != w.PROP_MESSAGE_EXPIRY_INTERVAL],
                  key=lambda prop: prop[0])


@pytest.mark.parametrize("stop", ["sigkill", "clean"])
def test_mqtt5_properties_and_expiry_survive_restart(broker_factory, raw_client, stop):
    """The store keeps the Application Message with its properties
    [MQTT-3.3.1-5]: queued and retained messages come back with Payload
    Format Indicator, Content Type, Response Topic, Correlation Data and
    User Properties in order [MQTT-3.3.2-17][MQTT-3.3.2-18]; the Message
    Expiry Interval counts the time the broker was down [MQTT-3.3.2-5]
    [MQTT-3.3.2-6], and a message whose interval ran out meanwhile is not
    delivered. From the log after SIGKILL, from the snapshot after a clean
    stop."""
    b = broker_factory()
    subscribed(raw_client(b, version=5), "sub5", [("p/#", 1)], clean=False, away=True,
               props=SESSION_HOUR)
    pub = raw_client(b, version=5)
    pub.connect("pub5")
    pub.publish("p/kept", b"kept", qos=1,
                props=STORED_PROPS + [(w.PROP_MESSAGE_EXPIRY_INTERVAL, 3600)])
    short = time.monotonic()
    pub.publish("p/short", b"short", qos=1, props=[(w.PROP_MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.publish("r/kept", b"retained", qos=1, retain=True, props=STORED_PROPS)
    pub.disconnect()
    if stop == "sigkill":
        _kill(b)
    else:
        assert b.stop() == 0
    # The one-second message's interval runs out while the broker is down.
    time.sleep(max(0.0, short + 1.2 - time.monotonic()))
    b.start()

    sub = raw_client(b, version=5)
    assert sub.connect("sub5", clean=False, props=SESSION_HOUR).session_present
    _send_sentinel(raw_client, b, "p/end")
    got = []
    while True:
        p = sub.expect(w.PUBLISH)
        sub.send(w.puback(p.packet_id))
        if p.payload == b"end":
            break
        got.append(p)
    assert [p.payload for p in got] == [b"kept"]
    stored = sorted(STORED_PROPS, key=lambda prop: prop[0])
    assert _props_but_expiry(got[0]) == stored
    left = got[0].props_all(w.PROP_MESSAGE_EXPIRY_INTERVAL)
    assert len(left) == 1 and 3590 <= left[0] < 3600

    sub.subscribe(2, [("r/#", 1)])
    r = sub.expect(w.PUBLISH)
    assert (r.topic, r.payload, r.retain) == ("r/kept", b"retained", True)
    assert _props_but_expiry(r) == stored


def test_unacknowledged_message_comes_again_with_dup_after_sigkill(broker_factory, raw_client):
    """A QoS 1 message sent to a persistent subscriber that had not
    acknowledged it when the broker was killed is sent again after the
    restart, with DUP 1 [MQTT-4.4.0-1] [MQTT-3.3.1-1]."""
    b = broker_factory()
    sub = subscribed(raw_client(b), "sub", [("d/#", 1)], clean=False)
    pub = raw_client(b)
    pub.connect("pub")
    pub.publish("d/1", b"one", qos=1)
    first = sub.expect(w.PUBLISH)
    assert (first.payload, first.dup) == (b"one", False)
    _crash_and_restart(b)
    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    again = sub.expect(w.PUBLISH)
    assert (again.topic, again.payload, again.qos, again.dup) == ("d/1", b"one", 1, True)
    sub.send(w.puback(again.packet_id))
    _send_sentinel(raw_client, b, "d/end")
    assert _drain(sub, []) == []


def _commit(raw_client, b):
    """Returns once everything the broker recorded so far is on disk: a
    persistent session's CONNACK waits for its record, which the store
    writes with every record before it, provisional ones too."""
    c = raw_client(b)
    c.connect("commit", clean=False)
    c.disconnect()


@pytest.mark.parametrize("version", [4, 5])
def test_inflight_ids_and_pubrel_survive_sigkill(broker_factory, raw_client, version):
    """[MQTT-4.4.0-1] after SIGKILL, an unacknowledged QoS 1 PUBLISH is sent
    again with its packet id and DUP 1 [MQTT-3.3.1-1], and the PUBREL of a
    QoS 2 message the client answered with PUBREC is sent again; that
    message is not delivered again."""
    b = broker_factory()

    def crash():
        _commit(raw_client, b)
        _crash_and_restart(b)

    s, m1, m2 = inflight_resent_after_restart(b, raw_client, version, crash)
    s.send(w.puback(m1.packet_id))
    s.send(w.pubcomp(m2.packet_id))
    _send_sentinel(raw_client, b, "inflight/end")
    assert _drain(s, []) == []


def _qos2_to_pubrel(b, raw_client, prefix, on_disk):
    """A persistent subscriber "sub" on PREFIX/# at QoS 2 gets one QoS 2
    message and answers PUBREC, and the PUBREL comes; on_disk: the message's
    record was written before the PUBREC (else the PUBREC took it back
    unwritten). Returns the subscriber and the PUBLISH it got."""
    s = subscribed(raw_client(b), "sub", [(prefix + "/#", 2)], clean=False)
    p = raw_client(b)
    p.connect("pub")
    p.send(w.publish(prefix + "/1", b"once", qos=2, packet_id=1))
    m = s.expect(w.PUBLISH)
    if on_disk:
        _commit(raw_client, b)
    s.send(w.pubrec(m.packet_id))
    assert s.expect(w.PUBREL).packet_id == m.packet_id
    return s, m


@pytest.mark.parametrize("on_disk", [False, True])
def test_qos2_past_pubrec_not_delivered_again_after_sigkill(broker_factory, raw_client, on_disk):
    """A QoS 2 message the subscriber answered with PUBREC before SIGKILL:
    after it the PUBREL comes again with its id [MQTT-4.4.0-1], the message
    does not, and a new QoS 2 message gets another id (the client holds that
    one until the PUBREL and would take a new message under it for the old
    one [MQTT-4.3.3-2]). on_disk: the message's record was written before
    the PUBREC came (else the PUBREC took it back unwritten)."""
    b = broker_factory()
    s, m = _qos2_to_pubrel(b, raw_client, "q", on_disk)
    _commit(raw_client, b)
    _crash_and_restart(b)

    s = raw_client(b)
    assert s.connect("sub", clean=False).session_present
    assert s.expect(w.PUBREL).packet_id == m.packet_id
    p = raw_client(b)
    p.connect("pub")
    p.publish("q/2", b"new", qos=2)
    new = s.expect(w.PUBLISH)
    assert (new.payload, new.dup) == (b"new", False)
    assert new.packet_id != m.packet_id
    s.send(w.pubrec(new.packet_id))
    assert s.expect(w.PUBREL).packet_id == new.packet_id


@pytest.mark.parametrize("on_disk", [False, True])
def test_completed_qos2_leaves_no_pubrel_after_sigkill(broker_factory, raw_client, on_disk):
    """A QoS 2 exchange the subscriber completed (PUBCOMP) before SIGKILL
    leaves nothing due: after the restart neither the message nor its
    PUBREL comes again. on_disk: the message's record was written before
    the PUBREC came."""
    b = broker_factory()
    s, m = _qos2_to_pubrel(b, raw_client, "c", on_disk)
    s.send(w.pubcomp(m.packet_id))
    # the PUBCOMP is handled before this PINGREQ is answered
    s.ping()
    _commit(raw_client, b)
    _crash_and_restart(b)

    s = raw_client(b)
    assert s.connect("sub", clean=False).session_present
    _send_sentinel(raw_client, b, "c/end")
    first = s.recv_packet()
    assert (first.type, first.payload) == (w.PUBLISH, b"end"), first


@pytest.mark.parametrize("mode", ["durable-sigkill", "snapshot-restart"])
def test_queued_then_sent_keeps_its_id(broker_factory, raw_client, mode):
    """Messages queued while the subscriber was away, then sent when it came
    back (each given its packet id then) and not acknowledged: after SIGKILL
    in durable mode, or a restart in snapshot mode, they come again with
    those ids and DUP 1 [MQTT-4.4.0-1], and the one answered with PUBREC
    only as its PUBREL."""
    lines = ["listener 0", "persistence true"]
    if mode == "snapshot-restart":
        lines.append("persistence_mode snapshot")
    b = broker_factory(lines)
    s = subscribed(raw_client(b), "sub", [("k/#", 2)], clean=False, away=True)
    p = raw_client(b)
    p.connect("pub")
    for i in range(4):
        p.publish("k/%d" % i, b"m%d" % i, qos=1, packet_id=1 + i)
    p.publish("k/q2", b"q2", qos=2, packet_id=9)
    s = raw_client(b)
    assert s.connect("sub", clean=False).session_present
    # a session's first ids: acknowledge two, so the rest are not
    first = [s.expect(w.PUBLISH) for _ in range(5)]
    s.send(w.puback(first[0].packet_id) + w.puback(first[1].packet_id))
    s.send(w.pubrec(first[4].packet_id))
    assert s.expect(w.PUBREL).packet_id == first[4].packet_id
    if mode == "durable-sigkill":
        _commit(raw_client, b)
        _crash_and_restart(b)
    else:
        b.restart()

    s = raw_client(b)
    assert s.connect("sub", clean=False).session_present
    got = [s.recv_packet() for _ in range(3)]
    assert sorted((pk.type, pk.packet_id, pk.payload if pk.type == w.PUBLISH else None,
                   pk.dup if pk.type == w.PUBLISH else None) for pk in got) == sorted(
        [(w.PUBLISH, first[2].packet_id, b"m2", True),
         (w.PUBLISH, first[3].packet_id, b"m3", True),
         (w.PUBREL, first[4].packet_id, None, None)])


def _record(seq, rtype, *fields):
    """A store record (see src/engine/bd-store-log.h): fields are bytes
    already encoded."""
    body = b"".join(fields)
    head = struct.pack("<QB", seq, rtype)
    return struct.pack("<II", len(body), zlib.crc32(head + body)) + head + body


def _s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack("<I", len(b)) + b


def test_store_without_inflight_fields_still_loads(broker_factory, raw_client):
    """A snapshot written before the store kept packet ids: its MSG_ADD
    records end before that field (or, older still, before the properties
    and time received). Its queued messages are restored and delivered in
    order, with DUP 1 since they may have been sent before [MQTT-3.3.1-1]."""
    META, SESSION_PUT, SUB_ADD, MSG_ADD = 1, 4, 6, 8
    b = broker_factory(start=False)
    u8 = lambda v: struct.pack("<B", v)
    u32 = lambda v: struct.pack("<I", v)
    u64 = lambda v: struct.pack("<Q", v)
    data = b"BDSTORE1"
    data += _record(0, META, u64(5), u64(10))
    data += _record(0, SESSION_PUT, _s("sub"), _s(""), u32(0xFFFFFFFF))
    data += _record(0, SUB_ADD, _s("sub"), _s("o/#"), u8(1), u8(0), u32(0))
    data += _record(0, MSG_ADD, _s("sub"), u64(1), _s("o/a"), _s(b"oldest"), u8(1), u8(0))
    data += _record(0, MSG_ADD, _s("sub"), u64(2), _s("o/b"), _s(b"older"), u8(1), u8(0),
                    _s(b""), u64(1700000000000000))
    with open(os.path.join(b.data_dir, "brokerdesk-state.db"), "wb") as f:
        f.write(data)
    b.start()
    sub = raw_client(b)
    assert sub.connect("sub", clean=False).session_present
    got = [sub.expect(w.PUBLISH) for _ in range(2)]
    assert [(m.topic, m.payload, m.dup) for m in got] == [("o/a", b"oldest", True),
                                                          ("o/b", b"older", True)]
    for m in got:
        sub.send(w.puback(m.packet_id))
    _send_sentinel(raw_client, b, "o/end")
    assert _drain(sub, []) == []


class _DirWatch:
    """Waits for a file to be moved into a directory (the snapshot is written
    to a temporary file and renamed into place) with inotify, bounded."""

    IN_MOVED_TO = 0x80
    IN_CLOSE_WRITE = 0x08
    IN_NONBLOCK = 0o4000
    IN_CLOEXEC = 0o2000000

    def __init__(self, directory):
        import ctypes
        import ctypes.util
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self._libc.inotify_init1(self.IN_NONBLOCK | self.IN_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(directory),
                                          self.IN_MOVED_TO | self.IN_CLOSE_WRITE)
        assert wd >= 0, os.strerror(ctypes.get_errno())

    def wait_for(self, name, timeout):
        """True once name was renamed into or written in the directory, False
        after timeout seconds without that."""
        import select
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return False
            data = os.read(self.fd, 65536)
            while data:
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", data)
                event_name = data[16:16 + length].rstrip(b"\0").decode()
                data = data[16 + length:]
                if event_name == name:
                    return True

    def close(self):
        os.close(self.fd)


def test_snapshot_autosave_on_changes_saves_after_that_many(broker_factory, raw_client):
    """persistence_mode snapshot with autosave_on_changes true: as in
    Mosquitto, autosave_interval counts changes, not seconds. One retained
    message is not saved, not even once more than autosave_interval seconds
    have passed; the third is, and the three survive a SIGKILL."""
    b = broker_factory(["listener 0", "persistence true", "persistence_mode snapshot",
                        "autosave_on_changes true", "autosave_interval 3"])
    state = "brokerdesk-state.db"
    assert not os.path.exists(os.path.join(b.data_dir, state))
    watch = _DirWatch(b.data_dir)
    try:
        pub = raw_client(b)
        pub.connect("pub")
        pub.publish("kept/1", b"one", qos=1, retain=True)
        # The timer would have saved after 3 s: it must not run in this mode.
        assert not watch.wait_for(state, 3.5), "saved after one change"
        pub.publish("kept/2", b"two", qos=1, retain=True)
        pub.publish("kept/3", b"three", qos=1, retain=True)
        assert watch.wait_for(state, TIMEOUT), "not saved after three changes"
    finally:
        watch.close()
    _crash_and_restart(b)
    sub = subscribed(raw_client(b), "reader", [("kept/#", 0)])
    got = {(m.topic, m.payload) for m in (sub.expect(w.PUBLISH) for _ in range(3))}
    assert got == {("kept/1", b"one"), ("kept/2", b"two"), ("kept/3", b"three")}
