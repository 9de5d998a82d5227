#!/bin/bash
# The io-off-loop latency scenario against RabbitMQ started as bench/brokers.sh starts it (other ports).
set -u
cd /work/wt/defects-engine
BENCH=/work/wt/tls/.build/release/junction-bench
OUT=/tmp/iobench-rel
export RABBIT_AMQP_PORT=46672 RABBIT_MQTT_PORT=41893 RABBIT_STOMP_PORT=41623 RABBIT_DIST_PORT=46680 RABBIT_AMQPS_PORT=46671 RABBIT_MQTTS_PORT=48893
BENCH_TMP=$(mktemp -d /tmp/junction-bench.XXXXXX)
. bench/brokers.sh
trap 'stop_brokers; rm -rf $BENCH_TMP' EXIT
make_bench_certificates
start_rabbitmq
PORT=$RABBIT_AMQP_PORT
for LABEL in rabbitmq-run1 rabbitmq-run2; do
echo "$LABEL load $(cat /proc/loadavg)"
nice -n 10 $BENCH amqp --port $PORT --queue transient-alone --rate 10000 --size 1024 --duration 10 --scenario "$LABEL transient 1KiB 10k/s alone" --json $OUT/results.jsonl | tail -n 1
nice -n 10 $BENCH amqp --port $PORT --queue persist --persistent --confirm --size 1024 --duration 16 --scenario "$LABEL persistent confirms flat out" --json $OUT/results.jsonl > $OUT/$LABEL-bg.txt 2>&1 &
BG=$!
sleep 3
nice -n 10 $BENCH amqp --port $PORT --queue transient --rate 10000 --size 1024 --duration 10 --scenario "$LABEL transient 1KiB 10k/s beside persistent" --json $OUT/results.jsonl | tail -n 1
wait $BG
tail -n 1 $OUT/$LABEL-bg.txt
done
