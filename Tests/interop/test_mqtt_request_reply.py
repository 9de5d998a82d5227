"""MQTT 5 request/response meets AMQP 0-9-1 (paho-mqtt v5 + pika), with RabbitMQ's conventions: a
PUBLISH's Response Topic and Correlation Data reach an AMQP consumer as `reply_to` (the topic),
`correlation_id` and the header `x-reply-to-topic` (the topic as an `amq.topic` routing key), and the
AMQP service's reply, published to `amq.topic` with that key, reaches the MQTT requester with its
Correlation Data. And the other way: an AMQP request carrying `x-reply-to-topic` reaches an MQTT 5
responder as a Response Topic."""

import paho.mqtt.client as mqtt
import pika
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from helpers import get_one
from test_mqtt_interop import Client

pytestmark = pytest.mark.timeout(60)


def request_properties(response_topic, correlation):
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = response_topic
    properties.CorrelationData = correlation
    return properties


def test_mqtt_requester_and_amqp_responder(broker, connection, unique):
    service = unique("svc")
    replies = f"replies/{unique('client')}"
    channel = connection.channel()
    requests_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(requests_queue, "amq.topic", routing_key=f"{service}.requests")

    requester = Client(broker, unique("requester"), mqtt.MQTTv5)
    requester.subscribe(replies, qos=1)
    requester.publish(f"{service}/requests", b"2+2", qos=1,
                      properties=request_properties(replies, b"corr-42"))

    _, properties, body = get_one(channel, requests_queue)
    assert body == b"2+2"
    assert properties.reply_to == replies
    assert properties.correlation_id == "corr-42"
    assert properties.headers["x-reply-to-topic"] == replies.replace("/", ".")

    # The service answers as it would on RabbitMQ: to amq.topic, with the key from x-reply-to-topic.
    channel.basic_publish("amq.topic", properties.headers["x-reply-to-topic"], b"4",
                          pika.BasicProperties(correlation_id=properties.correlation_id))
    reply = requester.next()
    assert reply.topic == replies
    assert reply.payload == b"4"
    assert reply.properties.CorrelationData == b"corr-42"
    # Not shown to the MQTT client as a user property.
    assert not getattr(reply.properties, "UserProperty", None)
    requester.close()


def test_amqp_requester_and_mqtt_responder(broker, connection, unique):
    service = unique("svc")
    channel = connection.channel()
    replies_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    reply_key = f"replies.{unique('amqp')}"
    channel.queue_bind(replies_queue, "amq.topic", routing_key=reply_key)

    responder = Client(broker, unique("responder"), mqtt.MQTTv5)
    responder.subscribe(f"{service}/requests", qos=1)
    channel.basic_publish("amq.topic", f"{service}.requests", b"ping",
                          pika.BasicProperties(correlation_id="c-7", headers={"x-reply-to-topic": reply_key}))
    request = responder.next()
    assert request.properties.ResponseTopic == reply_key.replace(".", "/")
    assert request.properties.CorrelationData == b"c-7"
    assert not getattr(request.properties, "UserProperty", None)
    answer = Properties(PacketTypes.PUBLISH)
    answer.CorrelationData = request.properties.CorrelationData
    responder.publish(request.properties.ResponseTopic, b"pong", qos=1, properties=answer)

    _, properties, body = get_one(channel, replies_queue)
    assert body == b"pong" and properties.correlation_id == "c-7"
    responder.close()


def test_mqtt_responder_answers_an_amqp_direct_reply_to_request(broker, connection, unique):
    service = unique("svc")
    channel = connection.channel()
    replies = []
    channel.basic_consume("amq.rabbitmq.reply-to", lambda ch, method, props, body: replies.append((props, body)),
                          auto_ack=True)
    responder = Client(broker, unique("responder"), mqtt.MQTTv5)
    responder.subscribe(f"{service}/requests", qos=1)
    channel.basic_publish("amq.topic", f"{service}.requests", b"ping",
                          pika.BasicProperties(reply_to="amq.rabbitmq.reply-to", correlation_id="c-9"))
    request = responder.next()
    # The requester's reply address, verbatim: the responder answers on it.
    assert request.properties.ResponseTopic.startswith("amq.rabbitmq.reply-to.")
    answer = Properties(PacketTypes.PUBLISH)
    answer.CorrelationData = request.properties.CorrelationData
    responder.publish(request.properties.ResponseTopic, b"pong", qos=1, properties=answer)
    connection.process_data_events(time_limit=5)
    deadline = 50
    while not replies and deadline:
        connection.process_data_events(time_limit=0.1)
        deadline -= 1
    assert [(props.correlation_id, body) for props, body in replies] == [("c-9", b"pong")]
    responder.close()
