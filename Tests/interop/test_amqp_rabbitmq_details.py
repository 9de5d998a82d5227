"""AMQP details RabbitMQ clients rely on: connection.update-secret (token refresh) and the hard
error for an unknown exchange type."""

import pika
import pika.exceptions
import pytest
import requests

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]


def test_update_secret_with_the_right_secret_keeps_the_connection(broker, unique):
    user = unique("token-user")
    assert requests.put(broker.http_url(f"/api/users/{user}"), auth=("guest", "guest"), timeout=10,
                        json={"password": "token-1", "tags": ""}).status_code == 201
    assert requests.put(broker.http_url(f"/api/permissions/%2F/{user}"), auth=("guest", "guest"), timeout=10,
                        json={"configure": ".*", "write": ".*", "read": ".*"}).status_code == 204
    connection = pika.BlockingConnection(
        broker.connection_parameters(credentials=pika.PlainCredentials(user, "token-1")))
    try:
        # The user's password changes (as an OAuth token would be refreshed), the client sends it on.
        assert requests.put(broker.http_url(f"/api/users/{user}"), auth=("guest", "guest"), timeout=10,
                            json={"password": "token-2", "tags": ""}).status_code == 204
        connection.update_secret("token-2", "token refresh")
        channel = connection.channel()
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.basic_publish(exchange="", routing_key=queue, body=b"still open")
        assert channel.basic_get(queue, auto_ack=True)[2] == b"still open"
        # A wrong secret closes the connection with 530, as RabbitMQ does.
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as excinfo:
            connection.update_secret("wrong", "token refresh")
        assert excinfo.value.reply_code == 530
        assert "refused" in excinfo.value.reply_text
    finally:
        if connection.is_open:
            connection.close()


@pytest.mark.parametrize("kind", ["x-no-such-type", "x-consistent-hash-nope"])
def test_an_unknown_exchange_type_closes_the_connection_with_503(broker, unique, kind):
    connection = broker.connect()
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as excinfo:
        connection.channel().exchange_declare(exchange=unique("x"), exchange_type=kind)
    assert excinfo.value.reply_code == 503
    assert kind in excinfo.value.reply_text
    assert not connection.is_open
