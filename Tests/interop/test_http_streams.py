"""Streams over HTTP and stream observability: `GET /api/v1/streams/{vhost}/{stream}/messages`
(by offset, timestamp or consumer group), consumer groups in `/api/queues` and their lag in
`/metrics`. Messages are published and group acks made with pika."""

import time
import uuid

import pika
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

AUTH = ("guest", "guest")
COUNT = 1_000


def api(broker, path, **kwargs):
    kwargs.setdefault("auth", AUTH)
    kwargs.setdefault("timeout", 30)
    return requests.get(broker.http_url(path), **kwargs)


def publish(channel, stream, first, count):
    channel.confirm_delivery()
    for i in range(first, first + count):
        channel.basic_publish(exchange="", routing_key=stream, body=f"m{i}".encode())


@pytest.fixture
def stream(broker):
    name = f"http-stream-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(broker.connection_parameters())
    channel = connection.channel()
    channel.queue_declare(queue=name, durable=True, arguments={"x-queue-type": "stream"})
    publish(channel, name, 0, COUNT)
    yield name, connection
    connection.close()


def read(broker, name, **query):
    response = api(broker, f"/api/v1/streams/%2F/{name}/messages", params=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_read_by_offset(broker, stream):
    name, _ = stream
    first = read(broker, name, max=10)
    assert [(m["offset"], m["payload"]) for m in first["messages"]] == [(i, f"m{i}") for i in range(10)]
    assert first["next_offset"] == 10 and first["last_offset"] == COUNT - 1
    middle = read(broker, name, offset=500, max=1000)
    assert [m["offset"] for m in middle["messages"]] == list(range(500, COUNT))
    assert read(broker, name, offset="last")["messages"][0]["payload"] == f"m{COUNT - 1}"
    assert read(broker, name, offset="next")["messages"] == []


def test_read_by_timestamp(broker, stream):
    name, connection = stream
    time.sleep(1.1)
    since = int(time.time())
    publish(connection.channel(), name, COUNT, 3)
    body = read(broker, name, timestamp=since)
    assert [m["payload"] for m in body["messages"]] == [f"m{i}" for i in range(COUNT, COUNT + 3)]


def test_group_reads_continue_after_the_committed_offset(broker, stream):
    name, _ = stream
    assert [m["offset"] for m in read(broker, name, group="g", max=300)["messages"]] == list(range(300))
    assert [m["offset"] for m in read(broker, name, group="g", max=300)["messages"]] == list(range(300, 600))
    queue = api(broker, f"/api/queues/%2F/{name}").json()
    group = next(g for g in queue["consumer_groups"] if g["name"] == "g")
    assert group["committed_offset"] == 599 and group["lag"] == COUNT - 600


def test_bad_queries_are_refused(broker, stream):
    name, _ = stream
    for query in ({"offset": "sideways"}, {"max": "0"}, {"offset": "1", "timestamp": "1"}):
        response = api(broker, f"/api/v1/streams/%2F/{name}/messages", params=query)
        assert response.status_code == 400, query
    assert api(broker, "/api/v1/streams/%2F/no-such-stream/messages").status_code == 404


def test_queue_api_and_metrics_show_group_offset_and_lag(broker, stream):
    name, connection = stream
    channel = connection.channel()
    channel.basic_qos(prefetch_count=100)
    received = []

    def on_message(ch, method, properties, body):
        received.append(method.delivery_tag)
        if len(received) <= 250:
            ch.basic_ack(method.delivery_tag)

    channel.basic_consume(
        name, on_message, arguments={"x-stream-offset": "first", "x-consumer-group": "billing"}
    )
    deadline = time.monotonic() + 20
    while len(received) < 250 and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.1)

    queue = api(broker, f"/api/queues/%2F/{name}").json()
    assert queue["type"] == "stream"
    assert queue["arguments"]["x-queue-type"] == "stream"
    assert queue["first_offset"] == 0 and queue["last_offset"] == COUNT - 1
    assert queue["messages"] == COUNT
    group = next(g for g in queue["consumer_groups"] if g["name"] == "billing")
    assert group["committed_offset"] == 249
    assert group["lag"] == COUNT - 250
    assert group["active_consumer"]

    listed = [q for q in api(broker, "/api/queues/%2F").json() if q["name"] == name]
    assert listed[0]["consumer_groups"][0]["name"] == "billing"

    text = requests.get(broker.http_url("/metrics"), timeout=30).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    lag = [
        s for s in families["junction_stream_consumer_group_lag"].samples
        if s.labels["stream"] == name and s.labels["group"] == "billing"
    ]
    assert lag[0].value == COUNT - 250 and lag[0].labels["vhost"] == "/"
    committed = [
        s for s in families["junction_stream_committed_offset"].samples
        if s.labels["stream"] == name and s.labels["group"] == "billing"
    ]
    assert committed[0].value == 249
    assert "junction_disk_free_bytes" in families
    assert "junction_disk_free_limit_bytes" in families
