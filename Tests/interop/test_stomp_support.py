"""stomp.py and raw-socket helpers for the STOMP interop tests (test_stomp*.py, test_browser*.py).

The broker comes from the shared fixtures in conftest.py (`broker`, `own_broker`); these helpers
only open clients against its `.stomp_port` and `.http_port`. The module holds no tests.
"""

import queue
import socket
import time

import stomp

TIMEOUT = 10.0


def stomp_connection(broker, version="1.2", heartbeats=(0, 0), **kwargs):
    """A stomp.py connection (not yet connected) to the broker's STOMP listener and a `Collector`."""
    cls = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}[version]
    options = dict(heartbeats=heartbeats) if version != "1.0" else {}
    if version != "1.0":
        # A hostname, as most clients send: Junction falls back to the default vhost.
        options["vhost"] = "localhost"
    options.update(kwargs)
    conn = cls([(broker.host, broker.stomp_port)], **options)
    listener = Collector()
    conn.set_listener("collector", listener)
    return conn, listener


def wait_for_listener(port, host="127.0.0.1", timeout=TIMEOUT):
    """`Broker.start()` returns once AMQP accepts; the other listeners may bind a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def stomp_socket(broker):
    """A raw TCP socket to the broker's STOMP listener."""
    return socket.create_connection((broker.host, broker.stomp_port), timeout=TIMEOUT)


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


def encode_frame(command, headers=None, body=""):
    """A STOMP frame as text (no header escaping: callers pass plain values)."""
    lines = [command] + [f"{key}:{value}" for key, value in (headers or {}).items()]
    return "\n".join(lines) + "\n\n" + body + "\0"


class FrameReader:
    """Splits what a WebSocket delivers (one or more frames per message, heart-beat EOLs between
    them) into (command, headers, body) tuples; the first of repeated headers wins."""

    def __init__(self, ws):
        self.ws = ws
        self.buffer = ""
        self.kinds = []

    def next(self, timeout=TIMEOUT):
        while "\0" not in self.buffer:
            data = self.ws.recv(timeout=timeout)
            self.kinds.append(type(data))
            self.buffer += data if isinstance(data, str) else data.decode("utf-8")
        text, self.buffer = self.buffer.split("\0", 1)
        head, _, body = text.lstrip("\r\n").partition("\n\n")
        command, *lines = head.split("\n")
        headers = {}
        for line in lines:
            key, _, value = line.partition(":")
            headers.setdefault(key, value)
        return command, headers, body
