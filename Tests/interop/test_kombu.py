"""kombu on the py-amqp transport."""

import kombu
import pytest

pytestmark = pytest.mark.timeout(60)


def test_kombu_producer_and_consumer(broker, unique):
    exchange = kombu.Exchange(unique("kombu-x"), type="direct", durable=False, auto_delete=False)
    queue = kombu.Queue(unique("kombu-q"), exchange, routing_key="task", durable=False, auto_delete=False)
    received = []

    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        for i in range(5):
            producer.publish({"task": i}, exchange=exchange, routing_key="task", declare=[queue],
                             headers={"attempt": i})

        def on_message(body, message):
            received.append((body, message.headers.get("attempt"), message.content_type))
            message.ack()

        with connection.Consumer(queue, callbacks=[on_message], accept=["json"]):
            while len(received) < 5:
                connection.drain_events(timeout=10)

        queue.bind(connection.default_channel).delete()
        exchange.bind(connection.default_channel).delete()

    assert received == [({"task": i}, i, "application/json") for i in range(5)]


def test_kombu_simple_queue(broker, unique):
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        simple = connection.SimpleQueue(unique("kombu-simple"))
        simple.put({"hello": "world"})
        simple.put("plain text")
        first = simple.get(block=True, timeout=10)
        first.ack()
        second = simple.get(block=True, timeout=10)
        second.ack()
        assert first.payload == {"hello": "world"}
        assert second.payload == "plain text"
        assert simple.qsize() == 0
        simple.close()
        connection.default_channel.queue_delete(simple.queue.name)
