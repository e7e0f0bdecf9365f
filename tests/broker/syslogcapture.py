# syslogcapture.py — run a broker with /dev/log served by this script
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (as root, in a mount namespace of its own):
#   unshare --mount python3 syslogcapture.py WORKDIR REGEX -- ARGV...
# Puts a tmpfs over /dev in this namespace only (with /dev/null and the
# random devices bound back), listens on /dev/log as a syslog daemon does,
# starts ARGV and prints the first datagram whose text matches REGEX, as
# syslog(3) sent it ("<PRI>…"), then stops ARGV. Exit status 1 when none
# came within 10 s.

import os
import re
import socket
import subprocess
import sys
import time

TIMEOUT = 10.0
DEVICES = ("null", "zero", "full", "random", "urandom")


def private_dev(workdir):
    old = os.path.join(workdir, "olddev")
    os.makedirs(old, exist_ok=True)
    subprocess.run(["mount", "--bind", "/dev", old], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/dev"], check=True)
    for name in DEVICES:
        open(os.path.join("/dev", name), "w").close()
        subprocess.run(["mount", "--bind", os.path.join(old, name), os.path.join("/dev", name)],
                       check=True)


def stop_process(proc):
    """SIGTERM, then SIGKILL if it has not ended within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    workdir, pattern, sep = sys.argv[1:4]
    assert sep == "--"
    argv = sys.argv[4:]
    private_dev(workdir)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("/dev/log")
    with open(os.path.join(workdir, "broker-output.log"), "wb") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    deadline = time.monotonic() + TIMEOUT
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                print("no syslog line matched %r" % pattern)
                return 1
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536).decode("utf-8", "replace")
            except socket.timeout:
                continue
            if re.search(pattern, data):
                print(data)
                return 0
    finally:
        stop_process(proc)


if __name__ == "__main__":
    sys.exit(main())
