"""Resource alarms: a publisher is told connection.blocked and held, as with RabbitMQ."""

import pika

from helpers import Broker, wait_until


def test_memory_alarm_blocks_publishers_and_tells_them(broker_binary_path, tmp_path):
    # A watermark of 1000 bytes is always exceeded: the alarm is up a second after start.
    broker = Broker(
        broker_binary_path,
        str(tmp_path / "data"),
        env={"JUNCTION_RESOURCES_MEMORY_HIGH_WATERMARK": "1000"},
    )
    broker.start()
    try:
        wait_until(lambda: "memory alarm set" in broker.log(), timeout=10, message="the memory alarm")
        connection = pika.BlockingConnection(broker.connection_parameters(blocked_connection_timeout=None))
        blocked = []
        connection.add_on_connection_blocked_callback(lambda _conn, frame: blocked.append(frame.method.reason))
        channel = connection.channel()
        queue = channel.queue_declare(queue="", auto_delete=True).method.queue
        channel.basic_publish(exchange="", routing_key=queue, body=b"held")
        deadline_hit = []
        connection.call_later(10, lambda: deadline_hit.append(True))
        while not blocked and not deadline_hit:
            connection.process_data_events(time_limit=0.2)
        assert blocked == ["low on memory"]
        # Connections that only consume keep working during the alarm.
        other = pika.BlockingConnection(broker.connection_parameters())
        method, _properties, body = other.channel().basic_get(queue, auto_ack=True)
        assert body == b"held"
        other.close()
    finally:
        broker.kill()
