# conftest.py — fixtures of the broker conformance suite
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fixtures:
#   broker_factory(config_lines=(), start=True) -> Broker   one process per call
#   broker                                       -> Broker  with no extra config
#   mqtt_client(broker=None, client_id="", version=4, clean_session=True) -> PahoClient
#   raw_client(broker=None, version=4)           -> mqttwire.RawClient
#   cli_sub(broker, *mosquitto_sub_args)         -> CliSub (a mosquitto_sub process)
# Every broker is stopped with SIGTERM at teardown, and must exit with status
# 0 within 10 s; a failing test gets the broker's stderr in its report.

import signal
import uuid

import pytest

from brokertest import Broker, CliSub, PahoClient, BROKER_UNDER_TEST

# Each test must finish in bounded time even if a wait is wrong somewhere;
# pytest-timeout is not packaged here, so SIGALRM does the same job.
TEST_TIME_LIMIT = 60


def pytest_report_header(config):
    return "broker under test: %s" % BROKER_UNDER_TEST


class _TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _TestTimeout("test took longer than %d s" % TEST_TIME_LIMIT)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TEST_TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for broker in getattr(item, "_bd_brokers", []):
            text = broker.log_text()
            if len(text) > 20000:
                text = "[…]\n" + text[-20000:]
            report.sections.append(("broker %s stderr (%s)" % (broker.name, broker.kind), text))


@pytest.fixture
def broker_factory(request, tmp_path):
    brokers = []
    request.node._bd_brokers = brokers

    def make(config_lines=(), start=True):
        name = "broker%d" % (len(brokers) + 1)
        workdir = tmp_path / name
        workdir.mkdir()
        b = Broker(workdir, config_lines, name)
        brokers.append(b)
        if start:
            b.start()
        return b

    yield make

    problems = []
    for b in brokers:
        if b.proc is None:
            continue
        rc = b.stop(signal.SIGTERM)
        if rc != 0:
            problems.append("%s exited with status %r after SIGTERM (expected 0 within 10 s)"
                            % (b.name, rc))
    if problems:
        logs = "\n".join("--- %s stderr ---\n%s" % (b.name, b.log_text()[-5000:]) for b in brokers)
        pytest.fail("; ".join(problems) + "\n" + logs, pytrace=False)


@pytest.fixture
def broker(broker_factory):
    return broker_factory()


@pytest.fixture
def mqtt_client(request, broker_factory):
    clients = []

    def make(broker=None, client_id=None, version=4, clean_session=True):
        if broker is None:
            broker = request.getfixturevalue("broker")
        if client_id is None:
            client_id = "paho-" + uuid.uuid4().hex[:10]
        c = PahoClient(broker, client_id, version, clean_session)
        clients.append(c)
        return c

    yield make
    for c in clients:
        try:
            c.close()
        except Exception:
            pass


@pytest.fixture
def raw_client(request, broker_factory):
    clients = []

    def make(broker=None, version=4):
        if broker is None:
            broker = request.getfixturevalue("broker")
        c = broker.raw(version)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def cli_sub():
    subs = []

    def make(broker, *args, fmt=None):
        s = CliSub(broker, args, fmt)
        subs.append(s)
        return s

    yield make
    for s in subs:
        s.close()
