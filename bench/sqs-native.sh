#!/usr/bin/env bash
# SQS end to end with the native load generator (issue 16): junction-bench sqs (SendMessageBatch of 10,
# ReceiveMessage 10 with a 1 s long poll + DeleteMessageBatch, SigV4 like boto3) against a release broker
# with only its SQS listener, on a fresh data directory each run. Prints the machine's load average before
# the run, the junction-bench line (sent/received msg/s, latency, lost/duplicates, broker CPU per message),
# the broker's CPU seconds per thread (engine loop NIO-ELT-1, SQS loops NIO-ELT-2-*, I/O thread TP) and the
# load generator's own CPU time. Appends the JSON record to --out.
#
#   bench/sqs-native.sh [--broker BIN] [--bench BIN] [--loops N] [--publishers P] [--consumers C]
#                       [--seconds S] [--runs R] [--scenario NAME] [--out FILE.jsonl]
#
# --loops sets sqs.event_loops (JUNCTION_SQS_EVENT_LOOPS); a broker older than that setting ignores it.
# Build first: swift build -c release --product junction && swift build -c release --product junction-bench
set -euo pipefail
cd "$(dirname "$0")/.."

BROKER=.build/release/junction
BENCH=.build/release/junction-bench
LOOPS=2
PUBLISHERS=32
CONSUMERS=32
SECONDS_=15
RUNS=1
SCENARIO=""
OUT=bench/results/$(date -u +%Y-%m-%d)-sqs-native.jsonl
while [ $# -gt 0 ]; do
    case $1 in
        --broker) BROKER=$2; shift 2 ;;
        --bench) BENCH=$2; shift 2 ;;
        --loops) LOOPS=$2; shift 2 ;;
        --publishers) PUBLISHERS=$2; shift 2 ;;
        --consumers) CONSUMERS=$2; shift 2 ;;
        --seconds) SECONDS_=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        *) echo "usage: bench/sqs-native.sh [--broker BIN] [--bench BIN] [--loops N] [--publishers P]" \
            "[--consumers C] [--seconds S] [--runs R] [--scenario NAME] [--out FILE.jsonl]" >&2; exit 2 ;;
    esac
done
SCENARIO=${SCENARIO:-sqs-${PUBLISHERS}x${CONSUMERS}-loops${LOOPS}}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for run in $(seq "$RUNS"); do
    port=$(free_port)
    data=$(mktemp -d /tmp/junction-sqs-bench.XXXXXX)
    JUNCTION_SQS_EVENT_LOOPS=$LOOPS "$BROKER" --data-dir "$data/data" --amqp-port 0 --mqtt-port 0 --stomp-port 0 \
        --http-port 0 --sqs-port "$port" >"$data/broker.log" 2>&1 &
    broker=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    echo "== $SCENARIO run $run, $(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/')"
    /usr/bin/time -f "load generator CPU: user %U s, system %S s" "$BENCH" sqs --port "$port" --batch 10 \
        --publishers "$PUBLISHERS" --consumers "$CONSUMERS" --duration "$SECONDS_" --size 1024 \
        --broker-pid "$broker" --scenario "$SCENARIO" --json "$OUT" 2>&1 | grep -E "^sqs|CPU"
    # utime + stime per thread, in clock ticks (100 per second).
    echo "broker threads (CPU s): $(for task in /proc/$broker/task/*; do
        awk -v name="$(cat "$task/comm")" '{ t = ($14 + $15) / 100; if (t > 0.1) printf "%s %.2f; ", name, t }' "$task/stat"
    done)"
    kill "$broker"
    wait "$broker" || true
    rm -rf "$data"
done
