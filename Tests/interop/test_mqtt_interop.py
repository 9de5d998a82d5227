"""MQTT interop: paho-mqtt (3.1.1 and 5.0), mosquitto_pub/mosquitto_sub and pika against the
shared `broker` fixture (conftest.py), on its `mqtt_port`."""

import queue
import socket
import subprocess
import time

import paho.mqtt.client as mqtt
import pika
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

TIMEOUT = 10.0


class Client:
    """A paho client with its callbacks turned into queues."""

    def __init__(self, broker, client_id, version=mqtt.MQTTv311, clean=True, will=None, connect_properties=None,
                 websocket=False, manual_ack=False):
        self.messages = queue.Queue()
        self.disconnects = queue.Queue()
        self.connacks = queue.Queue()
        kwargs = {} if version == mqtt.MQTTv5 else {"clean_session": clean}
        if websocket:
            # MQTT over WebSocket on the HTTP listener: ws://host:http_port/mqtt, subprotocol "mqtt".
            kwargs["transport"] = "websockets"
        if manual_ack:
            # PUBACK only when the test calls client.ack(mid, qos).
            kwargs["manual_ack"] = True
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version, **kwargs)
        if websocket:
            self.client.ws_set_options(path="/mqtt")
        port = broker.http_port if websocket else broker.mqtt_port
        self.version = version
        if will:
            self.client.will_set(*will)
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        self.client.on_connect = lambda c, u, flags, reason, properties: self.connacks.put((flags, reason, properties))
        self.client.on_disconnect = lambda c, u, flags, reason, properties: self.disconnects.put(reason)
        if version == mqtt.MQTTv5:
            self.client.connect("127.0.0.1", port, keepalive=30, clean_start=clean, properties=connect_properties)
        else:
            self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        self.connack = self.connacks.get(timeout=TIMEOUT)

    def subscribe(self, *args, **kwargs):
        done = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, properties: done.put(codes)
        self.client.subscribe(*args, **kwargs)
        return done.get(timeout=TIMEOUT)

    def publish(self, topic, payload, qos=0, retain=False, properties=None):
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        info.wait_for_publish(TIMEOUT)
        return info

    def next(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def nothing(self, wait=0.5):
        try:
            message = self.messages.get(timeout=wait)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected message on {message.topic}: {message.payload!r}")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self):
        """Closes the socket without DISCONNECT (an abnormal end)."""
        self.client.loop_stop()
        self.client.socket().close()


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["v311", "v5"])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_subscribe_each_qos(broker, unique, version, qos):
    topic = unique("qos") + "/data"
    subscriber = Client(broker, unique("sub"), version)
    granted = subscriber.subscribe(topic, qos=2)
    assert [int(getattr(code, "value", code)) for code in granted] == [2]
    publisher = Client(broker, unique("pub"), version)
    for index in range(5):
        publisher.publish(topic, f"m{index}".encode(), qos=qos)
    received = [subscriber.next() for _ in range(5)]
    assert [m.payload for m in received] == [f"m{i}".encode() for i in range(5)]
    assert {m.qos for m in received} == {qos}
    subscriber.nothing()
    publisher.close()
    subscriber.close()


def test_granted_qos_is_minimum(broker, unique):
    topic = unique("min") + "/t"
    subscriber = Client(broker, unique("sub"))
    subscriber.subscribe(topic, qos=1)
    publisher = Client(broker, unique("pub"))
    publisher.publish(topic, b"x", qos=2)
    assert subscriber.next().qos == 1
    publisher.close()
    subscriber.close()


def test_wildcards_and_dollar_topics(broker, unique):
    base = unique("wild")
    subscriber = Client(broker, unique("sub"))
    subscriber.subscribe([(f"{base}/+/temp", 0), (f"{base}/alerts/#", 0)])
    publisher = Client(broker, unique("pub"))
    publisher.publish(f"{base}/kitchen/temp", b"1")
    publisher.publish(f"{base}/kitchen/humidity", b"no")
    publisher.publish(f"{base}/alerts/fire/now", b"2")
    publisher.publish(f"{base}/alerts", b"3")
    got = sorted(subscriber.next().payload for _ in range(3))
    assert got == [b"1", b"2", b"3"]
    subscriber.nothing()
    publisher.close()
    subscriber.close()


def test_retained_with_mosquitto_clients(broker, unique):
    topic = unique("retained") + "/lamp"
    port = str(broker.mqtt_port)
    subprocess.run(["mosquitto_pub", "-p", port, "-t", topic, "-m", "on", "-r", "-q", "1"], check=True, timeout=TIMEOUT)
    out = subprocess.run(
        ["mosquitto_sub", "-p", port, "-t", topic.rsplit("/", 1)[0] + "/+", "-C", "1", "-v", "-W", "5"],
        check=True, timeout=TIMEOUT, capture_output=True, text=True,
    )
    assert out.stdout.strip() == f"{topic} on"
    # MQTT 5 tools too, then an empty retained payload clears it.
    out = subprocess.run(
        ["mosquitto_sub", "-V", "5", "-p", port, "-t", topic, "-C", "1", "-F", "%r %p", "-W", "5"],
        check=True, timeout=TIMEOUT, capture_output=True, text=True,
    )
    assert out.stdout.strip() == "1 on"
    subprocess.run(["mosquitto_pub", "-p", port, "-t", topic, "-n", "-r"], check=True, timeout=TIMEOUT)
    late = Client(broker, unique("late"))
    late.subscribe(topic, qos=1)
    late.nothing()
    late.close()


def test_mosquitto_pub_to_paho_subscriber(broker, unique):
    topic = unique("mosq") + "/x"
    subscriber = Client(broker, unique("sub"), mqtt.MQTTv5)
    subscriber.subscribe(topic, qos=2)
    subprocess.run(
        ["mosquitto_pub", "-V", "5", "-p", str(broker.mqtt_port), "-t", topic, "-m", "hello", "-q", "2",
         "-D", "publish", "user-property", "k", "v"],
        check=True, timeout=TIMEOUT,
    )
    message = subscriber.next()
    assert message.payload == b"hello"
    assert message.qos == 2
    assert message.properties.UserProperty == [("k", "v")]
    subscriber.close()


def test_retain_as_published_and_retained_flag(broker, unique):
    topic = unique("rap") + "/t"
    keep = Client(broker, unique("keep"), mqtt.MQTTv5)
    keep.subscribe(topic, options=SubscribeOptions(qos=1, retainAsPublished=True))
    plain = Client(broker, unique("plain"), mqtt.MQTTv5)
    plain.subscribe(topic, options=SubscribeOptions(qos=1))
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, b"r", qos=1, retain=True)
    assert keep.next().retain is True
    assert plain.next().retain is False
    for client in (keep, plain, publisher):
        client.close()


def test_will_on_socket_drop_not_on_disconnect(broker, unique):
    topic = unique("will") + "/status"
    watcher = Client(broker, unique("watch"))
    watcher.subscribe(topic, qos=1)
    polite = Client(broker, unique("polite"), will=(topic, b"polite-gone", 1, False))
    polite.close()
    watcher.nothing()
    rude = Client(broker, unique("rude"), will=(topic, b"rude-gone", 1, False))
    rude.drop()
    assert watcher.next().payload == b"rude-gone"
    watcher.close()


def test_keep_alive_timeout_publishes_will(broker, unique):
    topic = unique("keepalive") + "/status"
    watcher = Client(broker, unique("watch"))
    watcher.subscribe(topic, qos=0)
    # A raw CONNECT with keep-alive 1 s and a will; then silence.
    client_id = unique("silent").encode()
    will_topic = topic.encode()
    payload = (b"\x00\x04MQTT\x04\x06\x00\x01" + len(client_id).to_bytes(2, "big") + client_id
               + len(will_topic).to_bytes(2, "big") + will_topic + b"\x00\x04dead")
    sock = socket.create_connection(("127.0.0.1", broker.mqtt_port))
    sock.sendall(bytes([0x10, len(payload)]) + payload)
    assert sock.recv(4) == b"\x20\x02\x00\x00"
    started = time.monotonic()
    sock.settimeout(5)
    assert sock.recv(1) == b""  # closed by the broker
    elapsed = time.monotonic() - started
    assert 1.3 <= elapsed <= 3.0, elapsed
    assert watcher.next().payload == b"dead"
    sock.close()
    watcher.close()


def test_persistent_session_across_reconnect(broker, unique):
    client_id = unique("persistent")
    topic = unique("offline") + "/t"
    subscriber = Client(broker, client_id, clean=False)
    assert subscriber.connack[0].session_present is False
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    publisher = Client(broker, unique("pub"))
    for index in range(3):
        publisher.publish(topic, f"offline-{index}".encode(), qos=1)
    publisher.publish(topic, b"qos0", qos=0)
    again = Client(broker, client_id, clean=False)
    assert again.connack[0].session_present is True
    payloads = [again.next().payload for _ in range(3)]
    assert payloads == [b"offline-0", b"offline-1", b"offline-2"]
    again.close()
    # A clean session ends it.
    clean = Client(broker, client_id, clean=True)
    assert clean.connack[0].session_present is False
    clean.close()
    publisher.close()


def test_v5_session_expiry(broker, unique):
    client_id = unique("expiring")
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 1
    first = Client(broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=properties)
    first.subscribe(unique("x"), qos=1)
    first.close()
    time.sleep(2.0)
    second = Client(broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=properties)
    assert second.connack[0].session_present is False
    second.close()


def test_session_takeover_v5(broker, unique):
    client_id = unique("twin")
    first = Client(broker, client_id, mqtt.MQTTv5)
    second = Client(broker, client_id, mqtt.MQTTv5)
    reason = first.disconnects.get(timeout=TIMEOUT)
    assert reason.value == 0x8E
    first.client.loop_stop()
    second.close()


def test_shared_subscription_splits_messages(broker, unique):
    group = unique("group")
    topic = unique("jobs") + "/work"
    workers = [Client(broker, unique(f"w{i}"), mqtt.MQTTv5) for i in range(2)]
    for worker in workers:
        worker.subscribe(f"$share/{group}/{topic}", qos=1)
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    for index in range(10):
        publisher.publish(topic, str(index).encode(), qos=1)
    time.sleep(0.5)
    counts = [worker.messages.qsize() for worker in workers]
    assert sum(counts) == 10
    assert all(count > 0 for count in counts), counts
    for client in workers + [publisher]:
        client.close()


def test_topic_alias_from_client(broker, unique):
    topic = unique("alias") + "/t"
    subscriber = Client(broker, unique("sub"), mqtt.MQTTv5)
    subscriber.subscribe(topic, qos=0)
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    properties = Properties(PacketTypes.PUBLISH)
    properties.TopicAlias = 1
    publisher.publish(topic, b"first", properties=properties)
    publisher.publish("", b"second", properties=properties)
    assert [subscriber.next().payload, subscriber.next().payload] == [b"first", b"second"]
    subscriber.close()
    publisher.close()


def test_no_local(broker, unique):
    topic = unique("nolocal") + "/t"
    client = Client(broker, unique("self"), mqtt.MQTTv5)
    client.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True))
    other = Client(broker, unique("other"), mqtt.MQTTv5)
    other.subscribe(topic, qos=1)
    client.publish(topic, b"mine", qos=1)
    assert other.next().payload == b"mine"
    client.nothing()
    client.close()
    other.close()


def test_mqtt_publish_reaches_amqp_queue(broker, unique):
    connection = broker.connect()
    channel = connection.channel()
    queue_name = unique("amqp-q")
    channel.queue_declare(queue_name, exclusive=True)
    channel.queue_bind(queue_name, "amq.topic", routing_key="sensors.*.temp")
    publisher = Client(broker, unique("pub"), mqtt.MQTTv5)
    properties = Properties(PacketTypes.PUBLISH)
    properties.ContentType = "application/json"
    properties.CorrelationData = b"corr-1"
    properties.ResponseTopic = "replies/x"
    properties.UserProperty = [("unit", "celsius")]
    properties.MessageExpiryInterval = 60
    publisher.publish("sensors/kitchen/temp", b'{"t":21}', qos=1, properties=properties)
    publisher.publish("sensors/kitchen/humidity", b"no", qos=1)
    deadline = time.monotonic() + TIMEOUT
    method = None
    while method is None and time.monotonic() < deadline:
        method, header, body = channel.basic_get(queue_name, auto_ack=True)
        if method is None:
            time.sleep(0.05)
    assert method is not None
    assert method.routing_key == "sensors.kitchen.temp"
    assert body == b'{"t":21}'
    assert header.content_type == "application/json"
    assert header.correlation_id == "corr-1"
    assert header.reply_to == "replies/x"
    assert header.headers["unit"] == "celsius"
    assert header.expiration == "60000"
    assert header.delivery_mode == 2
    assert channel.basic_get(queue_name, auto_ack=True)[0] is None
    connection.close()
    publisher.close()


def test_amqp_publish_reaches_mqtt_subscriber(broker, unique):
    room = unique("room")
    subscriber = Client(broker, unique("sub"), mqtt.MQTTv5)
    subscriber.subscribe("sensors/+/temp", qos=1)
    connection = broker.connect()
    channel = connection.channel()
    channel.basic_publish(
        "amq.topic",
        f"sensors.{room}.temp",
        b"19.5",
        pika.BasicProperties(content_type="text/plain", correlation_id="c-42", reply_to="answers", headers={"unit": "celsius", "n": 3}, delivery_mode=2),
    )
    message = subscriber.next()
    while message.topic != f"sensors/{room}/temp":
        message = subscriber.next()
    assert message.payload == b"19.5"
    assert message.qos == 1
    assert message.properties.ContentType == "text/plain"
    assert message.properties.CorrelationData == b"c-42"
    assert message.properties.ResponseTopic == "answers"
    assert sorted(message.properties.UserProperty) == [("n", "3"), ("unit", "celsius")]
    connection.close()
    subscriber.close()


def raw_connect(port, client_id, version=4):
    payload = b"\x00\x04MQTT" + bytes([version, 0x02, 0x00, 0x3C])
    if version == 5:
        payload += b"\x00"
    payload += len(client_id).to_bytes(2, "big") + client_id
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(bytes([0x10, len(payload)]) + payload)
    header = sock.recv(2)
    assert header[0] == 0x20
    ack = b""
    while len(ack) < header[1]:
        ack += sock.recv(header[1] - len(ack))
    assert ack[1] == 0, ack
    return sock


def read_until_closed(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(1024)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


@pytest.mark.parametrize(
    "name,packet,v5_reason",
    [
        ("qos3", bytes([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]), 0x81),
        ("reserved-flags", bytes([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]), 0x81),
        ("bad-remaining-length", bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), 0x81),
        ("invalid-utf8-topic", bytes([0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, 0x00]), 0x81),
        ("second-connect", bytes([0x10, 0x0D, 0x00, 0x04]) + b"MQTT" + bytes([0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00]), 0x82),
        ("wildcard-topic", bytes([0x30, 0x06, 0x00, 0x03]) + b"a/#" + b"\x00", 0x90),
    ],
)
def test_bad_input_closes_only_that_connection(broker, unique, name, packet, v5_reason):
    topic = unique("alive") + "/t"
    bystander = Client(broker, unique("bystander"))
    bystander.subscribe(topic, qos=0)
    sock = raw_connect(broker.mqtt_port, unique("bad").encode(), version=5)
    sock.sendall(packet)
    data = read_until_closed(sock)
    assert data == bytes([0xE0, 0x01, v5_reason]), (name, data)
    sock.close()
    # 3.1.1: just closed, no DISCONNECT.
    sock = raw_connect(broker.mqtt_port, unique("bad311").encode(), version=4)
    if name != "second-connect":
        sock.sendall(packet.replace(b"\x05\x02\x00\x3c", b"\x04\x02\x00\x3c"))
        assert read_until_closed(sock) == b""
    sock.close()
    publisher = Client(broker, unique("pub"))
    publisher.publish(topic, b"still fine")
    assert bystander.next().payload == b"still fine"
    publisher.close()
    bystander.close()


def test_packet_before_connect_and_bad_password(broker):
    sock = socket.create_connection(("127.0.0.1", broker.mqtt_port), timeout=5)
    sock.sendall(b"\xc0\x00")
    assert read_until_closed(sock) == b""
    sock.close()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="wrong-password", protocol=mqtt.MQTTv5)
    client.username_pw_set("guest", "not-the-password")
    results = queue.Queue()
    client.on_connect = lambda c, u, flags, reason, properties: results.put(reason)
    client.connect("127.0.0.1", broker.mqtt_port)
    client.loop_start()
    assert results.get(timeout=TIMEOUT).value == 0x86
    client.loop_stop()


def test_assigned_client_identifier(broker):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv5)
    results = queue.Queue()
    client.on_connect = lambda c, u, flags, reason, properties: results.put(properties)
    client.connect("127.0.0.1", broker.mqtt_port, clean_start=True)
    client.loop_start()
    properties = results.get(timeout=TIMEOUT)
    assert properties.AssignedClientIdentifier.startswith("junction-")
    client.disconnect()
    client.loop_stop()
