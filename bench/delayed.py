#!/usr/bin/env python3
"""1,000,000 delayed messages: what scheduling them costs the broker's memory, and how late they
arrive when they fall due (issue 15 item 2: within 100 MB, within 50 ms).

usage: bench/delayed.py --binary PATH [--count N] [--lead-seconds S] [--window-seconds W]
                        [--size BYTES] [--json FILE]

Starts its own broker (the given `junction` binary, free loopback ports, a temporary data
directory), declares a durable `x-delayed-message` exchange (x-delayed-type direct) and a durable
queue bound to it, and reads the broker's RSS (VmRSS) once settled. Then it publishes N persistent
messages over one raw AMQP connection in confirm mode (pipelined, a window of unconfirmed
publishes), each with `x-delay` set so that the messages fall due evenly spread over `window`
seconds starting `lead` seconds after the start; the body carries the intended due time (ms since
the epoch). Once every publish is confirmed (so every message is on disk in the timer index), the
RSS is read again: the growth is what the scheduled messages cost. A pika consumer (no-ack) then
receives them as they fall due; lateness = receive time − due time, measured at the consumer, so
it includes the client's own delay. Prints one JSON object (also to --json).
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pika


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def now_ms():
    return time.time_ns() // 1_000_000


def shortstr(text):
    data = text.encode()
    return struct.pack(">B", len(data)) + data


def frame(kind, channel, payload):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


class RawPublisher:
    """Just enough AMQP 0-9-1 to publish fast: handshake, channel 1, confirm.select, then pipelined
    basic.publish frames; a reader thread counts basic.ack (multiple) confirms."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.confirmed = 0
        self.nacked = 0
        self.condition = threading.Condition()
        self.sock.sendall(b"AMQP\x00\x00\x09\x01")
        self.expect(10, 10)
        response = b"\x00guest\x00guest"
        start_ok = struct.pack(">HH", 10, 11) + struct.pack(">I", 0) + shortstr("PLAIN") + \
            struct.pack(">I", len(response)) + response + shortstr("en_US")
        self.sock.sendall(frame(1, 0, start_ok))
        tune = self.expect(10, 30)
        channel_max, frame_max, _ = struct.unpack(">HIH", tune[:8])
        self.sock.sendall(frame(1, 0, struct.pack(">HHHIH", 10, 31, channel_max, frame_max, 0)))
        self.sock.sendall(frame(1, 0, struct.pack(">HH", 10, 40) + shortstr("/") + shortstr("") + b"\x00"))
        self.expect(10, 41)
        self.sock.sendall(frame(1, 1, struct.pack(">HH", 20, 10) + shortstr("")))
        self.expect(20, 11)
        self.sock.sendall(frame(1, 1, struct.pack(">HH", 85, 10) + b"\x00"))
        self.expect(85, 11)
        self.reader = threading.Thread(target=self.read_confirms, daemon=True)
        self.reader.start()

    def read_frame(self):
        while True:
            if len(self.buffer) >= 7:
                kind, channel, size = struct.unpack(">BHI", self.buffer[:7])
                if len(self.buffer) >= 8 + size:
                    payload = self.buffer[7:7 + size]
                    self.buffer = self.buffer[8 + size:]
                    return kind, channel, payload
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("broker closed the connection")
            self.buffer += chunk

    def expect(self, class_id, method_id):
        kind, _, payload = self.read_frame()
        got = struct.unpack(">HH", payload[:4])
        if kind != 1 or got != (class_id, method_id):
            raise RuntimeError(f"expected {class_id}.{method_id}, got {got}: {payload[4:80]!r}")
        return payload[4:]

    def read_confirms(self):
        while True:
            kind, _, payload = self.read_frame()
            if kind != 1:
                continue
            method = struct.unpack(">HH", payload[:4])
            if method in ((60, 80), (60, 120)):
                tag, flags = struct.unpack(">QB", payload[4:13])
                with self.condition:
                    if method == (60, 120):
                        self.nacked += 1
                    self.confirmed = max(self.confirmed, tag) if flags & 1 else max(self.confirmed, tag)
                    self.condition.notify_all()
            elif method[0] in (10, 20) and method[1] == 40:
                raise RuntimeError(f"closed by the broker: {payload[4:120]!r}")

    def publish_frames(self, exchange, routing_key, delay, body):
        method = struct.pack(">HHH", 60, 40, 0) + shortstr(exchange) + shortstr(routing_key) + b"\x00"
        headers = shortstr("x-delay") + b"I" + struct.pack(">i", delay)
        properties = struct.pack(">H", 0x3000) + struct.pack(">I", len(headers)) + headers + b"\x02"
        header = struct.pack(">HHQ", 60, 0, len(body)) + properties
        return frame(1, 1, method) + frame(2, 1, header) + frame(3, 1, body)

    def wait_confirmed(self, count, timeout):
        deadline = time.monotonic() + timeout
        with self.condition:
            while self.confirmed < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(f"{self.confirmed} of {count} confirmed within {timeout}s")
                self.condition.wait(remaining)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--lead-seconds", type=float, default=120.0)
    parser.add_argument("--window-seconds", type=float, default=120.0)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--window", type=int, default=20_000, help="unconfirmed publishes in flight")
    parser.add_argument("--json")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="junction-delayed-bench-")
    amqp_port = free_port()
    log = open(os.path.join(data, "broker.log"), "w")
    broker = subprocess.Popen(
        [args.binary, "--data-dir", os.path.join(data, "data"), "--amqp-port", str(amqp_port), "--mqtt-port", "0",
         "--stomp-port", "0", "--http-port", "0"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", amqp_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or broker.poll() is not None:
                    raise RuntimeError("broker did not start")
                time.sleep(0.1)
        parameters = pika.ConnectionParameters(host="127.0.0.1", port=amqp_port,
                                               credentials=pika.PlainCredentials("guest", "guest"))
        setup = pika.BlockingConnection(parameters)
        channel = setup.channel()
        channel.exchange_declare(exchange="delayed", exchange_type="x-delayed-message", durable=True,
                                 arguments={"x-delayed-type": "direct"})
        channel.queue_declare(queue="due", durable=True)
        channel.queue_bind(queue="due", exchange="delayed", routing_key="k")
        setup.close()
        time.sleep(2)
        rss_before = rss_bytes(broker.pid)

        start = now_ms()
        first_due = start + int(args.lead_seconds * 1000)
        step = args.window_seconds * 1000 / args.count
        padding = b"x" * max(0, args.size - 8)
        publisher = RawPublisher(amqp_port)
        published = 0
        batch = []
        publish_started = time.monotonic()
        while published < args.count:
            if published - publisher.confirmed >= args.window:
                publisher.wait_confirmed(published - args.window // 2, 120)
            due = first_due + int(published * step)
            delay = due - now_ms()
            if delay <= 0:
                raise RuntimeError("publishing fell behind the due times: raise --lead-seconds")
            batch.append(publisher.publish_frames("delayed", "k", delay, struct.pack(">Q", due) + padding))
            published += 1
            if len(batch) == 500:
                publisher.sock.sendall(b"".join(batch))
                batch.clear()
        if batch:
            publisher.sock.sendall(b"".join(batch))
        publisher.wait_confirmed(args.count, 300)
        publish_seconds = time.monotonic() - publish_started
        time.sleep(2)
        rss_scheduled = rss_bytes(broker.pid)
        if now_ms() >= first_due:
            raise RuntimeError("the first messages fell due before scheduling finished: raise --lead-seconds")

        print(json.dumps({"rssBefore": rss_before, "rssScheduled": rss_scheduled,
                          "publishSeconds": round(publish_seconds, 1)}), flush=True)
        # No heartbeats: a consumer busy with a backlog must not be disconnected for it.
        consumer = pika.BlockingConnection(pika.ConnectionParameters(
            host="127.0.0.1", port=amqp_port, heartbeat=0, credentials=pika.PlainCredentials("guest", "guest")))
        channel = consumer.channel()
        lateness = []

        def on_message(ch, method, properties, body):
            lateness.append(now_ms() - struct.unpack(">Q", body[:8])[0])

        channel.basic_consume(queue="due", on_message_callback=on_message, auto_ack=True)
        end = first_due + int(args.window_seconds * 1000) + 60_000
        while len(lateness) < args.count and now_ms() < end:
            consumer.process_data_events(time_limit=0.5)
        rss_after = rss_bytes(broker.pid)
        consumer.close()
        publisher.sock.close()
        ordered = sorted(lateness)

        def percentile(p):
            return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else None

        result = {
            "figure": "delayed-messages", "count": args.count, "bodyBytes": args.size,
            "windowSeconds": args.window_seconds, "publishSeconds": round(publish_seconds, 1),
            "publishRate": round(args.count / publish_seconds), "nacked": publisher.nacked,
            "rssBefore": rss_before, "rssScheduled": rss_scheduled, "rssAfterDelivery": rss_after,
            "rssGrowthMiB": round((rss_scheduled - rss_before) / (1 << 20), 1),
            "bytesPerScheduledMessage": round((rss_scheduled - rss_before) / args.count, 1),
            "received": len(lateness), "earliest": ordered[0] if ordered else None,
            "latenessP50": percentile(0.50), "latenessP99": percentile(0.99), "latenessP999": percentile(0.999),
            "latenessMax": ordered[-1] if ordered else None,
        }
        print(json.dumps(result))
        if args.json:
            with open(args.json, "a") as output:
                output.write(json.dumps(result) + "\n")
    finally:
        broker.terminate()
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()
        log.close()


if __name__ == "__main__":
    main()
