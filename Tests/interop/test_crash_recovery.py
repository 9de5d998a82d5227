"""kill -9 in the middle of confirmed publishing: no confirmed message may be lost or corrupted."""

import hashlib
import os
import random
import threading

import pika
import pytest

from helpers import Broker, wait_until

pytestmark = [pytest.mark.timeout(240), pytest.mark.junction_only]

TOTAL = 100_000
WINDOW = 256


def body_for(sequence):
    payload = f"message-{sequence}".encode()
    return payload + b"|" + hashlib.sha256(payload).hexdigest()[:16].encode()


def check_body(body):
    payload, _, digest = body.rpartition(b"|")
    assert hashlib.sha256(payload).hexdigest()[:16].encode() == digest, f"corrupted body {body!r}"
    return int(payload.split(b"-")[1])


class ConfirmingPublisher:
    """Publishes with a window of unconfirmed messages on pika's SelectConnection and records which
    sequences the broker confirmed, until the broker disappears or everything is confirmed."""

    def __init__(self, parameters, queue):
        self.parameters = parameters
        self.queue = queue
        self.next_sequence = 0
        self.delivery_tags = {}
        self.confirmed = set()
        self.nacked = set()
        self.channel = None
        self.connection = None

    def run(self):
        self.connection = pika.SelectConnection(
            self.parameters,
            on_open_callback=self.on_open,
            on_open_error_callback=lambda _c, error: self.connection.ioloop.stop(),
            on_close_callback=lambda _c, _reason: self.connection.ioloop.stop(),
        )
        self.connection.ioloop.start()

    def on_open(self, connection):
        connection.channel(on_open_callback=self.on_channel)

    def on_channel(self, channel):
        self.channel = channel
        channel.queue_declare(self.queue, durable=True, callback=lambda _frame: channel.confirm_delivery(
            self.on_confirm, callback=lambda _frame: self.publish_window()))

    def publish_window(self):
        while self.next_sequence < TOTAL and len(self.delivery_tags) < WINDOW:
            sequence = self.next_sequence
            self.next_sequence += 1
            self.channel.basic_publish("", self.queue, body_for(sequence),
                                       pika.BasicProperties(delivery_mode=2))
            self.delivery_tags[sequence + 1] = sequence
        if self.next_sequence >= TOTAL and not self.delivery_tags:
            self.connection.close()

    def on_confirm(self, frame):
        method = frame.method
        tags = [t for t in self.delivery_tags if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        target = self.confirmed if isinstance(method, pika.spec.Basic.Ack) else self.nacked
        for tag in tags:
            sequence = self.delivery_tags.pop(tag, None)
            if sequence is not None:
                target.add(sequence)
        self.publish_window()


def test_no_confirmed_message_is_lost_when_the_broker_is_killed(own_broker):
    publisher = ConfirmingPublisher(own_broker.connection_parameters(), "crash-orders")
    # Kill at a random moment while publishing is under way.
    delay = random.uniform(0.5, 2.5)
    killer = threading.Timer(delay, own_broker.kill)
    killer.start()
    publisher.run()
    killer.join()
    confirmed = publisher.confirmed
    assert confirmed, f"nothing was confirmed within {delay:.2f}s"

    own_broker.start(port=own_broker.port)
    connection = pika.BlockingConnection(own_broker.connection_parameters())
    channel = connection.channel()
    count = channel.queue_declare("crash-orders", durable=True, passive=True).method.message_count
    seen = set()
    while True:
        method, _properties, body = channel.basic_get("crash-orders", auto_ack=True)
        if method is None:
            break
        seen.add(check_body(body))
    connection.close()
    missing = confirmed - seen
    assert not missing, f"{len(missing)} confirmed messages lost (e.g. {sorted(missing)[:5]}); killed after {delay:.2f}s"
    assert len(seen) == count
    print(f"killed after {delay:.2f}s: {len(confirmed)} confirmed, {len(seen)} recovered")


def test_segment_rolls_and_truncations_lose_nothing_confirmed_when_the_broker_is_killed(broker_binary_path, tmp_path):
    """Queue-log segments of 16 KiB roll every ~150 messages while a consumer acknowledges, so segments are
    sealed and deleted (their fsyncs and unlinks left to the group commit's I/O thread) all the time; a
    kill -9 in the middle loses no confirmed message that was not acknowledged, and once the queue is
    drained after the restart its freed segments are unlinked without further traffic."""
    data_dir = str(tmp_path / "data")
    env = {"JUNCTION_STORAGE_SEGMENT_MAX_BYTES": "16384"}
    broker = Broker(broker_binary_path, data_dir, env=env)
    broker.start()
    try:
        queue = "crash-rolls"
        acked = set()
        stop = threading.Event()

        def consume():
            try:
                connection = pika.BlockingConnection(broker.connection_parameters())
                channel = connection.channel()
                channel.queue_declare(queue, durable=True)
                channel.basic_qos(prefetch_count=100)
                for method, _properties, body in channel.consume(queue, inactivity_timeout=0.1):
                    if stop.is_set():
                        break
                    if method is None:
                        continue
                    # Counted before the ack goes out: pika may raise after sending it (the broker died just
                    # then), and a message whose ack reached the broker may be gone.
                    acked.add(check_body(body))
                    channel.basic_ack(method.delivery_tag)
            except (pika.exceptions.AMQPError, OSError):
                pass  # the broker was killed

        publisher = ConfirmingPublisher(broker.connection_parameters(), queue)
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        delay = random.uniform(1.0, 3.0)
        killer = threading.Timer(delay, broker.kill)
        killer.start()
        publisher.run()
        killer.join()
        stop.set()
        consumer.join(timeout=10)
        confirmed = publisher.confirmed
        assert confirmed, f"nothing was confirmed within {delay:.2f}s"

        broker.start(port=broker.port)
        connection = pika.BlockingConnection(broker.connection_parameters())
        channel = connection.channel()
        seen = set()
        while True:
            method, _properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                break
            seen.add(check_body(body))
        missing = confirmed - acked - seen
        assert not missing, f"{len(missing)} confirmed messages lost (e.g. {sorted(missing)[:5]}); killed after {delay:.2f}s"

        # Drained: every segment but the active one goes, by the group commits that follow (no traffic).
        messages_dir = os.path.join(data_dir, "queues", "%2F", queue, "messages")
        wait_until(lambda: len([n for n in os.listdir(messages_dir) if n.endswith(".log")]) <= 2, timeout=10,
                   message=f"the drained queue's segments to go: {sorted(os.listdir(messages_dir))}")
        connection.close()
        print(f"killed after {delay:.2f}s: {len(confirmed)} confirmed, {len(acked)} acked, {len(seen)} recovered")
    finally:
        broker.kill()
