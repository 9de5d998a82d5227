#!/bin/bash
set -u
BIN=/work/wt/tls/.build/release/junction; BENCH=/work/wt/tls/.build/release/junction-bench
D=/tmp/spill/data; rm -rf $D; mkdir -p $D
AP=$((30000 + RANDOM % 5000)); HP=$((AP + 1))
echo "ports amqp $AP http $HP"
JUNCTION_QUEUES_MEMORY_BUDGET_BYTES=268435456 nice -n 5 $BIN --data-dir $D --amqp-port $AP --mqtt-port 0 --stomp-port 0 --http-port $HP --sqs-port 0 > /tmp/spill/broker.log 2>&1 &
BPID=$!; echo "broker pid $BPID"
for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$AP) 2>/dev/null && break; sleep 0.2; done
Q=spill-q
rm -f /tmp/spill/samples.tsv.stop /tmp/spill/samples.tsv
nice -n 5 python3 /tmp/spill/sampler.py $BPID $HP $Q $D/spill /tmp/spill/samples.tsv &
SP=$!
for i in $(seq 100); do [ -s /tmp/spill/samples.tsv ] && break; sleep 0.1; done
sleep 0.5
echo "load average at start $(cat /proc/loadavg)"
nice -n 5 $BENCH amqp --port $AP --queue $Q --size 1024 --count 2000000 --publishers 1 --consumers 1 --prefetch 1000 --replay --drain-timeout 120 ${EXTRA:-} --scenario "${LABEL:-spill transient 2GB budget 256MiB}" --broker-pid $BPID --json /tmp/spill/spill.jsonl
echo "load average at end $(cat /proc/loadavg)"
touch /tmp/spill/samples.tsv.stop; wait $SP
grep VmHWM /proc/$BPID/status
ls -la $D/spill | head
kill $BPID; wait $BPID
