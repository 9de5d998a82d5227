"""Publishing: confirms, mandatory returns, property and header round-trips, large bodies, transactions."""

import datetime
import decimal
import time

import pika
import pytest

from helpers import drain, get_one, wait_until

pytestmark = pytest.mark.timeout(60)


def test_publisher_confirms_arrive_for_every_publish(channel, unique):
    queue = unique("confirms")
    channel.queue_declare(queue=queue, exclusive=True)
    channel.confirm_delivery()
    # In confirm mode a BlockingChannel publish returns only once the broker acked it
    # (it raises NackError / UnroutableError otherwise).
    for i in range(200):
        channel.basic_publish(exchange="", routing_key=queue, body=f"c{i}".encode(),
                              properties=pika.BasicProperties(delivery_mode=2 if i % 2 else 1))
    assert channel.queue_declare(queue=queue, passive=True).method.message_count == 200


def test_confirm_for_unroutable_non_mandatory_publish_is_ack(channel, unique):
    exchange = unique("nowhere")
    channel.exchange_declare(exchange=exchange, exchange_type="direct", auto_delete=True)
    channel.confirm_delivery()
    channel.basic_publish(exchange=exchange, routing_key="none", body=b"dropped")


def test_mandatory_unroutable_message_is_returned(connection, channel, unique):
    exchange = unique("mandatory")
    channel.exchange_declare(exchange=exchange, exchange_type="direct", auto_delete=True)
    returned = []
    channel.add_on_return_callback(lambda ch, method, properties, body: returned.append((method, properties, body)))
    channel.basic_publish(exchange=exchange, routing_key="nobody", body=b"bounce", mandatory=True,
                          properties=pika.BasicProperties(message_id="m-1"))
    deadline = time.monotonic() + 10
    while not returned:
        assert time.monotonic() < deadline, "no basic.return"
        connection.process_data_events(time_limit=0.1)
    method, properties, body = returned[0]
    assert method.reply_code == 312
    assert method.reply_text == "NO_ROUTE"
    assert method.exchange == exchange
    assert method.routing_key == "nobody"
    assert properties.message_id == "m-1"
    assert body == b"bounce"


def test_mandatory_unroutable_with_confirms_raises_unroutable(channel, unique):
    exchange = unique("mandatory-confirm")
    channel.exchange_declare(exchange=exchange, exchange_type="fanout", auto_delete=True)
    channel.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError) as excinfo:
        channel.basic_publish(exchange=exchange, routing_key="", body=b"x", mandatory=True)
    [message] = excinfo.value.messages
    assert message.method.reply_code == 312
    assert message.body == b"x"


def test_all_properties_and_header_types_round_trip(channel, unique):
    queue = unique("props")
    channel.queue_declare(queue=queue, exclusive=True)
    timestamp = int(time.time())
    header_time = datetime.datetime(2024, 5, 17, 12, 30, 45)
    headers = {
        "int": 42,
        "negative": -7,
        "big": 2**40,
        "str": "hello wörld",
        "true": True,
        "false": False,
        "decimal": decimal.Decimal("12.345"),
        "nested": {"level": 2, "inner": {"ok": True, "name": "deep"}},
        "list": [1, "two", False, {"k": "v"}, [9], b"\x01"],
        "bytes": b"\x00\x01\xfe\xff",
        "timestamp": header_time,
        "void": None,
        "empty_table": {},
        "empty_list": [],
    }
    properties = pika.BasicProperties(
        content_type="application/octet-stream",
        content_encoding="gzip",
        headers=headers,
        delivery_mode=2,
        priority=7,
        correlation_id="corr-1",
        reply_to="reply.queue",
        expiration="600000",
        message_id="msg-1",
        timestamp=timestamp,
        type="order.created",
        user_id="guest",
        app_id="interop-tests",
    )
    body = bytes(range(256))
    channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)
    _, got, got_body = get_one(channel, queue)

    assert got_body == body
    assert got.content_type == "application/octet-stream"
    assert got.content_encoding == "gzip"
    assert got.delivery_mode == 2
    assert got.priority == 7
    assert got.correlation_id == "corr-1"
    assert got.reply_to == "reply.queue"
    assert got.expiration == "600000"
    assert got.message_id == "msg-1"
    assert got.timestamp == timestamp
    assert got.type == "order.created"
    assert got.user_id == "guest"
    assert got.app_id == "interop-tests"
    # pika decodes timestamps as aware UTC datetimes.
    expected = dict(headers, timestamp=header_time.replace(tzinfo=datetime.timezone.utc))
    assert got.headers == expected
    assert list(got.headers) == list(headers), "header order must be kept"
    assert type(got.headers["true"]) is bool
    assert type(got.headers["bytes"]) is bytes


def test_float_and_other_header_types_from_py_amqp_reach_pika(broker, channel, unique):
    # pika can neither encode floats nor decode them (it truncates doubles to int), so this round
    # trip uses py-amqp (kombu's transport) on both ends.
    import amqp

    queue = unique("py-amqp-headers")
    channel.queue_declare(queue=queue, exclusive=False, auto_delete=False)
    headers = {
        "float": 3.25,
        "negative_float": -1.5e-3,
        "int": 7,
        "str": "text",
        "bool": True,
        "nested": {"f": 0.5, "l": [1, 2.5, "x"]},
        "list": [True, 2, "three", 0.125],
        "decimal": decimal.Decimal("1.50"),
    }
    stamp = datetime.datetime(2023, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    with amqp.Connection(f"{broker.host}:{broker.port}", userid=broker.username, password=broker.password,
                         virtual_host="/", connect_timeout=10) as connection:
        py_channel = connection.channel()
        py_channel.basic_publish(
            amqp.Message(b"from py-amqp", application_headers=dict(headers, timestamp=stamp),
                         content_type="text/plain", priority=3),
            exchange="", routing_key=queue,
        )
        deadline = time.monotonic() + 5
        message = None
        while message is None:
            assert time.monotonic() < deadline, "no message"
            message = py_channel.basic_get(queue, no_ack=True)
        got = message.properties["application_headers"]
        assert message.body == b"from py-amqp"
        assert message.properties["content_type"] == "text/plain"
        assert message.properties["priority"] == 3
        assert got["timestamp"].timestamp() == stamp.timestamp()
        del got["timestamp"]
        assert got == headers
        assert type(got["float"]) is float and type(got["nested"]["f"]) is float
        py_channel.queue_delete(queue)
        py_channel.close()


def test_message_without_properties_round_trips_empty(channel, unique):
    queue = unique("bare")
    channel.queue_declare(queue=queue, exclusive=True)
    channel.basic_publish(exchange="", routing_key=queue, body=b"")
    _, got, body = get_one(channel, queue)
    assert body == b""
    assert got.headers is None
    assert got.content_type is None and got.delivery_mode is None and got.timestamp is None


def test_large_body_is_split_across_frames_and_reassembled(connection, channel, unique):
    queue = unique("large")
    channel.queue_declare(queue=queue, exclusive=True)
    size = 1024 * 1024
    body = bytes((i * 7 + i // 251) % 256 for i in range(size))
    channel.confirm_delivery()
    channel.basic_publish(exchange="", routing_key=queue, body=body)
    channel.basic_publish(exchange="", routing_key=queue, body=body[: 131072 - 8])
    [(_, _, first), (_, _, second)] = drain(connection, channel, queue, 2, timeout=30)
    assert len(first) == size and first == body
    assert second == body[: 131072 - 8]


def test_transaction_commit_and_rollback(broker, unique):
    queue = unique("tx")
    with broker.connect() as connection:
        observer = connection.channel()
        observer.queue_declare(queue=queue, exclusive=True)
        tx = connection.channel()
        tx.tx_select()

        tx.basic_publish(exchange="", routing_key=queue, body=b"rolled back")
        tx.tx_rollback()
        tx.basic_publish(exchange="", routing_key=queue, body=b"committed")
        assert observer.queue_declare(queue=queue, passive=True).method.message_count == 0
        tx.tx_commit()
        assert observer.queue_declare(queue=queue, passive=True).method.message_count == 1

        # Acks inside a transaction take effect on commit only; rolled back acks leave the message unacked.
        method, _, body = get_one(tx, queue, auto_ack=False)
        assert body == b"committed"
        tx.basic_ack(delivery_tag=method.delivery_tag)
        tx.tx_rollback()
        tx.close()
        # The ack was rolled back, so closing the channel requeues the message.
        _, _, again = get_one(observer, queue)
        assert again == b"committed"
        assert observer.basic_get(queue=queue, auto_ack=True)[0] is None
