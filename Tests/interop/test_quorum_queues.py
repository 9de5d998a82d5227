"""`x-queue-type: quorum` as Spring AMQP, MassTransit and kombu declare it: a durable queue on one
node with `x-delivery-limit`, the `x-delivery-count` header and dead-lettering at the limit."""

import kombu
import pika
import pika.exceptions
import pytest
import requests

from helpers import get_one

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]


@pytest.mark.parametrize("flags, word", [
    ({"durable": False}, "non-durable"),
    ({"durable": True, "exclusive": True}, "exclusive"),
    ({"durable": True, "auto_delete": True}, "auto-delete"),
])
def test_quorum_queues_must_be_durable_shared_and_kept(connection, unique, flags, word):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(queue=unique("qq"), arguments={"x-queue-type": "quorum"}, **flags)
    assert excinfo.value.reply_code == 406 and word in excinfo.value.reply_text


def test_delivery_count_header_and_dead_lettering_at_the_limit(broker, channel, unique):
    work, dead = unique("qq"), unique("dead")
    channel.queue_declare(queue=dead)
    channel.queue_declare(queue=work, durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead, "x-dead-letter-strategy": "at-most-once"})
    info = requests.get(broker.http_url(f"/api/queues/%2F/{work}"), auth=("guest", "guest"), timeout=10).json()
    assert info["type"] == "quorum" and info["durable"] is True
    channel.basic_publish(exchange="", routing_key=work, body=b"job")
    counts = []
    for _ in range(3):
        method, properties, _ = get_one(channel, work, auto_ack=False)
        counts.append((properties.headers or {}).get("x-delivery-count"))
        channel.basic_nack(method.delivery_tag, requeue=True)
    assert counts == [None, 1, 2]
    _, properties, body = get_one(channel, dead)
    assert body == b"job"
    death = properties.headers["x-death"][0]
    assert death["reason"] == "delivery_limit" and death["queue"] == work
    assert channel.queue_declare(queue=work, passive=True).method.message_count == 0


def test_kombu_declares_a_quorum_queue(broker, unique):
    name = unique("kombu-qq")
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": 3}
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        simple = connection.SimpleQueue(
            name, queue_opts={"durable": True}, queue_args=arguments, exchange_opts={"durable": True})
        simple.put({"n": 1})
        message = simple.get(block=True, timeout=10)
        assert message.payload == {"n": 1}
        message.requeue()
        message = simple.get(block=True, timeout=10)
        assert message.headers.get("x-delivery-count") == 1
        message.ack()
        simple.close()


def test_a_quorum_queue_survives_a_restart(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue="orders", durable=True, arguments={"x-queue-type": "quorum"})
        channel.confirm_delivery()
        channel.basic_publish(exchange="", routing_key="orders", body=b"kept",
                              properties=pika.BasicProperties(delivery_mode=2))
    own_broker.restart()
    with own_broker.connect() as connection:
        channel = connection.channel()
        # Redeclaring with the same arguments is equivalent.
        channel.queue_declare(queue="orders", durable=True, arguments={"x-queue-type": "quorum"})
        assert get_one(channel, "orders")[2] == b"kept"


def test_the_delivery_count_and_limit_go_on_after_kill_9(own_broker):
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": 3, "x-dead-letter-exchange": "",
                 "x-dead-letter-routing-key": "dead"}
    connection = own_broker.connect()
    channel = connection.channel()
    channel.queue_declare(queue="dead", durable=True)
    channel.queue_declare(queue="work", durable=True, arguments=arguments)
    channel.confirm_delivery()
    channel.basic_publish(exchange="", routing_key="work", body=b"job", properties=pika.BasicProperties(delivery_mode=2))
    for _ in range(2):
        method, _, _ = get_one(channel, "work", auto_ack=False)
        channel.basic_nack(method.delivery_tag, requeue=True)
    _, properties, _ = get_one(channel, "work", auto_ack=False)
    assert properties.headers["x-delivery-count"] == 2
    # Held unacknowledged when the broker is killed: that delivery counts as a return too.
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    channel = connection.channel()
    method, properties, _ = get_one(channel, "work", auto_ack=False)
    assert method.redelivered and properties.headers["x-delivery-count"] == 3
    channel.basic_nack(method.delivery_tag, requeue=True)
    _, properties, body = get_one(channel, "dead")
    assert body == b"job" and properties.headers["x-first-death-reason"] == "delivery_limit"
    assert channel.queue_declare(queue="work", passive=True).method.message_count == 0
    connection.close()
