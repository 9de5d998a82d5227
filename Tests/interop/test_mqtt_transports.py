"""MQTT through other doors: over WebSocket on the HTTP listener (paho, transport "websockets"),
with the C library libmosquitto (through ctypes), and into STOMP and HTTP consumers."""

import ctypes
import ctypes.util
import queue
import time

import paho.mqtt.client as mqtt
import pytest
import requests
import stomp

from test_mqtt_interop import TIMEOUT, Client


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["v311", "v5"])
def test_websocket_publish_subscribe(broker, unique, version):
    topic = unique("ws") + "/reading"
    over_websocket = Client(broker, unique("ws-sub"), version, websocket=True)
    assert over_websocket.subscribe(topic, qos=1)
    # A TCP publisher reaches the WebSocket subscriber and the other way round.
    over_tcp = Client(broker, unique("tcp"), version)
    over_tcp.subscribe(topic + "/back", qos=1)
    over_tcp.publish(topic, b"to-ws", qos=1)
    message = over_websocket.next()
    assert (message.topic, message.payload, message.qos) == (topic, b"to-ws", 1)
    over_websocket.publish(topic + "/back", b"from-ws", qos=1)
    assert over_tcp.next().payload == b"from-ws"
    over_websocket.close()
    over_tcp.close()


class Mosquitto:
    """A libmosquitto client driven from the test thread (mosquitto_loop), through ctypes."""

    class Message(ctypes.Structure):
        _fields_ = [
            ("mid", ctypes.c_int),
            ("topic", ctypes.c_char_p),
            ("payload", ctypes.c_void_p),
            ("payloadlen", ctypes.c_int),
            ("qos", ctypes.c_int),
            ("retain", ctypes.c_bool),
        ]

    CONNECT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    PUBLISH = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    MESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Message))
    SUBSCRIBE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_int))

    def __init__(self, client_id, port, tls=None):
        """`tls`: (ca_file, cert_file, key_file) to connect over TLS (cert and key may be None)."""
        path = ctypes.util.find_library("mosquitto") or "libmosquitto.so.1"
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            pytest.fail("libmosquitto.so.1 is missing (scripts/test installs libmosquitto1)", pytrace=False)
        lib.mosquitto_new.restype = ctypes.c_void_p
        lib.mosquitto_new.argtypes = [ctypes.c_char_p, ctypes.c_bool, ctypes.c_void_p]
        for name in ("mosquitto_connect_callback_set", "mosquitto_publish_callback_set",
                     "mosquitto_message_callback_set", "mosquitto_subscribe_callback_set"):
            getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.mosquitto_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        lib.mosquitto_subscribe.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int]
        lib.mosquitto_publish.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int,
                                          ctypes.c_void_p, ctypes.c_int, ctypes.c_bool]
        lib.mosquitto_loop.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.mosquitto_disconnect.argtypes = [ctypes.c_void_p]
        lib.mosquitto_destroy.argtypes = [ctypes.c_void_p]
        lib.mosquitto_lib_init()
        self.lib = lib
        self.connacks, self.acked, self.subscribed, self.messages = [], set(), set(), []
        # Kept on self: ctypes callbacks must outlive the C library's use of them.
        self.callbacks = [
            self.CONNECT(lambda m, o, rc: self.connacks.append(rc)),
            self.PUBLISH(lambda m, o, mid: self.acked.add(mid)),
            self.MESSAGE(lambda m, o, msg: self.messages.append(
                (msg.contents.topic.decode(), ctypes.string_at(msg.contents.payload, msg.contents.payloadlen),
                 msg.contents.qos))),
            self.SUBSCRIBE(lambda m, o, mid, count, granted: self.subscribed.add(mid)),
        ]
        self.handle = lib.mosquitto_new(client_id.encode(), True, None)
        assert self.handle
        lib.mosquitto_connect_callback_set(self.handle, ctypes.cast(self.callbacks[0], ctypes.c_void_p))
        lib.mosquitto_publish_callback_set(self.handle, ctypes.cast(self.callbacks[1], ctypes.c_void_p))
        lib.mosquitto_message_callback_set(self.handle, ctypes.cast(self.callbacks[2], ctypes.c_void_p))
        lib.mosquitto_subscribe_callback_set(self.handle, ctypes.cast(self.callbacks[3], ctypes.c_void_p))
        if tls:
            lib.mosquitto_tls_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                              ctypes.c_char_p, ctypes.c_void_p]
            ca, cert, key = (path.encode() if path else None for path in tls)
            assert lib.mosquitto_tls_set(self.handle, ca, None, cert, key, None) == 0
        assert lib.mosquitto_connect(self.handle, b"127.0.0.1", port, 30) == 0
        self.run_until(lambda: self.connacks)
        assert self.connacks == [0]

    def run_until(self, condition):
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            assert time.monotonic() < deadline, "libmosquitto: timed out"
            assert self.lib.mosquitto_loop(self.handle, 50, 1) == 0

    def subscribe(self, topic, qos):
        mid = ctypes.c_int(0)
        assert self.lib.mosquitto_subscribe(self.handle, ctypes.byref(mid), topic.encode(), qos) == 0
        self.run_until(lambda: mid.value in self.subscribed)

    def publish(self, topic, payload, qos):
        mid = ctypes.c_int(0)
        assert self.lib.mosquitto_publish(self.handle, ctypes.byref(mid), topic.encode(), len(payload), payload, qos,
                                          False) == 0
        return mid.value

    def close(self):
        self.lib.mosquitto_disconnect(self.handle)
        self.lib.mosquitto_loop(self.handle, 50, 1)
        self.lib.mosquitto_destroy(self.handle)


def test_libmosquitto_qos1_roundtrip(broker, unique):
    topic = unique("libmosquitto") + "/qos1"
    client = Mosquitto(unique("c-client"), broker.mqtt_port)
    client.subscribe(topic, 1)
    observer = Client(broker, unique("observer"))
    observer.subscribe(topic, qos=1)
    mids = [client.publish(topic, f"c-{index}".encode(), 1) for index in range(3)]
    # on_publish fires for QoS 1 when the PUBACK arrives.
    client.run_until(lambda: set(mids) <= client.acked and len(client.messages) == 3)
    assert client.messages == [(topic, f"c-{index}".encode(), 1) for index in range(3)]
    assert [observer.next().payload for _ in range(3)] == [b"c-0", b"c-1", b"c-2"]
    client.close()
    observer.close()


class StompCollector(stomp.ConnectionListener):
    def __init__(self):
        self.messages = queue.Queue()

    def on_message(self, frame):
        self.messages.put(frame)


def test_mqtt_publish_reaches_stomp_topic_subscriber(broker, unique):
    listener = StompCollector()
    conn = stomp.Connection12([("127.0.0.1", broker.stomp_port)], heartbeats=(0, 0), vhost="localhost")
    conn.set_listener("collector", listener)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe("/topic/sensors.room1.temp", id="temp", ack="auto")
    publisher = Client(broker, unique("pub"))
    # The subscription is in place once a probe published after it arrives.
    deadline = time.monotonic() + TIMEOUT
    while True:
        publisher.publish("sensors/room1/temp", b"probe", qos=1)
        try:
            listener.messages.get(timeout=0.2)
            break
        except queue.Empty:
            assert time.monotonic() < deadline, "STOMP subscription never saw a probe"
    publisher.publish("sensors/room1/temp", b"21.5", qos=1)
    publisher.publish("sensors/room2/temp", b"not for room1", qos=1)
    frame = listener.messages.get(timeout=TIMEOUT)
    while frame.body in ("probe", b"probe"):
        frame = listener.messages.get(timeout=TIMEOUT)
    assert frame.body in ("21.5", b"21.5")
    assert frame.headers["destination"] == "/topic/sensors.room1.temp"
    with pytest.raises(queue.Empty):
        listener.messages.get(timeout=0.5)
    conn.disconnect()
    publisher.close()


def test_mqtt_publish_reaches_http_consumer(broker, connection, channel, unique):
    queue_name = unique("mqtt-http")
    room = unique("hall")
    channel.queue_declare(queue=queue_name)
    channel.queue_bind(queue=queue_name, exchange="amq.topic", routing_key=f"sensors.{room}.*")
    publisher = Client(broker, unique("pub"))
    publisher.publish(f"sensors/{room}/temp", b"19.0", qos=1)
    publisher.publish(f"sensors/{room}/humidity", b"40", qos=0)
    publisher.close()
    got = []
    deadline = time.monotonic() + TIMEOUT
    while len(got) < 2:
        assert time.monotonic() < deadline, f"HTTP get saw {got}"
        response = requests.post(
            broker.http_url(f"/api/queues/%2F/{queue_name}/get"),
            json={"count": 5, "ackmode": "ack_requeue_false", "encoding": "auto"},
            auth=("guest", "guest"),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        got += response.json()
    assert [(m["routing_key"], m["payload"]) for m in got] == [
        (f"sensors.{room}.temp", "19.0"),
        (f"sensors.{room}.humidity", "40"),
    ]
    assert got[0]["properties"]["delivery_mode"] == 2
    channel.queue_delete(queue=queue_name)
