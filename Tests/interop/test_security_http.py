"""The HTTP listener's limits (protocols/security.md): request heads that are too large (431) or
too slow (408, slowloris), idle keep-alive connections, long-poll leases per user (429), the
management /get count and the lease length (400)."""

import socket
import time

import pytest
import requests

from test_http_api import api, declare
from test_security import configured, read_until_closed  # noqa: F401 (fixture)

pytestmark = pytest.mark.junction_only

TIMEOUT = 10.0


def raw(broker):
    return socket.create_connection(("127.0.0.1", broker.http_port), timeout=TIMEOUT)


def test_oversized_request_head_is_431(configured):
    broker = configured(JUNCTION_HTTP_MAX_HEADER_BYTES="4096")
    big = requests.get(broker.http_url("/api/whoami"), auth=("guest", "guest"),
                       headers={"X-Padding": "x" * 5000}, timeout=TIMEOUT)
    assert big.status_code == 431
    small = requests.get(broker.http_url("/api/whoami"), auth=("guest", "guest"),
                         headers={"X-Padding": "x" * 3000}, timeout=TIMEOUT)
    assert small.status_code == 200
    # A head that keeps coming is cut off once it passes the limit, before it is complete.
    sock = raw(broker)
    sock.sendall(b"GET /api/whoami HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"x" * 6000)
    assert read_until_closed(sock).startswith("HTTP/1.1 431")
    # A large body is not a large head.
    queue = "big-body"
    assert api(broker, "PUT", f"/api/queues/%2F/{queue}", json={}).status_code == 201
    posted = api(broker, "POST", f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}",
                 data=b"b" * 200_000)
    assert posted.status_code == 201


def test_slow_request_head_is_408(configured):
    broker = configured(JUNCTION_HTTP_HEADER_TIMEOUT_SECONDS="1")
    # Slowloris: a request head that never ends.
    sock = raw(broker)
    began = time.monotonic()
    sock.sendall(b"GET /api/whoami HTTP/1.1\r\nHost: localhost\r\n")
    for _ in range(3):
        time.sleep(0.2)
        try:
            sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
    answer = read_until_closed(sock)
    assert answer.startswith("HTTP/1.1 408"), answer
    assert time.monotonic() - began < 5
    # A client that connects and sends nothing is cut off the same way.
    silent = raw(broker)
    assert read_until_closed(silent).startswith("HTTP/1.1 408")


def test_idle_keep_alive_connection_is_closed(configured):
    broker = configured(JUNCTION_HTTP_IDLE_TIMEOUT_SECONDS="1", JUNCTION_HTTP_HEADER_TIMEOUT_SECONDS="30")
    sock = raw(broker)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
    sock.settimeout(TIMEOUT)
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    began = time.monotonic()
    rest = read_until_closed(sock)
    assert "408" not in rest
    assert 0.5 < time.monotonic() - began < 5


def test_long_poll_leases_per_user_are_limited(configured):
    broker = configured(JUNCTION_HTTP_MAX_LEASES_PER_USER="2")
    queue = "leases"
    declare(broker, queue)
    for number in range(3):
        api(broker, "POST", f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}", data=f"m{number}")
    held = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?max=2&lease=60").json()["messages"]
    assert len(held) == 2
    refused = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?max=1")
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_leases"
    assert api(broker, "DELETE", f"/api/v1/receipts/{held[0]['receipt']}").status_code == 204
    again = api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?max=1")
    assert again.status_code == 200 and len(again.json()["messages"]) == 1


def test_get_count_and_lease_length_are_bounded(configured):
    broker = configured(JUNCTION_HTTP_MAX_GET_COUNT="5", JUNCTION_HTTP_MAX_LEASE_SECONDS="10")
    queue = "bounded"
    declare(broker, queue)
    assert api(broker, "POST", f"/api/queues/%2F/{queue}/get", json={"count": 6}).status_code == 400
    assert api(broker, "POST", f"/api/queues/%2F/{queue}/get", json={"count": 5}).status_code == 200
    assert api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?lease=11").status_code == 400
    assert api(broker, "GET", f"/api/v1/queues/%2F/{queue}/messages?lease=10").status_code == 200
