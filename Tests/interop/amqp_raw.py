"""A tiny, independent AMQP 0-9-1 frame reader/writer for black-box tests over raw sockets.

Written from the specification (amqp0-9-1.pdf, section 4.2 and the XML method table), not from the
broker's code, so that the broker's codec is checked against bytes it did not produce.
"""

import socket
import struct
import time

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_METHOD = 1
FRAME_HEADER = 2
FRAME_BODY = 3
FRAME_HEARTBEAT = 8
FRAME_END = 0xCE

CONNECTION_START = (10, 10)
CONNECTION_START_OK = (10, 11)
CONNECTION_TUNE = (10, 30)
CONNECTION_TUNE_OK = (10, 31)
CONNECTION_OPEN = (10, 40)
CONNECTION_OPEN_OK = (10, 41)
CONNECTION_CLOSE = (10, 50)
CONNECTION_CLOSE_OK = (10, 51)
CHANNEL_OPEN = (20, 10)
CHANNEL_OPEN_OK = (20, 11)
CHANNEL_CLOSE = (20, 40)
CHANNEL_CLOSE_OK = (20, 41)
QUEUE_DECLARE = (50, 10)
BASIC_PUBLISH = (60, 40)


class Closed(Exception):
    """The peer closed the TCP connection."""


def shortstr(value):
    data = value.encode() if isinstance(value, str) else value
    assert len(data) < 256
    return struct.pack(">B", len(data)) + data


def longstr(value):
    data = value.encode() if isinstance(value, str) else value
    return struct.pack(">I", len(data)) + data


def empty_table():
    return struct.pack(">I", 0)


def table(values):
    """A field table of str, bool, int and nested dict values."""
    body = b""
    for key, value in values.items():
        body += shortstr(key)
        if isinstance(value, bool):
            body += b"t" + bytes([int(value)])
        elif isinstance(value, int):
            body += b"I" + struct.pack(">i", value)
        elif isinstance(value, str):
            body += b"S" + longstr(value)
        elif isinstance(value, dict):
            body += b"F" + table(value)
        else:
            raise TypeError(f"unsupported table value {value!r}")
    return struct.pack(">I", len(body)) + body


CLIENT_PROPERTIES = {
    "product": "junction-interop-raw",
    # Ask for connection.close (rather than a bare TCP close) when authentication fails.
    "capabilities": {"authentication_failure_close": True},
}


def frame(frame_type, channel, payload):
    return struct.pack(">BHI", frame_type, channel, len(payload)) + payload + bytes([FRAME_END])


def method_frame(channel, class_method, arguments=b""):
    class_id, method_id = class_method
    return frame(FRAME_METHOD, channel, struct.pack(">HH", class_id, method_id) + arguments)


def content_header_frame(channel, body_size, class_id=60, flags=0):
    return frame(FRAME_HEADER, channel, struct.pack(">HHQH", class_id, 0, body_size, flags))


class Frame:
    def __init__(self, frame_type, channel, payload):
        self.type = frame_type
        self.channel = channel
        self.payload = payload

    @property
    def class_method(self):
        if self.type != FRAME_METHOD or len(self.payload) < 4:
            return None
        return struct.unpack(">HH", self.payload[:4])

    @property
    def arguments(self):
        return self.payload[4:]

    def close_reason(self):
        """(reply_code, reply_text, class_id, method_id) of a connection.close or channel.close."""
        args = self.arguments
        code = struct.unpack(">H", args[:2])[0]
        length = args[2]
        text = args[3:3 + length].decode(errors="replace")
        class_id, method_id = struct.unpack(">HH", args[3 + length:7 + length])
        return code, text, class_id, method_id

    def __repr__(self):
        return f"Frame(type={self.type}, channel={self.channel}, class_method={self.class_method}, size={len(self.payload)})"


class RawConnection:
    """A socket speaking AMQP frames. Every read has a deadline."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buffer = b""
        self.tune = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_exactly(self, count, deadline):
        while len(self.buffer) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"wanted {count} bytes, have {len(self.buffer)}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed(f"connection closed with {len(self.buffer)} bytes unread: {self.buffer[:32]!r}")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_frame(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        frame_type, channel, size = struct.unpack(">BHI", self.read_exactly(7, deadline))
        payload = self.read_exactly(size, deadline)
        end = self.read_exactly(1, deadline)
        assert end == bytes([FRAME_END]), f"bad frame end {end!r}"
        return Frame(frame_type, channel, payload)

    def read_method(self, timeout=None):
        """The next method frame, skipping heartbeats."""
        while True:
            f = self.read_frame(timeout)
            if f.type != FRAME_HEARTBEAT:
                return f

    def expect_method(self, class_method, timeout=None):
        f = self.read_method(timeout)
        if f.class_method != class_method:
            detail = f" {f.close_reason()}" if f.class_method in (CONNECTION_CLOSE, CHANNEL_CLOSE) else ""
            raise AssertionError(f"expected {class_method}, got {f}{detail}")
        return f

    def wait_for_eof(self, timeout=None):
        """Reads (and discards) until the peer closes; raises TimeoutError if it never does."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("peer did not close the connection")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return
            if not chunk:
                return

    def expect_connection_close(self, timeout=None):
        """Waits for connection.close (answering close-ok) and then for EOF; returns the close reason.
        Returns None if the peer closed the socket without a connection.close."""
        try:
            while True:
                f = self.read_method(timeout)
                if f.class_method == CONNECTION_CLOSE:
                    reason = f.close_reason()
                    try:
                        self.send(method_frame(0, CONNECTION_CLOSE_OK))
                    except OSError:
                        pass
                    self.wait_for_eof(timeout)
                    return reason
        except Closed:
            return None

    # Handshake ----------------------------------------------------------------------------

    def handshake(self, username="guest", password="guest", vhost="/", heartbeat=0, frame_max=None):
        """Protocol header, start/start-ok (PLAIN), tune/tune-ok, open/open-ok. Returns the tune values."""
        self.send(PROTOCOL_HEADER)
        self.expect_method(CONNECTION_START)
        self.send_start_ok(username, password)
        tune = self.expect_method(CONNECTION_TUNE)
        channel_max, server_frame_max, server_heartbeat = struct.unpack(">HIH", tune.arguments[:8])
        self.tune = {"channel_max": channel_max, "frame_max": server_frame_max, "heartbeat": server_heartbeat}
        agreed_frame_max = frame_max or server_frame_max
        self.send(method_frame(0, CONNECTION_TUNE_OK, struct.pack(">HIH", channel_max, agreed_frame_max, heartbeat)))
        self.send(method_frame(0, CONNECTION_OPEN, shortstr(vhost) + shortstr("") + b"\x00"))
        self.expect_method(CONNECTION_OPEN_OK)
        return self.tune

    def send_start_ok(self, username, password):
        response = b"\x00" + username.encode() + b"\x00" + password.encode()
        self.send(
            method_frame(
                0,
                CONNECTION_START_OK,
                table(CLIENT_PROPERTIES) + shortstr("PLAIN") + longstr(response) + shortstr("en_US"),
            )
        )

    def open_channel(self, number):
        self.send(method_frame(number, CHANNEL_OPEN, shortstr("")))
        self.expect_method(CHANNEL_OPEN_OK)


def queue_declare_arguments(name, passive=False, durable=False, exclusive=False, auto_delete=False):
    bits = (passive << 0) | (durable << 1) | (exclusive << 2) | (auto_delete << 3)
    return struct.pack(">H", 0) + shortstr(name) + bytes([bits]) + empty_table()


def basic_publish_arguments(exchange, routing_key, mandatory=False, immediate=False):
    bits = (mandatory << 0) | (immediate << 1)
    return struct.pack(">H", 0) + shortstr(exchange) + shortstr(routing_key) + bytes([bits])
