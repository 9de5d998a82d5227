"""`x-message-groups` with `x-group-id` (ActiveMQ's JMSXGroupID, SQS FIFO's MessageGroupId), with pika
and kombu: two consumers never hold messages of one group at once, order is kept within a group,
groups spread over both consumers; a requeue or a lost consumer gives the message back first; a
durable group queue keeps its order across a restart; STOMP publishers' groups count too."""

import collections

import kombu
import pika
import pytest

from helpers import wait_until
from test_stomp_support import stomp_connection

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(90)]

GROUPS = {"x-message-groups": True}


def in_group(group, persistent=False):
    return pika.BasicProperties(headers={"x-group-id": group}, delivery_mode=2 if persistent else 1)


def publish_groups(channel, queue, groups, per_group, persistent=False):
    """Interleaved: g0-0 g1-0 g2-0 g0-1 ... so every group has messages all along the queue."""
    for index in range(per_group):
        for group in groups:
            channel.basic_publish("", queue, f"{group}-{index}".encode(), properties=in_group(group, persistent))


def test_two_consumers_never_hold_one_group_at_once_and_keep_its_order(broker, unique):
    queue = unique("groups")
    groups, per_group = ["g0", "g1", "g2", "g3"], 10
    connections = [broker.connect(), broker.connect()]
    held = {0: collections.deque(), 1: collections.deque()}  # per consumer: (delivery tag, group), unacked
    in_flight = {}  # group -> consumer holding it
    seen = collections.defaultdict(list)  # group -> bodies in delivery order
    by_consumer = collections.Counter()
    violations = []
    try:
        channels = [connection.channel() for connection in connections]
        channels[0].queue_declare(queue=queue, arguments=GROUPS)
        for index, channel in enumerate(channels):
            channel.basic_qos(prefetch_count=3)

            def on_message(ch, method, properties, body, index=index):
                group = properties.headers["x-group-id"]
                if group in in_flight:
                    violations.append((group, in_flight[group], index))
                in_flight[group] = index
                seen[group].append(body.decode())
                by_consumer[index] += 1
                held[index].append((method.delivery_tag, group))

            channel.basic_consume(queue, on_message)
        publish_groups(channels[0], queue, groups, per_group)

        def step():
            # Each consumer acks the oldest delivery it holds, one per round, then both read again.
            for index, connection in enumerate(connections):
                connection.process_data_events(time_limit=0.02)
                if held[index]:
                    tag, group = held[index].popleft()
                    del in_flight[group]
                    channels[index].basic_ack(tag)
            return sum(len(bodies) for bodies in seen.values()) == len(groups) * per_group

        wait_until(step, 30, interval=0)
        assert violations == []
        for group in groups:
            assert seen[group] == [f"{group}-{index}" for index in range(per_group)]
        assert by_consumer[0] > 0 and by_consumer[1] > 0
    finally:
        for connection in connections:
            if connection.is_open:
                connection.close()


def test_a_requeued_message_comes_back_first_in_its_group(broker, unique):
    queue = unique("groups-requeue")
    connection = broker.connect()
    try:
        channel = connection.channel()
        channel.queue_declare(queue=queue, arguments=GROUPS)
        publish_groups(channel, queue, ["a"], 3)
        method, _, body = channel.basic_get(queue, auto_ack=False)
        assert body == b"a-0"
        assert channel.basic_get(queue, auto_ack=False) == (None, None, None)  # a is in flight
        channel.basic_nack(method.delivery_tag, requeue=True)
        method, _, body = channel.basic_get(queue, auto_ack=False)
        assert (body, method.redelivered) == (b"a-0", True)
        channel.basic_ack(method.delivery_tag)
        method, _, body = channel.basic_get(queue, auto_ack=False)
        assert (body, method.redelivered) == (b"a-1", False)
        channel.basic_reject(method.delivery_tag, requeue=False)
        assert channel.basic_get(queue, auto_ack=True)[2] == b"a-2"
    finally:
        connection.close()


def test_a_lost_consumer_hands_its_group_to_another_in_order(broker, unique):
    queue = unique("groups-loss")
    lost, survivor = broker.connect(), broker.connect()
    received = []
    try:
        lost_channel = lost.channel()
        lost_channel.queue_declare(queue=queue, arguments=GROUPS)
        publish_groups(lost_channel, queue, ["a"], 3)
        method, _, body = lost_channel.basic_get(queue, auto_ack=False)
        assert body == b"a-0"
        channel = survivor.channel()
        channel.basic_consume(queue, lambda ch, m, p, body: (received.append((body, m.redelivered)),
                                                             ch.basic_ack(m.delivery_tag)))
        survivor.process_data_events(time_limit=0.3)
        assert received == []  # a-0 is held by the other connection
        lost.close()
        wait_until(lambda: survivor.process_data_events(time_limit=0.05) or len(received) == 3, 10)
        assert received == [(b"a-0", True), (b"a-1", False), (b"a-2", False)]
    finally:
        for connection in (lost, survivor):
            if connection.is_open:
                connection.close()


def test_kombu_consumers_keep_group_order(broker, unique):
    name = unique("kombu-groups")
    queue = kombu.Queue(name, exchange=kombu.Exchange(name), routing_key=name, queue_arguments=GROUPS)
    order = collections.defaultdict(list)
    consumers_of = collections.defaultdict(set)
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        for index in range(6):
            for group in ("x", "y", "z"):
                producer.publish({"g": group, "n": index}, exchange=queue.exchange, routing_key=name,
                                 declare=[queue], headers={"x-group-id": group})
        channel_a, channel_b = connection.channel(), connection.channel()

        def callback(tag):
            def handle(body, message):
                order[body["g"]].append(body["n"])
                consumers_of[body["g"]].add(tag)
                message.ack()
            return handle

        with kombu.Consumer(channel_a, [queue], callbacks=[callback("a")], prefetch_count=2), \
                kombu.Consumer(channel_b, [queue], callbacks=[callback("b")], prefetch_count=2):
            while sum(len(v) for v in order.values()) < 18:
                connection.drain_events(timeout=10)
    assert dict(order) == {group: list(range(6)) for group in ("x", "y", "z")}


def test_a_durable_group_queue_keeps_group_order_across_a_restart(own_broker, unique):
    queue = unique("groups-durable")
    connection = own_broker.connect()
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True, arguments=GROUPS)
    channel.confirm_delivery()
    publish_groups(channel, queue, ["a", "b"], 3, persistent=True)
    method, _, body = channel.basic_get(queue, auto_ack=False)
    assert body == b"a-0"  # delivered, never acked: first again after the restart
    connection.close()
    own_broker.restart(crash=True)
    connection = own_broker.connect()
    received = collections.defaultdict(list)
    try:
        channel = connection.channel()
        channel.basic_consume(queue, lambda ch, m, p, body: (received[p.headers["x-group-id"]].append(body),
                                                             ch.basic_ack(m.delivery_tag)))
        wait_until(lambda: connection.process_data_events(time_limit=0.05) or
                   sum(len(v) for v in received.values()) == 6, 10)
        assert received == {"a": [b"a-0", b"a-1", b"a-2"], "b": [b"b-0", b"b-1", b"b-2"]}
    finally:
        connection.close()


def test_stomp_publishers_groups_reach_an_amqp_consumer(broker, unique):
    queue = unique("groups-stomp")
    amqp = broker.connect()
    try:
        channel = amqp.channel()
        channel.queue_declare(queue=queue, arguments=GROUPS)
        conn, _ = stomp_connection(broker, "1.2")
        conn.connect("guest", "guest", wait=True)
        for index in range(3):
            conn.send(f"/amq/queue/{queue}", f"s-{index}", headers={"x-group-id": "stomp"}, receipt=f"r{index}")
        conn.disconnect()
        wait_until(lambda: channel.queue_declare(queue=queue, passive=True).method.message_count == 3, 10)
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        assert (body, properties.headers["x-group-id"]) == (b"s-0", "stomp")
        assert channel.basic_get(queue, auto_ack=False) == (None, None, None)
        channel.basic_ack(method.delivery_tag)
        assert [channel.basic_get(queue, auto_ack=True)[2] for _ in range(2)] == [b"s-1", b"s-2"]
    finally:
        amqp.close()
