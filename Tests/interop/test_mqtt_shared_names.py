"""MQTT shared subscriptions whose group and filter join to the same text keep separate queues
(issue 13, defect 4): `$share/<g>-x/y` and `$share/<g>/x-y` used to share one queue, so each
group got the other's messages.
"""

import paho.mqtt.client as mqtt
import pika
import pytest
import requests

from test_mqtt_interop import Client

pytestmark = pytest.mark.junction_only


def test_groups_whose_names_join_alike_get_only_their_own_messages(broker, unique):
    prefix = unique("g")
    first = Client(broker, unique("first"), mqtt.MQTTv5)
    second = Client(broker, unique("second"), mqtt.MQTTv5)
    # Legacy names: "mqtt-shared-<prefix>-x-y" for both.
    first.subscribe(f"$share/{prefix}-x/y", qos=1)
    second.subscribe(f"$share/{prefix}/x-y", qos=1)
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    # Each group has its own queue, bound with its own filter.
    queues = requests.get(broker.http_url("/api/queues/%2F"), auth=("guest", "guest"), timeout=10).json()
    assert sorted((q["name"], q["consumers"]) for q in queues if prefix in q["name"]) == [
        (f"mqtt-share/{prefix}-x/y", 1), (f"mqtt-share/{prefix}/x-y", 1)]
    for index in range(6):
        publisher.publish("y", f"y{index}".encode(), qos=1)
    assert [first.next().payload for _ in range(6)] == [f"y{index}".encode() for index in range(6)]
    second.nothing()
    for index in range(6):
        publisher.publish("x-y", f"x-y{index}".encode(), qos=1)
    assert [second.next().payload for _ in range(6)] == [f"x-y{index}".encode() for index in range(6)]
    first.nothing()
    for client in (first, second, publisher):
        client.close()


def test_a_legacy_named_durable_shared_queue_is_migrated_with_its_messages(own_broker):
    # A data directory made under the old naming: a durable queue `mqtt-shared-<group>-<filter>`
    # bound to amq.topic with the filter's binding key, holding persistent messages.
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue="mqtt-shared-workers-jobs/new", durable=True)
        channel.queue_bind(queue="mqtt-shared-workers-jobs/new", exchange="amq.topic", routing_key="jobs.new")
        for index in range(3):
            channel.basic_publish("amq.topic", "jobs.new", f"queued-{index}".encode(),
                                  pika.BasicProperties(delivery_mode=2))
    own_broker.restart()

    queues = requests.get(own_broker.http_url("/api/queues/%2F"), auth=("guest", "guest"), timeout=10).json()
    names = [q["name"] for q in queues if "workers" in q["name"]]
    assert names == ["mqtt-share/workers/jobs/new"]
    member = Client(own_broker, "member", mqtt.MQTTv5)
    member.subscribe("$share/workers/jobs/new", qos=1)
    assert sorted(member.next().payload for _ in range(3)) == [f"queued-{index}".encode() for index in range(3)]
    member.close()
