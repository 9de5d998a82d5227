"""Queues page to disk: with a 1 MiB memory budget, a backlog many times the budget (persistent
messages of a durable queue, and transient ones spilled by a non-durable queue) stays out of the
broker's memory, drains completely and in order, also after kill -9."""

import os

import pika
import pytest

from helpers import Broker, wait_until

pytestmark = [pytest.mark.timeout(300), pytest.mark.junction_only]

BUDGET = 1 << 20
BODY_BYTES = 2048
COUNT = 16_000  # 32 MiB of bodies: 32 times the budget
WINDOW = 512


def body_for(sequence):
    head = f"{sequence:08d}|".encode()
    return head + bytes([65 + sequence % 26]) * (BODY_BYTES - len(head))


def rss_bytes(broker):
    with open(f"/proc/{broker.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def paging_broker(broker_binary_path, tmp_path):
    instance = Broker(
        broker_binary_path,
        str(tmp_path / "data"),
        env={
            "JUNCTION_QUEUES_MEMORY_BUDGET_BYTES": str(BUDGET),
            "JUNCTION_QUEUES_GLOBAL_MEMORY_BUDGET_BYTES": str(4 * BUDGET),
        },
    )
    instance.start()
    yield instance
    instance.kill()


def publish_confirmed(broker, queue, durable, persistent):
    """Publishes COUNT messages with a window of unconfirmed ones; returns the peak broker RSS seen."""
    state = {"next": 0, "outstanding": 0, "confirmed": 0, "nacked": 0, "peak": 0, "channel": None}
    properties = pika.BasicProperties(delivery_mode=2 if persistent else 1)

    def on_channel(channel):
        state["channel"] = channel

        def confirm_mode(_frame):
            channel.confirm_delivery(on_confirm, callback=lambda _f: publish_window())

        channel.queue_declare(queue, durable=durable, callback=confirm_mode)

    def publish_window():
        while state["next"] < COUNT and state["outstanding"] < WINDOW:
            state["channel"].basic_publish("", queue, body_for(state["next"]), properties)
            state["next"] += 1
            state["outstanding"] += 1
            if state["next"] % 1024 == 0:
                state["peak"] = max(state["peak"], rss_bytes(broker))
        if state["next"] >= COUNT and state["outstanding"] == 0:
            connection.close()

    def on_confirm(frame):
        method = frame.method
        settled = state["confirmed"] + state["nacked"]
        count = method.delivery_tag - settled if method.multiple else 1
        state["confirmed" if isinstance(method, pika.spec.Basic.Ack) else "nacked"] += count
        state["outstanding"] -= count
        publish_window()

    connection = pika.SelectConnection(
        broker.connection_parameters(),
        on_open_callback=lambda c: c.channel(on_open_callback=on_channel),
        on_open_error_callback=lambda _c, _e: connection.ioloop.stop(),
        on_close_callback=lambda _c, _r: connection.ioloop.stop(),
    )
    connection.ioloop.start()
    assert state["nacked"] == 0
    assert state["confirmed"] == COUNT
    return state["peak"]


def drain_in_order(broker, queue):
    connection = broker.connect()
    channel = connection.channel()
    channel.basic_qos(prefetch_count=1000)
    received = []

    def on_message(ch, method, _properties, body):
        received.append(body)
        ch.basic_ack(method.delivery_tag)
        if len(received) == COUNT:
            ch.stop_consuming()

    channel.basic_consume(queue, on_message)
    connection.call_later(120, channel.stop_consuming)
    channel.start_consuming()
    connection.close()
    assert len(received) == COUNT
    for sequence, body in enumerate(received):
        assert body == body_for(sequence), f"message {sequence}: {body[:12]!r}"


def ready_count(broker, queue):
    connection = broker.connect()
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def test_a_durable_backlog_many_times_the_budget_stays_on_disk_and_drains_in_order(paging_broker):
    baseline = rss_bytes(paging_broker)
    peak = publish_confirmed(paging_broker, "paged-durable", durable=True, persistent=True)
    after = rss_bytes(paging_broker)
    backlog = COUNT * BODY_BYTES
    print(f"durable: baseline RSS {baseline >> 20} MiB, peak {peak >> 20} MiB, after {after >> 20} MiB, "
          f"backlog {backlog >> 20} MiB")
    assert ready_count(paging_broker, "paged-durable") == COUNT
    # The bodies are not in memory: the broker grew by far less than the backlog.
    assert max(peak, after) - baseline < backlog // 2
    drain_in_order(paging_broker, "paged-durable")


def test_transient_messages_spill_and_drain_in_order(paging_broker):
    baseline = rss_bytes(paging_broker)
    peak = publish_confirmed(paging_broker, "paged-transient", durable=False, persistent=False)
    after = rss_bytes(paging_broker)
    backlog = COUNT * BODY_BYTES
    print(f"transient: baseline RSS {baseline >> 20} MiB, peak {peak >> 20} MiB, after {after >> 20} MiB")
    spill = os.path.join(paging_broker.data_dir, "spill")
    spilled = sum(os.path.getsize(os.path.join(root, name)) for root, _dirs, names in os.walk(spill) for name in names)
    assert spilled > backlog // 2
    assert max(peak, after) - baseline < backlog // 2
    drain_in_order(paging_broker, "paged-transient")


def test_a_paged_backlog_survives_kill_9_and_recovers_without_loading_every_body(paging_broker):
    baseline = rss_bytes(paging_broker)
    publish_confirmed(paging_broker, "paged-crash", durable=True, persistent=True)
    paging_broker.restart(crash=True)
    wait_until(lambda: ready_count(paging_broker, "paged-crash") == COUNT, 30, message="recovered backlog")
    after = rss_bytes(paging_broker)
    print(f"after kill -9: RSS {after >> 20} MiB (first start's baseline {baseline >> 20} MiB)")
    assert after - baseline < COUNT * BODY_BYTES // 2
    drain_in_order(paging_broker, "paged-crash")
    # Drained and acknowledged: nothing comes back after another crash.
    paging_broker.restart(crash=True)
    assert ready_count(paging_broker, "paged-crash") == 0
