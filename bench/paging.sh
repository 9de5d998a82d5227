#!/usr/bin/env bash
# Paging (issue 12 item 1): COUNT persistent 1 KiB messages published with confirms into one durable
# queue with no consumer, then drained from disk by one consumer (junction-bench --replay: the
# consumer attaches once every publish is confirmed; received/s counts from its attach). The
# broker's RSS is sampled every second throughout. Brokers run one after the other (the backlogs
# are GBs on disk), each with its state in a fresh temporary directory (bench/brokers.sh ports).
#
#   bench/paging.sh [--count N] [--brokers "junction rabbitmq"] [--out FILE.jsonl] [--no-build]
#
# RabbitMQ's queue gets a policy `queue-version: 2` (classic queues v2, the design this follows).
# Junction runs with its defaults (queues.memory_budget_bytes 64 MiB, global 512 MiB).
# Prints the junction-bench line and the RSS summary per broker; appends the JSON records to --out
# and writes the RSS series next to it (<out>-rss-<broker>.tsv: unix time, RSS KiB).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=5000000
BROKERS="junction rabbitmq"
OUT=bench/results/$(date -u +%Y-%m-%d)-paging.jsonl
BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
        --count) COUNT=$2; shift 2 ;;
        --brokers) BROKERS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) echo "usage: bench/paging.sh [--count N] [--brokers LIST] [--out FILE.jsonl] [--no-build]" >&2; exit 2 ;;
    esac
done

BENCH_TMP=$(mktemp -d /tmp/junction-bench.XXXXXX)
. bench/brokers.sh
SAMPLER_PID=
cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    stop_brokers
    rm -rf "$BENCH_TMP"
}
trap cleanup EXIT INT TERM

if [ "$BUILD" = 1 ]; then
    echo "bench: building junction and junction-bench (release)"
    swift build -c release --product junction >/dev/null
    swift build -c release --product junction-bench >/dev/null
fi
BENCH=$PWD/.build/release/junction-bench
JUNCTION_BINARY=$PWD/.build/release/junction
mkdir -p "$(dirname "$OUT")"

# Appends "unix-time rss-KiB" for process $1 to file $2 every second while it runs.
sample_rss() {
    while [ -r "/proc/$1/status" ]; do
        echo "$(date +%s) $(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")" >> "$2"
        sleep 1
    done
}

for broker in $BROKERS; do
    check_ports_free "$RABBIT_AMQP_PORT" "$RABBIT_MQTT_PORT" "$RABBIT_STOMP_PORT" "$RABBIT_DIST_PORT" \
        "$RABBIT_AMQPS_PORT" "$RABBIT_MQTTS_PORT" "$JUNCTION_AMQP_PORT" "$JUNCTION_MQTT_PORT" \
        "$JUNCTION_STOMP_PORT" "$JUNCTION_HTTP_PORT" "$JUNCTION_AMQPS_PORT" "$JUNCTION_MQTTS_PORT"
    make_bench_certificates
    queue="paging-$broker-$RANDOM"
    if [ "$broker" = junction ]; then
        start_junction
        port=$JUNCTION_AMQP_PORT pid=$JUNCTION_PID
        version="junction $(git rev-parse --short HEAD)"
    else
        start_rabbitmq
        port=$RABBIT_AMQP_PORT pid=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || echo "$RABBIT_PID")
        HOME=$BENCH_TMP/rabbitmq /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" set_policy cqv2 '^paging-' \
            '{"queue-version":2}' --apply-to queues >/dev/null
        version="rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null)"
    fi
    series="${OUT%.jsonl}-rss-$broker.tsv"
    : > "$series"
    sample_rss "$pid" "$series" &
    SAMPLER_PID=$!
    echo "bench: $version (pid $pid), $COUNT x 1 KiB persistent, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    "$BENCH" amqp --port "$port" --queue "$queue" --persistent --confirm --confirm-window 1000 --size 1024 \
        --count "$COUNT" --publishers 1 --consumers 1 --prefetch 1000 --replay --drain-timeout 900 \
        --scenario "paging-$broker" --broker-pid "$pid" --json "$OUT" | tail -1
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=
    max_kib=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$series")
    echo "bench: $broker peak RSS $((max_kib / 1024)) MiB over $(wc -l < "$series") samples (series in $series)"
    printf '{"scenario":"paging-rss-%s","count":%s,"peak_rss_bytes":%s,"samples":%s}\n' \
        "$broker" "$COUNT" "$((max_kib * 1024))" "$(wc -l < "$series")" >> "$OUT"
    stop_brokers
    rm -rf "$BENCH_TMP/junction" "$BENCH_TMP/rabbitmq"
done
echo "bench: load average at the end $(cut -d' ' -f1-3 /proc/loadavg); records in $OUT"
