#!/bin/bash
# usage: run.sh BROKER_BINARY LABEL BENCH_BINARY
set -u
BIN=$1; LABEL=$2; BENCH=$3
DATA=$(mktemp -d ${OUT:-/tmp/iobench}/data-XXXX)
PORT=$((20000 + RANDOM % 10000))
nice -n 10 $BIN --data-dir $DATA --amqp-port $PORT --mqtt-port 0 --stomp-port 0 --http-port 0 > $DATA/broker.log 2>&1 &
BPID=$!
sleep 2
# Alone first, then beside a persistent publisher with confirms flat out.
nice -n 10 $BENCH amqp --port $PORT --queue transient-alone --rate 10000 --size 1024 --duration 10 --scenario "$LABEL transient 1KiB 10k/s alone" --json ${OUT:-/tmp/iobench}/results.jsonl | tail -n 1
nice -n 10 $BENCH amqp --port $PORT --queue persist $BGARGS --size 1024 --duration 16 --scenario "$LABEL background $BGARGS" --json ${OUT:-/tmp/iobench}/results.jsonl > ${OUT:-/tmp/iobench}/$LABEL-bg.txt 2>&1 &
BG=$!
sleep 3
nice -n 10 $BENCH amqp --port $PORT --queue transient --rate 10000 --size 1024 --duration 10 --scenario "$LABEL transient 1KiB 10k/s beside background $BGARGS" --json ${OUT:-/tmp/iobench}/results.jsonl | tail -n 1
wait $BG
tail -n 1 ${OUT:-/tmp/iobench}/$LABEL-bg.txt
kill $BPID; wait $BPID 2>/dev/null
rm -rf $DATA
