"""Hostile input over the network: valid client sessions for every listener, mutated (bit flips, truncations,
inserted bytes, extreme length fields), sent over many connections at once; and a health check that the
broker is alive and serves a fresh client of every protocol. Used by Tests/interop/test_hostile_input.py
(CI-sized, fixed seed) and scripts/hostile (long runs).

Sessions are written from the protocol specifications, not from the broker's code.
"""

import base64
import random
import selectors
import socket
import struct
import time

import amqp_raw

# ---------------------------------------------------------------------------------------------- sessions
# Each session is a list of frames (bytes); `lengths` maps a frame index to the (offset, size) of a
# length field inside it, so the "extreme length" mutation knows what to overwrite.


def amqp_session():
    f = amqp_raw.method_frame
    frames = [
        amqp_raw.PROTOCOL_HEADER,
        f(0, amqp_raw.CONNECTION_START_OK, amqp_raw.table({"product": "hostile"}) + amqp_raw.shortstr("PLAIN")
          + amqp_raw.longstr(b"\x00guest\x00guest") + amqp_raw.shortstr("en_US")),
        f(0, amqp_raw.CONNECTION_TUNE_OK, struct.pack(">HIH", 2047, 131072, 0)),
        f(0, amqp_raw.CONNECTION_OPEN, amqp_raw.shortstr("/") + amqp_raw.shortstr("") + b"\x00"),
        f(1, amqp_raw.CHANNEL_OPEN, amqp_raw.shortstr("")),
        f(1, amqp_raw.QUEUE_DECLARE, amqp_raw.queue_declare_arguments("hostile-amqp", auto_delete=True)),
        f(1, amqp_raw.BASIC_PUBLISH, amqp_raw.basic_publish_arguments("", "hostile-amqp")),
        amqp_raw.content_header_frame(1, 5),
        amqp_raw.frame(amqp_raw.FRAME_BODY, 1, b"hello"),
        f(1, (60, 70), struct.pack(">H", 0) + amqp_raw.shortstr("hostile-amqp") + b"\x00"),  # basic.get
        f(0, amqp_raw.CONNECTION_CLOSE, struct.pack(">H", 200) + amqp_raw.shortstr("bye") + struct.pack(">HH", 0, 0)),
    ]
    # Frame size (bytes 3..7) of every frame after the protocol header; the body size of the content header.
    lengths = {i: [(3, 4)] for i in range(1, len(frames))}
    lengths[7].append((11, 8))
    return frames, lengths


def mqtt_remaining_length(n):
    out = b""
    while True:
        byte, n = n % 128, n // 128
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def mqtt_packet(first_byte, body):
    return bytes([first_byte]) + mqtt_remaining_length(len(body)) + body


def mqtt_string(value):
    data = value.encode()
    return struct.pack(">H", len(data)) + data


def mqtt_session(version):
    properties = b"\x00" if version == 5 else b""
    connect = (mqtt_string("MQTT") + bytes([version, 0xC2]) + struct.pack(">H", 30) + properties
               + mqtt_string(f"hostile-{version}") + mqtt_string("guest") + mqtt_string("guest"))
    frames = [
        mqtt_packet(0x10, connect),
        mqtt_packet(0x82, struct.pack(">H", 1) + properties + mqtt_string("hostile/#") + b"\x02"),
        mqtt_packet(0x30, mqtt_string("hostile/a") + properties + b"qos0"),
        mqtt_packet(0x32, mqtt_string("hostile/b") + struct.pack(">H", 2) + properties + b"qos1"),
        mqtt_packet(0x34, mqtt_string("hostile/c") + struct.pack(">H", 3) + properties + b"qos2"),
        mqtt_packet(0x62, struct.pack(">H", 3) + (b"\x00\x00" if version == 5 else b"")),  # pubrel
        mqtt_packet(0x31, mqtt_string("hostile/retained") + properties + b"retained"),
        mqtt_packet(0xC0, b""),  # pingreq
        mqtt_packet(0xA2, struct.pack(">H", 4) + properties + mqtt_string("hostile/#")),
        mqtt_packet(0xE0, b"\x00\x00" if version == 5 else b""),
    ]
    # The remaining length follows the first byte; strings inside carry their own 2-byte lengths.
    lengths = {i: [(1, 1)] for i in range(len(frames))}
    lengths[0].append((len(frames[0]) - len(connect) + 0, 2))
    return frames, lengths


def stomp_frame(command, headers, body=b""):
    lines = [command] + [f"{k}:{v}" for k, v in headers.items()]
    return ("\n".join(lines) + "\n\n").encode() + body + b"\x00"


def stomp_session():
    frames = [
        stomp_frame("CONNECT", {"accept-version": "1.0,1.1,1.2", "host": "/", "login": "guest",
                                "passcode": "guest", "heart-beat": "0,0"}),
        stomp_frame("SUBSCRIBE", {"id": "0", "destination": "/queue/hostile-stomp", "ack": "client-individual"}),
        stomp_frame("SEND", {"destination": "/queue/hostile-stomp", "content-length": "5", "receipt": "r1"},
                    b"hello"),
        stomp_frame("SEND", {"destination": "/topic/hostile", "content-type": "text/plain"}, b"text"),
        stomp_frame("ACK", {"id": "x-1"}),
        stomp_frame("BEGIN", {"transaction": "t1"}),
        stomp_frame("COMMIT", {"transaction": "t1"}),
        stomp_frame("DISCONNECT", {"receipt": "bye"}),
    ]
    return frames, {}


def http_requests(port):
    host = f"127.0.0.1:{port}"
    auth = "Basic " + base64.b64encode(b"guest:guest").decode()
    body = b'{"routing_key":"hostile-http","payload":"hello","payload_encoding":"string","properties":{}}'
    frames = [
        (f"PUT /api/queues/%2F/hostile-http HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
         f"Content-Type: application/json\r\nContent-Length: 17\r\n\r\n").encode() + b'{"durable":false}',
        (f"POST /api/exchanges/%2F/amq.default/publish HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body,
        (f"POST /api/v1/exchanges/%2F/amq.default/messages?routing_key=hostile-http HTTP/1.1\r\nHost: {host}\r\n"
         f"Authorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").encode(),
        (f"GET /api/v1/queues/%2F/hostile-http/messages?max=2 HTTP/1.1\r\nHost: {host}\r\n"
         f"Authorization: {auth}\r\n\r\n").encode(),
        f"GET /api/overview HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n".encode(),
    ]
    return frames, {}


def websocket_frame(payload, opcode, rng):
    mask = rng.randbytes(4)
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack(">H", n)
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack(">Q", n)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def websocket_session(port, path, subprotocol, inner, rng):
    key = base64.b64encode(rng.randbytes(16)).decode()
    upgrade = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {subprotocol}\r\n"
               f"Origin: http://127.0.0.1:{port}\r\n\r\n").encode()
    frames, _ = inner
    # WebSocket payload length: byte 1 (7 bits), or the 2/8 bytes after it.
    wrapped = [upgrade] + [websocket_frame(f, 0x1 if subprotocol == "v12.stomp" else 0x2, rng) for f in frames]
    lengths = {i: [(1, 1)] for i in range(1, len(wrapped))}
    return wrapped, lengths


def sessions_for(target, ports, rng):
    """(frames, length fields) of one valid session for `target`."""
    if target == "amqp":
        return amqp_session()
    if target == "mqtt":
        return mqtt_session(rng.choice((4, 5)))
    if target == "stomp":
        return stomp_session()
    if target == "http":
        return http_requests(ports["http"])
    if target == "ws-stomp":
        return websocket_session(ports["http"], "/ws", "v12.stomp", stomp_session(), rng)
    if target == "ws-mqtt":
        return websocket_session(ports["http"], "/mqtt", "mqtt", mqtt_session(4), rng)
    if target == "ws-amqp":
        return websocket_session(ports["http"], "/amqp", "amqp", amqp_session(), rng)
    raise ValueError(target)


TARGETS = ("amqp", "mqtt", "stomp", "http", "ws-stomp", "ws-mqtt", "ws-amqp")


def port_of(target, ports):
    return ports["http"] if target.startswith(("http", "ws-")) else ports[target]


# --------------------------------------------------------------------------------------------- mutations

EXTREME = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)


def mutate(frames, lengths, rng):
    """One mutated session: the frames joined, with one to three mutations; returns (bytes, description)."""
    frames = list(frames)
    kinds = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("flip", "truncate", "insert", "extreme", "extreme", "duplicate"))
        index = rng.randrange(len(frames))
        data = bytearray(frames[index])
        if kind == "flip" and data:
            for _ in range(rng.randint(1, 8)):
                position = rng.randrange(len(data))
                data[position] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            data = data[: rng.randrange(len(data) + 1)]
            frames = frames[: index + 1]
        elif kind == "insert":
            position = rng.randrange(len(data) + 1)
            filler = rng.choice((rng.randbytes(rng.randint(1, 64)), b"\x00" * rng.randint(1, 300),
                                 b"\xff" * rng.randint(1, 16), b"\n" * rng.randint(1, 10), b":" * 50))
            data[position:position] = filler
        elif kind == "extreme" and lengths.get(index):
            offset, size = rng.choice(lengths[index])
            if offset + size <= len(data):
                value = rng.choice(EXTREME) & ((1 << (8 * size)) - 1)
                if size == 1 and rng.random() < 0.5:
                    value = 0xFF if rng.random() < 0.5 else 0x7F  # MQTT varint continuation / WS 127 marker
                data[offset:offset + size] = value.to_bytes(size, "big")
                if size == 1 and value == 0xFF and rng.random() < 0.5:
                    data[offset + 1:offset + 1] = b"\xff\xff\xff\x7f"  # a 5-byte MQTT remaining length
        elif kind == "duplicate":
            frames.insert(index, bytes(data))
        frames[index] = bytes(data)
        kinds.append(kind)
    return b"".join(frames), "+".join(kinds)


# ------------------------------------------------------------------------------------------------ sending


def send_sessions(port, payloads, rng, parallel=32, timeout=2.0):
    """Sends each payload on its own connection (up to `parallel` at once), in 1 to 4 writes, then reads what
    the broker answers until it closes or `timeout` passes. Returns how many connections the broker closed."""
    selector = selectors.DefaultSelector()
    pending = list(payloads)
    active = {}
    closed_by_broker = 0

    def open_next():
        data = pending.pop()
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        cuts = sorted(rng.sample(range(1, len(data)), min(3, len(data) - 1))) if len(data) > 1 else []
        pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
        active[sock] = {"pieces": pieces, "deadline": time.monotonic() + timeout}
        selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def finish(sock, graceful):
        nonlocal closed_by_broker
        closed_by_broker += graceful
        selector.unregister(sock)
        if not graceful:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        del active[sock]

    while pending or active:
        while pending and len(active) < parallel:
            open_next()
        for key, events in selector.select(timeout=0.05):
            sock, state = key.fileobj, active.get(key.fileobj)
            if state is None:
                continue
            try:
                if events & selectors.EVENT_READ:
                    if not sock.recv(65536):
                        finish(sock, True)
                        continue
                if events & selectors.EVENT_WRITE and state["pieces"]:
                    sock.send(state["pieces"].pop(0))
                    if not state["pieces"]:
                        selector.modify(sock, selectors.EVENT_READ)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                finish(sock, True)
        now = time.monotonic()
        for sock in [s for s, st in active.items() if st["deadline"] < now]:
            finish(sock, False)
    selector.close()
    return closed_by_broker


# ------------------------------------------------------------------------------------------------- health


def _exchange(port, request, expect, timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while expect not in data:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {expect!r} from port {port} within {timeout}s (got {data[:80]!r})")
            chunk = sock.recv(4096)
            if not chunk:
                raise AssertionError(f"port {port} closed before {expect!r} (got {data[:80]!r})")
            data += chunk
        return data


def check_fresh_clients(ports):
    """A fresh, valid client of every protocol gets its normal answer; raises AssertionError if not."""
    with amqp_raw.RawConnection("127.0.0.1", ports["amqp"], timeout=5) as connection:
        connection.handshake()
        connection.open_channel(1)
    connect = mqtt_packet(0x10, mqtt_string("MQTT") + bytes([4, 0xC2]) + struct.pack(">H", 30)
                          + mqtt_string("hostile-health") + mqtt_string("guest") + mqtt_string("guest"))
    assert _exchange(ports["mqtt"], connect, b"\x20\x02")[:4] == b"\x20\x02\x00\x00"
    _exchange(ports["stomp"], stomp_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                                      "passcode": "guest"}), b"CONNECTED")
    auth = "Basic " + base64.b64encode(b"guest:guest").decode()
    answer = _exchange(ports["http"], (f"GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
                                       "Connection: close\r\n\r\n").encode(), b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    frames, _ = websocket_session(ports["http"], "/ws", "v12.stomp", ([stomp_frame(
        "CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest", "passcode": "guest"})], {}),
        random.Random(0))
    _exchange(ports["http"], b"".join(frames), b"CONNECTED")


# ----------------------------------------------------------------------------------------------- campaign


def run_campaign(ports, alive, seed, sessions_per_target, batch=100, targets=TARGETS, log=None, timeout=0.5,
                 parallel=64):
    """Sends `sessions_per_target` mutated sessions to every target in batches; after each batch of every
    target, `alive()` must hold and fresh clients must be served. A connection the broker has not closed
    `timeout` seconds after its last byte was sent is reset (the bytes were processed long before). Returns {target: sessions sent}. Raises
    AssertionError naming the seed, target and batch when the broker dies or stops serving."""
    rng = random.Random(seed)
    sent = {target: 0 for target in targets}
    batch_number = 0
    while any(count < sessions_per_target for count in sent.values()):
        batch_number += 1
        for target in targets:
            count = min(batch, sessions_per_target - sent[target])
            if count <= 0:
                continue
            payloads = []
            for _ in range(count):
                frames, lengths = sessions_for(target, ports, rng)
                payloads.append(mutate(frames, lengths, rng)[0])
            send_sessions(port_of(target, ports), payloads, rng, parallel=parallel, timeout=timeout)
            sent[target] += count
            where = f"seed {seed}, target {target}, batch {batch_number}"
            assert alive(), f"broker died ({where})"
            try:
                check_fresh_clients(ports)
            except (AssertionError, OSError) as error:
                raise AssertionError(f"broker stopped serving fresh clients ({where}): {error}") from error
        if log:
            log(f"batch {batch_number}: {sent}")
    return sent
