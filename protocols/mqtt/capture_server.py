#!/usr/bin/env python3
"""Captures MQTT packets sent by real clients into protocols/mqtt/vectors/*.hex.

A minimal MQTT server: it answers just enough (CONNACK, SUBACK, PUBACK, PUBREC, PUBCOMP,
UNSUBACK, PINGRESP) for a client to carry on, and writes every packet it receives to a vector
file named <client>-<version>-<packet>[-<n>].hex. Run it and it drives the clients itself:

    python3 protocols/mqtt/capture_server.py

Needs paho-mqtt 2.x and mosquitto-clients (mosquitto_pub).
"""

import os
import socket
import subprocess
import threading
import time

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")
NAMES = {1: "connect", 3: "publish", 6: "pubrel", 8: "subscribe", 10: "unsubscribe", 12: "pingreq", 14: "disconnect", 4: "puback", 5: "pubrec", 7: "pubcomp"}


def read_packet(sock):
    first = sock.recv(1)
    if not first:
        return None
    raw = bytearray(first)
    length, multiplier = 0, 1
    while True:
        byte = sock.recv(1)
        if not byte:
            return None
        raw += byte
        length += (byte[0] & 0x7F) * multiplier
        multiplier *= 128
        if byte[0] & 0x80 == 0:
            break
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return bytes(raw) + body


def header_length(packet):
    index = 1
    while packet[index] & 0x80:
        index += 1
    return index + 1


def serve_one(listener, prefix, description, counts):
    conn, _ = listener.accept()
    version = 4
    with conn:
        while True:
            packet = read_packet(conn)
            if packet is None:
                return
            kind = packet[0] >> 4
            name = NAMES.get(kind, f"type{kind}")
            counts[name] = counts.get(name, 0) + 1
            suffix = "" if counts[name] == 1 else f"-{counts[name]}"
            path = os.path.join(VECTORS, f"{prefix}-{name}{suffix}.hex")
            with open(path, "w") as f:
                f.write(f"# {description}: {name.upper()} as sent by the client\n")
                for i in range(0, len(packet), 16):
                    f.write(" ".join(f"{b:02x}" for b in packet[i:i + 16]) + "\n")
            body = packet[header_length(packet):]
            if kind == 1:
                version = body[6]
                conn.sendall(bytes([0x20, 3, 0, 0, 0]) if version == 5 else bytes([0x20, 2, 0, 0]))
            elif kind == 3:
                qos = (packet[0] >> 1) & 3
                topic_len = int.from_bytes(body[0:2], "big")
                if qos:
                    pid = body[2 + topic_len:4 + topic_len]
                    conn.sendall(bytes([0x40 if qos == 1 else 0x50, 2]) + pid)
            elif kind == 5:
                conn.sendall(bytes([0x62, 2]) + body[0:2])
            elif kind == 6:
                conn.sendall(bytes([0x70, 2]) + body[0:2])
            elif kind == 8:
                pid = body[0:2]
                count = 0
                index = 2
                if version == 5:
                    plen = body[index]
                    index += 1 + plen
                while index < len(body):
                    flen = int.from_bytes(body[index:index + 2], "big")
                    index += 2 + flen + 1
                    count += 1
                payload = pid + (b"\x00" if version == 5 else b"") + bytes([1] * count)
                conn.sendall(bytes([0x90, len(payload)]) + payload)
                # Two server PUBLISHes (QoS 1 and 2), so the client's PUBACK, PUBREC, PUBCOMP are captured.
                topic = b"sensors/attic/temp"
                props = b"\x00" if version == 5 else b""
                for qos, pid in ((1, b"\x01\x01"), (2, b"\x01\x02")):
                    body_out = len(topic).to_bytes(2, "big") + topic + pid + props + b"18"
                    conn.sendall(bytes([0x30 | qos << 1, len(body_out)]) + body_out)
            elif kind == 10:
                pid = body[0:2]
                if version == 5:
                    conn.sendall(bytes([0xB0, 4]) + pid + b"\x00\x00")
                else:
                    conn.sendall(bytes([0xB0, 2]) + pid)
            elif kind == 12:
                conn.sendall(bytes([0xD0, 0]))
            elif kind == 14:
                return


def capture(prefix, description, drive):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    counts = {}
    thread = threading.Thread(target=serve_one, args=(listener, prefix, description, counts))
    thread.start()
    drive(port)
    thread.join(10)
    listener.close()


def paho_v311(port):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="capture-311", protocol=mqtt.MQTTv311, clean_session=False)
    client.username_pw_set("guest", "guest")
    client.will_set("clients/capture-311/status", b"offline", qos=1, retain=True)
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    time.sleep(0.2)
    client.subscribe([("sensors/+/temp", 1), ("alerts/#", 2)])
    time.sleep(0.1)
    client.publish("sensors/kitchen/temp", b"21.5", qos=0)
    client.publish("sensors/kitchen/temp", b"21.6", qos=1).wait_for_publish(2)
    client.publish("sensors/kitchen/temp", b"21.7", qos=2, retain=True).wait_for_publish(2)
    client.unsubscribe("alerts/#")
    time.sleep(0.1)
    client._send_pingreq()
    time.sleep(0.1)
    client.disconnect()
    client.loop_stop()


def paho_v5(port):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="capture-5", protocol=mqtt.MQTTv5)
    connect_properties = Properties(PacketTypes.CONNECT)
    connect_properties.SessionExpiryInterval = 300
    connect_properties.ReceiveMaximum = 20
    connect_properties.TopicAliasMaximum = 10
    connect_properties.UserProperty = ("app", "capture")
    will_properties = Properties(PacketTypes.WILLMESSAGE)
    will_properties.WillDelayInterval = 5
    will_properties.ContentType = "text/plain"
    client.will_set("clients/capture-5/status", b"gone", qos=1, retain=False, properties=will_properties)
    client.connect("127.0.0.1", port, keepalive=60, clean_start=True, properties=connect_properties)
    client.loop_start()
    time.sleep(0.2)
    subscribe_properties = Properties(PacketTypes.SUBSCRIBE)
    subscribe_properties.SubscriptionIdentifier = 42
    client.subscribe(
        [
            ("sensors/+/temp", SubscribeOptions(qos=1, noLocal=True, retainAsPublished=True, retainHandling=1)),
            ("$share/workers/jobs/#", SubscribeOptions(qos=2)),
        ],
        properties=subscribe_properties,
    )
    time.sleep(0.1)
    publish_properties = Properties(PacketTypes.PUBLISH)
    publish_properties.ContentType = "application/json"
    publish_properties.ResponseTopic = "replies/capture-5"
    publish_properties.CorrelationData = b"req-17"
    publish_properties.MessageExpiryInterval = 60
    publish_properties.UserProperty = [("unit", "celsius"), ("room", "kitchen")]
    publish_properties.PayloadFormatIndicator = 1
    client.publish("sensors/kitchen/temp", b'{"t":21.5}', qos=1, properties=publish_properties).wait_for_publish(2)
    alias_properties = Properties(PacketTypes.PUBLISH)
    alias_properties.TopicAlias = 3
    client.publish("sensors/hall/temp", b"19", qos=2, properties=alias_properties).wait_for_publish(2)
    client.publish("sensors/hall/temp", b"", qos=0)
    client.unsubscribe(["sensors/+/temp"])
    time.sleep(0.1)
    disconnect_properties = Properties(PacketTypes.DISCONNECT)
    disconnect_properties.SessionExpiryInterval = 0
    client.disconnect(reasoncode=mqtt.ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message"), properties=disconnect_properties)
    time.sleep(0.1)
    client.loop_stop()


def mosquitto(version):
    def drive(port):
        subprocess.run(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", version, "-i", f"mosq-{version}",
             "-t", "home/lamp/state", "-m", "on", "-q", "1", "-r"]
            + (["-D", "publish", "user-property", "source", "mosquitto"] if version == "5" else []),
            check=True,
            timeout=10,
        )
    return drive


def mosquitto_version():
    out = subprocess.run(["mosquitto_pub", "--help"], capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if "version" in line)
    return line.split(" running")[0].strip()


if __name__ == "__main__":
    os.makedirs(VECTORS, exist_ok=True)
    capture("paho-v311", f"paho-mqtt {paho.mqtt.__version__} MQTT 3.1.1", paho_v311)
    capture("paho-v5", f"paho-mqtt {paho.mqtt.__version__} MQTT 5.0", paho_v5)
    capture("mosquitto-v311", f"{mosquitto_version()} MQTT 3.1.1", mosquitto("mqttv311"))
    capture("mosquitto-v5", f"{mosquitto_version()} MQTT 5.0", mosquitto("5"))
