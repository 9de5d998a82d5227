#!/usr/bin/env python3
"""Capture the AMQP 0-9-1 frames real clients send, as golden vectors for the codec tests.

A fake server speaks just enough of the server side (every server frame is built by hand here, not by
a client library) for a client to run a short scenario; each frame the client sends is written to
`<client>-<method>.hex` next to this script, with a first comment line naming the client and version.

    pip install pika                 # the pika scenario
    apt-get install -y amqp-tools    # rabbitmq-c's amqp-publish / amqp-declare-queue
    python3 capture.py               # rewrites the .hex files

Only the first frame of each name is kept. Re-running rewrites the files; they change only when a client does
(pika's start-ok carries the Python version).
"""

import os
import socket
import struct
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
FRAME_END = 0xCE

METHOD_NAMES = {
    (10, 11): "connection-start-ok", (10, 31): "connection-tune-ok", (10, 40): "connection-open",
    (10, 50): "connection-close", (10, 51): "connection-close-ok",
    (20, 10): "channel-open", (20, 40): "channel-close", (20, 41): "channel-close-ok",
    (40, 10): "exchange-declare", (50, 10): "queue-declare", (50, 20): "queue-bind",
    (60, 10): "basic-qos", (60, 20): "basic-consume", (60, 30): "basic-cancel", (60, 40): "basic-publish",
    (60, 80): "basic-ack", (60, 90): "basic-reject", (60, 120): "basic-nack", (85, 10): "confirm-select",
}


def shortstr(s):
    b = s.encode()
    return struct.pack(">B", len(b)) + b


def longstr(b):
    return struct.pack(">I", len(b)) + b


def table(entries):
    """entries: list of (key, tag, encoded value bytes)."""
    body = b"".join(shortstr(k) + tag + v for k, tag, v in entries)
    return longstr(body)


def frame(kind, channel, payload):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + bytes([FRAME_END])


def method(channel, class_id, method_id, args=b""):
    return frame(1, channel, struct.pack(">HH", class_id, method_id) + args)


def connection_start():
    true = b"\x01"
    capabilities = table([
        ("publisher_confirms", b"t", true), ("exchange_exchange_bindings", b"t", true),
        ("basic.nack", b"t", true), ("consumer_cancel_notify", b"t", true),
        ("connection.blocked", b"t", true), ("authentication_failure_close", b"t", true),
    ])
    server_properties = table([
        ("product", b"S", longstr(b"capture.py")), ("capabilities", b"F", capabilities),
    ])
    return method(0, 10, 10, b"\x00\x09" + server_properties + longstr(b"PLAIN AMQPLAIN") + longstr(b"en_US"))


class Recorder:
    """Keeps the first frame of each name; writes them once the client's version is known."""

    def __init__(self, client):
        self.client = client
        self.frames = {}

    def save(self, name, raw):
        self.frames.setdefault(name, raw)

    def write(self, version):
        for name, raw in self.frames.items():
            lines = [f"# {version}: {name} frame, captured by capture.py"]
            hexed = raw.hex()
            lines += [" ".join(hexed[i:i + 2] for i in range(j, min(j + 64, len(hexed)), 2))
                      for j in range(0, len(hexed), 64)]
            with open(os.path.join(HERE, f"{self.client}-{name}.hex"), "w") as f:
                f.write("\n".join(lines) + "\n")


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(conn, recorder):
    """Plays the server side until the client closes the connection."""
    assert read_exact(conn, 8) == b"AMQP\x00\x00\x09\x01"
    conn.sendall(connection_start())
    confirming = set()
    publish_seq = {}
    pending_publish = {}
    while True:
        try:
            header = read_exact(conn, 7)
        except EOFError:
            return
        kind, channel, size = struct.unpack(">BHI", header)
        payload = read_exact(conn, size)
        end = read_exact(conn, 1)
        raw = header + payload + end
        if kind == 2:
            recorder.save("basic-publish-header", raw)
            continue
        if kind == 3:
            recorder.save("basic-publish-body", raw)
            if channel in confirming and pending_publish.pop(channel, False):
                publish_seq[channel] = publish_seq.get(channel, 0) + 1
                conn.sendall(method(channel, 60, 80, struct.pack(">QB", publish_seq[channel], 0)))
            continue
        if kind == 8:
            recorder.save("heartbeat", raw)
            continue
        class_id, method_id = struct.unpack(">HH", payload[:4])
        recorder.save(METHOD_NAMES.get((class_id, method_id), f"method-{class_id}-{method_id}"), raw)
        reply = None
        if (class_id, method_id) == (10, 11):
            reply = method(0, 10, 30, struct.pack(">HIH", 2047, 131072, 60))
        elif (class_id, method_id) == (10, 40):
            reply = method(0, 10, 41, shortstr(""))
        elif (class_id, method_id) == (10, 50):
            conn.sendall(method(0, 10, 51))
            return
        elif (class_id, method_id) == (20, 10):
            reply = method(channel, 20, 11, longstr(b""))
        elif (class_id, method_id) == (20, 40):
            reply = method(channel, 20, 41)
        elif (class_id, method_id) == (40, 10):
            reply = method(channel, 40, 11)
        elif (class_id, method_id) == (50, 10):
            queue = payload[7:7 + payload[6]]
            reply = method(channel, 50, 11, shortstr(queue.decode()) + struct.pack(">II", 0, 0))
        elif (class_id, method_id) == (50, 20):
            reply = method(channel, 50, 21)
        elif (class_id, method_id) == (60, 10):
            reply = method(channel, 60, 11)
        elif (class_id, method_id) == (60, 20):
            tag_at = 6 + 1 + payload[6]
            tag = payload[tag_at + 1:tag_at + 1 + payload[tag_at]].decode() or "amq.ctag-capture"
            reply = method(channel, 60, 21, shortstr(tag))
        elif (class_id, method_id) == (60, 30):
            reply = method(channel, 60, 31, payload[4:4 + 1 + payload[4]])
        elif (class_id, method_id) == (60, 40):
            pending_publish[channel] = True
        elif (class_id, method_id) == (85, 10):
            confirming.add(channel)
            reply = method(channel, 85, 11)
        if reply is not None:
            conn.sendall(reply)


def run_server(recorder):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def accept():
        conn, _ = listener.accept()
        with conn:
            serve(conn, recorder)
        listener.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def pika_scenario(port):
    import pika

    params = pika.ConnectionParameters(
        host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"), heartbeat=60)
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.exchange_declare("orders", exchange_type="topic", durable=True)
    channel.queue_declare(
        "orders.eu", durable=True,
        arguments={"x-max-length": 1000, "x-dead-letter-exchange": "dlx", "x-message-ttl": 60000})
    channel.queue_bind("orders.eu", "orders", routing_key="eu.#")
    channel.confirm_delivery()
    channel.basic_publish(
        "orders", "eu.de.berlin", b"hello, world",
        pika.BasicProperties(
            content_type="application/json", content_encoding="utf-8", delivery_mode=2, priority=5,
            correlation_id="c-1", reply_to="replies", expiration="60000", message_id="m-1",
            timestamp=1700000000, type="order.created", user_id="guest", app_id="capture",
            headers={"x-trace": "abc", "count": 3, "nested": {"flag": True}, "list": [1, "two"]}))
    channel.basic_qos(prefetch_count=50)
    channel.basic_consume("orders.eu", on_message_callback=lambda *args: None, consumer_tag="ctag-1")
    channel.basic_ack(delivery_tag=7, multiple=True)
    channel.basic_nack(delivery_tag=9, multiple=False, requeue=False)
    channel.basic_cancel("ctag-1")
    channel.close()
    connection.close()
    return f"pika {pika.__version__} (Python {sys.version.split()[0]}) BlockingConnection"


def rabbitmq_c_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "amqp-tools"], capture_output=True, text=True)
    return f"rabbitmq-c amqp-tools {out.stdout.strip() or 'unknown'}"


def rabbitmq_c_scenario(tool, args):
    def run(port):
        url = f"amqp://guest:guest@127.0.0.1:{port}"
        subprocess.run([tool, "-u", url, *args], check=True, timeout=20)
        return rabbitmq_c_version()
    return run


def main():
    for client, scenario in [
        ("pika", pika_scenario),
        ("rabbitmq-c-publish", rabbitmq_c_scenario(
            "amqp-publish", ["-e", "amq.direct", "-r", "jobs", "-p", "-C", "text/plain", "-b", "job 1"])),
        ("rabbitmq-c-declare-queue", rabbitmq_c_scenario("amqp-declare-queue", ["-q", "jobs", "-d"])),
    ]:
        recorder = Recorder(client)
        port, thread = run_server(recorder)
        version = scenario(port)
        thread.join(timeout=20)
        recorder.write(version)
        print(f"{client}: {len(recorder.frames)} frames ({version})")


if __name__ == "__main__":
    main()
