"""The SQS-compatible API (listeners.sqs_port) driven by boto3 (AWS JSON 1.0), raw signed query-protocol
requests, the aws CLI and pika on the same queues."""

import hashlib
import json
import os
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pika
import pytest
import requests
from botocore.exceptions import ClientError
from sqs_support import ACCOUNT, client, endpoint, error_code, junction_only, needs_sqs_port

pytestmark = needs_sqs_port

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture
def sqs(broker):
    return client(broker)


@pytest.fixture
def queue(sqs, unique):
    url = sqs.create_queue(QueueName=unique("sqs"))["QueueUrl"]
    yield url
    try:
        sqs.delete_queue(QueueUrl=url)
    except ClientError:
        pass


def test_create_get_list_delete_queue(sqs, broker, unique):
    name = unique("orders")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "7"})["QueueUrl"]
    assert url == f"{endpoint(broker)}/{ACCOUNT}/{name}"
    # Idempotent while the attributes agree; a different value is QueueAlreadyExists.
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "7"})["QueueUrl"] == url
    assert error_code(lambda: sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "8"})) == \
        "QueueAlreadyExists"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    sqs.delete_queue(QueueUrl=url)
    assert error_code(lambda: sqs.get_queue_url(QueueName=name)) == "AWS.SimpleQueueService.NonExistentQueue"
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=name)


def test_list_queues_pages_with_next_token(sqs, unique):
    prefix = unique("page")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)]
    seen, token = [], None
    while True:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, **({"NextToken": token} if token else {}))
        seen += page.get("QueueUrls", [])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == sorted(urls)
    for url in urls:
        sqs.delete_queue(QueueUrl=url)


@junction_only
def test_invalid_names_and_attributes_are_refused(sqs, unique):
    assert error_code(lambda: sqs.create_queue(QueueName="bad name!")) == "InvalidParameterValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q"), Attributes={"VisibilityTimeout": "99999"})) \
        == "InvalidAttributeValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q"), Attributes={"Bogus": "1"})) == \
        "InvalidAttributeName"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q"), Attributes={"DelaySeconds": "901"})) == \
        "InvalidAttributeValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q") + ".fifo", Attributes={"FifoQueue": "maybe"})) \
        == "InvalidAttributeValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q"), Attributes={"KmsMasterKeyId": "k"})) == \
        "InvalidAttributeValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("q"), Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:absent", "maxReceiveCount": 3})})) == \
        "InvalidParameterValue"


def test_send_receive_delete_with_attributes_and_digests(sqs, queue):
    attributes = {
        "text": {"DataType": "String", "StringValue": "héllo"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "kind": {"DataType": "String.custom", "StringValue": "x"},
    }
    sent = sqs.send_message(QueueUrl=queue, MessageBody="body ✓", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("body ✓".encode()).hexdigest()
    assert "MD5OfMessageAttributes" in sent  # botocore has checked both digests against what it sent
    received = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"])
    [message] = received["Messages"]
    assert message["Body"] == "body ✓"
    assert message["MessageId"] == sent["MessageId"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(message["Attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    # A second delete of the same handle succeeds, as in SQS; a handle never issued is refused.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert error_code(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle="not-a-handle")) == \
        "ReceiptHandleIsInvalid"
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert counts["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)


@junction_only
def test_bad_message_attributes_are_refused(sqs, queue):
    assert error_code(lambda: sqs.send_message(
        QueueUrl=queue, MessageBody="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})) == \
        "InvalidParameterValue"
    too_many = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    assert error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=too_many)) == \
        "InvalidParameterValue"
    assert error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d")) == \
        "InvalidParameterValue"
    assert error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes={
        "x-group-id": {"DataType": "String", "StringValue": "g"}})) == "InvalidParameterValue"
    assert error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody="\x01")) == "InvalidMessageContents"


def test_visibility_timeout_expires_and_counts_receives(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="again")
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1, AttributeNames=["ApproximateReceiveCount"])
    assert first["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)  # hidden while the timeout runs
    second = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])
    assert second["Messages"][0]["Body"] == "again"
    assert second["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    # The first receipt is stale now: deleting with it is a no-op, the message stays in flight.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=first["Messages"][0]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_change_message_visibility(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="v")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=60)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"][0]
    # Extended past its original timeout, the message stays hidden; its handle still deletes it.
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=30)
    time.sleep(1.5)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=again["ReceiptHandle"])
    assert error_code(lambda: sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=5)) == "InvalidParameterValue"


@junction_only
def test_long_poll_wakes_when_amqp_publishes(sqs, queue, broker):
    name = queue.rsplit("/", 1)[1]

    def publish_later():
        time.sleep(0.5)
        connection = broker.connect()
        connection.channel().basic_publish("", name, b"from amqp", pika.BasicProperties(headers={"origin": "pika"}))
        connection.close()

    thread = threading.Thread(target=publish_later)
    began = time.monotonic()
    thread.start()
    received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10, MessageAttributeNames=["All"])
    elapsed = time.monotonic() - began
    thread.join()
    [message] = received["Messages"]
    assert message["Body"] == "from amqp"
    assert message["MessageAttributes"]["origin"] == {"StringValue": "pika", "DataType": "String"}
    assert elapsed < 5, f"the long poll answered after {elapsed:.1f} s, not when the message arrived"


@junction_only
def test_sqs_send_is_consumed_over_amqp(sqs, queue, broker):
    name = queue.rsplit("/", 1)[1]
    sqs.send_message(QueueUrl=queue, MessageBody="to amqp", MessageAttributes={
        "k": {"DataType": "String", "StringValue": "v"}, "n": {"DataType": "Number", "StringValue": "7"}})
    connection = broker.connect()
    method, properties, body = connection.channel().basic_get(name, auto_ack=True)
    connection.close()
    assert body == b"to amqp"
    assert properties.delivery_mode == 2
    assert properties.headers["k"] == b"v" or properties.headers["k"] == "v"
    assert properties.headers["x-sqs-data-types"] == {"n": b"Number"} or \
        properties.headers["x-sqs-data-types"] == {"n": "Number"}


def test_batches_with_partial_failures(sqs, queue):
    sent = sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two"},
        {"Id": "c", "MessageBody": "three", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "x"}}},
    ])
    assert sorted(e["Id"] for e in sent["Successful"]) == ["a", "b"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in sent["Failed"]] == [("c", "InvalidParameterValue", True)]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
    assert sorted(m["Body"] for m in messages) == ["one", "two"]
    deleted = sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": "x", "ReceiptHandle": messages[0]["ReceiptHandle"]},
        {"Id": "y", "ReceiptHandle": "garbage"},
    ])
    assert [e["Id"] for e in deleted["Successful"]] == ["x"]
    assert [(e["Id"], e["Code"]) for e in deleted["Failed"]] == [("y", "ReceiptHandleIsInvalid")]
    changed = sqs.change_message_visibility_batch(QueueUrl=queue, Entries=[
        {"Id": "z", "ReceiptHandle": messages[1]["ReceiptHandle"], "VisibilityTimeout": 0}])
    assert [e["Id"] for e in changed["Successful"]] == ["z"]
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"][0]["Body"] == messages[1]["Body"]
    assert error_code(lambda: sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": "same", "MessageBody": "1"}, {"Id": "same", "MessageBody": "2"}])) == \
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    assert error_code(lambda: sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": str(i), "MessageBody": "m"} for i in range(11)])) == \
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


def test_purge_tags_and_attributes(sqs, queue):
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(3)])
    sqs.purge_queue(QueueUrl=queue)
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
    sqs.tag_queue(QueueUrl=queue, Tags={"team": "payments", "env": "dev"})
    sqs.untag_queue(QueueUrl=queue, TagKeys=["env"])
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"team": "payments"}
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "120", "ReceiveMessageWaitTimeSeconds": "1"})
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "120"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "1"
    assert attributes["QueueArn"].endswith(f":{ACCOUNT}:" + queue.rsplit("/", 1)[1])
    assert error_code(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Nope"])) == \
        "InvalidAttributeName"


@junction_only
def test_attributes_survive_a_restart(own_broker, unique):
    sqs = client(own_broker)
    url = sqs.create_queue(QueueName=unique("durable"), Attributes={"VisibilityTimeout": "77"},
                           tags={"owner": "me"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    own_broker.restart(crash=True)
    sqs = client(own_broker)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == \
        {"VisibilityTimeout": "77"}
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"owner": "me"}
    # SendMessage answered after the message was on disk: it survived kill -9.
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]["Body"] == "kept"


@junction_only
def test_wrong_signatures_are_refused(broker):
    assert error_code(lambda: client(broker, secret="wrong").list_queues()) == "SignatureDoesNotMatch"
    assert error_code(lambda: client(broker, key="nobody").list_queues()) == "InvalidClientTokenId"
    wrong = signed_query(broker, {"Action": "ListQueues"}, secret="nope")
    assert wrong.status_code == 403 and "SignatureDoesNotMatch" in wrong.text
    unsigned = requests.post(endpoint(broker) + "/", data={"Action": "ListQueues"}, timeout=10)
    assert unsigned.status_code == 403
    assert "MissingAuthenticationToken" in unsigned.text


def signed_query(broker, params, secret="guest"):
    """A query-protocol request (form body, XML answer), signed by botocore's own SigV4 signer."""
    body = urllib.parse.urlencode(params)
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=endpoint(broker) + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("guest", secret), "sqs", "eu-west-1").add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=body, headers=dict(prepared.headers), timeout=10)


def test_query_protocol(broker, unique):
    name = unique("query")
    created = signed_query(broker, {"Action": "CreateQueue", "QueueName": name, "Version": "2012-11-05",
                                    "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "9"})
    assert created.status_code == 200, created.text
    url = ElementTree.fromstring(created.text).find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    sent = signed_query(broker, {
        "Action": "SendMessage", "QueueUrl": url, "MessageBody": "via query",
        "MessageAttribute.1.Name": "color", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "blue"})
    assert sent.status_code == 200, sent.text
    result = ElementTree.fromstring(sent.text).find(f"{NS}SendMessageResult")
    assert result.find(f"{NS}MD5OfMessageBody").text == hashlib.md5(b"via query").hexdigest()
    received = signed_query(broker, {"Action": "ReceiveMessage", "QueueUrl": url, "MessageAttributeName.1": "All",
                                     "AttributeName.1": "All"})
    message = ElementTree.fromstring(received.text).find(f"{NS}ReceiveMessageResult/{NS}Message")
    assert message.find(f"{NS}Body").text == "via query"
    attribute = message.find(f"{NS}MessageAttribute")
    assert attribute.find(f"{NS}Name").text == "color"
    assert attribute.find(f"{NS}Value/{NS}StringValue").text == "blue"
    names = [a.find(f"{NS}Name").text for a in message.findall(f"{NS}Attribute")]
    assert "ApproximateReceiveCount" in names
    attributes = signed_query(broker, {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "All"})
    values = {a.find(f"{NS}Name").text: a.find(f"{NS}Value").text
              for a in ElementTree.fromstring(attributes.text).iter(f"{NS}Attribute")}
    assert values["VisibilityTimeout"] == "9"
    assert values["QueueArn"] == f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{name}"
    missing = signed_query(broker, {"Action": "GetQueueUrl", "QueueName": unique("absent")})
    assert missing.status_code == 400
    error = ElementTree.fromstring(missing.text).find(f"{NS}Error")
    assert error.find(f"{NS}Code").text == "AWS.SimpleQueueService.NonExistentQueue"
    signed_query(broker, {"Action": "DeleteQueue", "QueueUrl": url})


def test_aws_cli(broker, unique, tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="guest", AWS_SECRET_ACCESS_KEY="guest", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    base = ["aws", "--endpoint-url", endpoint(broker), "--output", "json", "sqs"]

    def aws(*args):
        result = subprocess.run(base + list(args), capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    url = aws("create-queue", "--queue-name", unique("cli"))["QueueUrl"]
    aws("send-message", "--queue-url", url, "--message-body", "from the cli")
    messages = aws("receive-message", "--queue-url", url, "--wait-time-seconds", "2")["Messages"]
    assert messages[0]["Body"] == "from the cli"
    aws("delete-message", "--queue-url", url, "--receipt-handle", messages[0]["ReceiptHandle"])
    aws("delete-queue", "--queue-url", url)


@junction_only
def test_user_access_keys_and_permissions(broker, unique):
    admin = ("guest", "guest")
    user = unique("alice")
    api = broker.http_url
    assert requests.put(api(f"/api/users/{user}"), json={"password": "pw", "tags": ""}, auth=admin,
                        timeout=10).status_code == 201
    assert requests.put(api(f"/api/permissions/%2F/{user}"), auth=admin, timeout=10, json={
        "configure": f"^{user}-.*", "write": f"^({user}-.*|amq\\.default)$", "read": f"^{user}-.*"}).status_code in (201, 204)
    # Only administrators manage keys.
    assert requests.put(api(f"/api/users/{user}/access-keys"), auth=(user, "pw"), timeout=10).status_code == 403
    created = requests.put(api(f"/api/users/{user}/access-keys"), auth=admin, timeout=10)
    assert created.status_code == 201, created.text
    key, secret = created.json()["access_key_id"], created.json()["secret_access_key"]
    listed = requests.get(api(f"/api/users/{user}/access-keys"), auth=admin, timeout=10).json()
    assert [k["access_key_id"] for k in listed] == [key] and "secret_access_key" not in listed[0]

    mine = client(broker, key=key, secret=secret)
    url = mine.create_queue(QueueName=f"{user}-jobs")["QueueUrl"]
    mine.send_message(QueueUrl=url, MessageBody="allowed")
    assert mine.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]["Body"] == "allowed"
    assert error_code(lambda: mine.create_queue(QueueName=unique("other"))) == "AccessDenied"
    foreign = client(broker).create_queue(QueueName=unique("guests"))["QueueUrl"]
    assert error_code(lambda: mine.send_message(QueueUrl=foreign, MessageBody="no")) == "AccessDenied"
    assert error_code(lambda: mine.receive_message(QueueUrl=foreign)) == "AccessDenied"
    assert error_code(lambda: mine.delete_queue(QueueUrl=foreign)) == "AccessDenied"

    # A permission change applies to the next request on the same kept-alive connection (the session keeps
    # its access context and the decisions it cached), and so does giving the permission back.
    def set_write(pattern):
        assert requests.put(api(f"/api/permissions/%2F/{user}"), auth=admin, timeout=10, json={
            "configure": f"^{user}-.*", "write": pattern, "read": f"^{user}-.*"}).status_code in (201, 204)
    set_write("^$")
    assert error_code(lambda: mine.send_message(QueueUrl=url, MessageBody="revoked")) == "AccessDenied"
    set_write(f"^({user}-.*|amq\\.default)$")
    mine.send_message(QueueUrl=url, MessageBody="allowed again")
    assert requests.delete(api(f"/api/permissions/%2F/{user}"), auth=admin, timeout=10).status_code == 204
    assert error_code(lambda: mine.list_queues()) == "AccessDenied"
    set_write(f"^({user}-.*|amq\\.default)$")

    assert requests.delete(api(f"/api/users/{user}/access-keys/{key}"), auth=admin, timeout=10).status_code == 204
    assert error_code(lambda: mine.list_queues()) == "InvalidClientTokenId"
    again = requests.put(api(f"/api/users/{user}/access-keys"), auth=admin, timeout=10).json()
    assert requests.delete(api(f"/api/users/{user}"), auth=admin, timeout=10).status_code == 204
    gone = client(broker, key=again["access_key_id"], secret=again["secret_access_key"])
    assert error_code(lambda: gone.list_queues()) == "InvalidClientTokenId"


def test_redrive_to_a_dead_letter_queue_after_max_receive_count(sqs, unique):
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    url = sqs.create_queue(QueueName=unique("work"), Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "1"})[
        "QueueUrl"]
    assert json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
        "RedrivePolicy"]) == json.loads(policy)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    counts = []
    for _ in range(2):
        received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])
        counts.append(received["Messages"][0]["Attributes"]["ApproximateReceiveCount"])
    assert counts == ["1", "2"]
    # Not deleted after its second receive: it goes to the dead-letter queue, not back to the queue.
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5)
    assert moved["Messages"][0]["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert error_code(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn + "-missing", "maxReceiveCount": 2})})) == "InvalidParameterValue"


def receive_and_return(sqs, url, times):
    """Receives the one message of `url` `times` times, letting its 1 s visibility lapse each time."""
    for _ in range(times):
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["Body"] == "poison"


@junction_only
def test_set_queue_attributes_changes_redrive_and_retention_and_keeps_them_over_a_restart(own_broker, unique):
    sqs = client(own_broker)
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=unique("work"), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy, "MessageRetentionPeriod": "86400"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == json.loads(policy)
    assert attributes["MessageRetentionPeriod"] == "86400"
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]
    own_broker.restart(crash=True)
    sqs = client(own_broker)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])["Attributes"] == \
        {"MessageRetentionPeriod": "86400"}
    # The redrive set after creation holds after the restart: two receives, then the dead-letter queue.
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    receive_and_return(sqs, url, 2)
    assert sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5)["Messages"][0]["Body"] == "poison"
    # An empty policy removes the redrive: the message keeps coming back.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    receive_and_return(sqs, url, 4)
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)


def test_message_move_task_returns_dead_letters(sqs, unique):
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=unique("work"), Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]) == 3

    def dlq_count():
        return int(sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"]["ApproximateNumberOfMessages"])

    deadline = time.monotonic() + 10
    while dlq_count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dlq_count() == 3
    assert error_code(lambda: sqs.start_message_move_task(SourceArn=url.replace("/", ":"))) == "InvalidParameterValue"
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=100)["TaskHandle"]
    assert handle
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if task["Status"] != "RUNNING":
            break
        time.sleep(0.1)
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 3)
    back = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
    assert sorted(m["Body"] for m in back) == ["m0", "m1", "m2"]
    # A queue that no redrive policy names is not a dead-letter queue.
    plain = sqs.create_queue(QueueName=unique("plain"))["QueueUrl"]
    plain_arn = sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert error_code(lambda: sqs.start_message_move_task(SourceArn=plain_arn)) == "InvalidParameterValue"


def test_redrive_allow_policy_decides_which_queues_may_dead_letter_into_a_queue(sqs, unique):
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allowed = sqs.create_queue(QueueName=unique("allowed"))["QueueUrl"]
    allowed_arn = sqs.get_queue_attributes(QueueUrl=allowed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    other = sqs.create_queue(QueueName=unique("other"))["QueueUrl"]
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [allowed_arn]})
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": allow})
    assert json.loads(sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])["Attributes"][
        "RedriveAllowPolicy"]) == json.loads(allow)
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": policy})
    assert error_code(lambda: sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": policy})) == \
        "InvalidParameterValue"
    assert error_code(lambda: sqs.create_queue(QueueName=unique("new"), Attributes={"RedrivePolicy": policy})) == \
        "InvalidParameterValue"
    for bad in ({"redrivePermission": "sometimes"}, {"redrivePermission": "byQueue"},
                {"redrivePermission": "denyAll", "sourceQueueArns": [allowed_arn]}):
        assert error_code(lambda: sqs.set_queue_attributes(
            QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(bad)})) == "InvalidParameterValue"
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
    assert error_code(lambda: sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": policy})) == \
        "InvalidParameterValue"


def test_aws_trace_header_is_the_one_system_attribute_a_sender_sets(sqs, queue):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    sent = sqs.send_message(QueueUrl=queue, MessageBody="traced", MessageSystemAttributes={
        "AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
    # The digest AWS defines for attributes: length-prefixed name, type, transport type 1 and value.
    encoded = b""
    for part in (b"AWSTraceHeader", b"String"):
        encoded += len(part).to_bytes(4, "big") + part
    encoded += b"\x01" + len(trace).to_bytes(4, "big") + trace.encode()
    assert sent["MD5OfMessageSystemAttributes"] == hashlib.md5(encoded).hexdigest()
    received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2, MessageSystemAttributeNames=["AWSTraceHeader"],
                                   MessageAttributeNames=["All"])["Messages"][0]
    assert received["Attributes"] == {"AWSTraceHeader": trace}
    assert "MessageAttributes" not in received
    for bad in ({"SenderId": {"DataType": "String", "StringValue": "me"}},
                {"AWSTraceHeader": {"DataType": "Number", "StringValue": "1"}}):
        assert error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x", MessageSystemAttributes=bad)) == \
            "InvalidParameterValue"


def attribute(sqs, url, name):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"].get(name)


def test_queue_and_message_delay_seconds(sqs, unique):
    url = sqs.create_queue(QueueName=unique("delayed"), Attributes={"DelaySeconds": "2"})["QueueUrl"]
    assert attribute(sqs, url, "DelaySeconds") == "2"
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="waits for the queue's delay")
    # A message's own DelaySeconds replaces the queue's, 0 included.
    sqs.send_message(QueueUrl=url, MessageBody="at once", DelaySeconds=0)
    assert attribute(sqs, url, "ApproximateNumberOfMessagesDelayed") == "1"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)[
        "Messages"]] == ["at once"]
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert received[0]["Body"] == "waits for the queue's delay"
    assert time.monotonic() - sent_at >= 1.9
    assert attribute(sqs, url, "ApproximateNumberOfMessagesDelayed") == "0"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
    assert attribute(sqs, url, "DelaySeconds") == "0"
    sqs.send_message(QueueUrl=url, MessageBody="per message", DelaySeconds=1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["Body"] == "per message"
    assert error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)) == \
        "InvalidParameterValue"


@junction_only
def test_delayed_messages_survive_a_kill(own_broker, unique):
    sqs = client(own_broker)
    url = sqs.create_queue(QueueName=unique("delayed"), Attributes={"DelaySeconds": "3"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept while waiting")
    own_broker.restart(crash=True)
    sqs = client(own_broker)
    assert attribute(sqs, url, "DelaySeconds") == "3"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"][0]["Body"] == "kept while waiting"
