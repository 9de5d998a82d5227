"""STOMP consumers on streams (RabbitMQ's STOMP plugin semantics): SUBSCRIBE to a stream's
`/amq/queue/<name>` with `x-stream-offset` (first, last, next, offset=<n>, timestamp=<s>), which
needs `ack:client`/`client-individual` and a `prefetch-count`; MESSAGE frames carry the offset in
an `x-stream-offset` header and ACKs release credit. Messages are published with pika."""

import time
import uuid

import pika
import pytest

from test_stomp_support import stomp_connection

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

COUNT = 1_000


def stream_with_messages(broker, count=COUNT):
    name = f"stomp-stream-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(broker.connection_parameters())
    channel = connection.channel()
    channel.queue_declare(queue=name, durable=True, arguments={"x-queue-type": "stream"})
    publish(channel, name, 0, count)
    return name, connection


def publish(channel, stream, first, count):
    channel.confirm_delivery()
    for i in range(first, first + count):
        channel.basic_publish(exchange="", routing_key=stream, body=f"m{i}".encode())


def read(listener, conn, count, ack="client-individual"):
    """Receives `count` MESSAGE frames, acking each; returns [(offset, body)]."""
    received = []
    for _ in range(count):
        frame = listener.message()
        received.append((int(frame.headers["x-stream-offset"]), frame.body))
        if ack == "client-individual" or len(received) % 50 == 0 or len(received) == count:
            conn.ack(frame.headers["ack"])
    return received


def subscribe(broker, stream, offset, prefetch=100, ack="client-individual", **headers):
    conn, listener = stomp_connection(broker)
    conn.connect("guest", "guest", wait=True)
    if offset is not None:
        headers["x-stream-offset"] = offset
    headers["prefetch-count"] = str(prefetch)
    conn.subscribe(f"/amq/queue/{stream}", id="s", ack=ack, headers=headers)
    return conn, listener


@pytest.mark.parametrize("ack", ["client", "client-individual"])
def test_subscribe_from_first_reads_every_message_in_order(broker, ack):
    stream, publisher = stream_with_messages(broker)
    conn, listener = subscribe(broker, stream, "first", ack=ack)
    received = read(listener, conn, COUNT, ack=ack)
    assert received == [(i, f"m{i}") for i in range(COUNT)]
    listener.no_message()
    conn.disconnect()
    publisher.close()


@pytest.mark.parametrize("spec", ["offset=600", "600"])
def test_subscribe_from_an_offset(broker, spec):
    stream, publisher = stream_with_messages(broker)
    conn, listener = subscribe(broker, stream, spec)
    received = read(listener, conn, COUNT - 600)
    assert received == [(i, f"m{i}") for i in range(600, COUNT)]
    listener.no_message()
    conn.disconnect()
    publisher.close()


def test_subscribe_from_next_then_last_and_timestamp(broker):
    stream, publisher = stream_with_messages(broker)
    conn, listener = subscribe(broker, stream, "next")
    listener.no_message()
    publish(publisher.channel(), stream, COUNT, 10)
    assert read(listener, conn, 10) == [(i, f"m{i}") for i in range(COUNT, COUNT + 10)]
    conn.disconnect()

    last, last_listener = subscribe(broker, stream, "last")
    assert read(last_listener, last, 1) == [(COUNT + 9, f"m{COUNT + 9}")]
    last_listener.no_message()
    last.disconnect()

    time.sleep(1.1)
    since = int(time.time())
    publish(publisher.channel(), stream, COUNT + 10, 5)
    timed, timed_listener = subscribe(broker, stream, f"timestamp={since}")
    assert read(timed_listener, timed, 5) == [(i, f"m{i}") for i in range(COUNT + 10, COUNT + 15)]
    timed.disconnect()
    publisher.close()


def test_prefetch_limits_unacked_deliveries_until_acked(broker):
    stream, publisher = stream_with_messages(broker, count=50)
    conn, listener = stomp_connection(broker)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(
        f"/amq/queue/{stream}", id="s", ack="client-individual",
        headers={"x-stream-offset": "first", "prefetch-count": "10"},
    )
    frames = [listener.message() for _ in range(10)]
    listener.no_message(within=0.5)
    for frame in frames:
        conn.ack(frame.headers["ack"])
    assert [int(f.headers["x-stream-offset"]) for f in [listener.message() for _ in range(10)]] == list(range(10, 20))
    conn.disconnect()
    publisher.close()


@pytest.mark.parametrize(
    "ack, headers",
    [
        ("auto", {"x-stream-offset": "first", "prefetch-count": "10"}),
        ("client", {"x-stream-offset": "first"}),
        ("client", {"x-stream-offset": "sideways", "prefetch-count": "10"}),
    ],
)
def test_refused_stream_subscriptions_get_an_error(broker, ack, headers):
    stream, publisher = stream_with_messages(broker, count=1)
    conn, listener = stomp_connection(broker)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/amq/queue/{stream}", id="s", ack=ack, headers=headers)
    error = listener.errors.get(timeout=10)
    assert error.headers["message"] in ("precondition_failed", "Invalid x-stream-offset")
    publisher.close()


def test_consumer_group_resumes_after_committed_offset(broker):
    stream, publisher = stream_with_messages(broker, count=100)
    conn, listener = subscribe(broker, stream, "first", **{"x-consumer-group": "g1"})
    assert read(listener, conn, 40) == [(i, f"m{i}") for i in range(40)]
    conn.disconnect()
    again, again_listener = subscribe(broker, stream, "first", **{"x-consumer-group": "g1"})
    assert read(again_listener, again, 60) == [(i, f"m{i}") for i in range(40, 100)]
    again.disconnect()
    publisher.close()
