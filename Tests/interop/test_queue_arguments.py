"""Queue arguments: an `x-` argument Junction does not implement is refused by name (AMQP 406,
HTTP 400, definitions import 400); the harmless ones RabbitMQ ignores are accepted."""

import pika
import pika.exceptions
import pytest
import requests

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]

GUEST = ("guest", "guest")


def api(broker, method, path, **kwargs):
    return requests.request(method, broker.http_url(path), auth=GUEST, timeout=10, **kwargs)


def test_an_unknown_x_argument_is_406_naming_it(connection, unique):
    channel = connection.channel()
    queue = unique("q")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        channel.queue_declare(queue=queue, arguments={"x-made-up": 1, "x-message-ttl": 1000})
    assert excinfo.value.reply_code == 406
    assert "x-made-up" in excinfo.value.reply_text
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(queue=queue, passive=True)
    assert excinfo.value.reply_code == 404


def test_an_argument_of_another_queue_type_is_406(connection, unique):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(queue=unique("q"), arguments={"x-max-age": "1D"})
    assert excinfo.value.reply_code == 406 and "x-max-age" in excinfo.value.reply_text


@pytest.mark.parametrize("name, value", [
    ("x-queue-mode", "lazy"), ("x-queue-master-locator", "min-masters"), ("x-queue-leader-locator", "balanced"),
    ("x-quorum-initial-group-size", 3), ("x-quorum-target-group-size", 3),
    ("x-dead-letter-strategy", "at-least-once"), ("x-max-in-memory-length", 10),
    ("x-max-in-memory-bytes", 1000), ("x-queue-version", 2), ("tenant", "acme"),
])
def test_harmless_arguments_are_accepted(channel, unique, name, value):
    queue = unique("q")
    channel.queue_declare(queue=queue, arguments={name: value})
    channel.basic_publish(exchange="", routing_key=queue, body=b"ok")
    channel.queue_delete(queue=queue)


def test_http_put_and_definitions_import_refuse_unknown_arguments(broker, unique):
    queue = unique("http-q")
    response = api(broker, "PUT", f"/api/queues/%2F/{queue}", json={"arguments": {"x-made-up": True}})
    assert response.status_code == 400 and "x-made-up" in response.json()["reason"]
    document = {"queues": [{"name": queue, "vhost": "/", "durable": True, "auto_delete": False,
                            "arguments": {"x-made-up": True}}]}
    response = api(broker, "POST", "/api/definitions", json=document)
    assert response.status_code == 400 and "x-made-up" in response.json()["reason"]
    assert api(broker, "GET", f"/api/queues/%2F/{queue}").status_code == 404
