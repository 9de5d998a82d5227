"""Many connections and channels publishing and consuming at once: nothing lost, nothing duplicated."""

import collections
import threading
import time

import pytest

pytestmark = pytest.mark.timeout(180)

CONNECTIONS = 50
CHANNELS = 10
MESSAGES = 10


def test_fifty_connections_ten_channels_each(broker, unique):
    run = unique("conc")
    # Channel c of connection i consumes queue (i, c) and publishes to queue ((i + 1) % N, c).
    declared = threading.Barrier(CONNECTIONS, timeout=60)
    received = collections.defaultdict(list)
    errors = []
    lock = threading.Lock()

    def queue_name(i, c):
        return f"{run}-{i}-{c}"

    def worker(i):
        try:
            connection = broker.connect()
            try:
                channels = [connection.channel() for _ in range(CHANNELS)]
                for c, channel in enumerate(channels):
                    channel.queue_declare(queue=queue_name(i, c), auto_delete=False)
                    channel.basic_qos(prefetch_count=5)
                declared.wait()
                for c, channel in enumerate(channels):
                    channel.confirm_delivery()
                    target = queue_name((i + 1) % CONNECTIONS, c)
                    for m in range(MESSAGES):
                        channel.basic_publish(exchange="", routing_key=target, body=f"{i}:{c}:{m}".encode())
                got = {c: [] for c in range(CHANNELS)}

                def make_callback(c):
                    def on_message(channel, method, properties, body):
                        got[c].append(body.decode())
                        channel.basic_ack(method.delivery_tag)
                    return on_message

                for c, channel in enumerate(channels):
                    channel.basic_consume(queue=queue_name(i, c), on_message_callback=make_callback(c))
                deadline = time.monotonic() + 90
                while sum(len(v) for v in got.values()) < CHANNELS * MESSAGES:
                    if time.monotonic() > deadline:
                        break
                    connection.process_data_events(time_limit=0.1)
                # Anything extra (a duplicate) that is already on its way arrives now.
                connection.process_data_events(time_limit=0.2)
                for c, channel in enumerate(channels):
                    channel.queue_delete(queue=queue_name(i, c))
                with lock:
                    for c, bodies in got.items():
                        received[(i, c)] = bodies
            finally:
                if connection.is_open:
                    connection.close()
        except Exception as error:  # reported below with the connection number
            with lock:
                errors.append((i, repr(error)))
            declared.abort()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    assert not any(thread.is_alive() for thread in threads), "workers did not finish"
    assert errors == []

    for i in range(CONNECTIONS):
        for c in range(CHANNELS):
            sender = (i - 1) % CONNECTIONS
            expected = [f"{sender}:{c}:{m}" for m in range(MESSAGES)]
            # Per channel and queue, order is kept as well.
            assert received[(i, c)] == expected, f"queue {i}-{c}"
