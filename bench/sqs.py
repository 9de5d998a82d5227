#!/usr/bin/env python3
"""SQS end-to-end load: senders (SendMessageBatch of 10) and receivers (ReceiveMessage of 10 with long
polling, then DeleteMessageBatch) on one queue, each in its own process with its own boto3 client.

usage: bench/sqs.py --endpoint URL [--senders N] [--threads T] [--receivers N] [--seconds S] [--size BYTES]
                    [--key guest --secret guest] [--label NAME] [--out FILE.jsonl]

Prints one JSON line: messages sent, received and deleted, end-to-end msg/s (deleted / elapsed), the
p50/p99 of send-batch and receive-call latency, and whether every sent message was received exactly
once (ids are checked). Works against Junction (listeners.sqs_port) and, for scale, moto_server.
The client side is Python: with few cores, boto3's own cost per call (signing, parsing) bounds what
one process can send; the `client_cpu_s` and `elapsed_s` figures say how much of the run that was.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid

import boto3
from botocore.config import Config


def make_client(args):
    return boto3.client(
        "sqs", endpoint_url=args.endpoint, region_name="us-east-1", aws_access_key_id=args.key,
        aws_secret_access_key=args.secret, config=Config(retries={"max_attempts": 2}, max_pool_connections=4))


def sender(args, url, index, deadline, results):
    """`--threads` concurrent batch senders in this process: each send waits for the broker's group
    commit (SQS answers once a message is stored), so throughput comes from sends in flight at once."""
    body = "x" * (args.size - 40)
    totals, latencies, lock = [0], [], threading.Lock()

    def run(thread):
        client = make_client(args)
        sent = 0
        while time.monotonic() < deadline:
            entries = [{"Id": str(i), "MessageBody": f"{index}.{thread}:{sent + i}:" + body} for i in range(10)]
            began = time.monotonic()
            response = client.send_message_batch(QueueUrl=url, Entries=entries)
            with lock:
                latencies.append(time.monotonic() - began)
            if response.get("Failed"):
                raise SystemExit(f"send failures: {response['Failed'][:2]}")
            sent += 10
        with lock:
            totals[0] += sent

    threads = [threading.Thread(target=run, args=(t,)) for t in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(("sender", totals[0], latencies, [], time.process_time()))


def receiver(args, url, stop_at, results):
    client = make_client(args)
    received, latencies, ids = 0, [], []
    idle_since = None
    while True:
        began = time.monotonic()
        response = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        latencies.append(time.monotonic() - began)
        messages = response.get("Messages", [])
        if not messages:
            # After the senders stop, the queue is drained once no receive finds anything for 3 s.
            if time.monotonic() > stop_at.value:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 3:
                    break
            continue
        idle_since = None
        ids += [m["Body"].split(":", 2)[0] + ":" + m["Body"].split(":", 2)[1] for m in messages]
        client.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        received += len(messages)
    results.put(("receiver", received, latencies, ids, time.process_time()))


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--receivers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="concurrent senders per sender process")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--key", default="guest")
    parser.add_argument("--secret", default="guest")
    parser.add_argument("--label", default="")
    parser.add_argument("--out")
    args = parser.parse_args()
    client = make_client(args)
    url = client.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    results = multiprocessing.Queue()
    began = time.monotonic()
    deadline = began + args.seconds
    stop_at = multiprocessing.Value("d", deadline)
    processes = [multiprocessing.Process(target=sender, args=(args, url, i, deadline, results))
                 for i in range(args.senders)]
    processes += [multiprocessing.Process(target=receiver, args=(args, url, stop_at, results))
                  for _ in range(args.receivers)]
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - began
    sent = sum(o[1] for o in outcomes if o[0] == "sender")
    received = sum(o[1] for o in outcomes if o[0] == "receiver")
    ids = [i for o in outcomes if o[0] == "receiver" for i in o[3]]
    send_latency = [latency for o in outcomes if o[0] == "sender" for latency in o[2]]
    receive_latency = [latency for o in outcomes if o[0] == "receiver" for latency in o[2]]
    client.delete_queue(QueueUrl=url)
    record = {
        "label": args.label, "endpoint": args.endpoint, "senders": args.senders, "threads": args.threads, "receivers": args.receivers,
        "size": args.size, "seconds": args.seconds, "elapsed_s": round(elapsed, 2), "sent": sent,
        "received": received, "duplicates": len(ids) - len(set(ids)), "lost": sent - len(set(ids)),
        "msg_per_s": round(received / elapsed), "send_batch_p50_ms": round(percentile(send_latency, 0.5) * 1000, 2),
        "send_batch_p99_ms": round(percentile(send_latency, 0.99) * 1000, 2),
        "client_cpu_s": round(sum(o[4] for o in outcomes), 1), "cores": os.cpu_count(),
    }
    line = json.dumps(record)
    print(line)
    if args.out:
        with open(args.out, "a") as out:
            out.write(line + "\n")
    return 0 if record["lost"] == 0 and record["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
