"""MQTT 5 Payload Format Indicator [MQTT-3.3.2-4]: forwarded unaltered to MQTT 5 subscribers (live,
from a persistent session's durable queue after a restart, and retained), and shown to AMQP and
STOMP consumers as the header `x-mqtt-payload-format-indicator`."""

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from test_mqtt_interop import Client
from test_mqtt_persistence import expiry
from test_stomp_support import stomp_connection

HEADER = "x-mqtt-payload-format-indicator"


def utf8_properties(indicator=1):
    properties = Properties(PacketTypes.PUBLISH)
    properties.PayloadFormatIndicator = indicator
    properties.ContentType = "text/plain; charset=utf-8"
    return properties


@pytest.mark.parametrize("indicator", [0, 1])
def test_subscriber_gets_the_indicator_and_content_type(broker, unique, indicator):
    topic = unique("pfi") + "/live"
    subscriber = Client(broker, unique("sub"), mqtt.MQTTv5)
    subscriber.subscribe(topic, qos=1)
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, "grüße".encode(), qos=1, properties=utf8_properties(indicator))
    message = subscriber.next()
    assert message.properties.ContentType == "text/plain; charset=utf-8"
    assert message.properties.PayloadFormatIndicator == indicator
    assert not getattr(message.properties, "UserProperty", None)
    for client in (subscriber, publisher):
        client.close()


def test_retained_message_keeps_the_indicator(broker, unique):
    topic = unique("pfi") + "/retained"
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, b"kept", qos=1, retain=True, properties=utf8_properties())
    subscriber = Client(broker, unique("sub"), mqtt.MQTTv5)
    subscriber.subscribe(topic, qos=1)
    message = subscriber.next()
    assert (message.retain, message.properties.PayloadFormatIndicator) == (True, 1)
    publisher.publish(topic, b"", qos=1, retain=True)
    for client in (subscriber, publisher):
        client.close()


def test_amqp_and_stomp_consumers_see_the_header(broker, unique):
    key = unique("pfi")
    connection = broker.connect()
    channel = connection.channel()
    queue_name = unique("pfiq")
    channel.queue_declare(queue_name, exclusive=True)
    channel.queue_bind(queue_name, "amq.topic", routing_key=f"{key}.x")
    stomp, listener = stomp_connection(broker, "1.2")
    stomp.connect("guest", "guest", wait=True)
    stomp.subscribe(f"/topic/{key}.x", id="pfi", receipt="subscribed")
    assert listener.receipt() == "subscribed"

    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(f"{key}/x", b"text", qos=1, properties=utf8_properties())

    method = None
    for _ in range(200):
        method, properties, body = channel.basic_get(queue_name, auto_ack=True)
        if method:
            break
        connection.sleep(0.05)
    assert method is not None
    assert properties.content_type == "text/plain; charset=utf-8"
    assert properties.headers[HEADER] == 1
    frame = listener.message()
    assert frame.headers[HEADER] == "1"
    publisher.close()
    stomp.disconnect()
    connection.close()


def test_indicator_survives_the_durable_queue_and_a_restart(own_broker, unique):
    client_id = unique("pfi-durable")
    topic = unique("pfi") + "/offline"
    subscriber = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600))
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    publisher = Client(own_broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, b"stored", qos=1, properties=utf8_properties())
    publisher.close()

    own_broker.restart(crash=True)

    again = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600))
    assert again.connack[0].session_present is True
    message = again.next()
    assert (message.payload, message.properties.PayloadFormatIndicator) == (b"stored", 1)
    again.close()
