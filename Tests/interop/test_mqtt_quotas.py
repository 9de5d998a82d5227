"""mqtt.max_retained_messages / max_retained_bytes and mqtt.max_queued_messages / queue_overflow with
paho: a retained PUBLISH past the limit is refused with 0x97 Quota exceeded (MQTT 5) or acknowledged and
dropped (MQTT 3.1.1), counted in /metrics and logged; an offline session's queue keeps the newest
messages up to its limit (drop-head)."""

import queue
import re

import paho.mqtt.client as mqtt
import pytest
import requests

from helpers import Broker, wait_until
from test_mqtt_interop import TIMEOUT, Client

pytestmark = pytest.mark.junction_only


@pytest.fixture
def quota_broker(broker_binary_path, tmp_path):
    instance = Broker(broker_binary_path, str(tmp_path / "data"), env={
        "JUNCTION_MQTT_MAX_RETAINED_MESSAGES": "2",
        "JUNCTION_MQTT_MAX_QUEUED_MESSAGES": "3",
        "JUNCTION_MQTT_QUEUE_OVERFLOW": "drop-head",
    })
    instance.start()
    yield instance
    instance.kill()


def refused_retained(broker):
    text = requests.get(broker.http_url("/metrics"), timeout=TIMEOUT).text
    match = re.search(r'^junction_refused_total\{reason="mqtt_retained_limit"\} (\d+)', text, re.MULTILINE)
    assert match, text
    return int(match.group(1))


class Acks:
    """PUBACK reason codes of a paho MQTT 5 client, by message id."""

    def __init__(self, client):
        self.codes = queue.Queue()
        client.client.on_publish = lambda c, u, mid, reason, properties: self.codes.put((mid, reason))

    def reason(self, info):
        mid, reason = self.codes.get(timeout=TIMEOUT)
        assert mid == info.mid
        return int(getattr(reason, "value", reason))


def test_retained_past_the_limit_is_quota_exceeded_for_mqtt5(quota_broker, unique):
    prefix = unique("ret5")
    publisher = Client(quota_broker, unique("pub5"), mqtt.MQTTv5)
    acks = Acks(publisher)
    assert refused_retained(quota_broker) == 0
    for index in (1, 2):
        assert acks.reason(publisher.publish(f"{prefix}/{index}", b"kept", qos=1, retain=True)) in (0, 0x10)
    assert acks.reason(publisher.publish(f"{prefix}/3", b"refused", qos=1, retain=True)) == 0x97
    # Replacing a retained topic is not a new one.
    assert acks.reason(publisher.publish(f"{prefix}/1", b"replaced", qos=1, retain=True)) in (0, 0x10)
    subscriber = Client(quota_broker, unique("sub5"), mqtt.MQTTv5)
    subscriber.subscribe(f"{prefix}/#", qos=1)
    retained = sorted((subscriber.next().topic, subscriber.next().topic))
    assert retained == [f"{prefix}/1", f"{prefix}/2"]
    subscriber.nothing()
    assert refused_retained(quota_broker) == 1
    wait_until(lambda: "MQTT retained message refused" in quota_broker.log(), TIMEOUT, message="refusal logged")
    subscriber.close()
    publisher.close()


def test_retained_past_the_limit_is_dropped_and_counted_for_311(quota_broker, unique):
    prefix = unique("ret311")
    publisher = Client(quota_broker, unique("pub311"))
    publisher.publish(f"{prefix}/a", b"1", qos=1, retain=True)
    publisher.publish(f"{prefix}/b", b"2", qos=1, retain=True)
    listener = Client(quota_broker, unique("listen"))
    listener.subscribe(f"{prefix}/c", qos=1)
    # Acknowledged (3.1.1 has no refusal code), but neither published nor retained.
    publisher.publish(f"{prefix}/c", b"3", qos=1, retain=True)
    listener.nothing()
    assert refused_retained(quota_broker) == 1
    # The next client is served and the limit still holds.
    late = Client(quota_broker, unique("late"))
    late.subscribe(f"{prefix}/#", qos=1)
    assert sorted([late.next().topic, late.next().topic]) == [f"{prefix}/a", f"{prefix}/b"]
    late.nothing()
    for client in (late, listener, publisher):
        client.close()


def test_offline_session_queue_keeps_the_newest_up_to_the_limit(quota_broker, unique):
    topic = unique("queued") + "/t"
    client_id = unique("keeper")
    subscriber = Client(quota_broker, client_id, clean=False)
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    publisher = Client(quota_broker, unique("pub"))
    for index in range(1, 6):
        publisher.publish(topic, f"m{index}".encode(), qos=1)
    publisher.close()
    again = Client(quota_broker, client_id, clean=False)
    assert [again.next().payload for _ in range(3)] == [b"m3", b"m4", b"m5"]
    again.nothing()
    again.close()
