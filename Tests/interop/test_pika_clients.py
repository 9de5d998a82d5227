"""pika's two connection adapters: BlockingConnection and the asynchronous SelectConnection."""

import pika
import pytest

from helpers import drain

pytestmark = pytest.mark.timeout(60)


def test_blocking_connection_round_trip(broker, unique):
    queue = unique("blocking")
    with broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue=queue)
        for i in range(20):
            channel.basic_publish(exchange="", routing_key=queue, body=f"m{i}".encode())
        received = drain(connection, channel, queue, 20, auto_ack=False)
        assert [body for _, _, body in received] == [f"m{i}".encode() for i in range(20)]
        assert [m.delivery_tag for m, _, _ in received] == list(range(1, 21))
        channel.basic_ack(delivery_tag=20, multiple=True)
        assert channel.queue_declare(queue=queue, passive=True).method.message_count == 0
        channel.queue_delete(queue=queue)


def test_blocking_consume_generator(broker, unique):
    queue = unique("generator")
    with broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue=queue, auto_delete=True)
        channel.basic_publish(exchange="", routing_key=queue, body=b"one")
        channel.basic_publish(exchange="", routing_key=queue, body=b"two")
        bodies = []
        for method, _, body in channel.consume(queue, inactivity_timeout=10):
            assert method is not None, "no message within the inactivity timeout"
            bodies.append(body)
            channel.basic_ack(method.delivery_tag)
            if len(bodies) == 2:
                break
        channel.cancel()
        assert bodies == [b"one", b"two"]


def test_select_connection_publish_confirm_consume(broker, unique):
    queue = unique("select")
    count = 50
    state = {"acked": set(), "received": [], "error": None, "closed": False}

    def fail(message):
        state["error"] = message
        connection.ioloop.stop()

    def on_open(conn):
        conn.channel(on_open_callback=on_channel)

    def on_open_error(conn, error):
        fail(f"connection failed: {error!r}")

    def on_closed(conn, reason):
        state["closed"] = True
        connection.ioloop.stop()

    def on_channel(channel):
        state["channel"] = channel
        channel.add_on_close_callback(lambda ch, reason: fail(f"channel closed: {reason!r}") if not state["closed"] else None)
        channel.queue_declare(queue=queue, auto_delete=True, callback=on_declared)

    def on_declared(frame):
        channel = state["channel"]
        channel.confirm_delivery(ack_nack_callback=on_confirm, callback=on_confirm_selected)

    def on_confirm_selected(frame):
        channel = state["channel"]
        for i in range(count):
            channel.basic_publish(exchange="", routing_key=queue, body=f"s{i}".encode())

    def on_confirm(frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            fail(f"nack for {method.delivery_tag}")
            return
        if method.multiple:
            state["acked"].update(t for t in range(1, method.delivery_tag + 1))
        else:
            state["acked"].add(method.delivery_tag)
        if len(state["acked"]) == count and "consuming" not in state:
            state["consuming"] = True
            state["channel"].basic_consume(queue=queue, on_message_callback=on_message)

    def on_message(channel, method, properties, body):
        state["received"].append(body)
        channel.basic_ack(method.delivery_tag)
        if len(state["received"]) == count:
            state["closed"] = True
            connection.close()

    connection = pika.SelectConnection(
        broker.connection_parameters(),
        on_open_callback=on_open,
        on_open_error_callback=on_open_error,
        on_close_callback=on_closed,
    )
    connection.ioloop.call_later(30, lambda: fail(f"timeout: acked={len(state['acked'])} received={len(state['received'])}"))
    connection.ioloop.start()

    assert state["error"] is None, state["error"]
    assert state["acked"] == set(range(1, count + 1))
    assert state["received"] == [f"s{i}".encode() for i in range(count)]
