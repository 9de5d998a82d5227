"""What the crash loop's clients were told: confirmed publishes and settled acknowledgements, per workload."""

import hashlib
import statistics
import threading
import time


def body(kind, sequence):
    payload = f"{kind}:{sequence}".encode()
    return payload + b"|" + hashlib.sha256(payload).hexdigest()[:16].encode()


def parse(data):
    """(kind, sequence) of a body, or None if the body is corrupted."""
    payload, _, digest = bytes(data).rpartition(b"|")
    if hashlib.sha256(payload).hexdigest()[:16].encode() != digest:
        return None
    kind, _, sequence = payload.decode().rpartition(":")
    return kind, int(sequence)


class Ledger:
    """Thread-safe record of what each workload may rely on.

    confirmed: the broker confirmed the publish (AMQP ack, PUBACK/PUBCOMP, HTTP 2xx).
    acked: the client sent an acknowledgement (it may or may not have been processed before the kill).
    settled: an acknowledgement the broker demonstrably processed (it answered a later request on the
    same channel) at a monotonic time; one settled more than `grace` before the kill must not come back.
    """

    def __init__(self, grace):
        self.grace = grace
        self.lock = threading.Lock()
        self.confirmed = {}
        self.acked = {}
        self.settled = {}
        self.received = {}
        self.killed_at = None
        self.restarted_at = None
        # MQTT subscriber: first receive time of every message, per workload.
        self.mqtt_seen = {}
        # MQTT messages redelivered (DUP) after a restart though received before the kill: (kind, sequence,
        # seconds before the kill, packet id).
        self.mqtt_back = []
        # Retained topics: the newest confirmed sequence per topic number.
        self.retained_confirmed = {}
        # Stream: the offset after the last message an earlier check read.
        self.stream_verified_through = "first"
        # Stream group resumed at or before a settled ack: (resumed offset, acked offset, ack age at the kill).
        self.stream_back = []
        self.counts = {}
        self.totals = {}

    def _set(self, table, kind):
        return table.setdefault(kind, {})

    def confirm(self, kind, sequence):
        with self.lock:
            self._set(self.confirmed, kind)[sequence] = time.monotonic()
            self.count(kind, "confirmed")

    def ack(self, kind, sequence):
        with self.lock:
            self._set(self.acked, kind)[sequence] = time.monotonic()

    def settle(self, kind, sequences, at=None):
        at = at or time.monotonic()
        with self.lock:
            table = self._set(self.settled, kind)
            for sequence in sequences:
                table.setdefault(sequence, at)

    def receive(self, kind, sequence):
        with self.lock:
            self._set(self.received, kind).setdefault(sequence, time.monotonic())

    def count(self, kind, what, n=1):
        key = (kind, what)
        self.counts[key] = self.counts.get(key, 0) + n
        self.totals[key] = self.totals.get(key, 0) + n

    def add(self, kind, what, n=1):
        with self.lock:
            self.count(kind, what, n)

    def settled_before_kill(self, kind, sequence):
        at = self.settled.get(kind, {}).get(sequence)
        return at is not None and self.killed_at is not None and at < self.killed_at - self.grace

    def cycle_line(self):
        kinds = sorted({k for k, _ in self.counts})
        return " ".join(f"{k}={self.counts.get((k, 'confirmed'), 0)}" for k in kinds) + " confirmed"

    def next_cycle(self):
        self.counts = {}

    def summary(self, totals, args, big):
        restarts = totals["restart_s"]
        lines = ["", f"### Crash loop: {totals['cycles']} cycles (seed {args.seed})", ""]
        lines.append(f"Command: `scripts/crashloop {args.cycles} --seed {args.seed}`; kill -9 "
                     f"{args.min_load}-{args.max_load} s into confirmed load; ack settle grace {args.grace_ms:.0f} ms.")
        lines.append("")
        lines.append("| workload | confirmed | lost | acked then back | corrupted |")
        lines.append("|---|---|---|---|---|")
        kinds = sorted({k for k, _ in self.totals})
        for kind in kinds:
            lines.append(f"| {kind} | {self.totals.get((kind, 'confirmed'), 0):,} | {self.totals.get((kind, 'lost'), 0)} "
                         f"| {self.totals.get((kind, 'resurrected'), 0)} | {self.totals.get((kind, 'corrupted'), 0)} |")
        lines.append("")
        if restarts:
            lines.append(f"Restart (spawn to every listener accepting): median {statistics.median(restarts) * 1000:.0f} ms, "
                         f"max {max(restarts) * 1000:.0f} ms over {len(restarts)} restarts.")
        if self.stream_back:
            lines.append(f"Stream group resumed before a settled ack {len(self.stream_back)} times "
                         f"(resumed, acked, seconds the ack was settled before the kill): {self.stream_back[:10]}")
        if big:
            lines.append(big)
        problems = totals["problems"]
        lines.append(f"Problems: {len(problems)}" + ("" if not problems else "\n" + "\n".join(f"- {p}" for p in problems[:50])))
        return "\n".join(lines) + "\n"
