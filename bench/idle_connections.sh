#!/usr/bin/env bash
# Broker memory per idle MQTT connection, Junction side by side with Mosquitto (issue 12 item 4).
#   bench/idle_connections.sh [JUNCTION_BINARY] [CONNECTIONS] [JSON_OUT]
# Each broker is started fresh on free loopback ports; bench/memory.py opens CONNECTIONS raw MQTT 3.1.1
# connections (CONNECT, CONNACK, then idle with keep-alive 600 s) and reports RSS growth / connections with
# all of them open. Junction runs with limits.max_connections and max_connections_per_user at 0 (no limit):
# the defaults (10,000 / 2,000) would refuse the storm. The file-descriptor limit must exceed
# CONNECTIONS + 256 for both the broker and this script (ulimit -n).
set -euo pipefail
JUNCTION_BINARY=${1:-$(swift build --show-bin-path)/junction}
CONNECTIONS=${2:-10000}
JSON=${3:-/dev/null}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for_port() {
    for _ in $(seq 1 200); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),timeout=0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 never opened" >&2
    return 1
}
ulimit -n "$(ulimit -Hn)"

MQTT=$(free_port)
JUNCTION_LIMITS_MAX_CONNECTIONS=0 JUNCTION_LIMITS_MAX_CONNECTIONS_PER_USER=0 \
    "$JUNCTION_BINARY" --data-dir "$TMP/junction" --amqp-port 0 --mqtt-port "$MQTT" --stomp-port 0 \
    --http-port 0 --sqs-port 0 >"$TMP/junction.log" 2>&1 &
JUNCTION_PID=$!
PIDS+=("$JUNCTION_PID")
wait_for_port "$MQTT"
python3 "$HERE/memory.py" --broker junction --pid "$JUNCTION_PID" --mqtt-port "$MQTT" \
    --connections "$CONNECTIONS" --json "$JSON"
kill "$JUNCTION_PID"

MOSQUITTO=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$MOSQUITTO" >"$TMP/mosquitto.conf"
mosquitto -c "$TMP/mosquitto.conf" >"$TMP/mosquitto.log" 2>&1 &
MOSQUITTO_PID=$!
PIDS+=("$MOSQUITTO_PID")
wait_for_port "$MOSQUITTO"
python3 "$HERE/memory.py" --broker mosquitto --pid "$MOSQUITTO_PID" --mqtt-port "$MOSQUITTO" \
    --connections "$CONNECTIONS" --json "$JSON"
