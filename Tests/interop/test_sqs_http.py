"""The SQS listener's HTTP/1.1 handling with raw sockets: it writes its answers itself (not through NIO's
response encoder and pipelining handler), so it must answer pipelined requests in order, also behind a long
poll, answer what cannot be parsed with 400, and close after `Connection: close`. Refusals close at once,
without reading what the client sent after (no lingering close): a client that keeps sending may see a reset
that discards the refusal, as with NIO's own HTTP handlers before; so each test here sends nothing after the
request that ends the connection. (The request guard's 431 is tested in `HTTPRequestGuardTests`.)"""

import json
import socket
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from sqs_support import client, junction_only, needs_sqs_port

pytestmark = [needs_sqs_port, junction_only]


def connect(broker):
    sock = socket.create_connection(("127.0.0.1", broker.sqs_port), timeout=10)
    return sock, sock.makefile("rb")


def signed(broker, action, parameters, extra_headers=""):
    """A SigV4-signed AWS JSON request, as bytes, signed with botocore's own signer."""
    body = json.dumps(parameters)
    request = AWSRequest(
        method="POST", url=f"http://127.0.0.1:{broker.sqs_port}/", data=body,
        headers={"Host": f"127.0.0.1:{broker.sqs_port}", "Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": f"AmazonSQS.{action}"})
    SigV4Auth(Credentials("guest", "guest"), "sqs", "us-east-1").add_auth(request)
    head = "POST / HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
    return (head + extra_headers + f"Content-Length: {len(body)}\r\n\r\n").encode() + body.encode()


def read_response(reader):
    """One response: (status, headers with lower-case names, body); None at the end of the stream (a close, or
    a reset: the broker closes with the client's further bytes unread)."""
    try:
        status_line = reader.readline()
    except ConnectionResetError:
        return None
    if not status_line:
        return None
    status = int(status_line.split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return status, headers, body


def test_pipelined_requests_behind_a_long_poll_are_answered_in_order(broker, unique):
    url = client(broker).create_queue(QueueName=unique("pipelined"))["QueueUrl"]
    sock, reader = connect(broker)
    started = time.monotonic()
    sock.sendall(signed(broker, "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 1})
                 + signed(broker, "SendMessage", {"QueueUrl": url, "MessageBody": "behind the poll"})
                 + signed(broker, "GetQueueUrl", {"QueueName": url.rsplit("/", 1)[1]}))
    received = read_response(reader)
    # The send waited behind the poll: the poll ended empty, after its second.
    assert received[0] == 200 and "Messages" not in json.loads(received[2])
    assert time.monotonic() - started >= 0.9
    sent = read_response(reader)
    assert sent[0] == 200 and "MessageId" in json.loads(sent[2])
    located = read_response(reader)
    assert located[0] == 200 and json.loads(located[2])["QueueUrl"] == url
    # The connection is still good for the message the held send stored.
    sock.sendall(signed(broker, "ReceiveMessage", {"QueueUrl": url}))
    assert json.loads(read_response(reader)[2])["Messages"][0]["Body"] == "behind the poll"
    sock.close()


def test_hundreds_of_pipelined_requests_in_one_write_each_get_their_answer(broker):
    sock, reader = connect(broker)
    unsigned = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
                b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
    sock.sendall(unsigned * 500)
    answers = [read_response(reader) for _ in range(500)]
    assert {answer[0] for answer in answers} == {403}
    assert len({answer[1]["x-amzn-requestid"] for answer in answers}) == 500
    sock.sendall(signed(broker, "ListQueues", {}))
    assert read_response(reader)[0] == 200
    sock.close()


def test_what_cannot_be_parsed_gets_400_and_a_close(broker):
    sock, reader = connect(broker)
    sock.sendall(b"\x00\x01 NOT HTTP\r\n\r\n")
    status, headers, _ = read_response(reader)
    assert (status, headers["connection"]) == (400, "close")
    assert read_response(reader) is None
    sock.close()


def test_connection_close_is_answered_then_closed(broker):
    # Nothing is sent after it (RFC 9112 §9.6: a client that asks to close sends no further request; bytes
    # the broker leaves unread would make its close a reset).
    sock, reader = connect(broker)
    sock.sendall(signed(broker, "ListQueues", {}, extra_headers="Connection: close\r\n"))
    status, headers, _ = read_response(reader)
    assert (status, headers["connection"]) == (200, "close")
    assert read_response(reader) is None
    sock.close()
