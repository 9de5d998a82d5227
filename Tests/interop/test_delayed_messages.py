"""Delayed messages with the interface of RabbitMQ's delayed-message plugin
(rabbitmq-delayed-message-exchange): exchange type `x-delayed-message` with `x-delayed-type`, the
`x-delay` header in milliseconds, and persistent delayed messages that survive kill -9."""

import time

import kombu
import pika
import pytest

from helpers import drain, get_one, wait_until

pytestmark = pytest.mark.timeout(60)


def declare_delayed(channel, name, delayed_type="direct", durable=False):
    channel.exchange_declare(exchange=name, exchange_type="x-delayed-message", durable=durable,
                             arguments={"x-delayed-type": delayed_type})


def test_missing_or_unknown_delayed_type_is_406(broker, unique):
    for arguments in ({}, {"x-delayed-type": "no-such-type"}):
        with broker.connect() as connection:
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
                channel.exchange_declare(exchange=unique("bad"), exchange_type="x-delayed-message",
                                         arguments=arguments)
            assert excinfo.value.reply_code == 406


def test_x_delay_300_arrives_at_least_300_ms_later_and_no_delay_at_once(channel, connection, unique):
    exchange, queue = unique("delayed"), unique("q")
    declare_delayed(channel, exchange)
    channel.queue_declare(queue=queue, exclusive=True)
    channel.queue_bind(queue=queue, exchange=exchange, routing_key="k")
    start = time.monotonic()
    channel.basic_publish(exchange=exchange, routing_key="k", body=b"later",
                          properties=pika.BasicProperties(headers={"x-delay": 300}))
    channel.basic_publish(exchange=exchange, routing_key="k", body=b"now",
                          properties=pika.BasicProperties(headers={"x-delay": 0}))
    received = drain(connection, channel, queue, 2, timeout=10)
    elapsed = time.monotonic() - start
    assert [body for _, _, body in received] == [b"now", b"later"]
    assert elapsed >= 0.3
    # The plugin hands the header on as -delay.
    assert received[1][1].headers["x-delay"] == -300


def test_routed_by_the_bindings_of_the_due_time_and_mandatory_is_returned(channel, connection, unique):
    exchange, queue = unique("delayed-topic"), unique("q")
    declare_delayed(channel, exchange, "topic")
    channel.queue_declare(queue=queue, exclusive=True)
    returned = []
    channel.add_on_return_callback(lambda ch, method, properties, body: returned.append(method.reply_code))
    # Nothing is bound yet: like the plugin, a mandatory delayed publish is returned (312 NO_ROUTE),
    # since no route can be known before the due time; the message still goes out when due.
    channel.basic_publish(exchange=exchange, routing_key="orders.created", body=b"m", mandatory=True,
                          properties=pika.BasicProperties(headers={"x-delay": 400}))
    channel.queue_bind(queue=queue, exchange=exchange, routing_key="orders.#")
    received = drain(connection, channel, queue, 1, timeout=10)
    assert received[0][2] == b"m"
    assert returned == [312]


def test_masstransit_style_delayed_exchange_bound_to_the_destination_exchange(channel, connection, unique):
    # MassTransit's delayed scheduler: a durable `<destination>_delay` exchange of type
    # x-delayed-message with x-delayed-type fanout, bound to the destination exchange.
    destination, queue = unique("OrderSubmitted"), unique("order-service")
    channel.exchange_declare(exchange=destination, exchange_type="fanout", durable=True)
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_bind(queue=queue, exchange=destination)
    declare_delayed(channel, destination + "_delay", "fanout", durable=True)
    channel.exchange_bind(destination=destination, source=destination + "_delay")
    channel.confirm_delivery()
    channel.basic_publish(exchange=destination + "_delay", routing_key="", body=b"scheduled",
                          properties=pika.BasicProperties(delivery_mode=2, headers={"x-delay": 300}))
    assert get_one(channel, queue, timeout=10)[2] == b"scheduled"
    channel.queue_delete(queue=queue)
    channel.exchange_delete(exchange=destination + "_delay")
    channel.exchange_delete(exchange=destination)


def test_kombu_delayed_exchange(broker, unique):
    exchange = kombu.Exchange(unique("kombu-delayed"), type="x-delayed-message",
                              arguments={"x-delayed-type": "direct"}, durable=False)
    queue = kombu.Queue(unique("kombu-q"), exchange, routing_key="task", durable=False, auto_delete=True)
    received = []
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        start = time.monotonic()
        producer.publish({"task": 1}, exchange=exchange, routing_key="task", declare=[queue],
                         headers={"x-delay": 300})

        def on_message(body, message):
            received.append((body, time.monotonic() - start))
            message.ack()

        with connection.Consumer(queue, callbacks=[on_message], accept=["json"]):
            while not received:
                connection.drain_events(timeout=10)
        exchange.bind(connection.default_channel).delete()
    assert received[0][0] == {"task": 1}
    assert received[0][1] >= 0.3


@pytest.mark.junction_only
@pytest.mark.timeout(90)
def test_confirmed_persistent_delayed_messages_survive_kill_9(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        declare_delayed(channel, "delayed-durable", durable=True)
        channel.queue_declare(queue="after-restart", durable=True)
        channel.queue_bind(queue="after-restart", exchange="delayed-durable", routing_key="k")
        channel.confirm_delivery()
        # Due while the broker is down (routed at once after the restart), and due after it.
        channel.basic_publish(exchange="delayed-durable", routing_key="k", body=b"due-during-downtime",
                              properties=pika.BasicProperties(delivery_mode=2, headers={"x-delay": 500}))
        # Taken before the publish: the broker counts the delay from when it receives the message.
        published_at = time.monotonic()
        channel.basic_publish(exchange="delayed-durable", routing_key="k", body=b"due-later",
                              properties=pika.BasicProperties(delivery_mode=2, headers={"x-delay": 4000}))
        channel.basic_publish(exchange="delayed-durable", routing_key="k", body=b"transient",
                              properties=pika.BasicProperties(delivery_mode=1, headers={"x-delay": 500}))
    own_broker.restart(crash=True)
    with own_broker.connect() as connection:
        channel = connection.channel()
        first = get_one(channel, "after-restart", timeout=10)
        assert first[2] == b"due-during-downtime"
        second = get_one(channel, "after-restart", timeout=15)
        assert second[2] == b"due-later"
        assert time.monotonic() - published_at >= 4.0
        # The transient one was due long before: it did not survive the crash.
        assert channel.queue_declare(queue="after-restart", passive=True).method.message_count == 0
