"""RabbitMQ's direct reply-to with pika on both sides: the requester consumes the pseudo-queue
`amq.rabbitmq.reply-to` in no-ack mode, the server replies to the rewritten `reply_to`."""

import pika
import pika.exceptions
import pytest

from helpers import get_one, wait_until

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]

REPLY_TO = "amq.rabbitmq.reply-to"


def test_request_reply_over_direct_reply_to(broker, unique):
    queue = unique("rpc")
    server, client = broker.connect(), broker.connect()
    try:
        server_channel = server.channel()
        server_channel.queue_declare(queue=queue)
        client_channel = client.channel()
        replies = []
        client_channel.basic_consume(REPLY_TO, lambda ch, m, p, body: replies.append((body, p.correlation_id)),
                                     auto_ack=True)
        for index in range(3):
            client_channel.basic_publish(
                exchange="", routing_key=queue, body=f"request {index}".encode(),
                properties=pika.BasicProperties(reply_to=REPLY_TO, correlation_id=str(index)))
        addresses = set()
        for _ in range(3):
            method, properties, body = get_one(server_channel, queue)
            assert properties.reply_to.startswith(REPLY_TO + ".")
            addresses.add(properties.reply_to)
            server_channel.basic_publish(
                exchange="", routing_key=properties.reply_to, body=body.replace(b"request", b"reply"),
                properties=pika.BasicProperties(correlation_id=properties.correlation_id))
        assert len(addresses) == 1
        wait_until(lambda: client.process_data_events(time_limit=0.05) or len(replies) == 3, 10)
        assert replies == [(f"reply {index}".encode(), str(index)) for index in range(3)]
    finally:
        for connection in (server, client):
            if connection.is_open:
                connection.close()


def test_consuming_in_ack_mode_is_406(connection):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        channel = connection.channel()
        channel.basic_consume(REPLY_TO, lambda *args: None, auto_ack=False)
    assert excinfo.value.reply_code == 406


def test_publishing_with_reply_to_but_no_reply_consumer_is_406(connection, unique):
    channel = connection.channel()
    channel.confirm_delivery()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        channel.basic_publish(exchange="", routing_key=unique("rpc"), body=b"x",
                              properties=pika.BasicProperties(reply_to=REPLY_TO))
    assert excinfo.value.reply_code == 406


def test_a_reply_to_a_gone_channel_is_unroutable(broker, connection, unique):
    queue = unique("rpc")
    requester = connection.channel()
    requester.queue_declare(queue=queue)
    requester.basic_consume(REPLY_TO, lambda *args: None, auto_ack=True)
    requester.basic_publish(exchange="", routing_key=queue, body=b"q",
                            properties=pika.BasicProperties(reply_to=REPLY_TO))
    server = connection.channel()
    _, properties, _ = get_one(server, queue)
    requester.close()
    server.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError):
        server.basic_publish(exchange="", routing_key=properties.reply_to, body=b"late", mandatory=True)


def test_a_stomp_service_answers_a_direct_reply_to_request(broker, unique):
    """The responder is a STOMP client: it replies to the request's reply-to on `/amq/queue/`."""
    from test_stomp_support import stomp_connection

    service = unique("stomp-service")
    stomp, listener = stomp_connection(broker, "1.2")
    stomp.connect("guest", "guest", wait=True)
    stomp.subscribe(f"/queue/{service}", id="service", ack="auto")
    requester = broker.connect()
    try:
        channel = requester.channel()
        replies = []
        channel.basic_consume(REPLY_TO, lambda ch, m, p, body: replies.append((body, p.correlation_id)),
                              auto_ack=True)
        channel.basic_publish(exchange="", routing_key=service, body=b"question",
                              properties=pika.BasicProperties(reply_to=REPLY_TO, correlation_id="7"))
        request = listener.message()
        assert request.headers["reply-to"].startswith(REPLY_TO + ".")
        stomp.send(f"/amq/queue/{request.headers['reply-to']}", "answer",
                   headers={"correlation-id": request.headers["correlation-id"]})
        wait_until(lambda: requester.process_data_events(time_limit=0.05) or replies, 10)
        assert replies == [(b"answer", "7")]
    finally:
        requester.close()
        stomp.disconnect()
