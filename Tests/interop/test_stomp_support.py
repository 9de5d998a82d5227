"""A broker with the STOMP and AMQP listeners for the STOMP interop tests, plus stomp.py helpers.

Self-contained (it does not need the shared conftest): the broker binary is $JUNCTION_BINARY, else
`.build/debug/junction` in the package root. Imported by the test_stomp*.py modules.
"""

import os
import pathlib
import queue
import socket
import subprocess
import tempfile
import time

import pika
import pytest
import stomp

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT = 10.0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("broker exited during startup")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not open in time")


class StompBroker:
    def __init__(self):
        self.binary = os.environ.get("JUNCTION_BINARY") or str(PACKAGE_ROOT / ".build" / "debug" / "junction")
        self.directory = tempfile.mkdtemp(prefix="junction-stomp-")
        self.amqp_port = _free_port()
        self.stomp_port = _free_port()
        self.log_path = os.path.join(self.directory, "broker.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_")}
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--amqp-port", str(self.amqp_port), "--mqtt-port", "0", "--stomp-port",
             str(self.stomp_port), "--http-port", "0", "--data-dir", os.path.join(self.directory, "data")],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )
        deadline = time.monotonic() + 30
        _wait_for_port(self.stomp_port, self.process, deadline)
        _wait_for_port(self.amqp_port, self.process, deadline)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def stomp(self, version="1.2", heartbeats=(0, 0), **kwargs):
        cls = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}[version]
        options = dict(heartbeats=heartbeats) if version != "1.0" else {}
        if version != "1.0":
            options["vhost"] = "localhost"
        options.update(kwargs)
        conn = cls([("127.0.0.1", self.stomp_port)], **options)
        listener = Collector()
        conn.set_listener("collector", listener)
        return conn, listener

    def amqp(self):
        return pika.BlockingConnection(
            pika.ConnectionParameters(host="127.0.0.1", port=self.amqp_port,
                                      credentials=pika.PlainCredentials("guest", "guest"))
        )

    def raw(self):
        sock = socket.create_connection(("127.0.0.1", self.stomp_port), timeout=TIMEOUT)
        return sock


class Collector(stomp.ConnectionListener):
    """Collects MESSAGE, RECEIPT and ERROR frames into queues the tests wait on."""

    def __init__(self):
        self.messages = queue.Queue()
        self.receipts = queue.Queue()
        self.errors = queue.Queue()
        self.disconnected = False
        self.heartbeats = 0

    def on_message(self, frame):
        self.messages.put(frame)

    def on_receipt(self, frame):
        self.receipts.put(frame.headers["receipt-id"])

    def on_error(self, frame):
        self.errors.put(frame)

    def on_disconnected(self):
        self.disconnected = True

    def on_heartbeat(self):
        self.heartbeats += 1

    def message(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def receipt(self, timeout=TIMEOUT):
        return self.receipts.get(timeout=timeout)

    def no_message(self, within=0.3):
        try:
            frame = self.messages.get(timeout=within)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected message {frame.headers} {frame.body!r}")


def read_frames_until_closed(sock, timeout=TIMEOUT):
    """Reads from a raw socket until the broker closes it; returns all bytes."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


@pytest.fixture(scope="module")
def stomp_broker():
    broker = StompBroker()
    yield broker
    broker.stop()
