"""stomp.py against Junction's STOMP listener: versions, ack modes, transactions, receipts,
heart-beats, durable subscriptions."""

import time
import uuid

import pytest

from test_stomp_support import stomp_connection


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_send_and_receive_each_version(broker, version):
    conn, listener = stomp_connection(broker, version)
    conn.connect("guest", "guest", wait=True)
    destination = f"/queue/{name('v')}"
    conn.subscribe(destination, id="s1", ack="auto")
    conn.send(destination, "hello:\nworld", headers={"custom": "a:b\\c"}, receipt="r1")
    assert listener.receipt() == "r1"
    frame = listener.message()
    assert frame.body == "hello:\nworld"
    assert frame.headers["destination"] == destination
    assert frame.headers["subscription"] == "s1"
    if version != "1.0":
        assert frame.headers["custom"] == "a:b\\c"
    conn.disconnect()


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_client_individual_ack_and_nack(broker, version):
    conn, listener = stomp_connection(broker, version)
    conn.connect("guest", "guest", wait=True)
    destination = f"/queue/{name('ci')}"
    conn.subscribe(destination, id="s", ack="client-individual")
    conn.send(destination, "one")
    conn.send(destination, "two")
    first, second = listener.message(), listener.message()
    ack_header = "ack" if version == "1.2" else "message-id"

    def ack(frame):
        if version == "1.2":
            conn.ack(frame.headers[ack_header])
        else:
            conn.ack(frame.headers[ack_header], "s")

    def nack(frame):
        if version == "1.2":
            conn.nack(frame.headers[ack_header])
        else:
            conn.nack(frame.headers[ack_header], "s")

    ack(second)
    nack(first)
    again = listener.message()
    assert again.body == "one"
    assert again.headers["redelivered"] == "true"
    ack(again)
    listener.no_message()
    conn.disconnect()


def test_client_ack_is_cumulative(broker):
    destination = f"/queue/{name('cum')}"
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client")
    for index in range(3):
        conn.send(destination, str(index))
    frames = [listener.message() for _ in range(3)]
    conn.ack(frames[2].headers["ack"], receipt="acked")
    assert listener.receipt() == "acked"
    conn.disconnect()
    # Everything was settled by one cumulative ACK: a new consumer sees nothing.
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client")
    listener.no_message()
    conn.disconnect()


def test_unacked_are_redelivered_after_disconnect(broker):
    destination = f"/queue/{name('redeliver')}"
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client")
    conn.send(destination, "keep me")
    assert listener.message().headers["redelivered"] == "false"
    conn.disconnect()
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client-individual")
    frame = listener.message()
    assert frame.body == "keep me"
    assert frame.headers["redelivered"] == "true"
    conn.ack(frame.headers["ack"])
    conn.disconnect()


def test_prefetch_count(broker):
    destination = f"/queue/{name('prefetch')}"
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client-individual", headers={"prefetch-count": "1"})
    conn.send(destination, "a")
    conn.send(destination, "b")
    first = listener.message()
    listener.no_message()
    conn.ack(first.headers["ack"])
    assert listener.message().body == "b"
    conn.disconnect()


def test_transactions_commit_and_abort(broker):
    destination = f"/queue/{name('tx')}"
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="client-individual")
    tx = conn.begin()
    conn.send(destination, "in tx", transaction=tx)
    listener.no_message()
    conn.commit(tx, receipt="committed")
    assert listener.receipt() == "committed"
    frame = listener.message()
    assert frame.body == "in tx"
    tx = conn.begin()
    conn.ack(frame.headers["ack"], transaction=tx)
    conn.send(destination, "aborted", transaction=tx)
    conn.abort(tx, receipt="aborted")
    assert listener.receipt() == "aborted"
    listener.no_message()
    # The ACK was aborted too: the message is still unacked and comes back on reconnect.
    conn.disconnect()
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s", ack="auto")
    assert listener.message().body == "in tx"
    conn.disconnect()


def test_receipt_on_subscribe_and_disconnect(broker):
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/topic/{name('r')}", id="s", receipt="sub")
    assert listener.receipt() == "sub"
    conn.unsubscribe("s", receipt="unsub")
    assert listener.receipt() == "unsub"
    conn.disconnect(receipt="bye")
    assert listener.disconnected


def test_heartbeats_keep_an_idle_connection_open(broker):
    conn, listener = stomp_connection(broker, "1.2", heartbeats=(1000, 1000))
    conn.connect("guest", "guest", wait=True)
    destination = f"/queue/{name('hb')}"
    conn.subscribe(destination, id="s")
    time.sleep(3.5)
    assert listener.heartbeats >= 2
    conn.send(destination, "after idle")
    assert listener.message().body == "after idle"
    assert listener.errors.empty()
    conn.disconnect()


def test_topic_subscriptions_fan_out(broker):
    key = name("fan").replace("-", ".")
    subscribers = []
    for _ in range(2):
        conn, listener = stomp_connection(broker, "1.2")
        conn.connect("guest", "guest", wait=True)
        conn.subscribe(f"/topic/{key}.#", id="s", receipt="ok")
        assert listener.receipt() == "ok"
        subscribers.append((conn, listener))
    publisher, _ = stomp_connection(broker, "1.1")
    publisher.connect("guest", "guest", wait=True)
    publisher.send(f"/topic/{key}.x", "to all")
    for conn, listener in subscribers:
        frame = listener.message()
        assert frame.body == "to all"
        assert frame.headers["destination"] == f"/topic/{key}.x"
        conn.disconnect()
    publisher.disconnect()


def test_exchange_destination(broker):
    key = name("k")
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/exchange/amq.direct/{key}", id="s", receipt="ok")
    assert listener.receipt() == "ok"
    conn.send(f"/exchange/amq.direct/{key}", "direct")
    frame = listener.message()
    assert frame.body == "direct"
    assert frame.headers["destination"] == f"/exchange/amq.direct/{key}"
    conn.disconnect()


def test_durable_topic_subscription_survives_disconnect(broker):
    key = name("durable")
    sub_id = name("sub")
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/topic/{key}", id=sub_id, headers={"durable": "true", "auto-delete": "false"}, receipt="ok")
    assert listener.receipt() == "ok"
    conn.disconnect()
    publisher, _ = stomp_connection(broker, "1.2")
    publisher.connect("guest", "guest", wait=True)
    publisher.send(f"/topic/{key}", "while offline", receipt="sent")
    publisher.disconnect()
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/topic/{key}", id=sub_id, headers={"durable": "true"})
    assert listener.message().body == "while offline"
    conn.unsubscribe(sub_id, headers={"durable": "true"}, receipt="gone")
    assert listener.receipt() == "gone"
    conn.disconnect()


def test_binary_body_with_nul_bytes(broker):
    destination = f"/queue/{name('bin')}"
    conn, listener = stomp_connection(broker, "1.2", auto_decode=False)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(destination, id="s")
    body = bytes(range(256)) * 4
    conn.send(destination, body, content_type="application/octet-stream")
    frame = listener.message()
    assert frame.body == body
    assert frame.headers["content-type"] == "application/octet-stream"
    conn.disconnect()


def test_bad_login_is_refused(broker):
    conn, listener = stomp_connection(broker, "1.2")
    with pytest.raises(Exception):
        conn.connect("guest", "wrong", wait=True)
    error = listener.errors.get(timeout=10)
    assert error.headers["message"] == "Bad CONNECT"


def test_nack_without_requeue_dead_letters(broker):
    work, dead = name("work"), name("dead")
    amqp = broker.connect()
    channel = amqp.channel()
    channel.queue_declare(dead)
    channel.queue_declare(work, durable=True, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead})
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/amq/queue/{work}", id="s", ack="client-individual")
    conn.send(f"/amq/queue/{work}", "poison")
    frame = listener.message()
    conn.nack(frame.headers["ack"], requeue="false", receipt="nacked")
    assert listener.receipt() == "nacked"
    method, properties, body = channel.basic_get(dead, auto_ack=True)
    assert body == b"poison"
    assert properties.headers["x-death"][0]["reason"] == "rejected"
    amqp.close()
    conn.disconnect()
