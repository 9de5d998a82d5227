"""STOMP receipts that mean "on disk", and the `stomp` configuration section, against a broker of
the test's own (kill -9, restarts, JUNCTION_STOMP_* variables, --config)."""

import uuid

import pytest

from helpers import Broker
from test_stomp_support import read_frames_until_closed, stomp_connection, stomp_socket, wait_for_listener

pytestmark = pytest.mark.junction_only


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_receipted_persistent_sends_survive_kill_9(own_broker):
    queue = name("kept")
    wait_for_listener(own_broker.stomp_port)
    conn, listener = stomp_connection(own_broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    count = 500
    for index in range(count):
        # Only the last SEND asks for a receipt: it may come only once every earlier one is durable.
        receipt = "last" if index == count - 1 else None
        conn.send(f"/queue/{queue}", f"m{index}", headers={"persistent": "true"}, receipt=receipt)
    assert listener.receipt() == "last"
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    channel = connection.channel()
    declared = channel.queue_declare(queue, passive=True)
    assert declared.method.message_count == count
    method, properties, body = channel.basic_get(queue, auto_ack=True)
    assert body == b"m0"
    assert properties.delivery_mode == 2
    connection.close()


def test_transient_sends_do_not_survive_a_restart(own_broker):
    queue = name("gone")
    wait_for_listener(own_broker.stomp_port)
    conn, listener = stomp_connection(own_broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.send(f"/queue/{queue}", "transient", receipt="sent")
    assert listener.receipt() == "sent"
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    declared = connection.channel().queue_declare(queue, passive=True)
    assert declared.method.message_count == 0
    connection.close()


@pytest.fixture
def configured_broker(broker_binary_path, tmp_path):
    config = tmp_path / "junction.yaml"
    config.write_text("stomp:\n  heartbeat_ms: 0\n  allow_anonymous: false\n")
    instance = Broker(
        broker_binary_path, str(tmp_path / "data"), extra_args=["--config", str(config)],
        env={"JUNCTION_STOMP_MAX_BODY_BYTES": "1024", "JUNCTION_STOMP_MAX_HEADERS": "4"},
    )
    instance.start()
    wait_for_listener(instance.stomp_port)
    yield instance
    instance.kill()


def raw_exchange(broker, frames):
    sock = stomp_socket(broker)
    sock.sendall(frames)
    return read_frames_until_closed(sock)


def test_configuration_sets_the_limits(configured_broker):
    connect = b"CONNECT\naccept-version:1.2\nlogin:guest\npasscode:guest\nheart-beat:1000,1000\n\n\0"
    at_limit = b"SEND\ndestination:/queue/x\ncontent-length:1024\nreceipt:small\n\n" + b"a" * 1024 + b"\0"
    reply = raw_exchange(configured_broker, connect + at_limit + b"DISCONNECT\nreceipt:bye\n\n\0")
    # stomp.heartbeat_ms: 0 offers no heart-beats, whatever the client asks for.
    assert b"heart-beat:0,0\n" in reply
    assert b"receipt-id:small\n" in reply and b"receipt-id:bye\n" in reply

    # Refused from content-length, before the body is sent (so the close finds no unread input).
    over_body = b"SEND\ndestination:/queue/x\ncontent-length:1025\n\n"
    reply = raw_exchange(configured_broker, connect + over_body)
    assert b"message:Frame too large\n" in reply

    over_headers = b"SEND\ndestination:/queue/x\na:1\nb:2\nc:3\nd:4\n\n"
    reply = raw_exchange(configured_broker, connect + over_headers)
    assert b"message:Frame too large\n" in reply


def test_configuration_can_require_a_login(configured_broker):
    reply = raw_exchange(configured_broker, b"CONNECT\naccept-version:1.2\n\n\0")
    assert reply.startswith(b"ERROR\n")
    assert b"message:Bad CONNECT\n" in reply
