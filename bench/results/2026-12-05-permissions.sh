#!/usr/bin/env bash
# A/B: the broker before access control (ff548dd) and after (main), same junction-bench, alternating, 3 rounds.
set -u
BENCH=/work/wt/tls/.build/release/junction-bench
declare -A BIN=([before]=/work/wt/before/.build/release/junction [after]=/work/wt/tls/.build/release/junction)
OUT=/tmp/permbench.jsonl; : > $OUT
for round in 1 2 3; do
  for which in before after; do
    d=$(mktemp -d); "${BIN[$which]}" --data-dir $d --amqp-port 25672 --mqtt-port 21883 --stomp-port 0 --http-port 0 > $d/log 2>&1 &
    pid=$!
    for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/25672) 2>/dev/null && (echo > /dev/tcp/127.0.0.1/21883) 2>/dev/null && break; sleep 0.2; done
    timeout 120 $BENCH amqp --port 25672 --queue jb-a-$RANDOM --size 16 --count 200000 --no-ack --scenario "amqp-16B-1to1-$which" --broker-pid $pid --json $OUT 2>>/tmp/permbench.err | tail -1
    timeout 120 $BENCH mqtt --port 21883 --topic jb/m/$RANDOM --size 1024 --count 30000 --qos 0 --consumers 10 --scenario "mqtt-qos0-1to10-$which" --broker-pid $pid --json $OUT 2>>/tmp/permbench.err | tail -1
    kill $pid; wait $pid 2>/dev/null; rm -rf $d
  done
done
