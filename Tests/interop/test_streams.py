"""Streams (`x-queue-type: stream`): log semantics over AMQP with pika.

Reading never removes; consumers attach with `x-stream-offset` (first, last, next, an offset, a
timestamp) and see each message's offset in the `x-stream-offset` header; `x-consumer-group` makes
the broker keep the group's committed offset (committed by acks, written at group commit) with one
active member at a time.
"""

import datetime
import time

import pika
import pytest

from helpers import Broker

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

COUNT = 10_000


def declare_stream(channel, name, **arguments):
    channel.queue_declare(queue=name, durable=True, arguments={"x-queue-type": "stream", **arguments})


def publish(connection, stream, first, count, body_size=0):
    """Publishes `count` messages m<first>..; the last one with a confirm, which (streams append in
    order) confirms every earlier one too."""
    plain = connection.channel()
    padding = b"x" * body_size
    for i in range(first, first + count - 1):
        plain.basic_publish(exchange="", routing_key=stream, body=f"m{i}".encode() + padding)
    confirmed = connection.channel()
    confirmed.confirm_delivery()
    confirmed.basic_publish(exchange="", routing_key=stream, body=f"m{first + count - 1}".encode() + padding)
    plain.close()
    confirmed.close()


def consume(connection, stream, count, offset=None, group=None, prefetch=500, timeout=30.0, cancel=True):
    """Consumes and acks exactly `count` messages (later deliveries stay unacked); returns
    [(offset, body)] and the channel."""
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    arguments = {}
    if offset is not None:
        arguments["x-stream-offset"] = offset
    if group is not None:
        arguments["x-consumer-group"] = group
    received = []

    def on_message(ch, method, properties, body):
        if len(received) < count:
            received.append((properties.headers["x-stream-offset"], body))
            ch.basic_ack(method.delivery_tag)

    tag = channel.basic_consume(queue=stream, on_message_callback=on_message, arguments=arguments)
    deadline = time.monotonic() + timeout
    while len(received) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"got {len(received)} of {count} messages from {stream} within {timeout}s")
        connection.process_data_events(time_limit=min(remaining, 0.2))
    if cancel:
        channel.basic_cancel(tag)
    return received, channel


def bodies(first, count):
    return [f"m{i}".encode() for i in range(first, first + count)]


def test_replay_from_first_middle_timestamp_and_next(broker, unique):
    stream = unique("stream")
    with broker.connect() as connection:
        declare_stream(connection.channel(), stream)
        publish(connection, stream, 0, COUNT // 2)
        time.sleep(1.2)
        boundary = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        time.sleep(1.2)
        publish(connection, stream, COUNT // 2, COUNT // 2)

        received, _ = consume(connection, stream, COUNT, offset="first")
        assert [offset for offset, _ in received] == list(range(COUNT))
        assert [body for _, body in received] == bodies(0, COUNT)

        received, _ = consume(connection, stream, 100, offset=7_500)
        assert received[0] == (7_500, b"m7500")
        assert [body for _, body in received] == bodies(7_500, 100)

        # A timestamp is seconds (AMQP): the first message stored at or after it.
        received, _ = consume(connection, stream, 10, offset=boundary)
        assert received[0] == (COUNT // 2, f"m{COUNT // 2}".encode())

        received, _ = consume(connection, stream, 1, offset="last")
        assert received == [(COUNT - 1, f"m{COUNT - 1}".encode())]

        # `next` sees only what is published after it attached.
        channel = connection.channel()
        channel.basic_qos(prefetch_count=10)
        late = []
        channel.basic_consume(
            queue=stream,
            on_message_callback=lambda ch, m, p, b: (late.append(b), ch.basic_ack(m.delivery_tag)),
            arguments={"x-stream-offset": "next"},
        )
        connection.process_data_events(time_limit=0.3)
        assert late == []
        publish(connection, stream, COUNT, 3)
        deadline = time.monotonic() + 10
        while len(late) < 3 and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.1)
        assert late == bodies(COUNT, 3)
        # Reading removed nothing.
        assert channel.queue_declare(queue=stream, passive=True).method.message_count == COUNT + 3


def test_two_groups_read_independently_and_a_member_takes_over_at_the_committed_offset(broker, unique):
    stream = unique("stream")
    with broker.connect() as connection:
        declare_stream(connection.channel(), stream)
        publish(connection, stream, 0, COUNT)

    # Group A reads 3,000 and its member dies (connection closed without cancel).
    member_a1 = broker.connect()
    received, _ = consume(member_a1, stream, 3_000, offset="first", group="A", prefetch=100, cancel=False)
    assert [body for _, body in received] == bodies(0, 3_000)
    # A second member waits while the first is active.
    with broker.connect() as connection:
        waiting = connection.channel()
        waiting.basic_qos(prefetch_count=100)
        got = []
        waiting.basic_consume(
            queue=stream,
            on_message_callback=lambda ch, m, p, b: (got.append((p.headers["x-stream-offset"], b)), ch.basic_ack(m.delivery_tag)),
            arguments={"x-stream-offset": "first", "x-consumer-group": "A"},
        )
        connection.process_data_events(time_limit=0.3)
        assert got == []
        member_a1.close()
        deadline = time.monotonic() + 30
        while len(got) < COUNT - 3_000 and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.2)
        # Acks of the first member were committed: the second resumes right after them.
        assert got[0] == (3_000, b"m3000")
        assert [body for _, body in got] == bodies(3_000, COUNT - 3_000)

    # Group B is independent of A: it starts from its own x-stream-offset.
    with broker.connect() as connection:
        received, _ = consume(connection, stream, COUNT, offset="first", group="B")
        assert [body for _, body in received] == bodies(0, COUNT)


def test_basic_get_no_ack_and_missing_prefetch_are_refused(broker, unique):
    stream = unique("stream")
    with broker.connect() as connection:
        declare_stream(connection.channel(), stream)
        for attempt in (
            lambda ch: ch.basic_get(queue=stream),
            lambda ch: (ch.basic_qos(prefetch_count=10), ch.basic_consume(queue=stream, on_message_callback=print, auto_ack=True)),
            lambda ch: ch.basic_consume(queue=stream, on_message_callback=print),
            lambda ch: ch.queue_declare(queue=stream + "-transient", durable=False, arguments={"x-queue-type": "stream"}),
        ):
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
                attempt(channel)
                connection.process_data_events(time_limit=0.2)
            assert excinfo.value.reply_code == 406


def test_retention_removes_old_segments_and_the_stream_keeps_serving(broker, unique):
    stream = unique("stream")
    with broker.connect() as connection:
        channel = connection.channel()
        # Segments of ~64 KiB; keep at most ~256 KiB.
        declare_stream(channel, stream, **{"x-stream-max-segment-size-bytes": 65_536, "x-max-length-bytes": 262_144})
        publish(connection, stream, 0, COUNT, body_size=100)
        remaining = channel.queue_declare(queue=stream, passive=True).method.message_count
        assert 0 < remaining < COUNT
        # A reader asking for offset 0 continues from the first retained message.
        received, _ = consume(connection, stream, remaining, offset=0)
        assert received[0][0] == COUNT - remaining
        assert received[-1][0] == COUNT - 1
        assert received[-1][1] == f"m{COUNT - 1}".encode() + b"x" * 100
        publish(connection, stream, COUNT, 5)
        received, _ = consume(connection, stream, 5, offset=COUNT)
        assert [body[: len(f"m{COUNT}")] for _, body in received][0] == f"m{COUNT}".encode()


def test_kill_9_keeps_confirmed_messages_and_the_group_offset(own_broker):
    stream = "crash-stream"
    # This client never closes: the crash takes its connection away.
    connection = own_broker.connect()
    declare_stream(connection.channel(), stream)
    publish(connection, stream, 0, COUNT)
    received, _ = consume(connection, stream, 4_000, offset="first", group="G", prefetch=200, cancel=False)
    assert len(received) == 4_000
    # Let a group commit write the committed offset (fsync_interval_ms is far below this).
    # process_data_events returns as soon as it has dispatched something, so wait by the clock.
    settle_until = time.monotonic() + 1.0
    while time.monotonic() < settle_until:
        connection.process_data_events(time_limit=0.1)
    own_broker.restart(crash=True)
    with own_broker.connect() as connection:
        channel = connection.channel()
        assert channel.queue_declare(queue=stream, passive=True).method.message_count == COUNT
        received, _ = consume(connection, stream, COUNT - 4_000, offset="first", group="G")
        assert received[0] == (4_000, b"m4000")
        assert [body for _, body in received] == bodies(4_000, COUNT - 4_000)
        received, _ = consume(connection, stream, COUNT, offset="first")
        assert [body for _, body in received] == bodies(0, COUNT)


def test_with_fsync_never_confirmed_appends_survive_a_process_crash(broker_binary_path, tmp_path):
    # As for classic queues (test_durability): with `fsync: never` a read burst's stream appends are
    # handed to the OS before its confirms go out, so a kill -9 loses nothing confirmed. The 10 s
    # group-commit period keeps the timer out of it.
    instance = Broker(broker_binary_path, str(tmp_path / "data"),
                      env={"JUNCTION_STORAGE_FSYNC": "never", "JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "10000"})
    instance.start()
    try:
        stream = "never-stream"
        with instance.connect() as connection:
            declare_stream(connection.channel(), stream)
            publish(connection, stream, 0, 2_000)
        instance.restart(crash=True)
        with instance.connect() as connection:
            received, _ = consume(connection, stream, 2_000, offset="first")
            assert [body for _, body in received] == bodies(0, 2_000)
    finally:
        instance.kill()
