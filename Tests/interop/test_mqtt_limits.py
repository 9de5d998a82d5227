"""MQTT limits a client sees: `mqtt.max_session_expiry_seconds` also ends MQTT 3.1.1 persistent
sessions (counted from the disconnect, across restarts), and MQTT 5 clients sending more
unacknowledged QoS 1/2 PUBLISHes than the announced Receive Maximum are disconnected with 0x93."""

import queue
import time

import paho.mqtt.client as mqtt
import pytest
import requests

from helpers import Broker, wait_until
from test_mqtt_interop import TIMEOUT, Client
from test_mqtt_persistence import expiry

pytestmark = pytest.mark.junction_only


def session_queue_exists(broker, client_id):
    response = requests.get(
        broker.http_url(f"/api/queues/%2F/mqtt-subscription-{client_id}"), auth=("guest", "guest"), timeout=TIMEOUT)
    assert response.status_code in (200, 404)
    return response.status_code == 200


@pytest.fixture
def capped_broker(broker_binary_path, tmp_path):
    instance = Broker(broker_binary_path, str(tmp_path / "data"), env={
        "JUNCTION_MQTT_MAX_SESSION_EXPIRY_SECONDS": "1",
    })
    instance.start()
    yield instance
    instance.kill()


def test_persistent_311_session_expires_after_the_cap(capped_broker, unique):
    client_id = unique("v311-capped")
    topic = unique("capped") + "/t"
    subscriber = Client(capped_broker, client_id, clean=False)
    subscriber.subscribe(topic, qos=1)
    # Connected longer than the cap: the expiry counts from the disconnect, not from CONNECT.
    time.sleep(1.5)
    subscriber.close()
    resumed = Client(capped_broker, client_id, clean=False)
    assert resumed.connack[0].session_present is True
    resumed.close()

    publisher = Client(capped_broker, unique("pub"))
    publisher.publish(topic, b"while away", qos=1)
    publisher.close()
    # The session's queue (holding that message) and its state go once it has been away 1 s.
    wait_until(lambda: not session_queue_exists(capped_broker, client_id), TIMEOUT, message="the session to expire")
    again = Client(capped_broker, client_id, clean=False)
    assert again.connack[0].session_present is False
    again.nothing()
    again.close()


def test_cap_applies_to_a_311_session_stored_before_a_restart(own_broker, unique):
    client_id = unique("v311-restart")
    subscriber = Client(own_broker, client_id, clean=False)
    subscriber.subscribe(unique("kept") + "/t", qos=1)
    subscriber.close()
    own_broker.stop()
    # Stored without a cap ("never"); the broker comes back with a 1 s cap after 1.5 s away.
    time.sleep(1.5)
    own_broker.env = {"JUNCTION_MQTT_MAX_SESSION_EXPIRY_SECONDS": "1"}
    own_broker.start(port=own_broker.port)
    assert not session_queue_exists(own_broker, client_id)
    again = Client(own_broker, client_id, clean=False)
    assert again.connack[0].session_present is False
    again.close()


def test_more_unacknowledged_publishes_than_the_receive_maximum_disconnect_with_0x93(
        broker_binary_path, tmp_path, unique):
    # A long group-commit interval keeps the PUBACKs of messages for a persistent session (a
    # durable queue) waiting for the disk, so the publisher's QoS 1 PUBLISHes stay unacknowledged.
    instance = Broker(broker_binary_path, str(tmp_path / "data"), env={
        "JUNCTION_MQTT_RECEIVE_MAXIMUM": "2",
        "JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "10000",
    })
    instance.start()
    try:
        topic = unique("window") + "/t"
        subscriber = Client(instance, unique("durable"), mqtt.MQTTv5, clean=False, connect_properties=expiry(3600))
        subscriber.subscribe(topic, qos=1)

        disconnects = queue.Queue()
        connacks = queue.Queue()
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique("eager"), protocol=mqtt.MQTTv5)
        # paho keeps its own window (20 by default) and does not apply the server's Receive Maximum.
        publisher.max_inflight_messages_set(10)
        publisher.on_connect = lambda c, u, flags, reason, properties: connacks.put(properties)
        publisher.on_disconnect = lambda c, u, flags, reason, properties: disconnects.put(reason)
        publisher.connect("127.0.0.1", instance.mqtt_port, keepalive=30)
        publisher.loop_start()
        assert connacks.get(timeout=TIMEOUT).ReceiveMaximum == 2
        for index in range(3):
            publisher.publish(topic, f"m{index}".encode(), qos=1)
        reason = disconnects.get(timeout=TIMEOUT)
        publisher.loop_stop()
        assert reason.value == 0x93
        subscriber.close()
    finally:
        instance.kill()
