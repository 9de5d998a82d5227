"""What survives a restart or a crash (kill -9) of the broker.

Durable exchanges, queues and bindings live in the metadata store; persistent messages in durable
queues in the queue's log, confirmed only once fsynced (group commit).
"""

import pika
import pytest

from helpers import Broker, drain, get_one

pytestmark = [pytest.mark.timeout(90), pytest.mark.junction_only]


def test_durable_topology_survives_a_graceful_restart(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.exchange_declare(exchange="durable-x", exchange_type="topic", durable=True)
        channel.queue_declare(queue="durable-q", durable=True)
        channel.queue_bind(queue="durable-q", exchange="durable-x", routing_key="a.#")
        channel.queue_declare(queue="transient-q", durable=False)
    own_broker.restart()
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare(exchange="durable-x", passive=True)
        channel.queue_declare(queue="durable-q", passive=True)
        channel.basic_publish(exchange="durable-x", routing_key="a.b", body=b"bound", mandatory=True)
        assert get_one(channel, "durable-q")[2] == b"bound"
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
            connection.channel().queue_declare(queue="transient-q", passive=True)
        assert excinfo.value.reply_code == 404


def publish_confirmed(channel, queue, prefix, count):
    """Declares a durable `queue` and publishes `count` persistent messages <prefix><i>, each confirmed."""
    channel.queue_declare(queue=queue, durable=True)
    channel.confirm_delivery()
    for i in range(count):
        channel.basic_publish(exchange="", routing_key=queue, body=f"{prefix}{i}".encode(),
                              properties=pika.BasicProperties(delivery_mode=2))


def assert_recovered(connection, queue, prefix, count):
    channel = connection.channel()
    assert channel.queue_declare(queue=queue, passive=True).method.message_count == count
    received = drain(connection, channel, queue, count)
    assert [body for _, _, body in received] == [f"{prefix}{i}".encode() for i in range(count)]


def test_confirmed_persistent_messages_survive_kill_9(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        publish_confirmed(channel, "orders", "p", 100)
        channel.basic_publish(exchange="", routing_key="orders", body=b"transient",
                              properties=pika.BasicProperties(delivery_mode=1))
    own_broker.restart(crash=True)
    with own_broker.connect() as connection:
        assert_recovered(connection, "orders", "p", 100)


def test_delivered_but_unacked_messages_are_redelivered_after_a_crash(own_broker):
    # This client never closes: the crash takes its connection away.
    doomed = own_broker.connect()
    channel = doomed.channel()
    channel.queue_declare(queue="inflight", durable=True)
    channel.confirm_delivery()
    channel.basic_publish(exchange="", routing_key="inflight", body=b"unacked",
                          properties=pika.BasicProperties(delivery_mode=2))
    method, _, _ = get_one(channel, "inflight", auto_ack=False)
    assert method.redelivered is False
    own_broker.restart(crash=True)
    with own_broker.connect() as connection:
        method, _, body = get_one(connection.channel(), "inflight")
        assert body == b"unacked"
        assert method.redelivered is True


def test_with_fsync_never_confirmed_messages_survive_a_process_crash(broker_binary_path, tmp_path):
    # `fsync: never` confirms without waiting for the disk, but what a read burst stored is handed to
    # the OS (written, not synced) before its confirms go out: a kill -9, which the OS survives, loses
    # nothing confirmed. A 10 s group-commit period keeps the timer out of it: only the burst end writes.
    instance = Broker(broker_binary_path, str(tmp_path / "data"),
                      env={"JUNCTION_STORAGE_FSYNC": "never", "JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "10000"})
    instance.start()
    try:
        with instance.connect() as connection:
            publish_confirmed(connection.channel(), "fast", "n", 500)
        instance.restart(crash=True)
        with instance.connect() as connection:
            assert_recovered(connection, "fast", "n", 500)
    finally:
        instance.kill()
