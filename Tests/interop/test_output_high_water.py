"""A consumer that stops reading leaves broker memory bounded: dispatch stops once the bytes
pending in the connection's output pass its high-water mark, not only when the channel becomes
unwritable, so a no-ack consumer attached to a backlog does not copy the backlog into its output
buffer. Broker memory is read from /proc/<pid>/status (VmRSS)."""

import socket
import struct
import time

import pika
import pytest

from helpers import wait_until

pytestmark = pytest.mark.junction_only

BODY = b"x" * 65536
MESSAGES = 1600  # 100 MiB of bodies in the backlog


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def amqp_frame(kind, channel, payload):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


def short_string(text):
    data = text.encode()
    return bytes([len(data)]) + data


def long_string(data):
    return struct.pack(">I", len(data)) + data


def method(channel, class_id, method_id, arguments=b""):
    return amqp_frame(1, channel, struct.pack(">HH", class_id, method_id) + arguments)


def raw_no_ack_consumer(port, queue):
    """A plain-socket AMQP client: logs in, consumes `queue` with no-ack, and then never reads."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"AMQP\x00\x00\x09\x01")

    def read_method():
        header = b""
        while len(header) < 7:
            header += sock.recv(7 - len(header))
        kind, channel, size = struct.unpack(">BHI", header)
        payload = b""
        while len(payload) < size + 1:
            payload += sock.recv(size + 1 - len(payload))
        return struct.unpack(">HH", payload[:4])

    assert read_method() == (10, 10)  # connection.start
    sock.sendall(method(0, 10, 11, struct.pack(">I", 0) + short_string("PLAIN") + long_string(b"\x00guest\x00guest")
                        + short_string("en_US")))
    assert read_method() == (10, 30)  # connection.tune
    sock.sendall(method(0, 10, 31, struct.pack(">HIH", 2047, 131072, 0)))
    sock.sendall(method(0, 10, 40, short_string("/") + short_string("") + b"\x00"))
    assert read_method() == (10, 41)  # open-ok
    sock.sendall(method(1, 20, 10, short_string("")))
    assert read_method() == (20, 11)  # channel.open-ok
    # basic.consume: no-local 0, no-ack 1, exclusive 0, no-wait 0; and then nothing is read.
    sock.sendall(method(1, 60, 20, struct.pack(">H", 0) + short_string(queue) + short_string("raw") + b"\x02"
                        + struct.pack(">I", 0)))
    return sock


def test_consumer_that_stops_reading_does_not_pull_the_backlog_into_memory(own_broker, unique):
    queue = unique("backlog")
    connection = pika.BlockingConnection(own_broker.connection_parameters())
    channel = connection.channel()
    channel.queue_declare(queue)
    for _ in range(MESSAGES):
        channel.basic_publish("", queue, BODY)
    wait_until(lambda: channel.queue_declare(queue, passive=True).method.message_count == MESSAGES, 30,
               message="the backlog is queued")
    pid = own_broker.process.pid
    before = rss_bytes(pid)

    stuck = raw_no_ack_consumer(own_broker.port, queue)
    # Dispatch runs until the consumer's output and socket are full; give it time to settle.
    time.sleep(2)
    after = rss_bytes(pid)
    growth = after - before
    print(f"\nbacklog {MESSAGES * len(BODY) >> 20} MiB; broker RSS {before >> 20} MiB before the stuck consumer, "
          f"{after >> 20} MiB after (+{growth >> 20} MiB)")
    # Without the high-water mark the whole backlog is encoded into the output buffer (+100 MiB).
    assert growth < 16 * 1024 * 1024
    # The broker serves the next client.
    other = pika.BlockingConnection(own_broker.connection_parameters())
    other.channel().queue_declare(unique("next"))
    other.close()
    stuck.close()
    connection.close()
