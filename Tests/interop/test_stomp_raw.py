"""Raw-socket bad input: each gets an ERROR frame with a `message` header, then the connection closes;
other clients are unaffected."""

import uuid

import pytest

from test_stomp_support import read_frames_until_closed, stomp_connection, stomp_socket

CONNECT = b"CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\x00"


def error_message(data):
    start = data.index(b"ERROR\n")
    head = data[start:].split(b"\n\n", 1)[0].decode()
    headers = dict(line.split(":", 1) for line in head.split("\n")[1:])
    return headers["message"]


@pytest.mark.parametrize(
    "frame,message",
    [
        (b"HELLO\n\n\x00", "Unknown command"),
        (b"SEND\nnot a header\n\n\x00", "Malformed frame"),
        (b"SEND\n\nno destination\x00", "Missing destination"),
        (b"SEND\ndestination:/bogus/x\n\n\x00", "Unknown destination"),
        (b"SUBSCRIBE\nid:1\n\n\x00", "Missing destination"),
        (b"UNSUBSCRIBE\nid:never\n\n\x00", "Unknown subscription"),
        (b"ACK\nid:zz@@1\n\n\x00", "Unknown subscription"),
        (b"SEND\ndestination:/queue/a\ncontent-length:999999999999\n\n", "Frame too large"),
        (b"SEND\nk:\\t\ndestination:/queue/a\n\n\x00", "Malformed frame"),
        (b"COMMIT\ntransaction:none\n\n\x00", "Invalid transaction"),
    ],
)
def test_bad_frame_gets_error_then_close(broker, frame, message):
    bystander, listener = stomp_connection(broker, "1.2")
    bystander.connect("guest", "guest", wait=True)
    destination = f"/queue/bystander-{uuid.uuid4().hex[:8]}"
    bystander.subscribe(destination, id="s")
    sock = stomp_socket(broker)
    sock.sendall(CONNECT + frame)
    data = read_frames_until_closed(sock)
    assert data.startswith(b"CONNECTED\n")
    assert error_message(data) == message
    sock.close()
    bystander.send(destination, "unaffected")
    assert listener.message().body == "unaffected"
    bystander.disconnect()


def test_frame_before_connect(broker):
    sock = stomp_socket(broker)
    sock.sendall(b"SEND\ndestination:/queue/a\n\nx\x00")
    assert error_message(read_frames_until_closed(sock)) == "Illegal command"


def test_failed_login(broker):
    sock = stomp_socket(broker)
    sock.sendall(b"CONNECT\naccept-version:1.2\nlogin:guest\npasscode:nope\n\n\x00")
    data = read_frames_until_closed(sock)
    assert error_message(data) == "Bad CONNECT"


def test_unsupported_version(broker):
    sock = stomp_socket(broker)
    sock.sendall(b"CONNECT\naccept-version:3.0\n\n\x00")
    assert error_message(read_frames_until_closed(sock)) == "Protocol version mismatch"


def test_header_section_too_large(broker):
    sock = stomp_socket(broker)
    sock.sendall(CONNECT + b"SEND\nx:" + b"a" * 70000)
    assert error_message(read_frames_until_closed(sock)) == "Frame too large"


def test_receipt_id_on_error(broker):
    sock = stomp_socket(broker)
    sock.sendall(CONNECT + b"SEND\nreceipt:r9\n\n\x00")
    data = read_frames_until_closed(sock)
    assert b"receipt-id:r9\n" in data


def test_heartbeat_timeout_closes(broker):
    sock = stomp_socket(broker)
    sock.sendall(b"CONNECT\naccept-version:1.2\nheart-beat:1000,0\nlogin:guest\npasscode:guest\n\n\x00")
    data = read_frames_until_closed(sock, timeout=10)
    assert error_message(data) == "Heart-beat timeout"


def test_pipelined_frames_and_heartbeat_eols(broker):
    sock = stomp_socket(broker)
    name = f"/queue/raw-{uuid.uuid4().hex[:8]}"
    sock.sendall(
        CONNECT + b"\n\r\n"
        + b"SUBSCRIBE\ndestination:" + name.encode() + b"\nid:s\n\n\x00\n"
        + b"SEND\ndestination:" + name.encode() + b"\ncontent-length:3\n\na\x00b\x00\n"
        + b"DISCONNECT\nreceipt:done\n\n\x00"
    )
    data = read_frames_until_closed(sock)
    assert b"MESSAGE\n" in data
    assert b"content-length:3\n\na\x00b\x00" in data
    assert data.endswith(b"RECEIPT\nreceipt-id:done\n\n\x00")
