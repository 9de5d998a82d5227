"""The trust boundary (protocols/security.md): cross-site WebSocket and DNS-rebinding refusals,
/metrics behind credentials on request, topic matching that cannot stall the event loop, anonymous
logins, and the connection, channel and consumer limits, each answered in its protocol's words."""

import contextlib
import socket
import threading
import time

import paho.mqtt.client as mqtt
import pika
import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from amqp_raw import RawConnection, method_frame, shortstr, CHANNEL_OPEN
from helpers import Broker
from test_mqtt_interop import Client
from test_stomp_support import TIMEOUT, FrameReader, encode_frame, stomp_socket

pytestmark = pytest.mark.junction_only


@pytest.fixture
def configured(broker_binary_path, tmp_path):
    """Starts brokers with extra JUNCTION_* settings; each is killed after the test."""
    started = []

    def start(**env):
        instance = Broker(broker_binary_path, str(tmp_path / f"data{len(started)}"), env=env)
        instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.kill()


def open_ws(broker, origin=None, path="/ws", subprotocols=("v12.stomp",), host=None):
    headers = {"Host": host} if host else None
    return connect(
        f"ws://127.0.0.1:{broker.http_port}{path}", origin=origin, subprotocols=list(subprotocols),
        additional_headers=headers, compression=None, proxy=None, ping_interval=None, open_timeout=TIMEOUT,
    )


def stomp_over(ws, login="guest"):
    headers = {"accept-version": "1.2", "host": "/", "heart-beat": "0,0"}
    if login:
        headers.update(login=login, passcode="guest")
    ws.send(encode_frame("CONNECT", headers))
    return FrameReader(ws).next()


# WebSocket Origin and Host -----------------------------------------------------------------------

def test_cross_site_websocket_is_refused_with_403(broker):
    # The attack from the issue: a page on evil.example opens /ws and sends CONNECT without credentials.
    with pytest.raises(InvalidStatus) as refused:
        open_ws(broker, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    for path, protocol in [("/mqtt", "mqtt"), ("/amqp", "amqp")]:
        with pytest.raises(InvalidStatus) as refused:
            open_ws(broker, origin="http://evil.example", path=path, subprotocols=(protocol,))
        assert refused.value.response.status_code == 403
    # Another port on the same host is another origin.
    with pytest.raises(InvalidStatus) as refused:
        open_ws(broker, origin="http://127.0.0.1:1")
    assert refused.value.response.status_code == 403


def test_same_origin_websocket_is_accepted(broker):
    with open_ws(broker, origin=f"http://127.0.0.1:{broker.http_port}") as ws:
        assert stomp_over(ws)[0] == "CONNECTED"
    # A client that is not a browser sends no Origin.
    with open_ws(broker) as ws:
        assert stomp_over(ws)[0] == "CONNECTED"


def test_listed_origin_is_accepted(configured):
    broker = configured(JUNCTION_HTTP_ALLOWED_ORIGINS="https://app.example,http://dev.example:8080")
    for origin in ["https://app.example", "http://dev.example:8080"]:
        with open_ws(broker, origin=origin) as ws:
            assert stomp_over(ws)[0] == "CONNECTED"
    with pytest.raises(InvalidStatus) as refused:
        open_ws(broker, origin="http://dev.example:8081")
    assert refused.value.response.status_code == 403


def test_dns_rebinding_host_is_refused(broker):
    refused = requests.get(broker.http_url("/api/overview"), auth=("guest", "guest"),
                           headers={"Host": f"rebound.evil.example:{broker.http_port}"}, timeout=TIMEOUT)
    assert refused.status_code == 403
    assert refused.json()["error"] == "host_not_allowed"
    # The same request by a local name is served.
    for host in [f"localhost:{broker.http_port}", f"127.0.0.1:{broker.http_port}"]:
        served = requests.get(broker.http_url("/api/overview"), auth=("guest", "guest"), headers={"Host": host},
                              timeout=TIMEOUT)
        assert served.status_code == 200, host
    # A WebSocket by a rebound name, even with a matching origin, is refused too.
    rebound = f"rebound.evil.example:{broker.http_port}"
    with pytest.raises(InvalidStatus) as refused_ws:
        open_ws(broker, origin=f"http://{rebound}", host=rebound)
    assert refused_ws.value.response.status_code == 403


def test_listed_host_is_served(configured):
    broker = configured(JUNCTION_HTTP_ALLOWED_HOSTS="broker.example")
    listed = requests.get(broker.http_url("/api/whoami"), auth=("guest", "guest"),
                          headers={"Host": "broker.example"}, timeout=TIMEOUT)
    assert listed.status_code == 200
    # The list replaces the defaults.
    local = requests.get(broker.http_url("/api/whoami"), auth=("guest", "guest"),
                         headers={"Host": "localhost"}, timeout=TIMEOUT)
    assert local.status_code == 403


def test_pages_carry_no_credentials(broker):
    for path in ["/", "/demo"]:
        page = requests.get(broker.http_url(path), timeout=TIMEOUT).text
        assert 'value="guest"' not in page, path


# /metrics ------------------------------------------------------------------------------------------

def test_metrics_are_public_by_default_and_every_api_route_needs_credentials(broker):
    assert requests.get(broker.http_url("/metrics"), timeout=TIMEOUT).status_code == 200
    for path in ["/api/overview", "/api/queues", "/api/connections", "/api/definitions"]:
        assert requests.get(broker.http_url(path), timeout=TIMEOUT).status_code == 401, path


def test_metrics_need_credentials_when_not_public(configured):
    broker = configured(JUNCTION_HTTP_METRICS_PUBLIC="false")
    assert requests.get(broker.http_url("/metrics"), timeout=TIMEOUT).status_code == 401
    scraped = requests.get(broker.http_url("/metrics"), auth=("guest", "guest"), timeout=TIMEOUT)
    assert scraped.status_code == 200
    assert "junction_" in scraped.text


# Topic matching cost -------------------------------------------------------------------------------

def test_pathological_topic_pattern_does_not_starve_other_clients(broker, unique):
    connection = broker.connect()
    channel = connection.channel()
    queue = unique("hashes")
    channel.queue_declare(queue, exclusive=True)
    channel.queue_bind(queue, "amq.topic", routing_key=".".join(["#"] * 16))
    key = ".".join(["w"] * 127)  # 253 bytes: fits AMQP's shortstr
    # Before: matching backtracked through C(143, 16) splits and the one event loop never came back.
    for _ in range(20):
        channel.basic_publish("amq.topic", key, b"slow?")
    began = time.monotonic()
    second = broker.connect()
    handshake = time.monotonic() - began
    second.close()
    # The bound on starvation: generous for a loaded 2-core CI machine, far below the old hang.
    assert handshake < 2.0, f"second client's handshake took {handshake:.3f}s"
    deadline = time.monotonic() + TIMEOUT
    while channel.queue_declare(queue, passive=True).method.message_count < 20:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    connection.close()


def test_too_many_topic_words_are_refused(broker, unique):
    # MQTT topics may be long: 300 levels is over the default limit of 256 words.
    client = Client(broker, unique("words"), mqtt.MQTTv5)
    codes = client.subscribe("/".join(["a"] * 300), qos=1)
    assert codes[0].is_failure
    ok = client.subscribe("/".join(["a"] * 200), qos=1)
    assert not ok[0].is_failure
    client.close()
    # STOMP: a SEND whose routing key has too many words gets an ERROR.
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                          "passcode": "guest"}).encode())
    sock.sendall(encode_frame("SEND", {"destination": "/topic/" + ".".join(["w"] * 300)}, "x").encode())
    received = read_until_closed(sock)
    assert "ERROR" in received and "words" in received


def read_until_closed(sock, timeout=TIMEOUT):
    sock.settimeout(timeout)
    data = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            data += chunk
    sock.close()
    return data.decode(errors="replace")


# Anonymous logins ----------------------------------------------------------------------------------

def test_anonymous_logins_can_be_refused_everywhere(configured):
    broker = configured(JUNCTION_MQTT_ALLOW_ANONYMOUS="false", JUNCTION_STOMP_ALLOW_ANONYMOUS="false")
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/"}).encode())
    assert read_until_closed(sock).startswith("ERROR")
    with open_ws(broker) as ws:
        assert stomp_over(ws, login=None)[0] == "ERROR"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="anonymous", protocol=mqtt.MQTTv311)
    result = {}
    done = threading.Event()

    def on_connect(c, u, flags, reason, properties):
        result["reason"] = reason
        done.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", broker.mqtt_port)
    client.loop_start()
    assert done.wait(TIMEOUT)
    client.loop_stop()
    assert result["reason"].is_failure  # 3.1.1 return code 5, not authorized


def test_anonymous_login_from_loopback_is_accepted_by_default(broker):
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/"}).encode())
    sock.settimeout(TIMEOUT)
    assert sock.recv(65536).startswith(b"CONNECTED")
    sock.close()


# Connection, channel and consumer limits -----------------------------------------------------------

def test_connections_per_user_are_limited_in_every_protocol(configured):
    broker = configured(JUNCTION_LIMITS_MAX_CONNECTIONS_PER_USER="2")
    first, second = broker.connect(), broker.connect()
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as refused:
        broker.connect()
    assert "530" in str(refused.value) and "connection limit (2)" in str(refused.value)
    # MQTT 3.1.1: return code 5 (paho reports it as 0x87, not authorized); MQTT 5: 0x97 quota exceeded.
    for version, expected in [(mqtt.MQTTv311, 0x87), (mqtt.MQTTv5, 0x97)]:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"limited-{version}", protocol=version)
        result = {}
        done = threading.Event()

        def on_connect(c, u, flags, reason, properties, result=result, done=done):
            result["reason"] = reason
            done.set()

        client.on_connect = on_connect
        client.connect("127.0.0.1", broker.mqtt_port)
        client.loop_start()
        assert done.wait(TIMEOUT)
        client.loop_stop()
        assert result["reason"].value == expected, version
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                          "passcode": "guest"}).encode())
    answer = read_until_closed(sock)
    assert answer.startswith("ERROR") and "connection limit (2)" in answer
    # A connection that goes frees its place.
    second.close()
    third = broker.connect()
    third.close()
    first.close()


def test_connections_per_vhost_and_in_total_are_limited(configured):
    broker = configured(JUNCTION_LIMITS_MAX_CONNECTIONS="1")
    first = broker.connect()
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as refused:
        broker.connect()
    assert "connection limit (1) of the broker" in str(refused.value)
    first.close()
    broker = configured(JUNCTION_LIMITS_MAX_CONNECTIONS_PER_VHOST="1")
    first = broker.connect()
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as refused:
        broker.connect()
    assert "of vhost '/'" in str(refused.value)
    first.close()


def test_channel_beyond_channel_max_closes_the_connection_with_530(configured):
    broker = configured(JUNCTION_AMQP_CHANNEL_MAX="2")
    with RawConnection(broker.host, broker.port) as raw:
        tune = raw.handshake()
        assert tune["channel_max"] == 2
        raw.open_channel(1)
        raw.open_channel(2)
        raw.send(method_frame(3, CHANNEL_OPEN, shortstr("")))
        reason = raw.expect_connection_close()
        assert reason[0] == 530, reason


def test_consumers_per_channel_are_limited(configured, unique):
    broker = configured(JUNCTION_LIMITS_MAX_CONSUMERS_PER_CHANNEL="2")
    connection = broker.connect()
    channel = connection.channel()
    queue = unique("consumers")
    channel.queue_declare(queue, exclusive=True)
    channel.basic_consume(queue, lambda *a: None)
    channel.basic_consume(queue, lambda *a: None)
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as closed:
        channel.basic_consume(queue, lambda *a: None)
    assert closed.value.reply_code == 530
    assert "consumers per channel" in closed.value.reply_text
    # STOMP: the third SUBSCRIBE of a connection gets an ERROR.
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                          "passcode": "guest"}).encode())
    for number in range(3):
        sock.sendall(encode_frame("SUBSCRIBE", {"id": str(number), "destination": f"/topic/t{number}"}).encode())
    answer = read_until_closed(sock)
    assert "ERROR" in answer and "subscriptions per connection" in answer


def test_mqtt_subscriptions_per_session_are_limited(configured, unique):
    broker = configured(JUNCTION_LIMITS_MAX_CONSUMERS_PER_CHANNEL="2")
    client = Client(broker, unique("subs"), mqtt.MQTTv5)
    codes = client.subscribe([("a/1", 1), ("a/2", 1), ("a/3", 1)])
    assert [code.value for code in codes] == [1, 1, 0x97]
    # Subscribing again to a filter the session has is not a new subscription.
    assert client.subscribe("a/1", qos=0)[0].value == 0
    client.close()


# MQTT session ownership ----------------------------------------------------------------------------

def test_mqtt_client_id_takeover_by_another_user_is_refused(configured, unique):
    broker = configured(JUNCTION_USERS_NAMES="guest,alice,mallory",
                        JUNCTION_USERS_ALICE_PASSWORD="alice-secret",
                        JUNCTION_USERS_MALLORY_PASSWORD="mallory-secret")
    client_id = unique("owned")
    owner = mqtt_client(broker, client_id, "alice", "alice-secret", clean=False)
    assert owner.connack[1].value == 0
    owner.subscribe("owned/topic", qos=1)
    for version, expected in [(mqtt.MQTTv311, 0x87), (mqtt.MQTTv5, 0x87)]:
        thief = mqtt_client(broker, client_id, "mallory", "mallory-secret", version=version, loop=False)
        assert thief.connack[1].value == expected  # 3.1.1: return code 5, which paho reports as 0x87
        thief.client.loop_stop()
    # The owner kept its connection and gets its messages.
    publisher = Client(broker, unique("pub"))
    publisher.publish("owned/topic", b"still mine", qos=1)
    assert owner.next().payload == b"still mine"
    assert owner.disconnects.empty()
    # Offline, the session and its queued messages still belong to alice.
    owner.close()
    publisher.publish("owned/topic", b"queued for alice", qos=1)
    thief = mqtt_client(broker, client_id, "mallory", "mallory-secret", clean=False, loop=False)
    assert thief.connack[1].value == 0x87
    thief.client.loop_stop()
    # Ownership survives a restart of the broker (the session is persistent).
    broker.restart()
    thief = mqtt_client(broker, client_id, "mallory", "mallory-secret", clean=False, loop=False)
    assert thief.connack[1].value == 0x87
    thief.client.loop_stop()
    again = mqtt_client(broker, client_id, "alice", "alice-secret", clean=False)
    assert again.connack[0].session_present
    assert again.next().payload == b"queued for alice"
    again.close()
    publisher.close()


class mqtt_client:
    """A paho client logged in as `user`; records its CONNACK whether it is accepted or not."""

    def __init__(self, broker, client_id, user, password, version=mqtt.MQTTv311, clean=True, loop=True):
        import queue
        self.messages = queue.Queue()
        self.disconnects = queue.Queue()
        connacks = queue.Queue()
        kwargs = {} if version == mqtt.MQTTv5 else {"clean_session": clean}
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version, **kwargs)
        self.client.username_pw_set(user, password)
        self.client.on_connect = lambda c, u, flags, reason, properties: connacks.put((flags, reason))
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        self.client.on_disconnect = lambda c, u, flags, reason, properties: self.disconnects.put(reason)
        if version == mqtt.MQTTv5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 0 if clean else 3600
            self.client.connect("127.0.0.1", broker.mqtt_port, clean_start=clean, properties=properties)
        else:
            self.client.connect("127.0.0.1", broker.mqtt_port)
        self.client.loop_start()
        self.connack = connacks.get(timeout=TIMEOUT)
        if not loop:
            self.client.loop_stop()

    def subscribe(self, topic, qos):
        import queue
        done = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, properties: done.put(codes)
        self.client.subscribe(topic, qos=qos)
        return done.get(timeout=TIMEOUT)

    def next(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


# Failed logins ---------------------------------------------------------------------------------------

def test_failed_logins_are_delayed_per_address(configured):
    broker = configured(JUNCTION_LIMITS_FAILED_LOGIN_DELAY_MS="300", JUNCTION_LIMITS_FAILED_LOGIN_MAX_DELAY_MS="1200")

    def timed(auth):
        began = time.monotonic()
        status = requests.get(broker.http_url("/api/whoami"), auth=auth, timeout=TIMEOUT).status_code
        return status, time.monotonic() - began

    taken = [timed(("guest", "wrong")) for _ in range(3)]
    assert [status for status, _ in taken] == [401, 401, 401]
    assert taken[0][1] >= 0.3 and taken[1][1] >= 0.6 and taken[2][1] >= 1.2, taken
    # A login with the right password is not slowed, and clears the address's record.
    status, took = timed(("guest", "guest"))
    assert status == 200 and took < 0.3
    status, took = timed(("guest", "wrong"))
    assert status == 401 and 0.3 <= took < 1.2
    # The same rule for AMQP, MQTT and STOMP logins.
    began = time.monotonic()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        broker.connect(credentials=pika.PlainCredentials("guest", "wrong"))
    assert time.monotonic() - began >= 0.6
    sock = stomp_socket(broker)
    began = time.monotonic()
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                          "passcode": "wrong"}).encode())
    assert read_until_closed(sock).startswith("ERROR")
    assert time.monotonic() - began >= 1.2
    thief = mqtt_client_timed(broker)
    assert thief >= 1.2


def mqtt_client_timed(broker):
    began = time.monotonic()
    client = mqtt_client(broker, "wrong-password", "guest", "wrong", loop=False)
    assert client.connack[1].is_failure
    return time.monotonic() - began


# user-id and the broker's own headers ------------------------------------------------------------

def test_user_id_must_name_the_publisher_in_every_protocol(broker, unique):
    connection = broker.connect()
    channel = connection.channel()
    queue = unique("userid")
    channel.queue_declare(queue)
    # HTTP: the JSON publish and the raw-body publish.
    spoofed = requests.post(broker.http_url("/api/exchanges/%2F/amq.default/publish"), auth=("guest", "guest"),
                            json={"routing_key": queue, "payload": "x", "properties": {"user_id": "admin"}},
                            timeout=TIMEOUT)
    assert spoofed.status_code == 400 and "user_id" in spoofed.json()["reason"]
    raw = requests.post(broker.http_url(f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}"),
                        auth=("guest", "guest"), headers={"X-User-Id": "admin"}, data=b"x", timeout=TIMEOUT)
    assert raw.status_code == 400
    honest = requests.post(broker.http_url(f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}"),
                           auth=("guest", "guest"), headers={"X-User-Id": "guest"}, data=b"honest", timeout=TIMEOUT)
    assert honest.status_code == 201
    # STOMP: ERROR and the connection closes.
    sock = stomp_socket(broker)
    sock.sendall(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                          "passcode": "guest"}).encode())
    sock.sendall(encode_frame("SEND", {"destination": f"/amq/queue/{queue}", "user-id": "admin"}, "x").encode())
    answer = read_until_closed(sock)
    assert "ERROR" in answer and "user_id" in answer
    # AMQP, as RabbitMQ: channel error 406.
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
        channel.basic_publish("", queue, b"x", pika.BasicProperties(user_id="admin"))
        channel.queue_declare(queue, passive=True)
    assert closed.value.reply_code == 406
    check = broker.connect().channel()
    method, properties, body = check.basic_get(queue, auto_ack=True)
    assert body == b"honest" and properties.user_id == "guest"
    assert check.basic_get(queue, auto_ack=True)[0] is None
    check.queue_delete(queue)
    connection.close()


def test_mqtt_user_properties_cannot_pose_as_broker_headers(broker, unique):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    connection = broker.connect()
    channel = connection.channel()
    queue = unique("spoof")
    channel.queue_declare(queue, exclusive=True)
    channel.queue_bind(queue, "amq.topic", routing_key="spoof.topic")
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    properties = Properties(PacketTypes.PUBLISH)
    properties.UserProperty = [("x-mqtt-publisher", "someone-else"), ("x-mqtt-publish-qos", "2"), ("tenant", "acme")]
    publisher.publish("spoof/topic", b"hello", qos=1, properties=properties)
    deadline = time.monotonic() + TIMEOUT
    method = None
    while method is None:
        assert time.monotonic() < deadline
        method, header, body = channel.basic_get(queue, auto_ack=True)
    headers = header.headers or {}
    assert headers.get("tenant") == "acme"
    assert "x-mqtt-publisher" not in headers or headers["x-mqtt-publisher"] != "someone-else"
    assert "x-mqtt-publish-qos" not in headers
    publisher.close()
    connection.close()
