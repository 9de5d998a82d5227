"""Moving messages out of a dead-letter queue over the management API (like RabbitMQ's shovel
"move messages"): back to their original exchange and routing key from `x-death`, or into another
queue; pika dead-letters and reads them; peeking with ackmode ack_requeue_true keeps them."""

import pytest
import requests

from helpers import drain, get_one, wait_until

pytestmark = pytest.mark.junction_only

AUTH = ("guest", "guest")


def api(broker, method, path, **kwargs):
    return requests.request(method, broker.http_url(path), auth=AUTH, timeout=30, **kwargs)


def depth(broker, queue):
    return api(broker, "GET", f"/api/queues/%2F/{queue}").json()["messages"]


def dead_letter(broker, channel, unique, count):
    """A work queue bound to an exchange whose rejected messages go to a dead-letter queue."""
    work, dead, exchange = unique("work"), unique("dlq"), unique("orders")
    channel.exchange_declare(exchange=exchange, exchange_type="direct")
    channel.exchange_declare(exchange=exchange + "-dlx", exchange_type="fanout")
    channel.queue_declare(queue=dead)
    channel.queue_bind(queue=dead, exchange=exchange + "-dlx")
    channel.queue_declare(queue=work, arguments={"x-dead-letter-exchange": exchange + "-dlx"})
    channel.queue_bind(queue=work, exchange=exchange, routing_key="new")
    for index in range(count):
        channel.basic_publish(exchange=exchange, routing_key="new", body=f"order-{index}".encode())
    for _ in range(count):
        method, _, _ = get_one(channel, work, auto_ack=False)
        channel.basic_reject(method.delivery_tag, requeue=False)
    wait_until(lambda: depth(broker, dead) == count, 5, message="dead-lettered messages")
    return work, dead, exchange


def test_peek_then_move_back_to_origin_and_to_another_queue(broker, connection, channel, unique):
    work, dead, _ = dead_letter(broker, channel, unique, 5)

    peeked = api(broker, "POST", f"/api/queues/%2F/{dead}/get",
                 json={"count": 5, "ackmode": "ack_requeue_true", "encoding": "auto"}).json()
    assert [m["payload"] for m in peeked] == [f"order-{i}" for i in range(5)]
    assert peeked[0]["properties"]["headers"]["x-death"][0]["queue"] == work
    assert depth(broker, dead) == 5

    moved = api(broker, "POST", f"/api/queues/%2F/{dead}/move", json={"to_origin": True, "count": 2})
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"moved": 2, "skipped": 0}
    assert depth(broker, dead) == 3
    back = drain(connection, channel, work, 2)
    assert [body for _, _, body in back] == [b"order-0", b"order-1"]

    parking = unique("parking")
    channel.queue_declare(queue=parking)
    moved = api(broker, "POST", f"/api/queues/%2F/{dead}/move", json={"destination": parking})
    assert moved.json() == {"moved": 3, "skipped": 0}
    assert depth(broker, dead) == 0
    rest = drain(connection, channel, parking, 3)
    assert [body for _, _, body in rest] == [b"order-2", b"order-3", b"order-4"]
    assert rest[0][1].headers["x-death"][0]["queue"] == work


def test_move_without_origin_puts_the_message_back(broker, channel, unique):
    plain, other = unique("plain"), unique("other")
    channel.queue_declare(queue=plain)
    channel.basic_publish(exchange="", routing_key=plain, body=b"never dead-lettered")
    wait_until(lambda: depth(broker, plain) == 1, 5, message="one message")
    moved = api(broker, "POST", f"/api/queues/%2F/{plain}/move", json={"to_origin": True})
    assert moved.json() == {"moved": 0, "skipped": 1}
    assert depth(broker, plain) == 1

    assert api(broker, "POST", f"/api/queues/%2F/{plain}/move", json={}).status_code == 400
    assert api(broker, "POST", f"/api/queues/%2F/{plain}/move",
               json={"to_origin": True, "destination": other}).status_code == 400
    assert api(broker, "POST", f"/api/queues/%2F/{plain}/move", json={"destination": other}).status_code == 404
    assert api(broker, "POST", f"/api/queues/%2F/{plain}/move", json={"destination": plain}).status_code == 400
    assert depth(broker, plain) == 1
