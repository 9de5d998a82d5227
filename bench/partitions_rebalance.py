#!/usr/bin/env python3
"""Rebalance pause of a consumer group over a partitioned stream (issue 14).

A publisher thread sends keyed messages at a fixed rate into a partitioned stream; a group of
consumers (pika, each acking at once) reads it. Then a member joins, and later one leaves. For each
event the pause is the time from the event (the join's consume-ok, or the leave's close) until every
partition has delivered a message published after the event; duplicates are messages the group got
more than once (only unacknowledged ones may come again).

    bench/partitions_rebalance.py --port 5672 [--partitions 6] [--members 2] [--rate 2000] [--rounds 5]
"""

import argparse
import statistics
import threading
import time
import uuid

import pika


def publisher(port, stream, rate, stop):
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    channel = connection.channel()
    sequence = 0
    started = time.monotonic()
    while not stop.is_set():
        due = started + sequence / rate
        now = time.monotonic()
        if due > now:
            time.sleep(min(due - now, 0.01))
            continue
        body = f"{sequence}:{time.monotonic():.6f}".encode()
        channel.basic_publish(exchange=stream, routing_key=f"key-{sequence % 1000}", body=body)
        sequence += 1
    connection.close()


class Member:
    def __init__(self, port, stream, log):
        self.connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
        self.channel = self.connection.channel()
        self.channel.basic_qos(prefetch_count=100)
        self.log = log
        self.channel.basic_consume(
            queue=stream, on_message_callback=self.on_message,
            arguments={"x-consumer-group": "rebalance", "x-stream-offset": "next"})

    def on_message(self, channel, method, properties, body):
        sequence, sent = body.decode().split(":")
        self.log.append((time.monotonic(), properties.headers["x-partition"], int(sequence), float(sent)))
        channel.basic_ack(method.delivery_tag)


def pump(members, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for member in members:
            member.connection.process_data_events(time_limit=0.002)


def pause_after(log, event_time, partitions, timeout=5.0):
    """Seconds from `event_time` until every partition delivered a message sent after it."""
    firsts = {}
    for received, partition, _, sent in log:
        if sent >= event_time and partition not in firsts:
            firsts[partition] = received
    if len(firsts) < partitions:
        return None
    return max(firsts.values()) - event_time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5672)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--members", type=int, default=2)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    stream = f"rebalance-{uuid.uuid4().hex[:8]}"
    setup = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", args.port))
    setup.channel().queue_declare(
        queue=stream, durable=True, arguments={"x-queue-type": "stream", "x-partitions": args.partitions})
    log = []
    members = [Member(args.port, stream, log) for _ in range(args.members)]
    stop = threading.Event()
    thread = threading.Thread(target=publisher, args=(args.port, stream, args.rate, stop))
    thread.start()
    pump(members, 1.0)
    joins, leaves = [], []
    for _ in range(args.rounds):
        joined = Member(args.port, stream, log)
        event = time.monotonic()
        members.append(joined)
        pump(members, 1.0)
        joins.append(pause_after(log, event, args.partitions))
        members.remove(joined)
        joined.connection.close()
        event = time.monotonic()
        pump(members, 1.0)
        leaves.append(pause_after(log, event, args.partitions))
    stop.set()
    thread.join()
    pump(members, 0.5)
    sequences = [sequence for _, _, sequence, _ in log]
    duplicates = len(sequences) - len(set(sequences))
    for member in members:
        member.connection.close()
    setup.channel().queue_delete(stream)
    setup.close()

    def summary(values):
        measured = [v * 1000 for v in values if v is not None]
        if not measured:
            return "no measurement"
        return (f"median {statistics.median(measured):.1f} ms, max {max(measured):.1f} ms "
                f"({len(measured)}/{len(values)} events)")

    print(f"partitions={args.partitions} members={args.members}(+1) rate={args.rate:.0f}/s rounds={args.rounds}")
    print(f"join pause:  {summary(joins)}")
    print(f"leave pause: {summary(leaves)}")
    print(f"deliveries {len(sequences)}, distinct {len(set(sequences))}, duplicates {duplicates}")


if __name__ == "__main__":
    main()
