"""Routing through every exchange type, checked by which queues receive which messages."""

import pytest

from helpers import get_one

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def channel(connection):
    """A channel in confirm mode: each publish returns once the broker has routed it, so the
    queue counts read afterwards are final."""
    ch = connection.channel()
    ch.confirm_delivery()
    return ch


def queue_contents(channel, queue):
    """Every ready message body of `queue`, via passive declare (the count) and basic.get."""
    count = channel.queue_declare(queue=queue, passive=True).method.message_count
    bodies = []
    for _ in range(count):
        _, _, body = get_one(channel, queue)
        bodies.append(body.decode())
    assert channel.basic_get(queue=queue, auto_ack=True)[0] is None
    return sorted(bodies)


def declare_queues(channel, unique, names):
    queues = {name: unique(name) for name in names}
    for queue in queues.values():
        channel.queue_declare(queue=queue, exclusive=True)
    return queues


def test_default_exchange_routes_by_queue_name(channel, unique):
    queues = declare_queues(channel, unique, ["a", "b"])
    channel.basic_publish(exchange="", routing_key=queues["a"], body=b"to-a")
    channel.basic_publish(exchange="", routing_key="no-such-queue-anywhere", body=b"lost")
    assert queue_contents(channel, queues["a"]) == ["to-a"]
    assert queue_contents(channel, queues["b"]) == []


def test_direct_exchange(channel, unique):
    exchange = unique("direct")
    channel.exchange_declare(exchange=exchange, exchange_type="direct", auto_delete=True)
    queues = declare_queues(channel, unique, ["red", "green", "both"])
    channel.queue_bind(queue=queues["red"], exchange=exchange, routing_key="red")
    channel.queue_bind(queue=queues["green"], exchange=exchange, routing_key="green")
    channel.queue_bind(queue=queues["both"], exchange=exchange, routing_key="red")
    channel.queue_bind(queue=queues["both"], exchange=exchange, routing_key="green")
    for key in ["red", "green", "blue", "Red"]:
        channel.basic_publish(exchange=exchange, routing_key=key, body=key.encode())
    assert queue_contents(channel, queues["red"]) == ["red"]
    assert queue_contents(channel, queues["green"]) == ["green"]
    assert queue_contents(channel, queues["both"]) == ["green", "red"]


def test_fanout_exchange_ignores_routing_key(channel, unique):
    exchange = unique("fanout")
    channel.exchange_declare(exchange=exchange, exchange_type="fanout", auto_delete=True)
    queues = declare_queues(channel, unique, ["one", "two", "three"])
    for queue in queues.values():
        channel.queue_bind(queue=queue, exchange=exchange, routing_key="ignored")
    channel.basic_publish(exchange=exchange, routing_key="anything", body=b"hello")
    channel.basic_publish(exchange=exchange, routing_key="", body=b"again")
    for queue in queues.values():
        assert queue_contents(channel, queue) == ["again", "hello"]


def test_topic_exchange_wildcards(channel, unique):
    exchange = unique("topic")
    channel.exchange_declare(exchange=exchange, exchange_type="topic", auto_delete=True)
    patterns = {
        "star": "order.*",
        "hash": "order.#",
        "middle": "*.created.*",
        "all": "#",
        "exact": "order.created",
        "hash_middle": "a.#.z",
    }
    queues = declare_queues(channel, unique, patterns)
    for name, pattern in patterns.items():
        channel.queue_bind(queue=queues[name], exchange=exchange, routing_key=pattern)
    keys = ["order.created", "order.created.eu", "order", "invoice.created.eu", "a.z", "a.b.c.z", "a.b.c", ""]
    for key in keys:
        channel.basic_publish(exchange=exchange, routing_key=key, body=(key or "<empty>").encode())

    assert queue_contents(channel, queues["star"]) == ["order.created"]
    assert queue_contents(channel, queues["hash"]) == sorted(["order", "order.created", "order.created.eu"])
    assert queue_contents(channel, queues["middle"]) == sorted(["invoice.created.eu", "order.created.eu"])
    assert queue_contents(channel, queues["all"]) == sorted(k or "<empty>" for k in keys)
    assert queue_contents(channel, queues["exact"]) == ["order.created"]
    assert queue_contents(channel, queues["hash_middle"]) == sorted(["a.z", "a.b.c.z"])


def test_headers_exchange_match_all_and_any(channel, unique):
    import pika

    exchange = unique("headers")
    channel.exchange_declare(exchange=exchange, exchange_type="headers", auto_delete=True)
    queues = declare_queues(channel, unique, ["all", "any", "default"])
    channel.queue_bind(queue=queues["all"], exchange=exchange, routing_key="",
                       arguments={"x-match": "all", "format": "pdf", "type": "report"})
    channel.queue_bind(queue=queues["any"], exchange=exchange, routing_key="",
                       arguments={"x-match": "any", "format": "pdf", "type": "report"})
    # Without x-match the default is "all".
    channel.queue_bind(queue=queues["default"], exchange=exchange, routing_key="",
                       arguments={"format": "pdf", "type": "report"})

    def publish(body, headers):
        channel.basic_publish(exchange=exchange, routing_key="ignored", body=body.encode(),
                              properties=pika.BasicProperties(headers=headers))

    publish("both", {"format": "pdf", "type": "report"})
    publish("both-plus-extra", {"format": "pdf", "type": "report", "lang": "en"})
    publish("format-only", {"format": "pdf"})
    publish("type-only", {"type": "report", "format": "zip"})
    publish("neither", {"format": "zip"})
    publish("none", None)

    assert queue_contents(channel, queues["all"]) == ["both", "both-plus-extra"]
    assert queue_contents(channel, queues["default"]) == ["both", "both-plus-extra"]
    assert queue_contents(channel, queues["any"]) == sorted(["both", "both-plus-extra", "format-only", "type-only"])


def test_exchange_to_exchange_binding_and_unbind(channel, unique):
    source = unique("e2e-src")
    destination = unique("e2e-dst")
    channel.exchange_declare(exchange=source, exchange_type="topic", auto_delete=False)
    channel.exchange_declare(exchange=destination, exchange_type="fanout", auto_delete=False)
    channel.exchange_bind(destination=destination, source=source, routing_key="logs.#")
    queues = declare_queues(channel, unique, ["sink"])
    channel.queue_bind(queue=queues["sink"], exchange=destination)
    channel.basic_publish(exchange=source, routing_key="logs.error", body=b"routed")
    channel.basic_publish(exchange=source, routing_key="metrics.cpu", body=b"not routed")
    channel.queue_unbind(queue=queues["sink"], exchange=destination)
    channel.basic_publish(exchange=source, routing_key="logs.info", body=b"after unbind")
    assert queue_contents(channel, queues["sink"]) == ["routed"]
    channel.exchange_delete(exchange=source)
    channel.exchange_delete(exchange=destination)
