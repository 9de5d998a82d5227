"""kill -9 in the middle of confirmed publishing: no confirmed message may be lost or corrupted."""

import hashlib
import random
import threading

import pika
import pytest

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
