"""limits.max_prelogin_frame_bytes (64 KiB by default): before it has logged in, a client may not make
the broker buffer a larger frame. Each protocol answers with its own error from the frame's header
alone (AMQP connection.close 501 FRAME_ERROR, MQTT 5 CONNACK 0x95 / MQTT 3.1.1 a closed socket, STOMP
ERROR), over TCP and WebSocket, and the next client is served."""

import socket
import struct
import time

import paho.mqtt.client as mqtt
import pytest
from websockets.sync.client import connect as ws_connect

import amqp_raw
from test_mqtt_interop import Client
from test_stomp_support import stomp_connection, wait_for_listener

pytestmark = pytest.mark.junction_only

TIMEOUT = 10
OVER_LIMIT = 100_000


def read_until_closed(sock, timeout=TIMEOUT):
    """Everything the broker sends until it closes the socket (TimeoutError if it never does)."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"socket still open after {data!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def mqtt_remaining_length(value):
    encoded = b""
    while True:
        byte, value = value % 128, value // 128
        encoded += bytes([byte | (0x80 if value else 0)])
        if not value:
            return encoded


def oversize_connect_start(level):
    """A CONNECT's fixed header announcing OVER_LIMIT bytes, then only the protocol name and level."""
    return b"\x10" + mqtt_remaining_length(OVER_LIMIT) + b"\x00\x04MQTT" + bytes([level])


def test_amqp_oversize_frame_before_login_is_frame_error(broker):
    with amqp_raw.RawConnection(broker.host, broker.port) as raw:
        raw.send(amqp_raw.PROTOCOL_HEADER)
        raw.expect_method(amqp_raw.CONNECTION_START)
        # A start-ok frame header announcing 100,000 bytes; none of them follow.
        raw.send(struct.pack(">BHI", amqp_raw.FRAME_METHOD, 0, OVER_LIMIT))
        reason = raw.expect_connection_close()
    assert reason is not None and reason[0] == 501, reason
    connection = broker.connect()
    assert connection.is_open
    connection.close()


def test_amqp_frame_over_the_prelogin_limit_passes_after_login(broker):
    with amqp_raw.RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        # A 100,000-byte body is over the pre-login limit and under frame_max (128 KiB): accepted.
        raw.send(amqp_raw.method_frame(1, amqp_raw.BASIC_PUBLISH, amqp_raw.basic_publish_arguments("", "nowhere")))
        raw.send(amqp_raw.content_header_frame(1, OVER_LIMIT))
        raw.send(amqp_raw.frame(amqp_raw.FRAME_BODY, 1, b"x" * OVER_LIMIT))
        raw.open_channel(2)


@pytest.mark.parametrize("level,expected", [(5, b"\x20\x03\x00\x95\x00"), (4, b"")])
def test_mqtt_oversize_connect_is_refused(broker, unique, level, expected):
    with socket.create_connection((broker.host, broker.mqtt_port), timeout=TIMEOUT) as sock:
        sock.sendall(oversize_connect_start(level))
        assert read_until_closed(sock) == expected
    client = Client(broker, unique("after-oversize"), version=mqtt.MQTTv5 if level == 5 else mqtt.MQTTv311)
    client.close()


def test_mqtt_over_websocket_oversize_connect_is_refused(broker, unique):
    ws = ws_connect(f"ws://{broker.host}:{broker.http_port}/mqtt", subprotocols=["mqtt"], compression=None,
                    proxy=None, ping_interval=None, open_timeout=TIMEOUT, close_timeout=TIMEOUT)
    with ws:
        ws.send(oversize_connect_start(5))
        assert ws.recv(timeout=TIMEOUT) == b"\x20\x03\x00\x95\x00"


def test_stomp_oversize_frame_before_connect_is_an_error(broker):
    wait_for_listener(broker.stomp_port)
    with socket.create_connection((broker.host, broker.stomp_port), timeout=TIMEOUT) as sock:
        sock.sendall(f"CONNECT\naccept-version:1.2\ncontent-length:{OVER_LIMIT}\n\n".encode())
        reply = read_until_closed(sock)
    assert reply.startswith(b"ERROR\n"), reply
    fresh, _ = stomp_connection(broker)
    fresh.connect("guest", "guest", wait=True)
    fresh.disconnect()
