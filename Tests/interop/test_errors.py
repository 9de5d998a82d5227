"""Protocol errors a well-behaved client can provoke, as seen through pika."""

import time

import pika
import pytest

import amqp_raw
from helpers import assert_broker_alive

pytestmark = pytest.mark.timeout(60)


def test_exclusive_queue_is_locked_to_its_connection(broker, unique):
    queue = unique("exclusive")
    with broker.connect() as owner_connection, broker.connect() as other_connection:
        owner = owner_connection.channel()
        owner.queue_declare(queue=queue, exclusive=True)
        other = other_connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
            other.queue_declare(queue=queue, exclusive=True)
        assert excinfo.value.reply_code == 405
        assert excinfo.value.reply_text.startswith("RESOURCE_LOCKED")
        # The owner is unaffected.
        owner.basic_publish(exchange="", routing_key=queue, body=b"mine")
        assert owner.queue_declare(queue=queue, passive=True).method.message_count in (0, 1)


def test_exclusive_queue_disappears_with_its_connection(broker, unique):
    queue = unique("exclusive-gone")
    owner_connection = broker.connect()
    owner_connection.channel().queue_declare(queue=queue, exclusive=True)
    owner_connection.close()
    with broker.connect() as connection:
        channel = connection.channel()
        deadline = time.monotonic() + 5
        while True:
            try:
                channel.queue_declare(queue=queue, passive=True)
            except pika.exceptions.ChannelClosedByBroker as error:
                assert error.reply_code == 404
                break
            assert time.monotonic() < deadline, "exclusive queue outlived its connection"
            channel = connection.channel()
            connection.process_data_events(time_limit=0.05)


def test_passive_declare_of_missing_queue_is_404(connection, unique):
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        channel.queue_declare(queue=unique("missing"), passive=True)
    assert excinfo.value.reply_code == 404
    assert excinfo.value.reply_text.startswith("NOT_FOUND")
    # Only the channel was closed: the connection goes on.
    assert connection.is_open
    connection.channel().queue_declare(queue=unique("present"), exclusive=True)


def test_passive_declare_of_missing_exchange_is_404(connection, unique):
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        channel.exchange_declare(exchange=unique("missing-x"), passive=True)
    assert excinfo.value.reply_code == 404


def test_publish_to_missing_exchange_closes_channel_404(connection, unique):
    channel = connection.channel()
    channel.basic_publish(exchange=unique("no-such-exchange"), routing_key="k", body=b"x")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        # The error arrives asynchronously; the next synchronous call surfaces it.
        channel.queue_declare(queue=unique("after"), exclusive=True)
    assert excinfo.value.reply_code == 404


def test_redeclare_with_different_properties_is_406(connection, unique):
    queue = unique("inequivalent")
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=False, auto_delete=True)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(queue=queue, durable=True, auto_delete=True)
    assert excinfo.value.reply_code == 406
    channel.queue_delete(queue=queue)


def test_reserved_amq_prefix_is_403(connection, unique):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().exchange_declare(exchange="amq." + unique("mine"), exchange_type="direct")
    assert excinfo.value.reply_code == 403


def test_wrong_password_is_refused(broker):
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(broker.connection_parameters(credentials=pika.PlainCredentials("guest", "wrong")))
    # On the wire: connection.close 403 ACCESS_REFUSED in place of connection.tune.
    with amqp_raw.RawConnection(broker.host, broker.port) as raw:
        raw.send(amqp_raw.PROTOCOL_HEADER)
        raw.expect_method(amqp_raw.CONNECTION_START)
        raw.send_start_ok("guest", "wrong")
        code, text, _, _ = raw.expect_connection_close()
        assert code == 403
        assert text.startswith("ACCESS_REFUSED")
    assert_broker_alive(broker)


def test_unknown_user_is_refused(broker):
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(broker.connection_parameters(credentials=pika.PlainCredentials("nobody", "guest")))
    assert_broker_alive(broker)


def test_unknown_vhost_is_refused(broker):
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(broker.connection_parameters(virtual_host="no-such-vhost"))
    assert_broker_alive(broker)


def test_heartbeat_is_offered_and_kept(broker):
    # The server proposes its configured interval (60 s by default) in connection.tune ...
    with amqp_raw.RawConnection(broker.host, broker.port) as raw:
        tune = raw.handshake(heartbeat=1)
        assert tune["heartbeat"] == 60
        assert tune["frame_max"] == 131072
        assert tune["channel_max"] == 2047
        # ... and, with 1 s agreed in tune-ok, sends heartbeat frames while the connection is idle.
        frame = raw.read_frame(timeout=5)
        assert frame.type == amqp_raw.FRAME_HEARTBEAT and frame.channel == 0

    # pika with a 1 s heartbeat stays connected through several idle intervals: it would drop the
    # connection itself if the broker's heartbeats stopped, and the broker would if pika's did.
    with broker.connect(heartbeat=1) as connection:
        assert connection._impl.params.heartbeat == 1
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.5)
        assert connection.is_open
        connection.channel().queue_declare(queue="", exclusive=True)
