#!/bin/bash
# Paged read-ahead off the engine loop (issue 12): a durable queue's backlog of COUNT persistent 1 KiB
# messages is published with confirms while no consumer is attached (most of it is paged). The page cache
# is then dropped (and dropped again every 0.5 s), so window reads go to the disk, and for SECONDS a pika
# consumer (no-ack, prefetch 1,000) drains the backlog while a second client publishes and consumes
# transient 1 KiB messages at 5,000/s on another queue: its end-to-end latency shows what the engine loop
# waits for. READ_AHEAD false reads every window on the loop; true reads the next one on the read-ahead
# thread. Needs root (writes /proc/sys/vm/drop_caches).
#
#   OUT=dir bench/results/2026-12-05-read-ahead.sh BROKER LABEL BENCH READ_AHEAD(true|false) [COUNT] [SECONDS]
set -u
BIN=$1; LABEL=$2; BENCH=$3; READ_AHEAD=$4; COUNT=${5:-1000000}; SECONDS_=${6:-10}
OUT=${OUT:-/tmp/readahead}
mkdir -p "$OUT"
DATA=$(mktemp -d "$OUT/data-XXXX")
PORT=$((20000 + RANDOM % 10000))
JUNCTION_QUEUES_READ_AHEAD_THREAD=$READ_AHEAD nice -n 10 "$BIN" --data-dir "$DATA" --amqp-port $PORT \
    --mqtt-port 0 --stomp-port 0 --http-port 0 --sqs-port 0 > "$DATA/broker.log" 2>&1 &
BPID=$!
sleep 2
nice -n 10 "$BENCH" amqp --port $PORT --queue backlog --persistent --confirm --size 1024 --count "$COUNT" \
    --consumers 0 --scenario "$LABEL backlog" --json "$OUT/results.jsonl" | tail -n 1
sync
( while kill -0 $BPID 2>/dev/null; do echo 1 > /proc/sys/vm/drop_caches; sleep 0.5; done ) &
DROPPER=$!
nice -n 10 "$BENCH" amqp --port $PORT --queue probe --rate 5000 --size 1024 --duration "$SECONDS_" \
    --scenario "$LABEL transient 5k/s beside a cold paged drain" --json "$OUT/results.jsonl" > "$OUT/$LABEL-probe.txt" 2>&1 &
PROBE=$!
nice -n 10 python3 - "$PORT" "$SECONDS_" "$LABEL" <<'PY'
import sys, time, pika
port, seconds, label = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
channel = connection.channel()
channel.basic_qos(prefetch_count=1000)
count = 0
deadline = time.monotonic() + seconds
for method, _properties, _body in channel.consume("backlog", auto_ack=True, inactivity_timeout=1):
    if method is not None:
        count += 1
    if time.monotonic() >= deadline:
        break
print(f"{label} pika drain: {count} messages in {seconds:.0f} s ({count / seconds:,.0f} msg/s)")
PY
wait $PROBE
tail -n 1 "$OUT/$LABEL-probe.txt"
kill $BPID; wait $BPID 2>/dev/null
kill $DROPPER 2>/dev/null
rm -rf "$DATA"
