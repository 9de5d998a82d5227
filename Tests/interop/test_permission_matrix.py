"""The permission matrix: one user with narrow patterns; every operation inside them is served and
every one outside them is refused with the protocol's own error, over AMQP (pika), MQTT 3.1.1 and 5
(paho, TCP and WebSocket), STOMP (stomp.py, and raw frames over WebSocket) and HTTP (requests) —
and after each refusal the next client is served. Rows are data; each protocol has one driver."""

import queue
import uuid

import paho.mqtt.client as mqtt
import pika
import pika.exceptions
import pytest
import requests
import stomp
from websockets.sync.client import connect as ws_connect

from test_stomp_support import TIMEOUT, FrameReader, encode_frame

pytestmark = pytest.mark.junction_only

GUEST = ("guest", "guest")
PASSWORD = "matrix-pw"


@pytest.fixture(scope="module")
def acl(broker):
    """A user whose names start with ok. (queues, exchanges, MQTT/STOMP topics); guest owns the
    no.* resources the user must not touch."""
    token = uuid.uuid4().hex[:8]
    user = f"matrix-{token}"
    names = {"user": user, "okq": f"ok.q-{token}", "noq": f"no.q-{token}", "nox": f"no.x-{token}",
             "okx": f"ok.x-{token}", "token": token}
    http = lambda method, path, **kw: requests.request(method, broker.http_url(path), auth=GUEST, timeout=10, **kw)
    assert http("PUT", f"/api/users/{user}", json={"password": PASSWORD, "tags": "management"}).status_code == 201
    queues = r"ok\..*|mqtt-subscription-.*|amq\.gen-.*"
    assert http("PUT", f"/api/permissions/%2F/{user}", json={
        "configure": f"^({queues})$",
        "write": f"^({queues}|amq\\.default|amq\\.topic)$",
        "read": f"^({queues}|amq\\.topic)$",
    }).status_code == 204
    assert http("PUT", f"/api/topic-permissions/%2F/{user}",
                json={"exchange": "amq.topic", "write": "^ok\\.", "read": "^ok\\."}).status_code == 204
    for name in (names["okq"], names["noq"]):
        assert http("PUT", f"/api/queues/%2F/{name}", json={"durable": False}).status_code in (201, 204)
    assert http("PUT", f"/api/exchanges/%2F/{names['nox']}", json={"type": "fanout"}).status_code in (201, 204)
    assert http("PUT", f"/api/exchanges/%2F/{names['okx']}", json={"type": "fanout"}).status_code in (201, 204)
    yield names
    http("DELETE", f"/api/users/{user}")
    for name in (names["okq"], names["noq"]):
        http("DELETE", f"/api/queues/%2F/{name}")
    http("DELETE", f"/api/exchanges/%2F/{names['nox']}")
    http("DELETE", f"/api/exchanges/%2F/{names['okx']}")


# ---------------------------------------------------------------- AMQP

AMQP_ROWS = [
    # (operation, allowed arguments, refused arguments) — arguments are formatted with the names.
    ("queue_declare", {"queue": "ok.new-{token}", "auto_delete": True}, {"queue": "no.new-{token}"}),
    ("queue_declare_server_named", {}, None),
    ("queue_bind", {"queue": "{okq}", "exchange": "amq.topic", "routing_key": "ok.k"},
     {"queue": "{noq}", "exchange": "amq.topic", "routing_key": "ok.k"}),
    ("queue_bind", None, {"queue": "{okq}", "exchange": "{nox}", "routing_key": ""}),
    ("queue_bind", None, {"queue": "{okq}", "exchange": "amq.topic", "routing_key": "no.k"}),
    ("basic_publish", {"exchange": "", "routing_key": "{okq}"}, {"exchange": "{nox}", "routing_key": ""}),
    ("basic_publish", {"exchange": "amq.topic", "routing_key": "ok.t"},
     {"exchange": "amq.topic", "routing_key": "no.t"}),
    ("basic_get", {"queue": "{okq}"}, {"queue": "{noq}"}),
    ("basic_consume", {"queue": "{okq}"}, {"queue": "{noq}"}),
    ("queue_purge", {"queue": "{okq}"}, {"queue": "{noq}"}),
    ("exchange_declare", {"exchange": "ok.e-{token}", "exchange_type": "direct", "auto_delete": True},
     {"exchange": "no.e-{token}", "exchange_type": "direct"}),
    ("exchange_delete", None, {"exchange": "{nox}"}),
    ("queue_delete", None, {"queue": "{noq}"}),
]


def amqp_connection(broker, user, vhost="/"):
    return pika.BlockingConnection(broker.connection_parameters(
        credentials=pika.PlainCredentials(user, PASSWORD), virtual_host=vhost))


def amqp_run(channel, operation, arguments):
    if operation == "queue_declare_server_named":
        return channel.queue_declare(queue="", exclusive=True)
    if operation == "basic_publish":
        channel.confirm_delivery()
        return channel.basic_publish(body=b"m", **arguments)
    if operation == "basic_consume":
        return channel.basic_consume(on_message_callback=lambda *a: None, **arguments)
    return getattr(channel, operation)(**arguments)


@pytest.mark.parametrize("operation,allowed,refused", AMQP_ROWS)
def test_amqp(broker, acl, operation, allowed, refused):
    fill = lambda args: {k: v.format(**acl) if isinstance(v, str) else v for k, v in args.items()}
    with amqp_connection(broker, acl["user"]) as connection:
        if allowed is not None:
            amqp_run(connection.channel(), operation, fill(allowed))
        if refused is not None:
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
                amqp_run(channel, operation, fill(refused))
                connection.process_data_events(time_limit=0.2)
            assert closed.value.reply_code == 403
            assert "ACCESS_REFUSED" in closed.value.reply_text
            # The connection goes on: the next channel is served.
            connection.channel().queue_declare(queue=acl["okq"], passive=True)


def test_amqp_vhost_without_permissions_is_not_allowed(broker, acl):
    vhost = f"closed-{acl['token']}"
    assert requests.put(broker.http_url(f"/api/vhosts/{vhost}"), auth=GUEST, timeout=10).status_code == 201
    try:
        # pika reports a connection.close during the handshake as a probable access denial.
        with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as closed:
            amqp_connection(broker, acl["user"], vhost=vhost)
        assert "(530)" in str(closed.value) and "NOT_ALLOWED" in str(closed.value)
        amqp_connection(broker, acl["user"]).close()
    finally:
        requests.delete(broker.http_url(f"/api/vhosts/{vhost}"), auth=GUEST, timeout=10)


def test_amqp_permission_changes_apply_to_the_next_operation(broker, acl):
    user = acl["user"]
    with amqp_connection(broker, user) as connection:
        channel = connection.channel()
        channel.queue_declare(queue=acl["okq"], passive=True)
        channel.basic_get(queue=acl["okq"])
        http = lambda method, body=None: requests.request(
            method, broker.http_url(f"/api/permissions/%2F/{user}"), auth=GUEST, json=body, timeout=10)
        saved = http("GET").json()
        assert http("PUT", {"configure": "", "write": "", "read": ""}).status_code == 204
        try:
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
                channel.basic_get(queue=acl["okq"])
            assert closed.value.reply_code == 403
        finally:
            http("PUT", {k: saved[k] for k in ("configure", "write", "read")})
        connection.channel().basic_get(queue=acl["okq"])


# ---------------------------------------------------------------- MQTT (TCP and WebSocket, 3.1.1 and 5)

class Paho:
    def __init__(self, broker, user, version, websocket):
        self.events = queue.Queue()
        kwargs = {"transport": "websockets"} if websocket else {}
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"m-{uuid.uuid4().hex[:8]}",
                                  protocol=version, **kwargs)
        if websocket:
            self.client.ws_set_options(path="/mqtt")
        self.client.username_pw_set(user, PASSWORD)
        self.client.on_connect = lambda c, u, f, reason, p: self.events.put(("connack", reason))
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.events.put(("suback", [int(x.value) for x in codes]))
        self.client.on_publish = lambda c, u, mid, reason, p: self.events.put(("puback", int(reason.value)))
        self.client.on_disconnect = lambda c, u, f, reason, p: self.events.put(("disconnect", reason))
        self.client.connect("127.0.0.1", broker.http_port if websocket else broker.mqtt_port, keepalive=30)
        self.client.loop_start()
        kind, reason = self.events.get(timeout=TIMEOUT)
        assert kind == "connack" and not reason.is_failure, reason

    def next(self, kind):
        while True:
            event = self.events.get(timeout=TIMEOUT)
            if event[0] == kind:
                return event[1]

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


MQTT_VARIANTS = [(mqtt.MQTTv311, False), (mqtt.MQTTv5, False), (mqtt.MQTTv311, True), (mqtt.MQTTv5, True)]
MQTT_IDS = ["v311-tcp", "v5-tcp", "v311-ws", "v5-ws"]


@pytest.mark.parametrize("version,websocket", MQTT_VARIANTS, ids=MQTT_IDS)
def test_mqtt_subscribe(broker, acl, version, websocket):
    client = Paho(broker, acl["user"], version, websocket)
    assert client.client.subscribe("ok/#", qos=1)[0] == mqtt.MQTT_ERR_SUCCESS
    assert client.next("suback") == [1]
    client.client.subscribe("no/#", qos=1)
    # 3.1.1: SUBACK failure 0x80; 5: Not authorized 0x87.
    assert client.next("suback") == [0x80 if version == mqtt.MQTTv311 else 0x87]
    client.client.subscribe("ok/again", qos=0)
    assert client.next("suback") == [0]
    client.close()


@pytest.mark.parametrize("version,websocket", MQTT_VARIANTS, ids=MQTT_IDS)
def test_mqtt_publish(broker, acl, version, websocket):
    client = Paho(broker, acl["user"], version, websocket)
    client.client.publish("ok/reading", b"1", qos=1)
    assert client.next("puback") < 0x80  # 0 or 0x10 (no matching subscribers)
    client.client.publish("no/reading", b"1", qos=1)
    if version == mqtt.MQTTv5:
        assert client.next("puback") == 0x87
        client.client.publish("ok/reading", b"2", qos=1)
        assert client.next("puback") < 0x80
        client.close()
    else:
        # A forbidden 3.1.1 publish closes the connection, as RabbitMQ does.
        assert client.next("disconnect") is not None
        client.client.loop_stop()
    # The next client is served.
    after = Paho(broker, acl["user"], version, websocket)
    after.client.publish("ok/reading", b"3", qos=1)
    assert after.next("puback") < 0x80
    after.close()


# ---------------------------------------------------------------- STOMP (TCP and WebSocket)

STOMP_ROWS = [
    # (frame, allowed destination, refused destination)
    ("SEND", "/queue/{okq}", "/queue/{noq}"),
    ("SEND", "/topic/ok.t", "/topic/no.t"),
    ("SEND", "/exchange/{okx}", "/exchange/{nox}"),
    ("SUBSCRIBE", "/queue/{okq}", "/queue/{noq}"),
    ("SUBSCRIBE", "/topic/ok.t", "/topic/no.t"),
    ("SUBSCRIBE", "/amq/queue/{okq}", "/amq/queue/{noq}"),
]


def stomp_frames(transport, broker, user):
    """Yields a (send(command, headers), next_frame()) pair over TCP or WebSocket."""
    if transport == "ws":
        ws = ws_connect(f"ws://{broker.host}:{broker.http_port}/ws", subprotocols=["v12.stomp"], compression=None,
                        proxy=None, ping_interval=None, open_timeout=TIMEOUT, close_timeout=TIMEOUT)
        reader = FrameReader(ws)
        return ws, (lambda command, headers: ws.send(encode_frame(command, headers))), reader.next
    import socket
    from test_stomp_support import stomp_socket  # noqa: F401 (same port helper as the other tests)
    sock = socket.create_connection(("127.0.0.1", broker.stomp_port), timeout=TIMEOUT)
    buffer = bytearray()

    def next_frame():
        while b"\x00" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buffer.extend(chunk)
        end = buffer.index(b"\x00")
        raw = bytes(buffer[:end]).decode()
        del buffer[:end + 1]
        while buffer[:1] == b"\n":
            del buffer[:1]
        head, _, body = raw.lstrip("\n").partition("\n\n")
        lines = head.split("\n")
        headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        return lines[0], headers, body

    return sock, (lambda command, headers: sock.sendall(encode_frame(command, headers).encode()
                                                        if isinstance(encode_frame(command, headers), str)
                                                        else encode_frame(command, headers))), next_frame


def stomp_session(transport, broker, user):
    handle, send, next_frame = stomp_frames(transport, broker, user)
    send("CONNECT", {"accept-version": "1.2", "host": "/", "login": user, "passcode": PASSWORD,
                     "heart-beat": "0,0"})
    command, headers, _ = next_frame()
    assert command == "CONNECTED", headers
    return handle, send, next_frame


@pytest.mark.parametrize("transport", ["tcp", "ws"])
@pytest.mark.parametrize("frame,allowed,refused", STOMP_ROWS)
def test_stomp(broker, acl, transport, frame, allowed, refused):
    def attempt(destination):
        handle, send, next_frame = stomp_session(transport, broker, acl["user"])
        headers = {"destination": destination.format(**acl), "receipt": "r1"}
        if frame == "SUBSCRIBE":
            headers.update({"id": "s1", "ack": "auto"})
        send(frame, headers)
        command, reply, body = next_frame()
        while command == "MESSAGE":  # what earlier rows left in the queue
            command, reply, body = next_frame()
        handle.close()
        return command, reply, body

    assert attempt(allowed)[0] == "RECEIPT"
    command, reply, body = attempt(refused)
    assert command == "ERROR", (reply, body)
    assert "refused" in (reply.get("message", "") + body)
    # The next client is served.
    assert attempt(allowed)[0] == "RECEIPT"


def test_stomp_py_client_sees_the_error(broker, acl):
    errors = queue.Queue()

    class Listener(stomp.ConnectionListener):
        def on_error(self, frame):
            errors.put(frame)

    connection = stomp.Connection12([("127.0.0.1", broker.stomp_port)], heartbeats=(0, 0))
    connection.set_listener("l", Listener())
    connection.connect(acl["user"], PASSWORD, wait=True)
    connection.send(destination=f"/queue/{acl['noq']}", body="x")
    frame = errors.get(timeout=TIMEOUT)
    assert "refused" in frame.headers.get("message", "") + frame.body


# ---------------------------------------------------------------- HTTP

HTTP_ROWS = [
    # (method, path, body, allowed status) — the refused twin swaps ok. names for no. names.
    ("POST", "/api/exchanges/%2F/{okx}/publish", {"routing_key": "", "payload": "x", "properties": {}}, 200),
    ("POST", "/api/queues/%2F/{okq}/get", {"count": 1, "ackmode": "ack_requeue_true", "encoding": "auto"}, 200),
    ("POST", "/api/v1/exchanges/%2F/{okx}/messages", "raw", 200),
    ("GET", "/api/v1/queues/%2F/{okq}/messages?wait=0", None, 200),
]


def http_swap(text, acl):
    return text.replace("{okq}", acl["noq"]).replace("{okx}", acl["nox"])


@pytest.mark.parametrize("method,path,body,status", HTTP_ROWS)
def test_http(broker, acl, method, path, body, status):
    def call(path, body):
        kwargs = {}
        if isinstance(body, dict):
            kwargs["json"] = {k: (v.format(**acl) if isinstance(v, str) else v) for k, v in body.items()}
        elif body is not None:
            kwargs["data"] = body
        return requests.request(method, broker.http_url(path), auth=(acl["user"], PASSWORD), timeout=10, **kwargs)

    allowed = call(path.format(**acl), body)
    assert 200 <= allowed.status_code < 300, allowed.text
    refused_body = {k: http_swap(v, acl) if isinstance(v, str) else v for k, v in body.items()} \
        if isinstance(body, dict) else body
    refused = call(http_swap(path, acl), refused_body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "access_refused"
    assert 200 <= call(path.format(**acl), body).status_code < 300


def test_http_declare_and_delete_need_configure(broker, acl):
    auth = (acl["user"], PASSWORD)
    url = lambda name: broker.http_url(f"/api/queues/%2F/{name}")
    ok, no = f"ok.h-{acl['token']}", f"no.h-{acl['token']}"
    assert requests.put(url(ok), auth=auth, json={}, timeout=10).status_code == 201
    assert requests.put(url(no), auth=auth, json={}, timeout=10).status_code == 403
    assert requests.delete(url(acl["noq"]), auth=auth, timeout=10).status_code == 403
    assert requests.delete(broker.http_url(f"/api/queues/%2F/{acl['noq']}/contents"), auth=auth,
                           timeout=10).status_code == 403
    assert requests.delete(url(ok), auth=auth, timeout=10).status_code == 204
