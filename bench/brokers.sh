# Starting and stopping the peer brokers and Junction for bench/run; sourced, not executed.
# Every broker listens on loopback on its own ports, with its state in $BENCH_TMP, so a broker
# someone else runs on this machine (RabbitMQ on 5699, say) is left alone.

RABBIT_AMQP_PORT=${RABBIT_AMQP_PORT:-25672}
RABBIT_MQTT_PORT=${RABBIT_MQTT_PORT:-21883}
RABBIT_STOMP_PORT=${RABBIT_STOMP_PORT:-21613}
RABBIT_DIST_PORT=${RABBIT_DIST_PORT:-25680}
RABBIT_HTTP_PORT=${RABBIT_HTTP_PORT:-25673}
MOSQUITTO_PORT=${MOSQUITTO_PORT:-21884}
JUNCTION_AMQP_PORT=${JUNCTION_AMQP_PORT:-35672}
JUNCTION_MQTT_PORT=${JUNCTION_MQTT_PORT:-31883}
JUNCTION_STOMP_PORT=${JUNCTION_STOMP_PORT:-31613}
JUNCTION_HTTP_PORT=${JUNCTION_HTTP_PORT:-35673}
# TLS listeners (AMQPS, MQTTS), all with the same certificate, made at run time by make_bench_certificates.
RABBIT_AMQPS_PORT=${RABBIT_AMQPS_PORT:-25671}
RABBIT_MQTTS_PORT=${RABBIT_MQTTS_PORT:-28883}
MOSQUITTO_TLS_PORT=${MOSQUITTO_TLS_PORT:-28884}
JUNCTION_AMQPS_PORT=${JUNCTION_AMQPS_PORT:-35671}
JUNCTION_MQTTS_PORT=${JUNCTION_MQTTS_PORT:-38883}
BENCH_PIDS=()

# A throwaway CA and one server certificate (EC P-256, for 127.0.0.1 and localhost) in $BENCH_TMP/tls;
# every broker's TLS listener uses it and junction-bench --tls trusts the CA ($BENCH_CA).
make_bench_certificates() {
    local dir=$BENCH_TMP/tls
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/ca.key" \
        -out "$dir/ca.pem" -days 2 -subj /CN=junction-bench-ca 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/server.key" \
        -out "$dir/server.csr" -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    # Mosquitto started as root drops to the mosquitto user before it reads them: let it reach them
    # (mktemp made $BENCH_TMP private). The files are throwaway.
    chmod o+x "$BENCH_TMP"
    chmod 755 "$dir"
    chmod 644 "$dir"/*
    BENCH_CA=$dir/ca.pem
    BENCH_CERT=$dir/server.pem
    BENCH_KEY=$dir/server.key
}

port_in_use() {
    ss -ltn "( sport = :$1 )" 2>/dev/null | grep -q LISTEN
}

wait_for_port() {
    local port=$1 seconds=${2:-60}
    for _ in $(seq $((seconds * 10))); do
        port_in_use "$port" && return 0
        sleep 0.1
    done
    echo "bench: nothing listens on port $port after ${seconds}s" >&2
    return 1
}

check_ports_free() {
    local port
    for port in "$@"; do
        if port_in_use "$port"; then
            echo "bench: port $port is taken; set the *_PORT variables to free ports" >&2
            exit 1
        fi
    done
}

start_rabbitmq() {
    local dir=$BENCH_TMP/rabbitmq
    mkdir -p "$dir/mnesia" "$dir/log"
    # Erlang starts the shared epmd daemon when none runs; remember to stop it only in that case.
    if pgrep -x epmd >/dev/null; then EPMD_STARTED=0; else EPMD_STARTED=1; fi
    cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_AMQP_PORT
mqtt.listeners.tcp.default = 127.0.0.1:$RABBIT_MQTT_PORT
stomp.listeners.tcp.default = 127.0.0.1:$RABBIT_STOMP_PORT
mqtt.allow_anonymous = true
listeners.ssl.default = 127.0.0.1:$RABBIT_AMQPS_PORT
mqtt.listeners.ssl.default = 127.0.0.1:$RABBIT_MQTTS_PORT
ssl_options.cacertfile = $BENCH_CA
ssl_options.certfile = $BENCH_CERT
ssl_options.keyfile = $BENCH_KEY
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
vm_memory_high_watermark.relative = 0.6
disk_free_limit.absolute = 50MB
CONF
    export RABBITMQ_NODENAME="bench-$$@localhost"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$RABBIT_AMQP_PORT
    export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
    export RABBITMQ_MNESIA_BASE=$dir/mnesia
    export RABBITMQ_LOG_BASE=$dir/log
    export RABBITMQ_CONFIG_FILE=$dir/rabbitmq
    export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
    export RABBITMQ_PID_FILE=$dir/rabbitmq.pid
    export RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
    : > "$RABBITMQ_CONF_ENV_FILE"
    # The Debian wrappers switch to the rabbitmq user (dropping this environment); run the real scripts as we are.
    local bin=/usr/lib/rabbitmq/bin
    HOME=$dir "$bin/rabbitmq-plugins" enable --offline rabbitmq_mqtt rabbitmq_stomp >/dev/null
    HOME=$dir "$bin/rabbitmq-server" > "$dir/log/stdout.log" 2>&1 &
    BENCH_PIDS+=($!)
    RABBIT_PID=$!
    wait_for_port "$RABBIT_AMQP_PORT" 120 && wait_for_port "$RABBIT_MQTT_PORT" 30 && wait_for_port "$RABBIT_STOMP_PORT" 30 \
        && wait_for_port "$RABBIT_AMQPS_PORT" 30 && wait_for_port "$RABBIT_MQTTS_PORT" 30
}

start_mosquitto() {
    local dir=$BENCH_TMP/mosquitto
    mkdir -p "$dir"
    # Unbounded queues: the default of 1000 queued QoS 1 messages per client would drop messages under load.
    cat > "$dir/mosquitto.conf" <<CONF
listener $MOSQUITTO_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
listener $MOSQUITTO_TLS_PORT 127.0.0.1
cafile $BENCH_CA
certfile $BENCH_CERT
keyfile $BENCH_KEY
CONF
    mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
    BENCH_PIDS+=($!)
    wait_for_port "$MOSQUITTO_PORT" 20 && wait_for_port "$MOSQUITTO_TLS_PORT" 20
}

start_junction() {
    local dir=$BENCH_TMP/junction
    rm -rf "$dir/data"
    mkdir -p "$dir/data"
    "$JUNCTION_BINARY" --data-dir "$dir/data" --amqp-port "$JUNCTION_AMQP_PORT" --mqtt-port "$JUNCTION_MQTT_PORT" \
        --stomp-port "$JUNCTION_STOMP_PORT" --http-port "$JUNCTION_HTTP_PORT" \
        --tls-cert-file "$BENCH_CERT" --tls-key-file "$BENCH_KEY" --amqps-port "$JUNCTION_AMQPS_PORT" \
        --mqtts-port "$JUNCTION_MQTTS_PORT" --stomps-port 0 --https-port 0 --sqs-port 0 > "$dir/junction.log" 2>&1 &
    BENCH_PIDS+=($!)
    JUNCTION_PID=$!
    wait_for_port "$JUNCTION_AMQP_PORT" 30 && wait_for_port "$JUNCTION_AMQPS_PORT" 30
}

stop_brokers() {
    local pid
    if [ -n "${RABBITMQ_NODENAME:-}" ]; then
        HOME=$BENCH_TMP/rabbitmq /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
        # rabbitmqctl is an Erlang node too: calling it again would start epmd again.
        unset RABBITMQ_NODENAME
    fi
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    if [ "${EPMD_STARTED:-0}" = 1 ]; then
        # Refuses (and so leaves it running) while any Erlang node is still registered; the stopped
        # node deregisters a moment after its process ends.
        for _ in $(seq 50); do
            epmd -names 2>/dev/null | grep -q '^name ' || { epmd -kill >/dev/null 2>&1; break; }
            sleep 0.1
        done
        EPMD_STARTED=0
    fi
}
