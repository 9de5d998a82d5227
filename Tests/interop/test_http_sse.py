"""Server-Sent Events on the HTTP listener: follow a stream live
(`GET /api/v1/streams/{vhost}/{stream}/events`) and a topic through a private queue
(`GET /api/v1/exchanges/{vhost}/{exchange}/events`). Read with `requests` (`stream=True`,
`iter_lines`); messages come from pika and paho-mqtt."""

import queue
import socket
import threading
import uuid

import paho.mqtt.client as mqtt
import pika
import pytest
import requests

from helpers import wait_until

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

AUTH = ("guest", "guest")
TIMEOUT = 10


class EventReader:
    """An open `text/event-stream` response, parsed on a thread into (id, event, data) tuples."""

    def __init__(self, broker, path, headers=None, **params):
        self.response = requests.get(broker.http_url(path), params=params, auth=AUTH, headers=headers or {},
                                     stream=True, timeout=30)
        self.events = queue.Queue()
        self.comments = queue.Queue()
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        fields = {}
        data = []
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "":
                    if data or fields:
                        self.events.put((fields.get("id"), fields.get("event", "message"), "\n".join(data)))
                    fields, data = {}, []
                elif line.startswith(":"):
                    self.comments.put(line)
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError, OSError, ValueError, AttributeError):
            pass

    def take(self, count):
        return [self.events.get(timeout=TIMEOUT) for _ in range(count)]

    def close(self):
        # Shut the socket down first: the reader thread is blocked in recv, and closing the
        # response alone waits for it (until the next heartbeat). This is a client disconnect.
        sock = self.response.raw._fp.fp.raw._sock
        sock.shutdown(socket.SHUT_RDWR)
        self.response.close()


@pytest.fixture
def channel(broker):
    connection = pika.BlockingConnection(broker.connection_parameters())
    channel = connection.channel()
    channel.confirm_delivery()
    yield channel
    connection.close()


@pytest.fixture
def stream(channel):
    name = f"sse-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue=name, durable=True, arguments={"x-queue-type": "stream"})
    return name


def publish(channel, stream, bodies):
    for body in bodies:
        channel.basic_publish(exchange="", routing_key=stream, body=body)


def test_follow_stream_from_first_then_live(broker, channel, stream):
    publish(channel, stream, [b"m0", b"m1", b"line one\nline two"])
    reader = EventReader(broker, f"/api/v1/streams/%2F/{stream}/events", offset="first")
    try:
        assert reader.response.status_code == 200
        assert reader.response.headers["Content-Type"].startswith("text/event-stream")
        assert reader.take(3) == [("0", "message", "m0"), ("1", "message", "m1"), ("2", "message", "line one\nline two")]
        publish(channel, stream, [b"m3", bytes([0xFF, 0x00])])
        assert reader.take(2) == [("3", "message", "m3"), ("4", "message-base64", "/wA=")]
    finally:
        reader.close()


def test_last_event_id_resumes_after_that_offset(broker, channel, stream):
    publish(channel, stream, [f"m{i}".encode() for i in range(5)])
    reader = EventReader(broker, f"/api/v1/streams/%2F/{stream}/events", headers={"Last-Event-ID": "2"}, offset="first")
    try:
        assert reader.take(2) == [("3", "message", "m3"), ("4", "message", "m4")]
        publish(channel, stream, [b"m5"])
        assert reader.take(1) == [("5", "message", "m5")]
    finally:
        reader.close()


def test_default_offset_is_next_and_heartbeats_arrive(broker, channel, stream):
    publish(channel, stream, [b"old"])
    reader = EventReader(broker, f"/api/v1/streams/%2F/{stream}/events", heartbeat=1)
    try:
        assert reader.comments.get(timeout=TIMEOUT) == ": heartbeat"
        publish(channel, stream, [b"new"])
        assert reader.take(1) == [("1", "message", "new")]
    finally:
        reader.close()


def test_many_events_arrive_in_order(broker, channel, stream):
    # More than the credit window, so acknowledgements on write must keep it flowing.
    publish(channel, stream, [f"m{i}".encode() for i in range(1000)])
    reader = EventReader(broker, f"/api/v1/streams/%2F/{stream}/events", offset="first", format="json")
    try:
        events = reader.take(1000)
        assert [event[0] for event in events] == [str(i) for i in range(1000)]
        assert '"payload":"m999"' in events[-1][2] and '"offset":999' in events[-1][2]
    finally:
        reader.close()


def test_errors_before_the_stream_are_json(broker, stream):
    missing = requests.get(broker.http_url("/api/v1/streams/%2F/no-such-stream/events"), auth=AUTH, timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    bad = requests.get(broker.http_url(f"/api/v1/streams/%2F/{stream}/events"), params={"offset": "soon"}, auth=AUTH, timeout=10)
    assert bad.status_code == 400
    anonymous = requests.get(broker.http_url(f"/api/v1/streams/%2F/{stream}/events"), timeout=10)
    assert anonymous.status_code == 401


def private_queues(broker):
    queues = requests.get(broker.http_url("/api/queues/%2F"), auth=AUTH, timeout=10).json()
    return {q["name"] for q in queues if q["name"].startswith("amq.gen-")}


def test_topic_events_from_amqp_and_mqtt_and_cleanup_on_disconnect(broker, channel):
    before = private_queues(broker)
    reader = EventReader(broker, "/api/v1/exchanges/%2F/amq.topic/events", routing_key="sensors.*.temp")
    try:
        assert reader.response.status_code == 200
        wait_until(lambda: len(private_queues(broker) - before) == 1, TIMEOUT, message="private queue declared")
        (private,) = private_queues(broker) - before
        channel.basic_publish(exchange="amq.topic", routing_key="sensors.kitchen.temp", body=b"19.0")
        channel.basic_publish(exchange="amq.topic", routing_key="sensors.kitchen.humidity", body=b"40")
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sse-{uuid.uuid4().hex[:8]}")
        client.connect("127.0.0.1", broker.mqtt_port)
        client.loop_start()
        try:
            client.publish("sensors/room1/temp", b"21.5", qos=1).wait_for_publish(TIMEOUT)
        finally:
            client.loop_stop()
            client.disconnect()
        assert reader.take(2) == [("1", "message", "19.0"), ("2", "message", "21.5")]
        assert reader.events.empty()
    finally:
        reader.close()
    wait_until(lambda: private not in private_queues(broker), TIMEOUT, message="private queue removed on disconnect")


def test_json_topic_events_carry_the_routing_key(broker, channel):
    reader = EventReader(broker, "/api/v1/exchanges/%2F/amq.topic/events", routing_key="json.#", format="json")
    try:
        # The binding exists before the response head is sent.
        channel.basic_publish(exchange="amq.topic", routing_key="json.a.b", body=b"x",
                              properties=pika.BasicProperties(content_type="text/plain"))
        ((event_id, event, data),) = reader.take(1)
        assert event_id == "1" and event == "message"
        assert '"routing_key":"json.a.b"' in data and '"content_type":"text/plain"' in data
    finally:
        reader.close()
