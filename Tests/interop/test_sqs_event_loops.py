"""The SQS listener with its connections on the engine loop (`sqs.event_loops: 0`) and on loops of their own
(2): the same answers (digests, long polls woken by a send, refused signatures, permissions) either way, and
an orderly stop while a long poll waits on one of its own loops."""

import hashlib
import threading
import time

import pytest
import requests
from helpers import Broker
from sqs_support import client, error_code, junction_only, needs_sqs_port

pytestmark = [needs_sqs_port, junction_only]


def start_broker(binary, tmp_path, loops):
    return Broker(binary, str(tmp_path / "data"), env={"JUNCTION_SQS_EVENT_LOOPS": str(loops)}).start()


@pytest.fixture(params=[0, 2], ids=["on-engine-loop", "two-own-loops"])
def looped_broker(request, broker_binary_path, tmp_path):
    instance = start_broker(broker_binary_path, tmp_path, request.param)
    yield instance
    instance.kill()


def api(broker, method, path, **kwargs):
    return requests.request(method, broker.http_url(path), auth=("guest", "guest"), timeout=10, **kwargs)


def wait_for_long_poll(broker, queue):
    """A waiting long poll is a consumer of its queue: returns once there is one."""
    deadline = time.monotonic() + 10
    while api(broker, "GET", f"/api/queues/%2F/{queue}").json().get("consumers", 0) < 1:
        assert time.monotonic() < deadline, "the long poll never started waiting"
        time.sleep(0.02)


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def test_batches_long_polls_and_refusals(looped_broker, unique):
    sqs = client(looped_broker)
    url = sqs.create_queue(QueueName=unique("loops"))["QueueUrl"]
    bodies = [f"message {i} ✓" for i in range(10)]
    sent = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": body} for i, body in enumerate(bodies)])
    assert sent.get("Failed", []) == []
    assert {entry["Id"]: entry["MD5OfMessageBody"] for entry in sent["Successful"]} == \
        {f"e{i}": md5(body) for i, body in enumerate(bodies)}
    received = []
    while len(received) < 10:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
        assert all(message["MD5OfBody"] == md5(message["Body"]) for message in messages)
        received += messages
        deleted = sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        assert deleted.get("Failed", []) == []
    assert sorted(message["Body"] for message in received) == sorted(bodies)

    # A long poll on an empty queue is answered as soon as another connection sends.
    answer = {}
    poller = threading.Thread(
        target=lambda: answer.update(client(looped_broker).receive_message(QueueUrl=url, WaitTimeSeconds=20)))
    started = time.monotonic()
    poller.start()
    wait_for_long_poll(looped_broker, url.rsplit("/", 1)[1])
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    poller.join(timeout=10)
    assert not poller.is_alive()
    assert [message["Body"] for message in answer["Messages"]] == ["wake up"]
    assert time.monotonic() - started < 10

    assert error_code(lambda: client(looped_broker, secret="wrong").list_queues()) == "SignatureDoesNotMatch"
    assert error_code(lambda: client(looped_broker, key="nobody").list_queues()) == "InvalidClientTokenId"


def test_a_stop_during_a_long_poll_on_an_own_loop_is_orderly(broker_binary_path, tmp_path, unique):
    broker = start_broker(broker_binary_path, tmp_path, 1)
    try:
        url = client(broker).create_queue(QueueName=unique("stop"))["QueueUrl"]
        outcome = {}

        def poll():
            try:
                outcome["answer"] = client(broker).receive_message(QueueUrl=url, WaitTimeSeconds=20)
            except Exception as error:  # the broker closes the connection: the call fails
                outcome["error"] = error

        poller = threading.Thread(target=poll)
        poller.start()
        wait_for_long_poll(broker, url.rsplit("/", 1)[1])
        assert any(c.get("protocol") == "SQS" for c in api(broker, "GET", "/api/connections").json())
        started = time.monotonic()
        assert broker.stop() == 0
        assert time.monotonic() - started < 10
        poller.join(timeout=10)
        assert not poller.is_alive()
        assert "error" in outcome or outcome["answer"].get("Messages") is None
        log = broker.log()
        assert "Cannot schedule tasks" not in log
        assert "broker stopped" in log
    finally:
        broker.kill()


def test_the_guest_key_follows_guests_password(broker_binary_path, tmp_path):
    """The guest key's check remembers the password hash it verified: a changed password ends it at once,
    and setting `guest` again brings it back."""
    broker = start_broker(broker_binary_path, tmp_path, 1)
    try:
        client(broker).list_queues()
        changed = requests.put(broker.http_url("/api/users/guest"), auth=("guest", "guest"), timeout=10,
                               json={"password": "changed", "tags": "administrator"})
        assert changed.status_code in (201, 204)
        assert error_code(lambda: client(broker).list_queues()) == "InvalidClientTokenId"
        restored = requests.put(broker.http_url("/api/users/guest"), auth=("guest", "changed"), timeout=10,
                                json={"password": "guest", "tags": "administrator"})
        assert restored.status_code in (201, 204)
        client(broker).list_queues()
    finally:
        broker.kill()
