"""A durable queue whose log cannot be opened at start-up is failed, never emptied (issue 13,
defect 3): its files are kept, the management API and /metrics show it, every protocol refuses
it with its own error, and deleting it drops it.
"""

import os
import shutil

import pika
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from test_stomp_support import stomp_connection, wait_for_listener

pytestmark = [pytest.mark.timeout(90), pytest.mark.junction_only]

AUTH = ("guest", "guest")


def segment_path(broker, queue):
    return os.path.join(broker.data_dir, "queues", "%2F", queue, "messages", "00000000000000000000.log")


def test_a_queue_whose_log_cannot_be_opened_is_failed_and_can_be_dropped(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for name in ("jobs", "other"):
            channel.queue_declare(queue=name, durable=True)
        for index in range(5):
            channel.basic_publish("", "jobs", f"m{index}".encode(), pika.BasicProperties(delivery_mode=2))
    own_broker.stop()

    # The first segment becomes unopenable (a directory where the file was).
    segment = segment_path(own_broker, "jobs")
    shutil.move(segment, segment + ".saved")
    os.mkdir(segment)
    own_broker.start()

    # Management API and /metrics: failed, with the reason; nothing looks empty without a word.
    shown = requests.get(own_broker.http_url("/api/queues/%2F/jobs"), auth=AUTH, timeout=10).json()
    assert shown["state"] == "failed"
    assert shown["storage_problems"]["error"]
    metrics = requests.get(own_broker.http_url("/metrics"), timeout=10).text
    families = {family.name: family for family in text_string_to_metric_families(metrics)}
    failed = {sample.labels["queue"]: sample.value for sample in families["junction_queue_failed"].samples}
    assert failed == {"jobs": 1, "other": 0}

    # AMQP: a channel error naming the failure.
    with own_broker.connect() as connection:
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue="jobs", passive=True)
        assert refused.value.reply_code == 406
        assert "is failed" in refused.value.reply_text
        channel = connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.basic_get("jobs")
        assert refused.value.reply_code == 406

    # HTTP: error JSON.
    got = requests.post(own_broker.http_url("/api/queues/%2F/jobs/get"), auth=AUTH, timeout=10,
                        json={"count": 1, "ackmode": "ack_requeue_false"})
    assert got.status_code == 400
    assert got.json()["error"] == "precondition_failed" and "is failed" in got.json()["reason"]

    # STOMP: ERROR.
    wait_for_listener(own_broker.stomp_port)
    conn, listener = stomp_connection(own_broker)
    conn.connect("guest", "guest", wait=True)
    conn.subscribe("/amq/queue/jobs", id="s", ack="client")
    error = listener.errors.get(timeout=10)
    assert "is failed" in (error.headers.get("message", "") + error.body)

    # Its files are untouched.
    assert os.path.isdir(segment) and os.path.exists(segment + ".saved")

    # An operator drops it: delete works and removes its files.
    assert requests.delete(own_broker.http_url("/api/queues/%2F/jobs"), auth=AUTH, timeout=10).status_code == 204
    assert not os.path.exists(os.path.dirname(os.path.dirname(segment)))
    with own_broker.connect() as connection:
        channel = connection.channel()
        assert channel.queue_declare(queue="jobs", durable=True).method.message_count == 0
        assert channel.queue_declare(queue="other", passive=True).method.message_count == 0
