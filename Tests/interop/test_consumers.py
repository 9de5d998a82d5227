"""Consumer semantics: prefetch, ack/nack/requeue, dead-lettering, cancellation, basic.get."""

import time

import pika
import pytest

from helpers import drain, get_one, wait_until

pytestmark = pytest.mark.timeout(60)


def publish_many(channel, queue, count, prefix="m"):
    for i in range(count):
        channel.basic_publish(exchange="", routing_key=queue, body=f"{prefix}{i}".encode())


def test_prefetch_limits_unacked_deliveries(broker, unique):
    queue = unique("prefetch")
    prefetch = 3
    total = 12
    with broker.connect() as publisher_connection, broker.connect() as consumer_connection:
        publisher = publisher_connection.channel()
        publisher.queue_declare(queue=queue, auto_delete=False)
        publish_many(publisher, queue, total)
        wait_until(lambda: publisher.queue_declare(queue=queue, passive=True).method.message_count == total,
                   5, message="all messages enqueued")

        consumer = consumer_connection.channel()
        consumer.basic_qos(prefetch_count=prefetch)
        in_flight = []
        seen = []

        def on_message(ch, method, properties, body):
            in_flight.append(method.delivery_tag)
            seen.append(body)

        consumer.basic_consume(queue=queue, on_message_callback=on_message)
        acked = 0
        while acked < total:
            window = min(prefetch, total - acked)
            deadline = time.monotonic() + 10
            while len(in_flight) < window:
                assert time.monotonic() < deadline, f"only {len(in_flight)} of {window} in flight"
                consumer_connection.process_data_events(time_limit=0.1)
            # The window is full: give the broker time to (wrongly) send more, then check it did not.
            consumer_connection.process_data_events(time_limit=0.2)
            assert len(in_flight) == window, f"{len(in_flight)} unacked deliveries with prefetch {prefetch}"
            consumer.basic_ack(delivery_tag=in_flight.pop(0))
            acked += 1
        assert seen == [f"m{i}".encode() for i in range(total)]
        publisher.queue_delete(queue=queue)


def test_nack_without_requeue_dead_letters_with_x_death(broker, channel, unique):
    dlx = unique("dlx")
    dead = unique("dead")
    queue = unique("work")
    channel.exchange_declare(exchange=dlx, exchange_type="direct", auto_delete=False)
    channel.queue_declare(queue=dead, auto_delete=False)
    channel.queue_bind(queue=dead, exchange=dlx, routing_key="failed")
    channel.queue_declare(queue=queue, auto_delete=False,
                          arguments={"x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "failed"})
    channel.basic_publish(exchange="", routing_key=queue, body=b"poison",
                          properties=pika.BasicProperties(headers={"origin": "test"}, message_id="id-1"))

    method, _, _ = get_one(channel, queue, auto_ack=False)
    channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)

    _, properties, body = get_one(channel, dead)
    assert body == b"poison"
    assert properties.message_id == "id-1"
    assert properties.headers["origin"] == "test"
    deaths = properties.headers["x-death"]
    assert len(deaths) == 1
    assert deaths[0]["reason"] == "rejected"
    assert deaths[0]["queue"] == queue
    assert deaths[0]["count"] == 1
    assert deaths[0]["exchange"] == ""
    assert deaths[0]["routing-keys"] == [queue]
    assert channel.queue_declare(queue=queue, passive=True).method.message_count == 0
    for name in (queue, dead):
        channel.queue_delete(queue=name)
    channel.exchange_delete(exchange=dlx)


def test_reject_without_requeue_and_no_dlx_drops_the_message(channel, unique):
    queue = unique("drop")
    channel.queue_declare(queue=queue, exclusive=True)
    channel.basic_publish(exchange="", routing_key=queue, body=b"bye")
    method, _, _ = get_one(channel, queue, auto_ack=False)
    channel.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
    declared = channel.queue_declare(queue=queue, passive=True).method
    assert declared.message_count == 0


def test_requeue_redelivers_with_redelivered_flag(connection, channel, unique):
    queue = unique("requeue")
    channel.queue_declare(queue=queue, exclusive=True)
    channel.basic_publish(exchange="", routing_key=queue, body=b"again")

    first, _, body = get_one(channel, queue, auto_ack=False)
    assert body == b"again" and first.redelivered is False
    channel.basic_nack(delivery_tag=first.delivery_tag, requeue=True)

    second, _, body = get_one(channel, queue, auto_ack=False)
    assert body == b"again" and second.redelivered is True
    channel.basic_reject(delivery_tag=second.delivery_tag, requeue=True)

    [(third, _, body)] = drain(connection, channel, queue, 1, auto_ack=False)
    assert body == b"again" and third.redelivered is True
    channel.basic_ack(delivery_tag=third.delivery_tag)


def test_unacked_messages_are_redelivered_when_the_channel_closes(broker, unique):
    queue = unique("recover")
    with broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue=queue, auto_delete=False)
        publish_many(channel, queue, 3)
        consumer = connection.channel()
        drain(connection, consumer, queue, 3, auto_ack=False)
        consumer.close()
        received = drain(connection, channel, queue, 3, auto_ack=True)
        assert sorted(body for _, _, body in received) == [b"m0", b"m1", b"m2"]
        assert all(method.redelivered for method, _, _ in received)
        channel.queue_delete(queue=queue)


def test_queue_deletion_cancels_its_consumers(broker, unique):
    queue = unique("doomed")
    cancelled = []
    with broker.connect() as consumer_connection, broker.connect() as admin_connection:
        consumer = consumer_connection.channel()
        consumer.queue_declare(queue=queue, auto_delete=False)
        consumer.add_on_cancel_callback(lambda frame: cancelled.append(frame.method.consumer_tag))
        tag = consumer.basic_consume(queue=queue, on_message_callback=lambda *args: None)

        admin = admin_connection.channel()
        admin.queue_delete(queue=queue)

        deadline = time.monotonic() + 10
        while not cancelled:
            assert time.monotonic() < deadline, "no basic.cancel from the broker"
            consumer_connection.process_data_events(time_limit=0.1)
        assert cancelled == [tag]
        # The channel stays usable.
        assert consumer.is_open
        consumer.queue_declare(queue=queue, exclusive=True)


def test_basic_get_counts_and_empty(channel, unique):
    queue = unique("get")
    channel.queue_declare(queue=queue, exclusive=True)
    assert channel.basic_get(queue=queue, auto_ack=True) == (None, None, None)
    publish_many(channel, queue, 3)
    wait_until(lambda: channel.queue_declare(queue=queue, passive=True).method.message_count == 3,
               5, message="three messages")
    method, _, body = channel.basic_get(queue=queue, auto_ack=False)
    assert body == b"m0"
    assert method.message_count == 2
    assert method.redelivered is False
    assert method.routing_key == queue
    assert method.exchange == ""
    channel.basic_ack(delivery_tag=method.delivery_tag)
    method, _, body = channel.basic_get(queue=queue, auto_ack=True)
    assert body == b"m1" and method.message_count == 1


def test_exclusive_consumer_excludes_others(broker, unique):
    queue = unique("exclusive-consumer")
    with broker.connect() as first_connection, broker.connect() as second_connection:
        first = first_connection.channel()
        first.queue_declare(queue=queue, auto_delete=False)
        first.basic_consume(queue=queue, on_message_callback=lambda *args: None, exclusive=True)
        second = second_connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
            second.basic_consume(queue=queue, on_message_callback=lambda *args: None)
        assert excinfo.value.reply_code == 403
        first.queue_delete(queue=queue)
