"""Partitioned streams and consumer groups over their partitions (issue 14), with pika, kombu and
stomp.py: a group that grows from two to three members and shrinks to two reads every message once
per key in order; a second group reads everything independently; a member killed with unacked
messages loses nothing; AMQP and STOMP members share one group; a shared group dead-letters while
an offset reader still sees the whole log; and all of it after a broker restart.
"""

import subprocess
import sys
import textwrap
import time

import kombu
import pika
import pytest
import requests

from test_stomp_support import stomp_connection

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

KEYS = [f"key-{i}" for i in range(30)]


def declare_partitioned(channel, name, partitions=3, **arguments):
    channel.queue_declare(
        queue=name, durable=True,
        arguments={"x-queue-type": "stream", "x-partitions": partitions, **arguments})


def publish_round(channel, name, round_number):
    """One message per key, body `<key>:<round>`, to the partition exchange, confirmed."""
    for key in KEYS:
        channel.basic_publish(exchange=name, routing_key=key, body=f"{key}:{round_number}".encode())


class Member:
    """A pika group member that records every delivery and acks it at once (unless `ack` is off)."""

    def __init__(self, broker, stream, group, prefetch=50, ack=True, log=None, **arguments):
        self.log = log if log is not None else []
        self.connection = broker.connect()
        self.channel = self.connection.channel()
        self.channel.basic_qos(prefetch_count=prefetch)
        self.received = []
        self.ack = ack
        self.tag = self.channel.basic_consume(
            queue=stream, on_message_callback=self.on_message,
            arguments={"x-consumer-group": group, "x-stream-offset": "first", **arguments})

    def on_message(self, channel, method, properties, body):
        headers = properties.headers
        self.received.append((headers["x-partition"], headers["x-stream-offset"], body.decode(), method))
        self.log.append(body.decode())
        if self.ack:
            channel.basic_ack(method.delivery_tag)

    def partitions_since(self, start):
        return {partition for partition, _, _, _ in self.received[start:]}

    def close(self):
        if self.connection.is_open:
            self.connection.close()


def pump(members, done, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for deliveries")
        for member in members:
            if member.connection.is_open:
                member.connection.process_data_events(time_limit=0.01)


def bodies(members):
    return [body for member in members for _, _, body, _ in member.received]


def check_per_key_order(arrivals, rounds):
    """Every key's rounds arrive complete and in order (a redelivery may repeat one)."""
    seen = {}
    for body in arrivals:
        key, number = body.rsplit(":", 1)
        seen.setdefault(key, [])
        if int(number) not in seen[key]:
            seen[key].append(int(number))
    assert seen == {key: list(range(rounds)) for key in KEYS}


def test_a_group_grows_and_shrinks_and_reads_every_key_in_order(broker, unique):
    stream = unique("orders")
    publisher = broker.connect()
    channel = publisher.channel()
    channel.confirm_delivery()
    declare_partitioned(channel, stream)
    log = []
    a, b = Member(broker, stream, "g", log=log), Member(broker, stream, "g", log=log)
    members = [a, b]
    publish_round(channel, stream, 0)
    pump(members, lambda: len(bodies(members)) >= 30)
    c = Member(broker, stream, "g", log=log)
    members.append(c)
    marks = [len(m.received) for m in members]
    publish_round(channel, stream, 1)
    pump(members, lambda: sum(len(m.received) - mark for m, mark in zip(members, marks)) >= 30)
    # Three members: disjoint partition sets, one partition each.
    owned = [m.partitions_since(mark) for m, mark in zip(members, marks)]
    assert sorted(len(p) for p in owned) == [1, 1, 1] and set().union(*owned) == {0, 1, 2}
    b.close()
    members = [a, c]
    marks = [len(m.received) for m in members]
    publish_round(channel, stream, 2)
    pump(members, lambda: sum(len(m.received) - mark for m, mark in zip(members, marks)) >= 30)
    owned = [m.partitions_since(mark) for m, mark in zip(members, marks)]
    assert not (owned[0] & owned[1]) and owned[0] | owned[1] == {0, 1, 2}
    check_per_key_order(log, 3)
    # Every key lives in one partition.
    partition_of = {}
    for member in (a, b, c):
        for partition, _, body, _ in member.received:
            assert partition_of.setdefault(body.split(":")[0], partition) == partition
    # A second group reads everything, independently of the first.
    other = Member(broker, stream, "other")
    pump([other], lambda: len(other.received) >= 90)
    check_per_key_order([body for _, _, body, _ in other.received], 3)
    # The management API shows, per group and partition, the owner, committed offset and lag.
    queue = requests.get(broker.http_url(f"/api/queues/%2F/{stream}"), auth=("guest", "guest"), timeout=10).json()
    groups = {group["name"]: group for group in queue["consumer_groups"]}
    assert groups["g"]["rebalances"] >= 3
    assert {p["owner"] for p in groups["g"]["partitions"]} == {a.tag, c.tag}
    pump([a, c, other], lambda: all(p["lag"] == 0 for p in requests.get(
        broker.http_url(f"/api/queues/%2F/{stream}"), auth=("guest", "guest"), timeout=10,
    ).json()["consumer_groups"][0]["partitions"]))
    metrics = requests.get(broker.http_url("/metrics"), auth=("guest", "guest"), timeout=10).text
    assert any(line.startswith("junction_stream_group_rebalances{") and f'stream="{stream}"' in line
               and 'group="g"' in line for line in metrics.splitlines())
    for member in (a, c, other):
        member.close()
    publisher.close()


KILLED_MEMBER = textwrap.dedent("""
    import sys, pika
    port, stream = int(sys.argv[1]), sys.argv[2]
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=5)
    count = 0
    for method, properties, body in channel.consume(
            stream, arguments={"x-consumer-group": "k", "x-stream-offset": "first"}):
        count += 1
        if count == 10:
            print("holding", flush=True)
            connection.sleep(60)
""")


def test_a_member_killed_with_unacked_messages_loses_nothing(broker, unique):
    stream = unique("killed")
    with broker.connect() as publisher:
        channel = publisher.channel()
        channel.confirm_delivery()
        declare_partitioned(channel, stream)
        publish_round(channel, stream, 0)
    victim = subprocess.Popen(
        [sys.executable, "-c", KILLED_MEMBER, str(broker.port), stream], stdout=subprocess.PIPE, text=True)
    try:
        assert victim.stdout.readline().strip() == "holding"
    finally:
        victim.kill()
        victim.wait()
    survivor = Member(broker, stream, "k")
    pump([survivor], lambda: len(survivor.received) >= 30)
    assert sorted(bodies([survivor])) == sorted(f"{key}:0" for key in KEYS)
    survivor.close()


def test_amqp_and_stomp_members_share_one_group_and_stomp_publishes_by_key(broker, unique):
    stream = unique("mixed")
    with broker.connect() as connection:
        declare_partitioned(connection.channel(), stream)
    amqp = Member(broker, stream, "mixed")
    conn, listener = stomp_connection(broker)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/amq/queue/{stream}", id="s", ack="client-individual",
                   headers={"x-consumer-group": "mixed", "prefetch-count": "50", "x-stream-offset": "first"})
    stomp_frames = []
    deadline = time.monotonic() + 10
    # The STOMP member's join is a rebalance: wait until the AMQP member owns fewer than three partitions.
    for key in KEYS:
        conn.send(f"/exchange/{stream}/{key}", f"{key}:0")
    while len(amqp.received) + len(stomp_frames) < 30:
        assert time.monotonic() < deadline, "timed out"
        amqp.connection.process_data_events(time_limit=0.01)
        try:
            frame = listener.message(timeout=0.01)
        except Exception:
            continue
        stomp_frames.append(frame)
        conn.ack(frame.headers["ack"])
    stomp_partitions = {int(frame.headers["x-partition"]) for frame in stomp_frames}
    assert stomp_partitions and all("x-stream-offset" in frame.headers for frame in stomp_frames)
    assert not stomp_partitions & amqp.partitions_since(0)
    received = sorted(bodies([amqp]) + [frame.body for frame in stomp_frames])
    assert received == sorted(f"{key}:0" for key in KEYS)
    conn.disconnect()
    amqp.close()


def test_a_shared_group_dead_letters_while_an_offset_reader_sees_the_whole_log(broker, unique):
    stream, dead = unique("shared"), unique("dead")
    with broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue=dead, durable=True)
        channel.queue_bind(dead, "amq.fanout")
        declare_partitioned(channel, stream, 2, **{"x-dead-letter-exchange": "amq.fanout", "x-delivery-limit": 3})
        channel.confirm_delivery()
        # kombu publishes by key to the partition exchange.
    with kombu.Connection(broker.url()) as conn:
        producer = conn.Producer()
        for index in range(20):
            producer.publish(
                f"m{index}", exchange=stream, routing_key=f"k{index}", content_type="text/plain",
                content_encoding="utf-8", retry=True)
    members = [Member(broker, stream, "workers", prefetch=5, ack=False, **{"x-consumer-group-type": "shared"})
               for _ in range(2)]
    handled = set()

    def settle():
        for member in members:
            for entry in member.received:
                _, _, body, method = entry
                if method is None:
                    continue
                if int(body[1:]) % 5 == 0:
                    member.channel.basic_reject(method.delivery_tag, requeue=False)
                else:
                    member.channel.basic_ack(method.delivery_tag)
                handled.add(body)
            member.received[:] = [(p, o, b, None) for p, o, b, _ in member.received]
        return len(handled) >= 20

    pump(members, settle)
    with broker.connect() as connection:
        channel = connection.channel()
        deadline = time.monotonic() + 10
        while channel.queue_declare(queue=dead, passive=True).method.message_count < 4:
            assert time.monotonic() < deadline, "dead letters missing"
            time.sleep(0.05)
        dead_bodies = []
        for _ in range(4):
            method, properties, body = channel.basic_get(dead, auto_ack=True)
            assert properties.headers["x-first-death-reason"] == "rejected"
            dead_bodies.append(body.decode())
        assert sorted(dead_bodies) == ["m0", "m10", "m15", "m5"]
    # Both members took part, and the partitions still hold all 20 messages for offset readers.
    assert all(any(entry for entry in member.received) for member in members)
    readers = [Member(broker, f"{stream}-{index}", "reader-{index}") for index in range(2)]
    pump(readers, lambda: len(bodies(readers)) >= 20)
    assert sorted(bodies(readers)) == sorted(f"m{index}" for index in range(20))
    for member in members + readers:
        member.close()


def test_partitioned_streams_and_group_offsets_survive_a_restart(own_broker, unique):
    stream = unique("durable")
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        declare_partitioned(channel, stream, **{"x-max-age": "7D"})
        publish_round(channel, stream, 0)
    member = Member(own_broker, stream, "g")
    shared = Member(own_broker, stream, "s", **{"x-consumer-group-type": "shared"})
    pump([member, shared], lambda: len(member.received) >= 30 and len(shared.received) >= 30)
    member.close()
    shared.close()
    # Group offsets are written at the next group commit (a timer); give it time before stopping.
    own_broker.stop()
    own_broker.start()
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        declare_partitioned(channel, stream, **{"x-max-age": "7D"})
        # HTTP publishes to the partition exchange too.
        published = requests.post(
            own_broker.http_url(f"/api/exchanges/%2F/{stream}/publish"), auth=("guest", "guest"), timeout=10,
            json={"properties": {}, "routing_key": "key-1", "payload": "key-1:1", "payload_encoding": "string"})
        assert published.json() == {"routed": True}
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            declare_partitioned(channel, stream, partitions=4)
        assert refused.value.reply_code == 406
    member = Member(own_broker, stream, "g")
    shared = Member(own_broker, stream, "s", **{"x-consumer-group-type": "shared"})
    pump([member, shared], lambda: len(member.received) >= 1 and len(shared.received) >= 1)
    time.sleep(0.2)
    pump([member, shared], lambda: True)
    member.connection.process_data_events(time_limit=0.1)
    shared.connection.process_data_events(time_limit=0.1)
    assert bodies([member]) == ["key-1:1"]
    assert bodies([shared]) == ["key-1:1"]
    member.close()
    shared.close()
    with own_broker.connect() as connection:
        connection.channel().queue_delete(stream)
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker):
            channel.queue_declare(queue=f"{stream}-0", passive=True)


def test_mqtt_publishes_reach_partitions_through_an_exchange_to_exchange_binding(broker, unique):
    import paho.mqtt.client as mqtt

    stream = unique("sensors")
    prefix = unique("site")
    with broker.connect() as connection:
        channel = connection.channel()
        declare_partitioned(channel, stream)
        channel.exchange_bind(destination=stream, source="amq.topic", routing_key=f"{prefix}.#")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique("mqtt"))
    client.connect("127.0.0.1", broker.mqtt_port, keepalive=30)
    client.loop_start()
    try:
        for room in range(12):
            for reading in range(2):
                client.publish(f"{prefix}/room{room}/temp", f"room{room}:{reading}", qos=1).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
    member = Member(broker, stream, "g")
    pump([member], lambda: len(member.received) >= 24)
    partition_of = {}
    for partition, _, body, _ in member.received:
        room = body.split(":")[0]
        assert partition_of.setdefault(room, partition) == partition
    assert [body for _, _, body, _ in member.received if body.startswith("room3:")] == ["room3:0", "room3:1"]
    assert len(set(partition_of.values())) > 1
    member.close()


def test_http_reads_a_partitioned_stream_with_a_group(broker, unique):
    stream = unique("http")
    with broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        declare_partitioned(channel, stream)
        publish_round(channel, stream, 0)
    url = broker.http_url(f"/api/v1/streams/%2F/{stream}/messages")
    first = requests.get(url, params={"group": "h", "max": 100}, auth=("guest", "guest"), timeout=10).json()
    assert sorted(m["payload"] for m in first["messages"]) == sorted(f"{key}:0" for key in KEYS)
    assert {m["partition"] for m in first["messages"]} == {0, 1, 2}
    again = requests.get(url, params={"group": "h", "max": 100}, auth=("guest", "guest"), timeout=10).json()
    assert again["messages"] == []
    refused = requests.get(url, auth=("guest", "guest"), timeout=10)
    assert refused.status_code == 400
