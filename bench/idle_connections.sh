#!/usr/bin/env bash
# Idle MQTT connections, Junction side by side with Mosquitto (issue 12 item 4): for each count, each
# broker is started fresh on a free loopback port and bench/idle_connections.py opens that many raw
# MQTT 3.1.1 connections at once (the connect rate of the storm), reports broker RSS growth per
# connection with all of them open, and a publish round trip while they stay connected.
#   bench/idle_connections.sh [JUNCTION_BINARY] [COUNTS] [JSON_OUT]      COUNTS e.g. "10000 100000"
# Junction runs with limits.max_connections and max_connections_per_user at 0 (no limit): the
# defaults (10,000 / 2,000) would refuse the storm. File descriptors: each broker and the client
# need more than COUNT + 256 (`ulimit -n`); this script raises the hard and soft limits to 300,000,
# which needs root (or CAP_SYS_RESOURCE) above the hard limit, and fs.nr_open >= 300,000. Past
# ~28,000 connections the client binds to several loopback source addresses (127.0.0.2, ...) so the
# ephemeral ports of one address do not run out.
set -euo pipefail
JUNCTION_BINARY=${1:-$(swift build --show-bin-path)/junction}
COUNTS=${2:-10000}
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
    for _ in $(seq 1 300); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),timeout=0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 never opened" >&2
    return 1
}
ulimit -Hn 300000 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"

for count in $COUNTS; do
    port=$(free_port)
    JUNCTION_LIMITS_MAX_CONNECTIONS=0 JUNCTION_LIMITS_MAX_CONNECTIONS_PER_USER=0 \
        "$JUNCTION_BINARY" --data-dir "$TMP/junction-$count" --amqp-port 0 --mqtt-port "$port" --stomp-port 0 \
        --http-port 0 --sqs-port 0 >"$TMP/junction.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_for_port "$port"
    python3 "$HERE/idle_connections.py" --broker junction --pid "$pid" --port "$port" --connections "$count" \
        --json "$JSON"
    kill "$pid"
    wait "$pid" 2>/dev/null || true

    port=$(free_port)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$TMP/mosquitto.conf"
    mosquitto -c "$TMP/mosquitto.conf" >"$TMP/mosquitto.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_for_port "$port"
    python3 "$HERE/idle_connections.py" --broker mosquitto --pid "$pid" --port "$port" --connections "$count" \
        --json "$JSON"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
done
