#!/usr/bin/env python3
"""Capture the STOMP frames stomp.py sends, as golden vectors for the codec tests.

A fake server answers just enough (CONNECTED, RECEIPT, built by hand here, not by a client library)
for stomp.py to run a short scenario per protocol version; each frame the client sends is written to
`<client>-<version>-<name>.hex` beside this script. Run: python3 capture.py
"""
import os
import socket
import threading
import time

import stomp

HERE = os.path.dirname(os.path.abspath(__file__))


def split_frames(data):
    """Yields (command, raw bytes) for each frame in a client byte stream (heart-beat EOLs skipped)."""
    i = 0
    while i < len(data):
        if data[i:i + 1] in (b"\n", b"\r"):
            i += 1
            continue
        head_end = data.find(b"\n\n", i)
        head = data[i:head_end]
        lines = head.split(b"\n")
        length = None
        for line in lines[1:]:
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
                break
        body_start = head_end + 2
        end = body_start + length if length is not None else data.index(b"\0", body_start)
        yield lines[0].decode(), data[i:end + 1]
        i = end + 1


class CaptureServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        pending = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            self.received += chunk
            pending += chunk
            while b"\0" in pending:
                frames = list(split_frames(pending))
                if not frames:
                    break
                # Leading EOLs were skipped by split_frames: count them too.
                consumed = pending.index(frames[-1][1]) + len(frames[-1][1])
                pending = pending[consumed:]
                for command, raw in frames:
                    self.answer(conn, command, raw)
        conn.close()

    def answer(self, conn, command, raw):
        headers = {}
        for line in raw.split(b"\n\n", 1)[0].split(b"\n")[1:]:
            name, _, value = line.partition(b":")
            headers.setdefault(name, value)
        if command in ("CONNECT", "STOMP"):
            versions = headers.get(b"accept-version", b"1.0").split(b",")
            version = max(versions)
            conn.sendall(b"CONNECTED\nversion:" + version + b"\nheart-beat:0,0\nsession:capture\n\n\0")
        if b"receipt" in headers:
            conn.sendall(b"RECEIPT\nreceipt-id:" + headers[b"receipt"] + b"\n\n\0")


def scenario(version):
    server = CaptureServer()
    address = [("127.0.0.1", server.port)]
    if version == "1.0":
        conn = stomp.Connection10(address, auto_content_length=True)
    elif version == "1.1":
        conn = stomp.Connection11(address, vhost="/", auto_content_length=True)
    else:
        conn = stomp.Connection12(address, vhost="/", auto_content_length=True)
    conn.connect("guest", "guest", wait=True)
    ack_mode = "client-individual" if version != "1.0" else "client"
    conn.subscribe("/queue/a", id="s1", ack=ack_mode, headers={"prefetch-count": "10"})
    conn.send("/topic/x.y", "hello", headers={"colon:key": "line\nbreak\\back:slash", "persistent": "true"})
    conn.send("/queue/a", b"nul\x00inside", content_type="application/octet-stream")
    if version == "1.2":
        conn.ack("s1@@1")
        conn.nack("s1@@2", requeue="false")
    elif version == "1.1":
        conn.ack("s1@@1", "s1")
        conn.nack("s1@@2", "s1")
    else:
        conn.ack("s1@@1")
    conn.begin("tx1")
    conn.send("/exchange/amq.direct/k", "in tx", transaction="tx1")
    conn.commit("tx1")
    conn.unsubscribe("s1")
    conn.disconnect(receipt="bye")
    time.sleep(0.2)
    return server.received


def main():
    names = {}
    for version in ("1.0", "1.1", "1.2"):
        data = scenario(version)
        counts = {}
        for command, raw in split_frames(data):
            counts[command] = counts.get(command, 0) + 1
            name = command.lower() + ("" if counts[command] == 1 else str(counts[command]))
            path = os.path.join(HERE, f"stomppy-{version}-{name}.hex")
            with open(path, "w") as out:
                out.write(f"# stomp.py {stomp.__version__}, STOMP {version}: {command}\n")
                for offset in range(0, len(raw), 16):
                    out.write(raw[offset:offset + 16].hex(" ") + "\n")
            names[path] = command
    for path in sorted(names):
        print(os.path.basename(path))


if __name__ == "__main__":
    main()
