"""MQTT state that must survive the broker: persistent sessions (their subscriptions and the QoS 1
messages queued while the client was away) and retained messages, across a clean restart and
across kill -9 (`own_broker.restart(crash=True)`)."""

import socket
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from helpers import Broker
from test_mqtt_interop import Client

pytestmark = pytest.mark.junction_only


@pytest.mark.parametrize("crash", [False, True], ids=["restart", "crash"])
def test_persistent_session_and_retained_message_survive(own_broker, unique, crash):
    client_id = unique("durable")
    topic = unique("plant") + "/line1/temp"
    status = unique("plant") + "/status"
    subscriber = Client(own_broker, client_id, clean=False)
    assert subscriber.connack[0].session_present is False
    subscriber.subscribe(topic, qos=1)
    subscriber.close()

    publisher = Client(own_broker, unique("pub"))
    # wait_for_publish returns once the PUBACK came: the broker said these are stored.
    for index in range(5):
        publisher.publish(topic, f"offline-{index}".encode(), qos=1)
    publisher.publish(status, b"running", qos=1, retain=True)
    publisher.close()

    own_broker.restart(crash=crash)

    again = Client(own_broker, client_id, clean=False)
    assert again.connack[0].session_present is True
    assert [again.next().payload for _ in range(5)] == [f"offline-{i}".encode() for i in range(5)]
    again.nothing()
    # The subscription itself came back: new messages reach the session.
    publisher = Client(own_broker, unique("pub"))
    publisher.publish(topic, b"after", qos=1)
    assert again.next().payload == b"after"
    # The retained message is there for a new subscriber, flagged as retained.
    watcher = Client(own_broker, unique("watch"))
    watcher.subscribe(status, qos=1)
    retained = watcher.next()
    assert (retained.payload, retained.retain) == (b"running", True)
    for client in (again, publisher, watcher):
        client.close()


def test_unacknowledged_delivery_is_redelivered_after_crash(own_broker, unique):
    client_id = unique("inflight")
    topic = unique("inflight") + "/t"
    subscriber = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600),
                        manual_ack=True)
    subscriber.subscribe(topic, qos=1)
    publisher = Client(own_broker, unique("pub"), mqtt.MQTTv5)
    publisher.publish(topic, b"once", qos=1)
    # Received and never acknowledged (manual ack); no network loop, so no reconnect either.
    assert subscriber.next().payload == b"once"
    subscriber.client.loop_stop()
    publisher.close()

    own_broker.restart(crash=True)

    again = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(3600))
    assert again.connack[0].session_present is True
    message = again.next()
    assert (message.payload, message.dup) == (b"once", True)
    again.close()


def test_expired_session_is_gone_after_restart(own_broker, unique):
    client_id = unique("short")
    first = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(2))
    first.subscribe(unique("x") + "/y", qos=1)
    first.close()
    own_broker.restart()
    # Still within its expiry: the session is there after the restart.
    present = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(1))
    assert present.connack[0].session_present is True
    present.close()
    own_broker.stop()
    time.sleep(1.5)
    own_broker.start(port=own_broker.port)
    # Expired while the broker was down: counted from when the client was last seen.
    gone = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(1))
    assert gone.connack[0].session_present is False
    gone.close()


def test_clean_session_leaves_nothing_behind(own_broker, unique):
    client_id = unique("clean")
    topic = unique("c") + "/t"
    subscriber = Client(own_broker, client_id, clean=True)
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    own_broker.restart(crash=True)
    again = Client(own_broker, client_id, clean=False)
    assert again.connack[0].session_present is False
    again.close()


def expiry(seconds):
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = seconds
    return properties


def test_puback_waits_for_the_group_commit(broker_binary_path, tmp_path, unique):
    # A slow group commit makes the wait visible: PUBACK for a message stored in a persistent
    # session's (durable) queue comes only after the next fsync; without one it comes at once.
    slow = Broker(broker_binary_path, str(tmp_path / "data"), env={"JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "1500"})
    slow.start()
    try:
        topic = unique("commit") + "/t"
        subscriber = Client(slow, unique("durable-sub"), clean=False)
        subscriber.subscribe(topic, qos=1)
        subscriber.close()
        publisher = Client(slow, unique("pub"))
        started = time.monotonic()
        publisher.publish(unique("nobody") + "/t", b"transient", qos=1)
        assert time.monotonic() - started < 0.5
        waits = []
        for index in range(3):
            started = time.monotonic()
            publisher.publish(topic, f"stored-{index}".encode(), qos=1)
            waits.append(time.monotonic() - started)
        # Each PUBACK waited for a commit (up to 1.5 s), and none went out before it.
        assert max(waits) > 0.3, waits
        assert sum(waits) > 1.0, waits
        publisher.close()
    finally:
        slow.kill()


class RawMQTT:
    """A minimal MQTT client over a socket, for QoS 2 flows paho does not let a test stop halfway:
    the test sends and expects each packet itself."""

    def __init__(self, broker, client_id, version, clean):
        self.version = version
        self.sock = socket.create_connection(("127.0.0.1", broker.mqtt_port), timeout=5)
        self.buffer = b""
        flags = 0x02 if clean else 0x00
        payload = b"\x00\x04MQTT" + bytes([version, flags, 0x00, 0x3C])
        if version == 5:
            # Session Expiry Interval 3600 s, so the session outlives the connection.
            payload += bytes([0x05, 0x11]) + (3600).to_bytes(4, "big")
        payload += self.string(client_id)
        self.send(0x10, payload)
        kind, body = self.read()
        assert kind == 0x20 and body[1] == 0, body
        self.session_present = bool(body[0] & 0x01)

    @staticmethod
    def string(text):
        data = text.encode()
        return len(data).to_bytes(2, "big") + data

    def send(self, first_byte, body):
        length, encoded = len(body), b""
        while True:
            byte, length = length % 128, length // 128
            encoded += bytes([byte | (0x80 if length else 0)])
            if not length:
                break
        self.sock.sendall(bytes([first_byte]) + encoded + body)

    def read(self, timeout=5.0):
        """(first byte, body) of the next packet; None when nothing comes within `timeout`."""
        self.sock.settimeout(timeout)
        while True:
            packet = self.parse()
            if packet:
                return packet
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return None
            assert chunk, "connection closed"
            self.buffer += chunk

    def parse(self):
        multiplier, length, index = 1, 0, 1
        while True:
            if index >= len(self.buffer):
                return None
            byte = self.buffer[index]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if not byte & 0x80:
                break
        if len(self.buffer) < index + length:
            return None
        packet = (self.buffer[0], self.buffer[index:index + length])
        self.buffer = self.buffer[index + length:]
        return packet

    def expect(self, kind):
        packet = self.read()
        assert packet is not None, f"no packet, expected {kind:#x}"
        assert packet[0] == kind, f"got {packet[0]:#x} {packet[1]!r}, expected {kind:#x}"
        return packet[1]

    def subscribe(self, topic, qos):
        body = (1).to_bytes(2, "big") + (b"\x00" if self.version == 5 else b"") + self.string(topic) + bytes([qos])
        self.send(0x82, body)
        assert self.expect(0x90)[-1] == qos

    def publish_qos2(self, topic, payload, packet_id, dup=False):
        body = self.string(topic) + packet_id.to_bytes(2, "big") + (b"\x00" if self.version == 5 else b"") + payload
        self.send(0x34 | (0x08 if dup else 0), body)

    def response(self, first_byte, packet_id):
        # 3.1.1 and 5.0 (reason code 0 omitted) share this form.
        self.send(first_byte, packet_id.to_bytes(2, "big"))

    def expect_response(self, kind, packet_id):
        body = self.expect(kind)
        assert int.from_bytes(body[:2], "big") == packet_id
        if len(body) > 2:
            assert body[2] in (0x00, 0x10), body

    def received_publish(self):
        """(qos, dup, packet id, payload) of the next PUBLISH."""
        packet = self.read()
        assert packet is not None and packet[0] >> 4 == 3, packet
        first, body = packet
        qos = (first >> 1) & 0x03
        topic_length = int.from_bytes(body[:2], "big")
        rest = body[2 + topic_length:]
        packet_id = None
        if qos:
            packet_id, rest = int.from_bytes(rest[:2], "big"), rest[2:]
        if self.version == 5:
            properties_length, used = self.variable_integer(rest)
            rest = rest[used + properties_length:]
        return qos, bool(first & 0x08), packet_id, rest

    @staticmethod
    def variable_integer(data):
        value, multiplier, index = 0, 1, 0
        while True:
            byte = data[index]
            value += (byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if not byte & 0x80:
                return value, index

    def disconnect(self):
        self.send(0xE0, b"\x00" if self.version == 5 else b"")
        self.sock.close()

    def close(self):
        self.sock.close()


VERSIONS = [(4, mqtt.MQTTv311), (5, mqtt.MQTTv5)]


@pytest.mark.parametrize("level,paho_version", VERSIONS, ids=["v311", "v5"])
def test_qos2_publish_awaiting_release_is_not_routed_twice_after_crash(own_broker, unique, level, paho_version):
    topic = unique("once") + "/in"
    subscriber_id = unique("sub")
    subscriber = Client(own_broker, subscriber_id, paho_version, clean=False,
                        connect_properties=expiry(3600) if paho_version == mqtt.MQTTv5 else None)
    subscriber.subscribe(topic, qos=2)
    subscriber.close()

    publisher_id = unique("pub")
    publisher = RawMQTT(own_broker, publisher_id, level, clean=False)
    publisher.publish_qos2(topic, b"exactly-once", 7)
    # PUBREC: the message is stored and packet id 7 is held until PUBREL.
    publisher.expect_response(0x50, 7)

    # The socket stays open: a disconnect would save the session anyway; only what was stored
    # while connected counts here.
    own_broker.restart(crash=True)
    publisher.close()

    publisher = RawMQTT(own_broker, publisher_id, level, clean=False)
    assert publisher.session_present
    # The client never saw PUBREC as far as it knows: it sends the PUBLISH again, DUP set.
    publisher.publish_qos2(topic, b"exactly-once", 7, dup=True)
    publisher.expect_response(0x50, 7)
    publisher.response(0x62, 7)
    publisher.expect_response(0x70, 7)
    publisher.disconnect()

    again = Client(own_broker, subscriber_id, paho_version, clean=False,
                   connect_properties=expiry(3600) if paho_version == mqtt.MQTTv5 else None)
    assert again.connack[0].session_present is True
    assert again.next().payload == b"exactly-once"
    again.nothing(wait=1.0)
    again.close()


@pytest.mark.parametrize("level,paho_version", VERSIONS, ids=["v311", "v5"])
def test_qos2_release_owed_is_resent_after_crash(own_broker, unique, level, paho_version):
    topic = unique("once") + "/out"
    subscriber_id = unique("sub")
    subscriber = RawMQTT(own_broker, subscriber_id, level, clean=False)
    subscriber.subscribe(topic, qos=2)

    publisher = Client(own_broker, unique("pub"), paho_version)
    publisher.publish(topic, b"delivered-once", qos=2)
    publisher.close()

    qos, dup, packet_id, payload = subscriber.received_publish()
    assert (qos, dup, payload) == (2, False, b"delivered-once")
    subscriber.response(0x50, packet_id)
    subscriber.expect_response(0x62, packet_id)
    # The PUBREL came, so the broker took the PUBREC; the subscriber crashes with it before
    # answering PUBCOMP. Give the settled delivery's acknowledgement its group commit.
    time.sleep(0.5)

    own_broker.restart(crash=True)
    subscriber.close()

    subscriber = RawMQTT(own_broker, subscriber_id, level, clean=False)
    assert subscriber.session_present
    # The PUBREL the broker owes comes again [MQTT-4.4.0-1], and the message does not.
    subscriber.expect_response(0x62, packet_id)
    subscriber.response(0x70, packet_id)
    assert subscriber.read(timeout=1.0) is None

    # The session goes on: a new message arrives with its own flow.
    publisher = Client(own_broker, unique("pub"), paho_version)
    publisher.publish(topic, b"next", qos=2)
    publisher.close()
    qos, dup, next_id, payload = subscriber.received_publish()
    assert (qos, payload) == (2, b"next")
    subscriber.response(0x50, next_id)
    subscriber.expect_response(0x62, next_id)
    subscriber.response(0x70, next_id)
    subscriber.disconnect()
