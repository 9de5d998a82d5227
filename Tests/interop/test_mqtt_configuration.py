"""The `mqtt` configuration section as a client sees it: MQTT 5 CONNACK properties, the exchange
topics map onto, and the connect timeout."""

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
    client.close()


def test_topics_map_onto_the_configured_exchange(configured_broker, unique):
    connection = configured_broker.connect()
    channel = connection.channel()
    queue_name = unique("direct")
    channel.queue_declare(queue_name, exclusive=True)
    channel.queue_bind(queue_name, "amq.direct", routing_key="plant.line1")
    publisher = Client(configured_broker, unique("pub"))
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
