#!/usr/bin/env python3
"""Measures the broker memory an idle MQTT connection costs.

Starts `junction` (JUNCTION_BINARY or .build/release/junction, else .build/debug/junction) on
free ports, reads its RSS, opens N raw TCP connections that each send one MQTT 3.1.1 CONNECT
(clean session, keep-alive 0) and read the CONNACK, reads the RSS again and prints the difference
per connection. Usage: python3 protocols/mqtt/idle_connections.py [N=2000]
"""

import os
import pathlib
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def connect_packet(client_id):
    payload = struct.pack("!H", len(client_id)) + client_id
    variable = struct.pack("!H", 4) + b"MQTT" + bytes([4, 0x02]) + struct.pack("!H", 0)
    body = variable + payload
    return bytes([0x10, len(body)]) + body


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    binary = os.environ.get("JUNCTION_BINARY")
    if not binary:
        release = ROOT / ".build" / "release" / "junction"
        binary = str(release if release.exists() else ROOT / ".build" / "debug" / "junction")
    data = tempfile.mkdtemp(prefix="junction-idle-")
    amqp, mqtt = free_port(), free_port()
    broker = subprocess.Popen(
        [binary, "--amqp-port", str(amqp), "--mqtt-port", str(mqtt), "--stomp-port", "0", "--http-port", "0",
         "--data-dir", data],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard)),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", mqtt), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "broker did not start"
                time.sleep(0.05)
        # Warm up: one connection, so lazily created state is not counted per connection.
        warm = socket.create_connection(("127.0.0.1", mqtt))
        warm.sendall(connect_packet(b"warm"))
        warm.recv(4)
        time.sleep(1)
        before = rss_kib(broker.pid)
        sockets = []
        for index in range(count):
            s = socket.create_connection(("127.0.0.1", mqtt))
            s.sendall(connect_packet(f"idle-{index}".encode()))
            sockets.append(s)
        for s in sockets:
            assert s.recv(4) == b"\x20\x02\x00\x00", "expected CONNACK accepted"
        time.sleep(2)
        after = rss_kib(broker.pid)
        print(f"binary: {binary}")
        print(f"connections: {count}")
        print(f"RSS before: {before} KiB, after: {after} KiB")
        print(f"per connection: {(after - before) / count:.1f} KiB")
        for s in sockets:
            s.close()
        warm.close()
    finally:
        broker.terminate()
        broker.wait(timeout=15)


if __name__ == "__main__":
    main()
