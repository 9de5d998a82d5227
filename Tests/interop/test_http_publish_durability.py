"""HTTP publishes of persistent messages to durable queues are answered after the group commit
(issue 13, defect 2), as AMQP confirms, STOMP receipts and MQTT PUBACKs are.

A slow group commit (`fsync_interval_ms: 1500`) makes the wait visible: the answer to a stored
message comes only after the next fsync; a transient message is answered at once.
"""

import time

import pytest
import requests

from helpers import Broker

pytestmark = [pytest.mark.timeout(60), pytest.mark.junction_only]

AUTH = ("guest", "guest")


def test_http_publish_waits_for_the_group_commit(broker_binary_path, tmp_path, unique):
    slow = Broker(broker_binary_path, str(tmp_path / "data"), env={"JUNCTION_STORAGE_FSYNC_INTERVAL_MS": "1500"})
    slow.start()
    try:
        session = requests.Session()
        session.auth = AUTH
        queue = unique("http-durable")
        assert session.put(slow.http_url(f"/api/queues/%2F/{queue}"), json={"durable": True}, timeout=10).status_code == 201

        def publish_raw(persistent):
            started = time.monotonic()
            answer = session.post(
                slow.http_url(f"/api/v1/exchanges/%2F/amq.default/messages?routing_key={queue}"),
                data=b"body", headers={"X-Persistent": "true" if persistent else "false"}, timeout=10)
            assert answer.status_code == 201 and answer.json()["routed"] is True
            return time.monotonic() - started

        def publish_json():
            started = time.monotonic()
            answer = session.post(
                slow.http_url("/api/exchanges/%2F/amq.default/publish"),
                json={"routing_key": queue, "payload": "x", "properties": {"delivery_mode": 2}}, timeout=10)
            assert answer.status_code == 200 and answer.json() == {"routed": True}
            return time.monotonic() - started

        assert publish_raw(persistent=False) < 0.5
        waits = [publish_raw(persistent=True), publish_json(), publish_raw(persistent=True)]
        # Each answer waited for a commit (up to 1.5 s), and none went out before it.
        assert max(waits) > 0.3, waits
        assert sum(waits) > 1.0, waits
        assert session.get(slow.http_url(f"/api/queues/%2F/{queue}"), timeout=10).json()["messages"] == 4
    finally:
        slow.kill()
