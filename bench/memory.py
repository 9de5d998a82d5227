#!/usr/bin/env python3
"""Memory figures for bench/run: what an idle MQTT connection costs a broker, and what 10,000 queued
transient 1 KiB messages cost it, both read from the broker's resident set (VmRSS in /proc).

usage: bench/memory.py --broker NAME --pid PID [--mqtt-port P] [--amqp-port P] [--json FILE]
                       [--connections N] [--messages N] [--size BYTES]

Idle connections: N raw TCP connections each send an MQTT 3.1.1 CONNECT (clean session, keep-alive
600 s) and read the CONNACK; per-connection cost = RSS growth / N, with all N still open.
Queued messages: a fresh non-durable queue, N transient messages published with publisher confirms
(so all of them are in the broker), no consumer; cost = RSS growth / payload bytes.
RSS only grows in pages and allocators keep freed memory, so run this against a freshly started
broker: each figure is taken from a baseline right before it, after the broker has settled, and
nothing is freed until both are taken. One JSON object per figure goes to --json.
"""
import argparse
import json
import resource
import socket
import struct
import time


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def settled_rss(pid, seconds=1.0):
    time.sleep(seconds)
    return rss_bytes(pid)


def mqtt_connect_packet(client_id):
    encoded_id = client_id.encode()
    variable = b"\x00\x04MQTT\x04\x02" + struct.pack("!H", 600)
    payload = struct.pack("!H", len(encoded_id)) + encoded_id
    remaining = len(variable) + len(payload)
    return bytes([0x10, remaining]) + variable + payload


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise RuntimeError("connection closed before CONNACK")
        data += chunk
    return data


def idle_mqtt_connections(pid, port, count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))
    before = settled_rss(pid)
    sockets = []
    try:
        for index in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(mqtt_connect_packet(f"jb-idle-{index}"))
            connack = read_exactly(sock, 4)
            if connack[0] != 0x20 or connack[3] != 0:
                raise RuntimeError(f"CONNACK refused: {connack.hex()}")
            sockets.append(sock)
        after = settled_rss(pid, 2.0)
    finally:
        for sock in sockets:
            sock.close()
    return {"figure": "idle-mqtt-connection", "connections": count, "rssBefore": before, "rssAfter": after,
            "bytesPerConnection": (after - before) / count}


def queued_messages(pid, port, count, size):
    import pika

    parameters = pika.ConnectionParameters(host="127.0.0.1", port=port,
                                           credentials=pika.PlainCredentials("guest", "guest"))
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    queue = f"jb-memory-{int(time.time())}"
    channel.queue_declare(queue=queue, durable=False)
    channel.confirm_delivery()
    body = bytes(size)
    properties = pika.BasicProperties(delivery_mode=1)
    before = settled_rss(pid)
    for _ in range(count):
        channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)
    after = settled_rss(pid, 2.0)
    depth = channel.queue_declare(queue=queue, passive=True).method.message_count
    payload = count * size
    figure = {"figure": "queued-transient-messages", "messages": count, "size": size, "queueDepth": depth,
              "rssBefore": before, "rssAfter": after, "payloadBytes": payload,
              "rssPerPayloadByte": (after - before) / payload}

    def cleanup():
        channel.queue_delete(queue=queue)
        connection.close()

    return figure, cleanup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--mqtt-port", type=int)
    parser.add_argument("--amqp-port", type=int)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--json")
    args = parser.parse_args()
    figures = []
    cleanup = None
    # The queue stays until the end: memory it gave back would be reused by the connections and hide their cost.
    if args.amqp_port:
        figure, cleanup = queued_messages(args.pid, args.amqp_port, args.messages, args.size)
        figures.append(figure)
    if args.mqtt_port:
        figures.append(idle_mqtt_connections(args.pid, args.mqtt_port, args.connections))
    if cleanup:
        cleanup()
    for figure in figures:
        figure["broker"] = args.broker
        if figure["figure"] == "idle-mqtt-connection":
            print(f"memory {args.broker} idle MQTT connection: {figure['bytesPerConnection'] / 1024:.1f} KiB "
                  f"({figure['connections']} connections)")
        else:
            print(f"memory {args.broker} {figure['messages']} queued {figure['size']} B messages: "
                  f"RSS +{(figure['rssAfter'] - figure['rssBefore']) / 1e6:.1f} MB = "
                  f"{figure['rssPerPayloadByte']:.2f}x payload (queue depth {figure['queueDepth']})")
        if args.json:
            with open(args.json, "a") as out:
                out.write(json.dumps(figure) + "\n")


if __name__ == "__main__":
    main()
