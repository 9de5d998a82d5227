"""Malformed and out-of-order input over raw sockets. After each case a normal pika client must
still work, so one bad peer never harms the broker or other connections."""

import struct

import pytest

import amqp_raw
from amqp_raw import RawConnection
from helpers import assert_broker_alive

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("header", [
    b"AMQP\x00\x00\x08\x00",      # AMQP 0-8
    b"AMQP\x01\x01\x00\x0a",      # AMQP 1.0 style
    b"GET / HTTP/1.1\r\n\r\n",    # not AMQP at all
])
def test_wrong_protocol_header_gets_the_supported_version_and_a_close(broker, header):
    with RawConnection(broker.host, broker.port) as raw:
        raw.send(header)
        reply = raw.read_exactly(8, deadline=_deadline(10))
        assert reply == b"AMQP\x00\x00\x09\x01"
        raw.wait_for_eof(timeout=10)
    assert_broker_alive(broker)


def test_garbage_after_protocol_header_closes_the_connection(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.send(amqp_raw.PROTOCOL_HEADER)
        raw.expect_method(amqp_raw.CONNECTION_START)
        raw.send(b"\xff\x00\x00\x00\x00\x00\x04garbage-garbage-garbage")
        reason = raw.expect_connection_close(timeout=10)
        # Either a connection.close with FRAME_ERROR or a plain socket close is acceptable.
        assert reason is None or reason[0] == 501, reason
    assert_broker_alive(broker)


def test_frame_larger_than_frame_max_is_frame_error(broker):
    with RawConnection(broker.host, broker.port) as raw:
        tune = raw.handshake()
        raw.open_channel(1)
        oversized = tune["frame_max"] + 1024
        # Only the header and a little of the payload: the broker must decide from the header alone.
        raw.send(struct.pack(">BHI", amqp_raw.FRAME_METHOD, 1, oversized) + b"\x00" * 64)
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 501, reason
        assert reason[1].startswith("FRAME_ERROR")
    assert_broker_alive(broker)


def test_method_on_a_channel_that_is_not_open_is_channel_error(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.send(amqp_raw.method_frame(5, amqp_raw.QUEUE_DECLARE, amqp_raw.queue_declare_arguments("x")))
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 504, reason
        assert reason[1].startswith("CHANNEL_ERROR")
    assert_broker_alive(broker)


def test_content_header_without_publish_is_unexpected_frame(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        raw.send(amqp_raw.content_header_frame(1, body_size=5))
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 505, reason
        assert reason[1].startswith("UNEXPECTED_FRAME")
    assert_broker_alive(broker)


def test_body_frame_without_publish_is_unexpected_frame(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        raw.send(amqp_raw.frame(amqp_raw.FRAME_BODY, 1, b"hello"))
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 505, reason
    assert_broker_alive(broker)


def test_method_instead_of_content_header_after_publish_is_unexpected_frame(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        raw.send(amqp_raw.method_frame(1, amqp_raw.BASIC_PUBLISH, amqp_raw.basic_publish_arguments("", "q")))
        raw.send(amqp_raw.method_frame(1, amqp_raw.QUEUE_DECLARE, amqp_raw.queue_declare_arguments("x")))
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 505, reason
    assert_broker_alive(broker)


@pytest.mark.junction_only  # RabbitMQ drops the socket here instead of closing with 540
def test_unknown_class_and_method_is_not_implemented(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        raw.send(amqp_raw.method_frame(1, (999, 1), b"\x00\x00"))
        reason = raw.expect_connection_close(timeout=10)
        assert reason is not None and reason[0] == 540, reason
        assert reason[1].startswith("NOT_IMPLEMENTED")
    assert_broker_alive(broker)


def test_bad_frame_end_octet_is_frame_error(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        good = amqp_raw.method_frame(1, amqp_raw.CHANNEL_OPEN, amqp_raw.shortstr(""))
        raw.send(good[:-1] + b"\x00")
        reason = raw.expect_connection_close(timeout=10)
        assert reason is None or reason[0] == 501, reason
    assert_broker_alive(broker)


@pytest.mark.parametrize("cut", [3, 7, 12])
def test_truncated_frame_then_disconnect(broker, cut):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        whole = amqp_raw.method_frame(1, amqp_raw.QUEUE_DECLARE, amqp_raw.queue_declare_arguments("truncated"))
        raw.send(whole[:cut])
    assert_broker_alive(broker)


def test_disconnect_in_the_middle_of_the_handshake(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.send(amqp_raw.PROTOCOL_HEADER)
        raw.expect_method(amqp_raw.CONNECTION_START)
    with RawConnection(broker.host, broker.port) as raw:
        raw.send(amqp_raw.PROTOCOL_HEADER[:4])
    assert_broker_alive(broker)


def test_disconnect_in_the_middle_of_a_message(broker):
    with RawConnection(broker.host, broker.port) as raw:
        raw.handshake()
        raw.open_channel(1)
        raw.send(amqp_raw.method_frame(1, amqp_raw.BASIC_PUBLISH, amqp_raw.basic_publish_arguments("", "nowhere")))
        raw.send(amqp_raw.content_header_frame(1, body_size=1000))
        raw.send(amqp_raw.frame(amqp_raw.FRAME_BODY, 1, b"x" * 10))
    assert_broker_alive(broker)


def _deadline(seconds):
    import time

    return time.monotonic() + seconds
