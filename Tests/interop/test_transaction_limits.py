"""limits.max_transaction_bytes: an AMQP tx or a STOMP transaction past it is dropped with the protocol's
error (AMQP channel.close 406, STOMP ERROR); nothing of it is published and the next client is served."""

import pika
import pika.exceptions
import pytest

from helpers import Broker, broker_binary
from test_stomp_support import stomp_connection, wait_for_listener

pytestmark = pytest.mark.junction_only


@pytest.fixture
def small_tx_broker(tmp_path):
    instance = Broker(broker_binary(), str(tmp_path / "data"), env={"JUNCTION_LIMITS_MAX_TRANSACTION_BYTES": "4096"})
    instance.start()
    yield instance
    instance.kill()


def test_amqp_transaction_past_the_limit_closes_the_channel(small_tx_broker, unique):
    queue = unique("tx")
    connection = small_tx_broker.connect()
    channel = connection.channel()
    channel.queue_declare(queue)
    channel.tx_select()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
        for _ in range(3):
            channel.basic_publish("", queue, b"x" * 2000)
        channel.tx_commit()
    assert closed.value.reply_code == 406
    assert "max_transaction_bytes" in closed.value.reply_text
    # Nothing of the transaction was published; the connection and the next client go on.
    check = connection.channel()
    assert check.queue_declare(queue, passive=True).method.message_count == 0
    other = small_tx_broker.connect()
    committed = other.channel()
    committed.tx_select()
    committed.basic_publish("", queue, b"y" * 2000)
    committed.tx_commit()
    assert check.queue_declare(queue, passive=True).method.message_count == 1
    other.close()
    connection.close()


def test_stomp_transaction_past_the_limit_gets_an_error(small_tx_broker, unique):
    wait_for_listener(small_tx_broker.stomp_port)
    conn, listener = stomp_connection(small_tx_broker)
    conn.connect("guest", "guest", wait=True)
    queue = unique("stx")
    conn.begin(transaction="t1")
    for _ in range(3):
        conn.send(f"/queue/{queue}", "x" * 2000, transaction="t1")
    error = listener.errors.get(timeout=10)
    assert error.headers["message"] == "Transaction too large"
    fresh, _ = stomp_connection(small_tx_broker)
    fresh.connect("guest", "guest", wait=True)
    fresh.disconnect()
    # Nothing of the transaction ran: its SENDs would have declared the queue.
    connection = small_tx_broker.connect()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as missing:
        connection.channel().queue_declare(queue, passive=True)
    assert missing.value.reply_code == 404
    connection.close()
