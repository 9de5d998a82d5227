"""The HTTP listener with real clients: requests, curl, rabbitmqadmin, pika (cross-protocol),
prometheus-client's parser and websockets (the WebSocket seam, with AMQP behind it)."""

import asyncio
import json
import shutil
import subprocess
import time

import pika
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers import drain

pytestmark = pytest.mark.junction_only

AUTH = ("guest", "guest")


def api(broker, method, path, **kwargs):
    kwargs.setdefault("auth", AUTH)
    kwargs.setdefault("timeout", 30)
    return requests.request(method, broker.http_url(path), **kwargs)


def declare(broker, queue):
    assert api(broker, "PUT", f"/api/queues/%2F/{queue}", json={"durable": False}).status_code == 201


def test_requests_publish_and_get(broker, unique):
    queue = unique("http-q")
    declare(broker, queue)
    published = api(broker, "POST", "/api/exchanges/%2F/amq.default/publish",
                    json={"properties": {"content_type": "text/plain"}, "routing_key": queue,
                          "payload": "aGVsbG8=", "payload_encoding": "base64"})
    assert published.json() == {"routed": True}
    listed = api(broker, "GET", f"/api/queues/%2F/{queue}").json()
    assert listed["messages_ready"] == 1 and listed["consumers"] == 0
    got = api(broker, "POST", f"/api/queues/%2F/{queue}/get",
              json={"count": 3, "ackmode": "ack_requeue_false", "encoding": "auto"}).json()
    assert [m["payload"] for m in got] == ["hello"]
    assert got[0]["properties"]["content_type"] == "text/plain"
    assert api(broker, "GET", f"/api/queues/%2F/{queue}").json()["messages"] == 0


def test_curl_raw_publish_reaches_pika_with_properties(broker, connection, channel, unique, tmp_path):
    queue = unique("raw")
    channel.queue_declare(queue=queue)
    channel.queue_bind(queue=queue, exchange="amq.topic", routing_key="order.*")
    body = tmp_path / "order.json"
    body.write_bytes(b'{"order": 42}')
    out = subprocess.run(
        ["curl", "-s", "-u", "guest:guest", "--data-binary", f"@{body}",
         "-H", "Content-Type: application/json", "-H", "X-Correlation-Id: corr-1",
         "-H", "X-Persistent: true", "-H", "X-Header-Tenant: acme",
         "-w", "\n%{http_code}",
         broker.http_url("/api/v1/exchanges/%2F/amq.topic/messages?routing_key=order.created")],
        capture_output=True, text=True, timeout=30, check=True).stdout
    text, status = out.rsplit("\n", 1)
    assert status == "201"
    message_id = json.loads(text)["message_id"]
    [(method, properties, received)] = drain(connection, channel, queue, 1)
    assert received == b'{"order": 42}'
    assert method.routing_key == "order.created"
    assert properties.content_type == "application/json"
    assert properties.correlation_id == "corr-1"
    assert properties.message_id == message_id
    assert properties.delivery_mode == 2
    assert properties.headers == {"tenant": "acme"}


def test_long_poll_lease_expiry_returns_message(broker, unique):
    queue = unique("lease")
    declare(broker, queue)
    started = time.monotonic()
    waiting = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?wait=1&max=2")
    assert waiting.json()["messages"] == [] and time.monotonic() - started >= 0.9
    api(broker, "POST", f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}", data=b"job-1")
    first = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?lease=1").json()["messages"]
    assert [m["payload"] for m in first] == ["job-1"]
    assert api(broker, "GET", f"/api/queues/%2F/{queue}").json()["messages_unacknowledged"] == 1
    # Not acked: after the lease the message is back, redelivered; the old receipt is void.
    second = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?wait=5&lease=30").json()["messages"]
    assert second[0]["payload"] == "job-1" and second[0]["redelivered"] is True
    assert api(broker, "DELETE", f"/api/v1/receipts/{first[0]['receipt']}").status_code == 404
    assert api(broker, "DELETE", f"/api/v1/receipts/{second[0]['receipt']}").status_code == 204
    assert api(broker, "GET", f"/api/queues/%2F/{queue}").json()["messages"] == 0


def test_long_poll_wakes_on_publish(broker, connection, channel, unique):
    queue = unique("wake")
    declare(broker, queue)

    async def scenario():
        loop = asyncio.get_running_loop()
        poll = loop.run_in_executor(None, lambda: api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?wait=10"))
        await asyncio.sleep(0.5)
        channel.basic_publish(exchange="", routing_key=queue, body=b"from-amqp")
        return await poll

    started = time.monotonic()
    response = asyncio.run(scenario())
    assert [m["payload"] for m in response.json()["messages"]] == ["from-amqp"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("method,path,kwargs,status,error", [
    ("PUT", "/api/queues/%2F/bad-json", {"data": b"{nope", "headers": {"Content-Type": "application/json"}}, 400, "bad_request"),
    ("GET", "/api/queues/no-such-vhost", {}, 404, "not_found"),
    ("POST", "/api/exchanges/%2F/no-such-exchange/publish", {"json": {"routing_key": "", "payload": ""}}, 404, "not_found"),
    ("GET", "/api/queues", {"auth": ("guest", "wrong")}, 401, "not_authorised"),
    ("PATCH", "/api/queues/%2F/x", {}, 405, "method_not_allowed"),
    ("POST", "/api/v1/exchanges/%2F/amq.default/messages", {"data": b"x" * (9 * 1024 * 1024)}, 413, "payload_too_large"),
])
def test_errors_are_json_with_status(broker, method, path, kwargs, status, error):
    response = api(broker, method, path, **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["reason"]


def test_metrics_parse_as_prometheus_text(broker, unique):
    queue = unique("metrics")
    declare(broker, queue)
    api(broker, "POST", "/api/exchanges/%2F/amq.default/publish", json={"routing_key": queue, "payload": "x"})
    text = requests.get(broker.http_url("/metrics"), timeout=30).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    ready = [s for s in families["junction_queue_messages_ready"].samples if s.labels["queue"] == queue]
    assert ready[0].value == 1 and ready[0].labels["vhost"] == "/"
    assert families["junction_messages_published"].type == "counter"
    assert "junction_queue_messages_unacked" in families
    assert "junction_process_resident_memory_bytes" in families
    assert any(s.labels.get("protocol") == "HTTP/1.1" for s in families["junction_connections"].samples)


RABBITMQADMIN = shutil.which("rabbitmqadmin")


@pytest.mark.skipif(RABBITMQADMIN is None, reason="rabbitmqadmin not installed (apt-get install rabbitmq-server)")
def test_rabbitmqadmin_declare_list_publish_get(broker, unique):
    queue = unique("admin")

    def admin(*args):
        return subprocess.run([RABBITMQADMIN, "-H", broker.host, "-P", str(broker.http_port), "-u", "guest", "-p", "guest",
                               "-f", "raw_json", *args], capture_output=True, text=True, timeout=30, check=True).stdout

    admin("declare", "queue", f"name={queue}", "durable=false")
    assert queue in [q["name"] for q in json.loads(admin("list", "queues"))]
    admin("publish", f"routing_key={queue}", "payload=from-admin")
    got = json.loads(admin("get", f"queue={queue}", "ackmode=ack_requeue_false"))
    assert got[0]["payload"] == "from-admin"
    assert json.loads(admin("list", "connections"))


def test_websocket_upgrade_carries_amqp_through_the_seam(broker):
    websockets = pytest.importorskip("websockets.sync.client")
    url = f"ws://{broker.host}:{broker.http_port}/amqp"
    with websockets.connect(url, subprotocols=["amqp"], open_timeout=10) as socket:
        assert socket.subprotocol == "amqp"
        socket.send(b"AMQP\x00\x00\x09\x01")
        frame = socket.recv(timeout=10)
        assert isinstance(frame, bytes)
        # A method frame on channel 0 carrying connection.start (class 10, method 10).
        assert frame[0] == 1 and frame[1:3] == b"\x00\x00" and frame[7:11] == b"\x00\x0a\x00\x0a"
        connections = api(broker, "GET", "/api/connections").json()
        assert any(c["transport"] == "WebSocket" for c in connections)


def test_websocket_refuses_unknown_subprotocol(broker):
    websockets = pytest.importorskip("websockets.sync.client")
    from websockets.exceptions import InvalidStatus
    with pytest.raises(InvalidStatus) as refused:
        websockets.connect(f"ws://{broker.host}:{broker.http_port}/amqp", subprotocols=["mqtt"], open_timeout=10)
    assert refused.value.response.status_code == 400


def test_vhost_create_use_and_delete(broker, unique):
    vhost = unique("tenant")
    assert api(broker, "PUT", f"/api/vhosts/{vhost}").status_code == 201
    assert api(broker, "PUT", f"/api/queues/{vhost}/orders", json={"durable": True}).status_code == 201
    # An AMQP client on that vhost is disconnected when it goes (320 CONNECTION_FORCED).
    connection = broker.connect(virtual_host=vhost)
    assert connection.channel().queue_declare("orders", passive=True).method.queue == "orders"
    assert api(broker, "DELETE", f"/api/vhosts/{vhost}").status_code == 204
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as closed:
        connection.process_data_events(time_limit=5)
        connection.channel()
    assert closed.value.reply_code == 320
    assert api(broker, "GET", f"/api/vhosts/{vhost}").status_code == 404
    assert api(broker, "GET", f"/api/queues/{vhost}/orders").status_code == 404
    refused = api(broker, "DELETE", "/api/vhosts/%2F")
    assert refused.status_code == 400
    assert refused.json()["error"] == "precondition_failed"


def test_connections_of_every_protocol_are_listed(broker):
    import paho.mqtt.client as mqtt
    import stomp

    amqp_connection = broker.connect()
    mqtt_client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="listed-mqtt", protocol=mqtt.MQTTv5)
    disconnects = []
    mqtt_client.on_disconnect = lambda _client, _userdata, _flags, reason, _properties: disconnects.append(reason)
    mqtt_client.connect("127.0.0.1", broker.mqtt_port)
    mqtt_client.loop_start()
    stomp_connection = stomp.Connection12([("127.0.0.1", broker.stomp_port)])
    stomp_connection.connect("guest", "guest", wait=True)
    try:
        deadline = time.monotonic() + 10
        protocols = set()
        while time.monotonic() < deadline:
            listed = api(broker, "GET", "/api/connections").json()
            protocols = {entry["protocol"] for entry in listed}
            if {"AMQP 0-9-1", "MQTT 5.0", "STOMP 1.2"} <= protocols:
                break
            time.sleep(0.1)
        assert {"AMQP 0-9-1", "MQTT 5.0", "STOMP 1.2"} <= protocols
        mqtt_entry = next(e for e in api(broker, "GET", "/api/connections").json() if e["protocol"] == "MQTT 5.0")
        # Closing it through the API disconnects the MQTT client (DISCONNECT 0x98).
        assert api(broker, "DELETE", f"/api/connections/{requests.utils.quote(mqtt_entry['name'], safe='')}").status_code == 204
        deadline = time.monotonic() + 10
        while not disconnects and time.monotonic() < deadline:
            time.sleep(0.05)
        assert disconnects and disconnects[0].value == 0x98
    finally:
        mqtt_client.loop_stop()
        stomp_connection.disconnect()
        amqp_connection.close()
