"""MQTT state that must survive the broker: persistent sessions (their subscriptions and the QoS 1
messages queued while the client was away) and retained messages, across a clean restart and
across kill -9 (`own_broker.restart(crash=True)`)."""

import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from helpers import Broker
from test_mqtt_interop import Client

pytestmark = pytest.mark.junction_only


@pytest.mark.parametrize("crash", [False, True], ids=["restart", "crash"])
def test_persistent_session_and_retained_message_survive(own_broker, unique, crash):
    client_id = unique("durable")
    topic = unique("plant") + "/line1/temp"
    status = unique("plant") + "/status"
    subscriber = Client(own_broker, client_id, clean=False)
    assert subscriber.connack[0].session_present is False
    subscriber.subscribe(topic, qos=1)
    subscriber.close()

    publisher = Client(own_broker, unique("pub"))
    # wait_for_publish returns once the PUBACK came: the broker said these are stored.
    for index in range(5):
        publisher.publish(topic, f"offline-{index}".encode(), qos=1)
    publisher.publish(status, b"running", qos=1, retain=True)
    publisher.close()

    own_broker.restart(crash=crash)

    again = Client(own_broker, client_id, clean=False)
    assert again.connack[0].session_present is True
    assert [again.next().payload for _ in range(5)] == [f"offline-{i}".encode() for i in range(5)]
    again.nothing()
    # The subscription itself came back: new messages reach the session.
    publisher = Client(own_broker, unique("pub"))
    publisher.publish(topic, b"after", qos=1)
    assert again.next().payload == b"after"
    # The retained message is there for a new subscriber, flagged as retained.
    watcher = Client(own_broker, unique("watch"))
    watcher.subscribe(status, qos=1)
    retained = watcher.next()
    assert (retained.payload, retained.retain) == (b"running", True)
    for client in (again, publisher, watcher):
        client.close()


def test_unacknowledged_delivery_is_redelivered_after_crash(own_broker, unique):
    client_id = unique("inflight")
    topic = unique("inflight") + "/t"
    subscriber = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600),
                        manual_ack=True)
    subscriber.subscribe(topic, qos=1)
    publisher = Client(own_broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, b"once", qos=1)
    # Received and never acknowledged (manual ack); no network loop, so no reconnect either.
    assert subscriber.next().payload == b"once"
    subscriber.client.loop_stop()
    publisher.close()

    own_broker.restart(crash=True)

    again = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600))
    assert again.connack[0].session_present is True
    message = again.next()
    assert (message.payload, message.dup) == (b"once", True)
    again.close()


def test_expired_session_is_gone_after_restart(own_broker, unique):
    client_id = unique("short")
    first = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(2))
    first.subscribe(unique("x") + "/y", qos=1)
    first.close()
    own_broker.restart()
    # Still within its expiry: the session is there after the restart.
    present = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(1))
    assert present.connack[0].session_present is True
    present.close()
    own_broker.stop()
    time.sleep(1.5)
    own_broker.start(port=own_broker.port)
    # Expired while the broker was down: counted from when the client was last seen.
    gone = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(1))
    assert gone.connack[0].session_present is False
    gone.close()


def test_clean_session_leaves_nothing_behind(own_broker, unique):
    client_id = unique("clean")
    topic = unique("c") + "/t"
    subscriber = Client(own_broker, client_id, clean=True)
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    own_broker.restart(crash=True)
    again = Client(own_broker, client_id, clean=False)
    assert again.connack[0].session_present is False
    again.close()


def expiry(seconds):
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = seconds
    return properties


def test_puback_waits_for_the_group_commit(broker_binary_path, tmp_path, unique):
    # A slow group commit makes the wait visible: PUBACK for a message stored in a persistent
    # session's (durable) queue comes only after the next fsync; without one it comes at once.
    slow = Broker(broker_binary_path, str(tmp_path / "data"), env={"JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "1500"})
    slow.start()
    try:
        topic = unique("commit") + "/t"
        subscriber = Client(slow, unique("durable-sub"), clean=False)
        subscriber.subscribe(topic, qos=1)
        subscriber.close()
        publisher = Client(slow, unique("pub"))
        started = time.monotonic()
        publisher.publish(unique("nobody") + "/t", b"transient", qos=1)
        assert time.monotonic() - started < 0.5
        waits = []
        for index in range(3):
            started = time.monotonic()
            publisher.publish(topic, f"stored-{index}".encode(), qos=1)
            waits.append(time.monotonic() - started)
        # Each PUBACK waited for a commit (up to 1.5 s), and none went out before it.
        assert max(waits) > 0.3, waits
        assert sum(waits) > 1.0, waits
        publisher.close()
    finally:
        slow.kill()
