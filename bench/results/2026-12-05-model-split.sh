#!/usr/bin/env bash
# A/B for issue 18's module split: the broker and junction-bench before (main at b622a6f) and after the split
# (JunctionModel, codec targets, JunctionTransport), both release builds, each driven by its own
# junction-bench, alternating before/after on a fresh data directory each, ROUNDS rounds.
#   BEFORE_DIR, AFTER_DIR: directories holding each side's `junction` and `junction-bench`
#   SCALE: multiplies every message count (broker CPU per message comes from /proc in 10 ms ticks: longer
#          runs resolve it better);  ONLY: regular expression on the scenario names to run
# Writes JSON lines to $OUT and prints the Markdown table of medians (received/s and broker CPU µs/msg).
set -u
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-1}
ONLY=${ONLY:-.}
declare -A DIR=([before]=${BEFORE_DIR:-/tmp/model-base} [after]=${AFTER_DIR:-/tmp/model-after})
OUT=${OUT:-/tmp/model-split.jsonl}
ERR=${OUT%.jsonl}.err
wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# run NAME PROTOCOL ARGS...: one junction-bench run, skipped unless NAME matches ONLY
run() {
    local name=$1 protocol=$2; shift 2
    [[ $name =~ $ONLY ]] || return 0
    timeout 300 "${DIR[$which]}/junction-bench" "$protocol" "$@" --scenario "$name-$which" --broker-pid "$pid" \
        --json "$OUT" 2>>"$ERR" | tail -1
}
for round in $(seq "$ROUNDS"); do
    for which in before after; do
        d=$(mktemp -d)
        "${DIR[$which]}/junction" --data-dir "$d" --amqp-port 35672 --mqtt-port 31883 --stomp-port 31613 \
            --http-port 0 --sqs-port 0 > "$d/log" 2>&1 &
        pid=$!
        wait_port 35672 && wait_port 31883 && wait_port 31613
        run amqp-16B-1to1 amqp --port 35672 --queue "jb-a-$RANDOM" --size 16 --count $((200000 * SCALE)) --no-ack
        run amqp-1KiB-4to4 amqp --port 35672 --queue "jb-b-$RANDOM" --size 1024 --count $((200000 * SCALE)) \
            --publishers 4 --consumers 4
        run mqtt-qos0-1to1 mqtt --port 31883 --topic "jb/m/$RANDOM" --size 1024 --count $((200000 * SCALE)) --qos 0
        run mqtt-qos1-1to1 mqtt --port 31883 --topic "jb/q/$RANDOM" --size 1024 --count $((100000 * SCALE)) --qos 1
        run stomp-1KiB-1to1 stomp --port 31613 --destination "/queue/jb-s-$RANDOM" --size 1024 \
            --count $((100000 * SCALE))
        kill "$pid"; wait "$pid" 2>/dev/null; rm -rf "$d"
    done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list); cpu = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    name, which = r["scenario"].rsplit("-", 1)
    runs[(name, which)].append(r["receiveRate"]); cpu[(name, which)].append(r.get("brokerCPUMicrosecondsPerMessage"))
print("| scenario | received/s before (runs) | received/s after (runs) | median before | median after | after / before | broker CPU µs/msg before (median) | after (median) | after / before |")
print("|---|---|---|---|---|---|---|---|---|")
for name in dict.fromkeys(n for n, _ in runs):
    b, a = runs[(name, "before")], runs[(name, "after")]
    cb, ca = cpu[(name, "before")], cpu[(name, "after")]
    fmt = lambda xs: " · ".join(f"{x:,.0f}" for x in xs)
    mb, ma = statistics.median(b), statistics.median(a)
    mcb, mca = statistics.median(cb), statistics.median(ca)
    print(f"| {name} | {fmt(b)} | {fmt(a)} | {mb:,.0f} | {ma:,.0f} | {ma / mb:.2f} | {' · '.join(f'{x:.2f}' for x in cb)} ({mcb:.2f}) | {' · '.join(f'{x:.2f}' for x in ca)} ({mca:.2f}) | {mca / mcb:.2f} |")
PY
