# The scenario matrix of bench/run; sourced. One line per scenario:
#   name|protocol|repeats|junction-bench arguments
# Queue, stream and topic names are made unique per run by bench/run. Sizes and counts keep each
# scenario to a few seconds on a loaded 2-core machine.
# Protocols amqps and mqtts are amqp and mqtt on the broker's TLS port (junction-bench --tls);
# handshake-amqps and handshake-mqtts are `junction-bench handshake` (new TLS connections per
# second, each a full handshake, closed once up) on those ports.
SCENARIOS=$(cat <<'LIST'
amqp-16B-1to1|amqp|3|--size 16 --count 200000 --no-ack
amqp-16B-1to1-acks|amqp|3|--size 16 --count 200000
amqp-1KiB-1to1|amqp|1|--size 1024 --count 200000
amqp-16B-4to4|amqp|1|--size 16 --count 200000 --publishers 4 --consumers 4
amqp-1KiB-4to4|amqp|3|--size 1024 --count 200000 --publishers 4 --consumers 4
amqp-persistent-1KiB-confirms|amqp|1|--size 1024 --count 50000 --persistent --confirm
amqp-fanout-1to10|amqp|1|--size 1024 --count 30000 --fanout --queues 10 --consumers 10
mqtt-qos0-1to1|mqtt|3|--size 1024 --count 200000 --qos 0
mqtt-qos1-1to1|mqtt|3|--size 1024 --count 100000 --qos 1
mqtt-qos0-1to10|mqtt|1|--size 1024 --count 30000 --qos 0 --consumers 10
mqtt-qos1-1to10|mqtt|1|--size 1024 --count 30000 --qos 1 --consumers 10
stomp-1KiB-1to1|stomp|1|--size 1024 --count 100000
stream-append-1KiB|amqp|1|--size 1024 --count 100000 --stream --confirm --consumers 0
stream-replay-1KiB|amqp|1|--size 1024 --count 100000 --stream --confirm --replay
latency-amqp-10k-1KiB|amqp|1|--size 1024 --rate 10000 --duration 8
latency-mqtt-10k-1KiB|mqtt|1|--size 1024 --rate 10000 --duration 8 --qos 1
latency-stomp-10k-1KiB|stomp|1|--size 1024 --rate 10000 --duration 8
tls-amqps-1KiB-1to1|amqps|3|--size 1024 --count 200000
tls-mqtts-qos0-1to1|mqtts|3|--size 1024 --count 200000 --qos 0
tls-handshake-amqps|handshake-amqps|3|--connections 2000 --concurrency 8
tls-handshake-mqtts|handshake-mqtts|3|--connections 2000 --concurrency 8
LIST
)
