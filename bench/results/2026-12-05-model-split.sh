#!/usr/bin/env bash
# A/B: the broker and junction-bench before the model/codec/transport split (main at b622a6f) and after
# (the split), both release builds, each driven by its own junction-bench, alternating before/after on a
# fresh data directory each, ROUNDS rounds. Writes JSON lines to $OUT; summarize with the Python below.
set -u
ROUNDS=${ROUNDS:-3}
declare -A BIN=([before]=/tmp/model-base/junction [after]=${AFTER_DIR:-.build/release}/junction)
declare -A BENCH=([before]=/tmp/model-base/junction-bench [after]=${AFTER_DIR:-.build/release}/junction-bench)
OUT=${OUT:-/tmp/model-split.jsonl}
ERR=${OUT%.jsonl}.err
wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
for round in $(seq "$ROUNDS"); do
  for which in before after; do
    d=$(mktemp -d)
    "${BIN[$which]}" --data-dir "$d" --amqp-port 25672 --mqtt-port 21883 --stomp-port 21613 --http-port 0 --sqs-port 0 > "$d/log" 2>&1 &
    pid=$!
    wait_port 25672 && wait_port 21883 && wait_port 21613
    b=${BENCH[$which]}
    timeout 120 "$b" amqp --port 25672 --queue jb-a-$RANDOM --size 16 --count 200000 --no-ack \
      --scenario "amqp-16B-1to1-$which" --broker-pid $pid --json "$OUT" 2>>"$ERR" | tail -1
    timeout 120 "$b" amqp --port 25672 --queue jb-b-$RANDOM --size 1024 --count 200000 --publishers 4 --consumers 4 \
      --scenario "amqp-1KiB-4to4-$which" --broker-pid $pid --json "$OUT" 2>>"$ERR" | tail -1
    timeout 120 "$b" mqtt --port 21883 --topic jb/m/$RANDOM --size 1024 --count 200000 --qos 0 \
      --scenario "mqtt-qos0-1to1-$which" --broker-pid $pid --json "$OUT" 2>>"$ERR" | tail -1
    timeout 120 "$b" mqtt --port 21883 --topic jb/q/$RANDOM --size 1024 --count 100000 --qos 1 \
      --scenario "mqtt-qos1-1to1-$which" --broker-pid $pid --json "$OUT" 2>>"$ERR" | tail -1
    timeout 120 "$b" stomp --port 21613 --destination /queue/jb-s-$RANDOM --size 1024 --count 100000 \
      --scenario "stomp-1KiB-1to1-$which" --broker-pid $pid --json "$OUT" 2>>"$ERR" | tail -1
    kill $pid; wait $pid 2>/dev/null; rm -rf "$d"
  done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    name, which = r["scenario"].rsplit("-", 1)
    runs[(name, which)].append(r["receiveRate"])
print("| scenario | before (runs) | after (runs) | median before | median after | after / before |")
print("|---|---|---|---|---|---|")
for name in dict.fromkeys(n for n, _ in runs):
    b, a = runs[(name, "before")], runs[(name, "after")]
    fmt = lambda xs: " · ".join(f"{x:,.0f}" for x in xs)
    mb, ma = statistics.median(b), statistics.median(a)
    print(f"| {name} | {fmt(b)} | {fmt(a)} | {mb:,.0f} | {ma:,.0f} | {ma / mb:.2f} |")
PY
