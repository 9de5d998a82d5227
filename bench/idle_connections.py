#!/usr/bin/env python3
"""Idle MQTT connections against one broker (issue 12 item 4): a storm of N raw MQTT 3.1.1 clients
(CONNECT clean session, keep-alive 600 s, read CONNACK), then broker memory per idle connection and a
publish round trip while all N stay connected.

usage: bench/idle_connections.py --broker NAME --pid PID --port P [--connections N] [--sources K]
                                 [--window W] [--json FILE]

- connect rate: N clients connect at once (at most --window handshakes in flight, the rest queue
  behind them); the figure is N / seconds from the first connect() to the last CONNACK.
- memory: (broker RSS with all N open, settled) - (RSS before), / N. RSS counts in pages and the
  allocator keeps freed memory, so run against a freshly started broker.
- round trip: with all N still open, a subscriber and a publisher (two more raw clients) time 200
  QoS 0 PUBLISHes from the publisher's send to the subscriber's receipt; median, p99, max.

More than ~28,000 connections from one address to one port exhaust the ephemeral ports, so the
clients bind to --sources loopback addresses (127.0.0.2, 127.0.0.3, ...; all of 127/8 is loopback
on Linux). This process needs a file-descriptor limit above N + 100 (ulimit -n; the shell script
raises it).
"""
import argparse
import json
import resource
import selectors
import socket
import struct
import time


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def settled_rss(pid, seconds):
    time.sleep(seconds)
    return rss_bytes(pid)


def utf8(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def encode_length(length):
    out = bytearray()
    while True:
        byte = length % 128
        length //= 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def packet(header, body):
    return bytes([header]) + encode_length(len(body)) + body


def connect_packet(client_id, keep_alive=600):
    return packet(0x10, utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", keep_alive) + utf8(client_id))


def storm(port, count, sources, window, prefix):
    """Opens `count` connections (CONNECT + CONNACK each), at most `window` handshakes in flight.
    Returns the open sockets and the seconds it took."""
    selector = selectors.DefaultSelector()
    opened = []
    next_index = 0
    in_flight = 0
    started = time.perf_counter()
    deadline = time.monotonic() + max(120.0, count / 200)

    def start(index):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((f"127.0.0.{2 + index % sources}", 0))
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        selector.register(sock, selectors.EVENT_WRITE, [connect_packet(f"{prefix}-{index}"), b""])

    while len(opened) < count:
        while in_flight < window and next_index < count:
            start(next_index)
            next_index += 1
            in_flight += 1
        if time.monotonic() > deadline:
            raise RuntimeError(f"storm stalled: {len(opened)} of {count} connected")
        for key, events in selector.select(timeout=1.0):
            sock, state = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise RuntimeError(f"connect failed: {error}")
                sock.send(state[0])
                selector.modify(sock, selectors.EVENT_READ, state)
                continue
            chunk = sock.recv(16)
            if not chunk:
                raise RuntimeError("the broker closed a connection before CONNACK")
            state[1] += chunk
            if len(state[1]) >= 4:
                if state[1][0] != 0x20 or state[1][3] != 0:
                    raise RuntimeError(f"CONNACK refused: {state[1].hex()}")
                selector.unregister(sock)
                sock.setblocking(True)
                opened.append(sock)
                in_flight -= 1
    return opened, time.perf_counter() - started


class Client:
    """A blocking raw MQTT 3.1.1 client for the round trip."""

    def __init__(self, port, client_id):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.sock.sendall(connect_packet(client_id, keep_alive=60))
        assert self.read_packet()[0] >> 4 == 2

    def read_packet(self):
        while True:
            if len(self.buffer) >= 2:
                length, multiplier, index = 0, 1, 1
                while index < len(self.buffer):
                    byte = self.buffer[index]
                    length += (byte & 0x7F) * multiplier
                    multiplier *= 128
                    index += 1
                    if not byte & 0x80:
                        if len(self.buffer) >= index + length:
                            header, body = self.buffer[0], self.buffer[index:index + length]
                            self.buffer = self.buffer[index + length:]
                            return header, body
                        break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buffer += chunk

    def close(self):
        self.sock.sendall(bytes([0xE0, 0]))
        self.sock.close()


def round_trips(port, prefix, samples=200):
    topic = f"{prefix}/probe"
    subscriber = Client(port, f"{prefix}-sub")
    subscriber.sock.sendall(packet(0x82, struct.pack("!H", 1) + utf8(topic) + bytes([0])))
    assert subscriber.read_packet()[0] >> 4 == 9
    publisher = Client(port, f"{prefix}-pub")
    publish = packet(0x30, utf8(topic) + b"probe")
    times = []
    for _ in range(samples + 20):
        started = time.perf_counter()
        publisher.sock.sendall(publish)
        while subscriber.read_packet()[0] >> 4 != 3:
            pass
        times.append(time.perf_counter() - started)
    subscriber.close()
    publisher.close()
    times = sorted(times[20:])
    return {"p50Ms": times[len(times) // 2] * 1000, "p99Ms": times[int(len(times) * 0.99) - 1] * 1000,
            "maxMs": times[-1] * 1000}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--sources", type=int, default=0, help="source addresses (0: one per 20,000)")
    parser.add_argument("--window", type=int, default=500)
    parser.add_argument("--json")
    args = parser.parse_args()
    sources = args.sources or max(1, -(-args.connections // 20000))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.connections + 256
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    prefix = f"jb-idle-{int(time.time())}"
    before = settled_rss(args.pid, 1.0)
    sockets, seconds = storm(args.port, args.connections, sources, args.window, prefix)
    try:
        after = settled_rss(args.pid, 3.0)
        trips = round_trips(args.port, prefix)
    finally:
        for sock in sockets:
            sock.close()
    figure = {"figure": "idle-mqtt-connections", "broker": args.broker, "connections": args.connections,
              "sources": sources, "stormSeconds": seconds, "connectsPerSecond": args.connections / seconds,
              "rssBefore": before, "rssAfter": after, "bytesPerConnection": (after - before) / args.connections,
              "roundTrip": trips}
    print(f"{args.broker}: {args.connections} connections in {seconds:.2f} s ({figure['connectsPerSecond']:.0f}/s), "
          f"{figure['bytesPerConnection']:.0f} B each ({figure['bytesPerConnection'] / 1024:.2f} KiB, "
          f"RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB); publish round trip with all connected: "
          f"p50 {trips['p50Ms']:.3f} ms, p99 {trips['p99Ms']:.3f} ms, max {trips['maxMs']:.3f} ms")
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(figure) + "\n")


if __name__ == "__main__":
    main()
