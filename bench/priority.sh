#!/usr/bin/env bash
# Priority queues (issue 15): Junction against RabbitMQ's classic priority queue, one run, both
# brokers side by side (bench/brokers.sh: private RabbitMQ node on 25672, Junction on 35672),
# the same release junction-bench, alternating broker per round.
#
#   bench/priority.sh [--rounds N] [--out FILE.jsonl]
#
# Scenarios, 1 publisher → 1 consumer, 10 levels (x-max-priority 9), priorities 0..9 in turn, 256 B:
#   priority-10-1to1        publisher and consumer at once, manual acks, prefetch 100
#   priority-10-drain       100,000 published with confirms first (a backlog over 10 levels), then one
#                           consumer drains it (manual acks, prefetch 100); the rate counts from its attach
# Prints one line per run and appends the JSON records to --out; bench/priority_report.py makes the table.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3
OUT=bench/results/$(date -u +%Y-%m-%d)-priority.jsonl
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        *) echo "usage: bench/priority.sh [--rounds N] [--out FILE.jsonl]" >&2; exit 2 ;;
    esac
done

BENCH_TMP=$(mktemp -d /tmp/junction-bench.XXXXXX)
. bench/brokers.sh
cleanup() {
    stop_brokers
    rm -rf "$BENCH_TMP"
}
trap cleanup EXIT INT TERM

echo "bench: building junction and junction-bench (release)"
swift build -c release --product junction >/dev/null
swift build -c release --product junction-bench >/dev/null
BENCH=$PWD/.build/release/junction-bench
JUNCTION_BINARY=$PWD/.build/release/junction

check_ports_free "$RABBIT_AMQP_PORT" "$RABBIT_MQTT_PORT" "$RABBIT_STOMP_PORT" "$RABBIT_DIST_PORT" \
    "$RABBIT_AMQPS_PORT" "$RABBIT_MQTTS_PORT" "$JUNCTION_AMQP_PORT" "$JUNCTION_MQTT_PORT" \
    "$JUNCTION_STOMP_PORT" "$JUNCTION_HTTP_PORT" "$JUNCTION_AMQPS_PORT" "$JUNCTION_MQTTS_PORT"
make_bench_certificates
start_rabbitmq
start_junction
RABBIT_VM_PID=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || echo "$RABBIT_PID")
echo "bench: rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null) (pid $RABBIT_VM_PID)," \
    "junction $(git rev-parse --short HEAD) (pid $JUNCTION_PID), load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$OUT")"

SCENARIOS=(
    "priority-10-1to1|--priorities 10 --size 256 --count 200000 --prefetch 100"
    "priority-10-drain|--priorities 10 --size 256 --count 100000 --prefetch 100 --confirm --replay"
)

for round in $(seq "$ROUNDS"); do
    for entry in "${SCENARIOS[@]}"; do
        name=${entry%%|*}
        args=${entry#*|}
        for broker in junction rabbitmq; do
            if [ "$broker" = junction ]; then port=$JUNCTION_AMQP_PORT pid=$JUNCTION_PID; else port=$RABBIT_AMQP_PORT pid=$RABBIT_VM_PID; fi
            # shellcheck disable=SC2086
            timeout 300 "$BENCH" amqp --port "$port" --queue "prio-$broker-$round-$RANDOM" $args \
                --drain-timeout 30 --scenario "$name-$broker" --broker-pid "$pid" --json "$OUT" | tail -1
        done
    done
done
echo "bench: load average at the end $(cut -d' ' -f1-3 /proc/loadavg); records in $OUT"
