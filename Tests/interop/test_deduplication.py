"""`x-message-deduplication` (the community plugin's queue interface) with pika and kombu: a duplicate
`x-deduplication-header` is dropped and still confirmed; without `x-cache-ttl` an id counts while its
message is queued, with it for a time window; durable queues keep the ids across a restart; the
plugin's exchange type is refused like any unknown type. Headers from STOMP and HTTP count too."""

import subprocess

import kombu
import pika
import pytest
import requests

from helpers import wait_until
from test_stomp_support import stomp_connection

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(90)]

DEDUP = {"x-message-deduplication": True}


def with_id(dedup_id, persistent=False):
    return pika.BasicProperties(headers={"x-deduplication-header": dedup_id}, delivery_mode=2 if persistent else 1)


def ready(channel, queue):
    return channel.queue_declare(queue=queue, passive=True).method.message_count


def test_duplicates_are_confirmed_and_dropped_while_the_first_is_queued(broker, unique):
    queue = unique("dedup")
    connection = broker.connect()
    try:
        channel = connection.channel()
        channel.queue_declare(queue=queue, arguments=DEDUP)
        channel.confirm_delivery()
        # Every publish is confirmed (pika raises on a nack), duplicates included.
        for body, dedup_id in [(b"a", "1"), (b"a again", "1"), (b"b", "2"), (b"b again", "2"), (b"a 3rd", "1")]:
            channel.basic_publish("", queue, body, properties=with_id(dedup_id), mandatory=True)
        channel.basic_publish("", queue, b"no id", mandatory=True)
        assert ready(channel, queue) == 3
        method, _, body = channel.basic_get(queue, auto_ack=False)
        assert body == b"a"
        channel.basic_publish("", queue, b"dup of unacked", properties=with_id("1"))
        assert ready(channel, queue) == 2
        channel.basic_ack(method.delivery_tag)
        channel.basic_publish("", queue, b"a after ack", properties=with_id("1"))
        bodies = [channel.basic_get(queue, auto_ack=True)[2] for _ in range(3)]
        assert bodies == [b"b", b"no id", b"a after ack"]
        stats = requests.get(broker.http_url(f"/api/queues/%2F/{queue}"), auth=("guest", "guest"), timeout=10)
        assert stats.status_code == 200
    finally:
        connection.close()


def test_a_time_window_outlives_consumption_then_expires(broker, unique):
    queue = unique("dedup-ttl")
    connection = broker.connect()
    try:
        channel = connection.channel()
        channel.queue_declare(queue=queue, arguments={**DEDUP, "x-cache-ttl": 1000, "x-cache-size": 10})
        channel.confirm_delivery()
        channel.basic_publish("", queue, b"first", properties=with_id("w"))
        assert channel.basic_get(queue, auto_ack=True)[2] == b"first"
        channel.basic_publish("", queue, b"inside the window", properties=with_id("w"))
        assert ready(channel, queue) == 0

        def republished():
            channel.basic_publish("", queue, b"after the window", properties=with_id("w"))
            return ready(channel, queue) == 1

        wait_until(republished, 10, interval=0.1)
        assert channel.basic_get(queue, auto_ack=True)[2] == b"after the window"
    finally:
        connection.close()


def test_bad_arguments_are_refused(broker, unique):
    connection = broker.connect()
    try:
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue=unique("bad"), arguments={"x-cache-size": 10})
        assert refused.value.reply_code == 406 and "x-cache-size" in refused.value.reply_text
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue=unique("bad"), arguments={**DEDUP, "x-cache-size": 100_000_000})
        assert refused.value.reply_code == 406 and "max_deduplication_cache_entries" in refused.value.reply_text
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.exchange_declare(unique("x"), exchange_type="x-message-deduplication")
        assert refused.value.reply_code == 406 and "x-cache-size" in refused.value.reply_text
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.exchange_declare(unique("x"), exchange_type="x-message-deduplication",
                                     arguments={"x-cache-size": 10, "x-cache-persistence": "disk"})
        assert refused.value.reply_code == 406 and "x-cache-persistence" in refused.value.reply_text
    finally:
        if connection.is_open:
            connection.close()


def test_the_deduplication_exchange_routes_each_id_once(broker, unique):
    """The plugin's own usage example: an x-message-deduplication exchange with x-cache-size, 100
    publishes of one id, one routed (fanout: the routing key does not matter)."""
    exchange, queue = unique("dx"), unique("dx-q")
    connection = broker.connect()
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange, exchange_type="x-message-deduplication", arguments={"x-cache-size": "5"})
        channel.queue_declare(queue=queue)
        channel.queue_bind(queue, exchange)
        channel.confirm_delivery()
        for index in range(100):
            channel.basic_publish(exchange, f"any-{index}", b"hello world",
                                  properties=pika.BasicProperties(headers={"x-deduplication-header": "md5-of-hello"}))
        with pytest.raises(pika.exceptions.UnroutableError):
            channel.basic_publish(exchange, "", b"dup", mandatory=True,
                                  properties=pika.BasicProperties(headers={"x-deduplication-header": "md5-of-hello"}))
        channel.basic_publish(exchange, "", b"no header")
        assert ready(channel, queue) == 2
    finally:
        connection.close()


def test_kombu_declares_and_uses_the_deduplication_exchange(broker, unique):
    name = unique("kombu-dx")
    exchange = kombu.Exchange(name, type="x-message-deduplication", arguments={"x-cache-size": 100,
                                                                                "x-cache-ttl": 60000})
    queue = kombu.Queue(name, exchange=exchange, routing_key="")
    received = []
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        for index in range(3):
            producer.publish({"n": index}, exchange=exchange, routing_key="", declare=[queue],
                             headers={"x-deduplication-header": "job-7"})
        with kombu.Consumer(connection, [queue], callbacks=[lambda body, m: (received.append(body), m.ack())]):
            connection.drain_events(timeout=10)
            with pytest.raises(TimeoutError):
                connection.drain_events(timeout=0.5)
    assert received == [{"n": 0}]


def test_kombu_publishes_with_the_header_once(broker, unique):
    name = unique("kombu-dedup")
    queue = kombu.Queue(name, exchange=kombu.Exchange(name), routing_key=name, queue_arguments=DEDUP)
    received = []
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        for index in range(3):
            producer.publish({"n": index}, exchange=queue.exchange, routing_key=name, declare=[queue],
                             headers={"x-deduplication-header": "order-42"})
        producer.publish({"n": "other"}, exchange=queue.exchange, routing_key=name,
                         headers={"x-deduplication-header": "order-43"})
        with kombu.Consumer(connection, [queue], callbacks=[lambda body, m: (received.append(body), m.ack())]):
            while len(received) < 2:
                connection.drain_events(timeout=10)
        with kombu.Consumer(connection, [queue], callbacks=[lambda body, m: (received.append(body), m.ack())]):
            with pytest.raises(TimeoutError):
                connection.drain_events(timeout=0.5)
    assert received == [{"n": 0}, {"n": "other"}]


def test_a_durable_queue_keeps_its_ids_across_a_restart(own_broker, unique):
    queue = unique("dedup-durable")
    connection = own_broker.connect()
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True, arguments=DEDUP)
    channel.confirm_delivery()
    channel.basic_publish("", queue, b"kept", properties=with_id("k", persistent=True))
    channel.basic_publish("", queue, b"consumed", properties=with_id("c", persistent=True))
    method, _, _ = channel.basic_get(queue, auto_ack=False)
    channel.basic_ack(method.delivery_tag)  # "kept" is gone; "consumed" stays queued
    connection.close()
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("", queue, b"dup", properties=with_id("c", persistent=True))
        channel.basic_publish("", queue, b"kept again", properties=with_id("k", persistent=True))
        assert [channel.basic_get(queue, auto_ack=True)[2] for _ in range(2)] == [b"consumed", b"kept again"]
        assert ready(channel, queue) == 0
    finally:
        connection.close()


def test_a_durable_queue_keeps_its_time_window_across_a_kill(own_broker, unique):
    """With `x-cache-ttl` an id counts for the window even after its message was acknowledged, and a kill -9
    in between changes nothing (the default `x-cache-persistence` of a durable queue is `disk`); with
    `memory` the window starts empty after a restart."""
    on_disk, in_memory = unique("dedup-window"), unique("dedup-memory")
    windows = {on_disk: {**DEDUP, "x-cache-ttl": 300_000},
               in_memory: {**DEDUP, "x-cache-ttl": 300_000, "x-cache-persistence": "memory"}}
    connection = own_broker.connect()
    channel = connection.channel()
    channel.confirm_delivery()
    for queue, arguments in windows.items():
        channel.queue_declare(queue=queue, durable=True, arguments=arguments)
        channel.basic_publish("", queue, b"first", properties=with_id("order-1", persistent=True))
        method, _, body = channel.basic_get(queue, auto_ack=False)
        assert body == b"first"
        channel.basic_ack(method.delivery_tag)
    connection.close()
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for queue in windows:
            # Confirmed either way (pika raises on a nack); kept only where the window was lost.
            channel.basic_publish("", queue, b"again", properties=with_id("order-1", persistent=True))
        assert ready(channel, on_disk) == 0
        assert channel.basic_get(in_memory, auto_ack=True)[2] == b"again"
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue=unique("bad"), durable=True, arguments={**DEDUP, "x-cache-persistence": "tape"})
        assert refused.value.reply_code == 406 and "x-cache-persistence" in refused.value.reply_text
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue=unique("bad"), arguments={**DEDUP, "x-cache-persistence": "disk"})
        assert refused.value.reply_code == 406 and "durable" in refused.value.reply_text
    finally:
        connection.close()


def test_stomp_and_http_publishers_are_deduplicated_for_an_amqp_consumer(broker, unique):
    queue = unique("dedup-x")
    amqp = broker.connect()
    try:
        channel = amqp.channel()
        channel.queue_declare(queue=queue, arguments=DEDUP)
        conn, _ = stomp_connection(broker, "1.2")
        conn.connect("guest", "guest", wait=True)
        for index in range(2):
            conn.send(f"/amq/queue/{queue}", f"stomp {index}", headers={"x-deduplication-header": "s-1"},
                      receipt=f"r{index}")
        conn.disconnect()
        for index in range(2):
            out = subprocess.run(
                ["curl", "-s", "-u", "guest:guest", "--data-binary", f"http {index}",
                 "-H", "X-Header-X-Deduplication-Header: h-1", "-w", "%{http_code}", "-o", "/dev/null",
                 broker.http_url(f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}")],
                capture_output=True, text=True, timeout=30, check=True).stdout
            assert out == "201"
        wait_until(lambda: ready(channel, queue) == 2, 10)
        got = [channel.basic_get(queue, auto_ack=True) for _ in range(2)]
        assert [body for _, _, body in got] == [b"stomp 0", b"http 0"]
        assert [props.headers["x-deduplication-header"] for _, props, _ in got] == ["s-1", "h-1"]
    finally:
        amqp.close()


def test_mqtt5_user_properties_carry_the_id_and_the_group(broker, unique):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    from test_mqtt_interop import Client
    import paho.mqtt.client as mqtt

    queue = unique("dedup-mqtt")
    amqp = broker.connect()
    try:
        channel = amqp.channel()
        channel.queue_declare(queue=queue, arguments={**DEDUP, "x-message-groups": True})
        channel.queue_bind(queue, "amq.topic", routing_key=f"{queue}.in")
        publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
        for index in range(3):
            properties = Properties(PacketTypes.PUBLISH)
            properties.UserProperty = [("x-deduplication-header", "once" if index < 2 else "other"),
                                       ("x-group-id", "sensor-1")]
            publisher.publish(f"{queue}/in", f"m{index}".encode(), qos=1, properties=properties)
        publisher.client.disconnect()
        publisher.client.loop_stop()
        wait_until(lambda: ready(channel, queue) == 2, 10)
        method, props, body = channel.basic_get(queue, auto_ack=False)
        assert (body, props.headers["x-group-id"]) == (b"m0", "sensor-1")
        assert channel.basic_get(queue, auto_ack=False) == (None, None, None)  # its group is in flight
        channel.basic_ack(method.delivery_tag)
        assert channel.basic_get(queue, auto_ack=True)[2] == b"m2"
    finally:
        amqp.close()
