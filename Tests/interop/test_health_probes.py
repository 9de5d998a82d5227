"""Liveness and readiness probes without credentials (`/api/health/live`, `/api/health/ready`),
next to RabbitMQ's credentialed health checks, which keep asking for credentials."""

import pytest
import requests

from helpers import Broker, wait_until

pytestmark = pytest.mark.junction_only


def test_probes_answer_without_credentials(broker):
    live = requests.get(broker.http_url("/api/health/live"), timeout=10)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = requests.get(broker.http_url("/api/health/ready"), timeout=10)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "storage": "ok", "listeners": "ok", "alarms": "ok", "message_store": "ok", "shutdown": "ok",
    }
    # A HEAD probe gets the status without the body.
    assert requests.head(broker.http_url("/api/health/ready"), timeout=10).status_code == 200


def test_rabbitmq_checks_stay_credentialed(broker):
    assert requests.get(broker.http_url("/api/health/checks/alarms"), timeout=10).status_code == 401
    checked = requests.get(broker.http_url("/api/health/checks/alarms"), auth=("guest", "guest"), timeout=10)
    assert checked.status_code == 200 and checked.json() == {"status": "ok"}
    aliveness = requests.get(broker.http_url("/api/aliveness-test/%2F"), auth=("guest", "guest"), timeout=10)
    assert aliveness.status_code == 200


def test_not_ready_during_a_resource_alarm_but_alive(broker_binary_path, tmp_path):
    # A watermark of 1000 bytes is always exceeded: the memory alarm is up a second after start.
    instance = Broker(
        broker_binary_path, str(tmp_path / "data"), env={"JUNCTION_RESOURCES_MEMORY_HIGH_WATERMARK": "1000"}
    )
    instance.start()
    try:
        def unready():
            answer = requests.get(instance.http_url("/api/health/ready"), timeout=10)
            # (A 503 Response is falsy itself, so its body is what comes back.)
            return answer.json() if answer.status_code == 503 else None

        body = wait_until(unready, timeout=10, interval=0.1, message="readiness to fail under the memory alarm")
        assert body["status"] == "failed"
        assert body["checks"]["alarms"] == "failed"
        assert "memory" in body["reason"]
        assert body["checks"]["listeners"] == "ok" and body["checks"]["storage"] == "ok"
        assert requests.get(instance.http_url("/api/health/live"), timeout=10).status_code == 200
    finally:
        instance.kill()
