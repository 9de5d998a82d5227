"""swift-service-lifecycle in the broker process: SIGHUP reloads the configuration file's log level
without dropping an open AMQP connection; SIGTERM drains (pika hears connection.close 320
CONNECTION_FORCED, confirmed persistent messages survive the restart) and the process exits 0 within
`shutdown_timeout_seconds`, cutting off a client that never answers."""

import signal
import socket
import time

import pika
import pytest

from helpers import Broker, drain, wait_until

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(120)]

TIMEOUT = 15.0


def deleted_lines(broker, queue):
    return [line for line in broker.log().splitlines() if "queue deleted" in line and queue in line]


def test_sighup_changes_the_log_level_without_dropping_a_connection(broker_binary_path, tmp_path):
    config = tmp_path / "junction.yaml"
    config.write_text("log_level: info\n")
    broker = Broker(broker_binary_path, str(tmp_path / "data"), extra_args=["--config", str(config)])
    broker.start()
    try:
        connection = broker.connect()
        channel = connection.channel()
        # At info, deleting a queue writes no debug record.
        channel.queue_declare(queue="before-reload")
        channel.queue_delete(queue="before-reload")
        channel.queue_declare(queue="kept", durable=True)
        assert deleted_lines(broker, "before-reload") == []

        config.write_text("log_level: debug\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in broker.log(), TIMEOUT, message="the reload record")

        # The connection opened before the reload is still there and works.
        channel.basic_publish(exchange="", routing_key="kept", body=b"after reload")
        assert [body for _, _, body in drain(connection, channel, "kept", 1)] == [b"after reload"]
        channel.queue_declare(queue="after-reload")
        channel.queue_delete(queue="after-reload")
        wait_until(lambda: deleted_lines(broker, "after-reload"), TIMEOUT, message="a debug record after SIGHUP")
        assert connection.is_open
        connection.close()

        # Back to info: debug records stop again.
        config.write_text("log_level: info\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_until(lambda: broker.log().count("configuration reloaded") == 2, TIMEOUT, message="the second reload")
        connection = broker.connect()
        channel = connection.channel()
        channel.queue_declare(queue="back-to-info")
        channel.queue_delete(queue="back-to-info")
        connection.close()
        assert broker.stop() == 0
        assert deleted_lines(broker, "back-to-info") == []
    finally:
        broker.kill()


def test_sighup_with_a_broken_config_keeps_the_running_settings(broker_binary_path, tmp_path):
    config = tmp_path / "junction.yaml"
    config.write_text("log_level: info\n")
    broker = Broker(broker_binary_path, str(tmp_path / "data"), extra_args=["--config", str(config)])
    broker.start()
    try:
        config.write_text("log_level: loud\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration reload failed" in broker.log(), TIMEOUT, message="the failed reload")
        assert broker.is_running()
        connection = broker.connect()
        connection.close()
    finally:
        broker.kill()


def test_sigterm_drains_with_close_320_and_keeps_confirmed_messages(broker_binary_path, tmp_path):
    deadline = 3
    broker = Broker(broker_binary_path, str(tmp_path / "data"),
                    env={"JUNCTION_SHUTDOWN_TIMEOUT_SECONDS": str(deadline)})
    broker.start()
    try:
        publisher = broker.connect()
        channel = publisher.channel()
        channel.queue_declare(queue="orders", durable=True)
        channel.confirm_delivery()
        for index in range(100):
            channel.basic_publish(exchange="", routing_key="orders", body=f"order-{index}".encode(),
                                  properties=pika.BasicProperties(delivery_mode=2), mandatory=True)
        # A client that never reads again: it cannot answer connection.close, so the deadline cuts it off.
        silent = broker.connect()
        silent.channel()

        started = time.monotonic()
        broker.process.send_signal(signal.SIGTERM)
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as closed:
            while True:
                publisher.process_data_events(time_limit=0.2)
                assert time.monotonic() - started < TIMEOUT, "no connection.close from the broker"
        assert closed.value.reply_code == 320
        assert "broker shutdown" in closed.value.reply_text
        code = broker.process.wait(timeout=deadline + 10)
        elapsed = time.monotonic() - started
        assert code == 0, broker.log()[-3000:]
        # The silent client held the stop for the whole deadline, and no longer.
        assert deadline - 0.5 <= elapsed < deadline + 5, elapsed
        broker._finish()

        broker.start(port=broker.port)
        connection = broker.connect()
        channel = connection.channel()
        restored = drain(connection, channel, "orders", 100)
        assert [body for _, _, body in restored] == [f"order-{i}".encode() for i in range(100)]
        connection.close()
    finally:
        broker.kill()


def read_until(sock, predicate, limit=TIMEOUT):
    """Bytes from `sock` until `predicate(data)` holds or the peer closes."""
    sock.settimeout(limit)
    data = b""
    while not predicate(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_sigterm_tells_mqtt5_and_stomp_clients_in_their_own_words(broker_binary_path, tmp_path):
    broker = Broker(broker_binary_path, str(tmp_path / "data"))
    broker.start()
    try:
        mqtt = socket.create_connection((broker.host, broker.mqtt_port), timeout=TIMEOUT)
        variable = b"\x00\x04MQTT\x05\xc2\x00\x3c\x00"
        payload = b"\x00\x02c1" + b"\x00\x05guest" + b"\x00\x05guest"
        mqtt.sendall(bytes([0x10, len(variable) + len(payload)]) + variable + payload)
        connack = read_until(mqtt, lambda d: len(d) >= 2 and len(d) >= 2 + d[1])
        assert connack[0] == 0x20 and connack[3] == 0x00, connack
        stomp = socket.create_connection((broker.host, broker.stomp_port), timeout=TIMEOUT)
        stomp.sendall(b"CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\x00")
        assert read_until(stomp, lambda d: b"\x00" in d).startswith(b"CONNECTED")

        broker.process.send_signal(signal.SIGTERM)
        disconnect = read_until(mqtt, lambda d: len(d) >= 3)
        # DISCONNECT (0xE0) with reason code 0x8B, server shutting down.
        assert disconnect[0] == 0xE0 and disconnect[2] == 0x8B, disconnect
        error = read_until(stomp, lambda d: b"\x00" in d)
        assert error.startswith(b"ERROR\n") and b"message:Server shutdown" in error, error
        assert broker.process.wait(timeout=TIMEOUT) == 0
        broker._finish()
        mqtt.close()
        stomp.close()
    finally:
        broker.kill()
