"""`x-single-active-consumer` with pika and kombu: one consumer receives; when it goes, the next in
registration order takes over and gets its unacked messages first; the management API shows who."""

import kombu
import pika
import pytest
import requests

from helpers import wait_until

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]


def queue_info(broker, queue):
    return requests.get(broker.http_url(f"/api/queues/%2F/{queue}"), auth=("guest", "guest"), timeout=10).json()


def consumers(broker, queue):
    listed = requests.get(broker.http_url("/api/consumers/%2F"), auth=("guest", "guest"), timeout=10).json()
    return {c["consumer_tag"]: c["activity_status"] for c in listed if c["queue"]["name"] == queue}


def test_one_consumer_receives_and_the_next_takes_over_with_the_unacked_first(broker, unique):
    queue = unique("sac")
    first, second = broker.connect(), broker.connect()
    received = {"first": [], "second": []}
    try:
        channel_one, channel_two = first.channel(), second.channel()
        channel_one.queue_declare(queue=queue, arguments={"x-single-active-consumer": True})
        channel_one.basic_qos(prefetch_count=2)
        channel_one.basic_consume(queue, lambda ch, m, p, body: received["first"].append(body), consumer_tag="one")
        channel_two.basic_consume(
            queue, lambda ch, m, p, body: (received["second"].append((body, m.redelivered)),
                                           ch.basic_ack(m.delivery_tag)), consumer_tag="two")
        assert queue_info(broker, queue)["single_active_consumer_tag"] == "one"
        assert consumers(broker, queue) == {"one": "single_active", "two": "waiting"}
        for index in range(3):
            channel_one.basic_publish(exchange="", routing_key=queue, body=f"m{index}".encode())

        def settle(count):
            first.process_data_events(time_limit=0.05)
            second.process_data_events(time_limit=0.05)
            return len(received["first"]) == count

        wait_until(lambda: settle(2), 10)
        assert received["first"] == [b"m0", b"m1"] and received["second"] == []
        first.close()  # unacked m0, m1 go back and to "two" first
        wait_until(lambda: second.process_data_events(time_limit=0.05) or len(received["second"]) == 3, 10)
        assert received["second"] == [(b"m0", True), (b"m1", True), (b"m2", False)]
        assert queue_info(broker, queue)["single_active_consumer_tag"] == "two"
    finally:
        for connection in (first, second):
            if connection.is_open:
                connection.close()


def test_kombu_consumers_on_a_single_active_consumer_queue(broker, unique):
    name = unique("kombu-sac")
    queue = kombu.Queue(name, exchange=kombu.Exchange(name), routing_key=name,
                        queue_arguments={"x-single-active-consumer": True})
    seen = {"a": [], "b": []}
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        channel_a, channel_b = connection.channel(), connection.channel()
        with kombu.Consumer(channel_a, [queue], callbacks=[lambda body, m: (seen["a"].append(body), m.ack())]), \
                kombu.Consumer(channel_b, [queue], callbacks=[lambda body, m: (seen["b"].append(body), m.ack())]):
            for index in range(4):
                producer.publish({"n": index}, exchange=queue.exchange, routing_key=name, declare=[queue])
            while len(seen["a"]) + len(seen["b"]) < 4:
                connection.drain_events(timeout=10)
    assert seen["a"] == [{"n": index} for index in range(4)] and seen["b"] == []
