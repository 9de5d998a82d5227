"""Consumer groups never skip a member's unacknowledged deliveries (issue 13, defect 1).

A group member with prefetch 10 acks offsets 0-299 and goes while 300-309 are delivered but
unacked (its connection closes, or pika cancels the consumer and rejects what it holds with
requeue). The group's committed offset must stay at 299, and the next member gets 300-309 again
with the redelivered flag.
"""

import time

import pytest

from test_streams import declare_stream, publish

pytestmark = [pytest.mark.timeout(60), pytest.mark.junction_only]


def pump(connection, done, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("timed out waiting for deliveries")
        connection.process_data_events(time_limit=min(remaining, 0.1))


def next_member_reads(broker, stream, count):
    """A new member of group `g`: the first `count` deliveries as (offset, redelivered)."""
    got = []
    with broker.connect() as connection:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=count)
        channel.basic_consume(
            queue=stream,
            on_message_callback=lambda ch, m, p, b: got.append((p.headers["x-stream-offset"], m.redelivered)),
            arguments={"x-stream-offset": "first", "x-consumer-group": "g"},
        )
        pump(connection, lambda: len(got) >= count)
    return got[:count]


def start_stream(broker, unique):
    stream = unique("stream")
    with broker.connect() as connection:
        declare_stream(connection.channel(), stream)
        publish(connection, stream, 0, 400)
    return stream


def test_a_closed_members_unacked_deliveries_go_to_the_next_member_redelivered(broker, unique):
    stream = start_stream(broker, unique)
    member = broker.connect()
    channel = member.channel()
    channel.basic_qos(prefetch_count=10)
    held = []

    def on_message(ch, method, properties, body):
        offset = properties.headers["x-stream-offset"]
        if offset < 300:
            ch.basic_ack(method.delivery_tag)
        else:
            held.append(offset)

    channel.basic_consume(
        queue=stream, on_message_callback=on_message,
        arguments={"x-stream-offset": "first", "x-consumer-group": "g"})
    pump(member, lambda: len(held) == 10)
    assert held == list(range(300, 310))
    member.close()

    got = next_member_reads(broker, stream, 20)
    assert got == [(offset, True) for offset in range(300, 310)] + [(offset, False) for offset in range(310, 320)]


def test_pika_cancel_requeues_and_the_next_member_gets_them_redelivered(broker, unique):
    stream = start_stream(broker, unique)
    with broker.connect() as member:
        channel = member.channel()
        channel.basic_qos(prefetch_count=10)
        for method, properties, _ in channel.consume(
            stream, arguments={"x-stream-offset": "first", "x-consumer-group": "g"}, inactivity_timeout=20
        ):
            assert method is not None, "timed out waiting for deliveries"
            if properties.headers["x-stream-offset"] == 300:
                break
            channel.basic_ack(method.delivery_tag)
        # basic.cancel, then a nack with requeue of every delivery pika still holds.
        channel.cancel()
        channel.close()

    got = next_member_reads(broker, stream, 12)
    assert got == [(offset, True) for offset in range(300, 310)] + [(310, False), (311, False)]
