"""The `mqtt` configuration section as a client sees it: MQTT 5 CONNACK properties, the exchange
topics map onto, and the connect timeout."""

import queue
import socket
import time

import paho.mqtt.client as mqtt
import pytest

from helpers import Broker
from test_mqtt_interop import TIMEOUT, Client

pytestmark = pytest.mark.junction_only


@pytest.fixture
def configured_broker(broker_binary_path, tmp_path):
    instance = Broker(broker_binary_path, str(tmp_path / "data"), env={
        "JUNCTION_MQTT_MAX_KEEP_ALIVE_SECONDS": "20",
        "JUNCTION_MQTT_TOPIC_ALIAS_MAX": "7",
        "JUNCTION_MQTT_MAX_PACKET_SIZE": "4096",
        "JUNCTION_MQTT_MAX_SESSION_EXPIRY_SECONDS": "300",
        "JUNCTION_MQTT_EXCHANGE": "amq.direct",
        "JUNCTION_MQTT_CONNECT_TIMEOUT_SECONDS": "1",
        "JUNCTION_MQTT_RECEIVE_MAXIMUM": "5",
    })
    instance.start()
    yield instance
    instance.kill()


def test_connack_announces_the_configured_limits(configured_broker, unique):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    client = Client(configured_broker, unique("limits"), mqtt.MQTTv5, clean=True, connect_properties=properties)
    announced = client.connack[2]
    assert announced.ServerKeepAlive == 20
    assert announced.TopicAliasMaximum == 7
    assert announced.MaximumPacketSize == 4096
    assert announced.SessionExpiryInterval == 300
    assert announced.ReceiveMaximum == 5
    client.close()


def test_311_keep_alive_above_the_maximum_is_refused(configured_broker, unique):
    # MQTT 3.1.1 cannot be sent a Server Keep Alive: like Mosquitto's max_keepalive, a longer
    # keep-alive (the helper asks for 30 s, the maximum is 20) gets CONNACK 2, identifier rejected.
    refused = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique("sleepy"), protocol=mqtt.MQTTv311)
    client.on_connect = lambda c, u, flags, reason, properties: refused.put(reason)
    client.connect("127.0.0.1", configured_broker.mqtt_port, keepalive=30)
    client.loop_start()
    reason = refused.get(timeout=TIMEOUT)
    client.loop_stop()
    # paho reports the 3.1.1 return code 2 as its MQTT 5 equivalent, 0x85.
    assert reason.is_failure and reason.value == 0x85
    # Within the maximum it connects.
    within = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique("awake"), protocol=mqtt.MQTTv311)
    accepted = queue.Queue()
    within.on_connect = lambda c, u, flags, reason, properties: accepted.put(reason)
    within.connect("127.0.0.1", configured_broker.mqtt_port, keepalive=20)
    within.loop_start()
    assert not accepted.get(timeout=TIMEOUT).is_failure
    within.disconnect()
    within.loop_stop()


def test_topics_map_onto_the_configured_exchange(configured_broker, unique):
    connection = configured_broker.connect()
    channel = connection.channel()
    queue_name = unique("direct")
    channel.queue_declare(queue_name, exclusive=True)
    channel.queue_bind(queue_name, "amq.direct", routing_key="plant.line1")
    # MQTT 5: a 3.1.1 client asking for the helper's 30 s keep-alive is refused here (max 20).
    publisher = Client(configured_broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish("plant/line1", b"on amq.direct", qos=1)
    deadline = time.monotonic() + TIMEOUT
    method = None
    while method is None:
        assert time.monotonic() < deadline
        method, _, body = channel.basic_get(queue_name, auto_ack=True)
    assert (method.exchange, body) == ("amq.direct", b"on amq.direct")
    publisher.close()
    connection.close()


def test_connect_timeout_closes_a_silent_socket(configured_broker):
    sock = socket.create_connection(("127.0.0.1", configured_broker.mqtt_port), timeout=5)
    started = time.monotonic()
    assert sock.recv(1) == b""
    assert 0.8 <= time.monotonic() - started <= 3.0
    sock.close()
