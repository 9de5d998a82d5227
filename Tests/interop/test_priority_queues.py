"""Priority queues (`x-max-priority`, RabbitMQ's classic priority queue) with pika, kombu, STOMP and a
Celery worker: higher priorities first, FIFO within a priority, across a kill -9."""

import decimal
import os
import subprocess
import sys
import textwrap

import kombu
import pika
import pika.exceptions
import pytest

from helpers import drain, get_one, wait_until
from test_stomp_support import stomp_connection

pytestmark = pytest.mark.timeout(90)

PRIORITY_10 = {"x-max-priority": 10}


def publish(channel, queue, body, priority=None, persistent=False):
    properties = pika.BasicProperties(priority=priority, delivery_mode=2 if persistent else None)
    channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)


def bodies_by_get(channel, queue):
    received = []
    while True:
        method, _, body = channel.basic_get(queue=queue, auto_ack=True)
        if method is None:
            return received
        received.append(body.decode())


def test_higher_priorities_first_fifo_within_a_priority(channel, unique):
    queue = unique("prio")
    channel.queue_declare(queue=queue, arguments=PRIORITY_10)
    channel.confirm_delivery()
    sent = [("none-1", None), ("p5-1", 5), ("p1-1", 1), ("p5-2", 5), ("p10", 10), ("p99", 99), ("none-2", None)]
    for body, priority in sent:
        publish(channel, queue, body, priority)
    assert bodies_by_get(channel, queue) == ["p10", "p99", "p5-1", "p5-2", "p1-1", "none-1", "none-2"]


def test_a_consumer_with_prefetch_gets_requeued_messages_back_at_the_head_of_their_level(connection, unique):
    channel = connection.channel()
    queue = unique("prio-requeue")
    channel.queue_declare(queue=queue, arguments=PRIORITY_10)
    channel.confirm_delivery()
    for body, priority in [("a5", 5), ("b5", 5), ("c1", 1)]:
        publish(channel, queue, body, priority)
    method, _, body = get_one(channel, queue, auto_ack=False)
    assert body == b"a5"
    publish(channel, queue, "d5", 5)
    channel.basic_nack(method.delivery_tag, requeue=True)
    channel.basic_qos(prefetch_count=1)
    received = []

    def on_message(ch, delivered, properties, body):
        received.append((body.decode(), delivered.redelivered))
        ch.basic_ack(delivered.delivery_tag)

    channel.basic_consume(queue=queue, on_message_callback=on_message)
    wait_until(lambda: (connection.process_data_events(time_limit=0.1), len(received) == 4)[1], 10)
    assert received == [("a5", True), ("b5", False), ("d5", False), ("c1", False)]


@pytest.mark.parametrize("value", [256, 1000, "10", decimal.Decimal("2.5"), -1])
def test_bad_max_priority_values_are_406(connection, unique, value):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(queue=unique("prio-bad"), arguments={"x-max-priority": value})
    assert excinfo.value.reply_code == 406 and "x-max-priority" in excinfo.value.reply_text


@pytest.mark.junction_only
def test_a_quorum_queue_refuses_max_priority_by_name(connection, unique):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as excinfo:
        connection.channel().queue_declare(
            queue=unique("prio-quorum"), durable=True, arguments={"x-queue-type": "quorum", "x-max-priority": 5})
    assert excinfo.value.reply_code == 406 and "x-max-priority" in excinfo.value.reply_text


def test_max_length_drops_the_head_which_is_the_highest_priority(channel, unique):
    queue, dead = unique("prio-len"), unique("prio-dead")
    channel.queue_declare(queue=dead)
    channel.queue_declare(queue=queue, arguments={
        "x-max-priority": 10, "x-max-length": 2, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead})
    channel.confirm_delivery()
    for body, priority in [("high", 9), ("low", 1), ("middle", 5)]:
        publish(channel, queue, body, priority)
    assert bodies_by_get(channel, queue) == ["middle", "low"]
    _, properties, body = get_one(channel, dead)
    assert body == b"high" and properties.headers["x-first-death-reason"] == "maxlen"


def test_kombu_publishes_with_priorities(broker, unique):
    queue = kombu.Queue(unique("prio-kombu"), routing_key=unique("prio-kombu"), max_priority=10,
                        durable=False, auto_delete=False)
    received = []
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        producer = connection.Producer(serializer="json")
        for index, priority in enumerate([1, 1, 8, 4, 8]):
            producer.publish({"index": index}, routing_key=queue.name, priority=priority, declare=[queue])

        def on_message(body, message):
            received.append((body["index"], message.properties.get("priority")))
            message.ack()

        with connection.Consumer(queue, callbacks=[on_message], accept=["json"], prefetch_count=1):
            while len(received) < 5:
                connection.drain_events(timeout=10)
        queue.bind(connection.default_channel).delete()
    assert received == [(2, 8), (4, 8), (3, 4), (0, 1), (1, 1)]


def test_stomp_priority_header_orders_the_queue(broker, connection, unique):
    queue = unique("prio-stomp")
    connection.channel().queue_declare(queue=queue, arguments=PRIORITY_10)
    stomp, listener = stomp_connection(broker, "1.2")
    stomp.connect("guest", "guest", wait=True)
    for index, priority in enumerate(["2", "7", "2", "9"]):
        stomp.send(f"/amq/queue/{queue}", f"s{index}", headers={"priority": priority}, receipt=f"r{index}")
        assert listener.receipt() == f"r{index}"
    stomp.disconnect()
    channel = connection.channel()
    received = [(body.decode(), properties.priority) for _, properties, body in drain(connection, channel, queue, 4)]
    assert received == [("s3", 9), ("s1", 7), ("s0", 2), ("s2", 2)]


@pytest.mark.junction_only
def test_the_order_by_priority_survives_kill_9(own_broker, unique):
    queue = unique("prio-durable")
    conn = own_broker.connect()
    channel = conn.channel()
    channel.queue_declare(queue=queue, durable=True, arguments=PRIORITY_10)
    channel.confirm_delivery()
    expected = []
    for index in range(30):
        priority = [0, 3, 9][index % 3]
        publish(channel, queue, f"m{index}", priority, persistent=True)
    for priority in (9, 3, 0):
        expected += [f"m{index}" for index in range(30) if [0, 3, 9][index % 3] == priority]
    # One taken and returned: it goes back to the head of priority 9.
    method, _, body = get_one(channel, queue, auto_ack=False)
    assert body == b"m2"
    channel.basic_nack(method.delivery_tag, requeue=True)
    conn.close()
    own_broker.restart(crash=True)
    conn = own_broker.connect()
    channel = conn.channel()
    assert channel.queue_declare(queue=queue, passive=True).method.message_count == 30
    assert bodies_by_get(channel, queue) == expected
    conn.close()


@pytest.mark.timeout(180)
def test_celery_worker_runs_high_priority_tasks_first(broker, tmp_path, unique):
    pytest.importorskip("celery")
    queue = unique("celery-prio")
    log = tmp_path / "ran.txt"
    (tmp_path / "prio_tasks.py").write_text(textwrap.dedent(f"""
        from celery import Celery
        app = Celery("prio_tasks", broker="amqp://guest:guest@127.0.0.1:{broker.port}//")
        app.conf.task_default_queue = "{queue}"
        app.conf.task_queue_max_priority = 10
        app.conf.task_default_priority = 5
        app.conf.task_acks_late = True
        app.conf.worker_prefetch_multiplier = 1
        app.conf.broker_connection_retry_on_startup = False

        @app.task
        def record(label):
            with open({str(log)!r}, "a") as f:
                f.write(label + "\\n")
    """))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    # Queued while no worker runs: six low (priority 1), then six high (priority 9).
    client = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        from prio_tasks import app, record
        with app.connection_for_write() as connection:
            app.amqp.queues[app.conf.task_default_queue].bind(connection.default_channel).declare()
        for index in range(6):
            record.apply_async(args=[f"low-{index}"], priority=1)
        for index in range(6):
            record.apply_async(args=[f"high-{index}"], priority=9)
    """)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=40)
    assert client.returncode == 0, client.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prio_tasks", "worker", "--loglevel=warning", "--concurrency=1",
         "-P", "solo", "--prefetch-multiplier=1", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # A Celery worker's start-up and twelve acks-late tasks take ~30 s on a quiet 2-core machine.
        wait_until(lambda: log.exists() and len(log.read_text().split()) == 12, 120,
                   message="the worker to run 12 tasks")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    ran = log.read_text().split()
    assert ran == [f"high-{i}" for i in range(6)] + [f"low-{i}" for i in range(6)]
