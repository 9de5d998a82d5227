"""SQS FIFO queues driven by boto3: message groups (order within a group; a receive takes as many of one
group as it can while no other receive gets any of it) and deduplication."""

import threading
import time

import pytest
import requests
from helpers import wait_until
from sqs_support import client, error_code, junction_only, needs_sqs_port

pytestmark = needs_sqs_port


@pytest.fixture
def sqs(broker):
    return client(broker)


def fifo_queue(sqs, name, **attributes):
    return sqs.create_queue(QueueName=name + ".fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true", **attributes})["QueueUrl"]


def send_group(sqs, url, group, bodies):
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)


def receive(sqs, url, wait=0, **options):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                               MessageSystemAttributeNames=["All"], **options).get("Messages", [])


def bodies(messages):
    return [m["Body"] for m in messages]


def test_fifo_queue_orders_groups_and_deduplicates(sqs, unique):
    assert error_code(lambda: sqs.create_queue(QueueName=unique("plain") + ".fifo")) == "InvalidParameterValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("plain"), Attributes={"FifoQueue": "true"})) == \
        "InvalidParameterValue"
    url = fifo_queue(sqs, unique("orders"))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["FifoQueue"], attributes["ContentBasedDeduplication"], attributes["DeduplicationScope"]) == \
        ("true", "true", "queue")
    sequence = []
    for group in ("a", "b"):
        for n in range(3):
            sent = sqs.send_message(QueueUrl=url, MessageBody=f"{group}{n}", MessageGroupId=group)
            sequence.append(int(sent["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == 6
    # The same body again within five minutes: accepted, not delivered twice (content-based deduplication).
    sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a")
    # An explicit id wins over the body.
    sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a", MessageDeduplicationId="again")
    assert error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x")) == "MissingParameter"
    assert error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="a", DelaySeconds=1)) \
        == "InvalidParameterValue"
    seen = []
    deadline = time.monotonic() + 20
    while len(seen) < 7 and time.monotonic() < deadline:
        for message in receive(sqs, url, wait=1):
            assert message["Attributes"]["SequenceNumber"].isdigit()
            assert message["Attributes"]["MessageDeduplicationId"]
            seen.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert [b for b in seen if b[0] == "a"] == ["a0", "a1", "a2", "a0"]
    assert [b for b in seen if b[0] == "b"] == ["b0", "b1", "b2"]


def test_a_receive_takes_a_whole_group_in_order_and_holds_it(sqs, broker, unique):
    url = fifo_queue(sqs, unique("group"))
    send_group(sqs, url, "g", [f"m{n}" for n in range(10)])
    first = receive(sqs, url, VisibilityTimeout=3)
    assert bodies(first) == [f"m{n}" for n in range(10)]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in first} == {"1"}
    # Meanwhile another receiver gets nothing of the group, also when more of it arrives.
    other = client(broker)
    send_group(sqs, url, "g", ["m10"])
    assert receive(other, url) == []
    assert receive(other, url, wait=1) == []
    # Four are deleted; the other six come back when their visibility ends, in order, then the newer one.
    for message in first[:4]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    again = receive(other, url, wait=10)
    assert bodies(again) == [f"m{n}" for n in range(4, 11)]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["2"] * 6 + ["1"]
    # The stale handles of the first receive delete nothing; the new ones do.
    for message in first[4:]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert receive(sqs, url) == []
    for message in again:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_two_groups_are_both_served_each_in_order(sqs, broker, unique):
    url = fifo_queue(sqs, unique("groups"))
    for n in range(5):
        send_group(sqs, url, "a", [f"a{n}"])
        send_group(sqs, url, "b", [f"b{n}"])
    first = receive(sqs, url)
    assert [b for b in bodies(first) if b[0] == "a"] == [f"a{n}" for n in range(5)]
    assert [b for b in bodies(first) if b[0] == "b"] == [f"b{n}" for n in range(5)]
    # With both groups in flight a second receiver gets nothing; a third group is served at once.
    other = client(broker)
    assert receive(other, url) == []
    send_group(sqs, url, "c", ["c0"])
    assert bodies(receive(other, url)) == ["c0"]
    # A receive of at most 3 takes the head of one group and leaves the rest of it to the next receive.
    more = fifo_queue(sqs, unique("small"))
    send_group(sqs, more, "a", ["a0", "a1", "a2", "a3"])
    small = sqs.receive_message(QueueUrl=more, MaxNumberOfMessages=3, VisibilityTimeout=30)["Messages"]
    assert bodies(small) == ["a0", "a1", "a2"]
    assert receive(other, more) == []
    for message in small:
        sqs.delete_message(QueueUrl=more, ReceiptHandle=message["ReceiptHandle"])
    assert bodies(receive(other, more)) == ["a3"]


def test_two_receivers_each_take_a_whole_group(sqs, broker, unique):
    """SQS "first attempts to return as many messages with the same message group ID as possible": with
    two groups sent interleaved, two receives of five get one group each, so both are worked on at once."""
    url = fifo_queue(sqs, unique("parallel"))
    for n in range(5):
        send_group(sqs, url, "a", [f"a{n}"])
        send_group(sqs, url, "b", [f"b{n}"])
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5)["Messages"]
    second = client(broker).receive_message(QueueUrl=url, MaxNumberOfMessages=5)["Messages"]
    assert bodies(first) == [f"a{n}" for n in range(5)]
    assert bodies(second) == [f"b{n}" for n in range(5)]


def test_change_visibility_to_zero_returns_messages_to_the_front_of_their_group(sqs, unique):
    url = fifo_queue(sqs, unique("visibility"))
    send_group(sqs, url, "g", ["m0", "m1", "m2"])
    first = receive(sqs, url, VisibilityTimeout=60)
    assert bodies(first) == ["m0", "m1", "m2"]
    # m2 and then m0 are made visible while m1 is still in flight: the group stays held until m1 goes.
    for index in (2, 0):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[index]["ReceiptHandle"], VisibilityTimeout=0)
    assert receive(sqs, url) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[1]["ReceiptHandle"])
    assert bodies(receive(sqs, url)) == ["m0", "m2"]


@junction_only
def test_a_long_poll_takes_a_burst_of_one_group(sqs, broker, unique):
    name = unique("poll") + ".fifo"
    url = fifo_queue(sqs, name[:-len(".fifo")])
    answers = []
    waiting = client(broker)
    poll = threading.Thread(target=lambda: answers.append(receive(waiting, url, wait=10)))
    poll.start()

    def consumers():
        queue = requests.get(broker.http_url(f"/api/queues/%2F/{name}"), auth=("guest", "guest"), timeout=5)
        return queue.json().get("consumers", 0)

    wait_until(lambda: consumers() == 1, timeout=10, message="the long poll waits on the queue")
    # One batch of five, published in one go, is the one answer of the waiting receive.
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"e{n}", "MessageBody": f"m{n}", "MessageGroupId": "g"} for n in range(5)])
    poll.join(timeout=15)
    assert bodies(answers[0]) == [f"m{n}" for n in range(5)]


def test_a_fifo_redrive_moves_a_whole_receive_to_the_dead_letter_queue_in_order(sqs, unique):
    dlq = fifo_queue(sqs, unique("dead"))
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = fifo_queue(sqs, unique("work"), VisibilityTimeout="1",
                     RedrivePolicy=f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": 2}}')
    send_group(sqs, url, "g", ["m0", "m1", "m2"])
    assert bodies(receive(sqs, url, wait=5)) == ["m0", "m1", "m2"]
    second = receive(sqs, url, wait=5)
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in second] == ["2", "2", "2"]
    # Not deleted after the second receive: all three go to the dead-letter queue, in their order.
    assert bodies(receive(sqs, dlq, wait=5)) == ["m0", "m1", "m2"]
    assert receive(sqs, url, wait=1) == []


@junction_only
def test_a_deduplication_id_is_still_a_duplicate_after_a_kill(own_broker, unique):
    """SendMessage answered, the message received and deleted, kill -9, restart: the same
    MessageDeduplicationId within five minutes is accepted (as SQS answers a duplicate) and not delivered."""
    sqs = client(own_broker)
    url = fifo_queue(sqs, unique("dedup"))
    sqs.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="order-1")
    [message] = receive(sqs, url, wait=5)
    assert message["Body"] == "once"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    own_broker.restart(crash=True)
    sqs = client(own_broker)
    again = sqs.send_message(QueueUrl=url, MessageBody="twice", MessageGroupId="g", MessageDeduplicationId="order-1")
    assert again["MessageId"]
    sqs.send_message(QueueUrl=url, MessageBody="new", MessageGroupId="g", MessageDeduplicationId="order-2")
    assert bodies(receive(sqs, url, wait=5)) == ["new"]


def test_fifo_needs_a_deduplication_id_and_scopes_it_by_group_when_asked(sqs, unique):
    url = sqs.create_queue(QueueName=unique("ids") + ".fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})[
        "QueueUrl"]
    assert error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")) == \
        "InvalidParameterValue"
    for group in ("g1", "g2", "g1"):
        sqs.send_message(QueueUrl=url, MessageBody=group, MessageGroupId=group, MessageDeduplicationId="same")
    bodies = []
    for _ in range(3):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []):
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(bodies) == ["g1", "g2"]
    assert error_code(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})) == \
        "InvalidAttributeValue"
    standard = sqs.create_queue(QueueName=unique("standard"))["QueueUrl"]
    assert error_code(lambda: sqs.send_message(
        QueueUrl=standard, MessageBody="x", MessageDeduplicationId="d")) == "InvalidParameterValue"
    assert error_code(lambda: sqs.send_message(QueueUrl=standard, MessageBody="x", MessageGroupId="bad id")) == \
        "InvalidParameterValue"
    # A standard queue takes a group id as SQS fair queues do: given back as MessageGroupId, no FIFO rules.
    sqs.send_message(QueueUrl=standard, MessageBody="tenant-a", MessageGroupId="tenant-a")
    sqs.send_message(QueueUrl=standard, MessageBody="tenant-a again", MessageGroupId="tenant-a")
    sqs.send_message(QueueUrl=standard, MessageBody="no group")
    received = []
    for _ in range(5):
        batch = sqs.receive_message(QueueUrl=standard, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    MessageSystemAttributeNames=["MessageGroupId"]).get("Messages", [])
        received += batch
        if len(received) >= 3:
            break
    groups = {m["Body"]: m.get("Attributes", {}).get("MessageGroupId") for m in received}
    # Both messages of one group are received at once: a standard queue has no one-in-flight rule.
    assert groups == {"tenant-a": "tenant-a", "tenant-a again": "tenant-a", "no group": None}
    assert error_code(lambda: sqs.set_queue_attributes(
        QueueUrl=standard, Attributes={"ContentBasedDeduplication": "true"})) == "InvalidAttributeName"


def test_receive_request_attempt_id_gives_a_retried_receive_the_same_messages(sqs, unique):
    """ReceiveRequestAttemptId: a retry gets the same messages and receipt handles while none of them was
    deleted or changed; after a delete it is a new receive; a malformed id is refused."""
    url = sqs.create_queue(QueueName=unique("attempts") + ".fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for group in ["a", "b", "c"]:
        sqs.send_message(QueueUrl=url, MessageBody=f"{group}0", MessageGroupId=group)
        sqs.send_message(QueueUrl=url, MessageBody=f"{group}1", MessageGroupId=group)

    def receive(attempt):
        return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                   ReceiveRequestAttemptId=attempt).get("Messages", [])

    first = receive("attempt-1")
    assert sorted(m["Body"] for m in first) == ["a0", "a1", "b0", "b1", "c0", "c1"]
    again = receive("attempt-1")
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in again] == \
        [(m["MessageId"], m["ReceiptHandle"]) for m in first]
    # Another attempt id is another receive: every group is in flight, so nothing more.
    sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="a")
    assert receive("attempt-2") == []
    # Once its messages of group a are deleted, the retry is a new receive: a2 is next.
    for message in first:
        if message["Body"].startswith("a"):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    after = receive("attempt-1")
    assert [m["Body"] for m in after] == ["a2"]
    assert error_code(lambda: receive("not valid")) == "InvalidParameterValue"
