"""junctionctl against a running broker: users, permissions, vhosts, listings, consumer-group
offset resets, closing a connection, status, and the JUNCTION_CTL_* environment."""

import json
import os
import pathlib
import subprocess
import time

import pika
import pytest
import requests

from helpers import broker_binary, wait_until

pytestmark = pytest.mark.junction_only


def ctl_binary():
    binary = pathlib.Path(broker_binary()).with_name("junctionctl")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} not built (swift build --product junctionctl)", pytrace=False)
    return str(binary)


def ctl(broker, *args, env=None, url=True, check=True):
    """Runs junctionctl with --url pointing at the broker; `check` asserts it succeeded."""
    command = [ctl_binary(), *args] + (["--url", broker.http_url()] if url else [])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_CTL_")}
    environment.update(env or {})
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment)
    if check:
        assert result.returncode == 0, f"{args}: {result.stderr}"
    return result


def ctl_json(broker, *args, **kwargs):
    return json.loads(ctl(broker, *args, "--json", **kwargs).stdout)


def can_log_in(broker, user, password, vhost="/"):
    answer = requests.get(broker.http_url("/api/whoami"), auth=(user, password), timeout=10)
    return answer.status_code == 200


def test_add_change_and_delete_a_user(broker, unique):
    name = unique("alice")
    assert ctl(broker, "add-user", name, "first", "--tags", "monitoring,management").stdout.strip() == f"user {name} added"
    users = {u["name"]: u for u in ctl_json(broker, "list", "users")}
    assert sorted(users[name]["tags"]) == ["management", "monitoring"]
    assert name in ctl(broker, "list", "users").stdout
    assert can_log_in(broker, name, "first")
    again = ctl(broker, "add-user", name, "other", check=False)
    assert again.returncode != 0 and "already exists" in again.stderr

    ctl(broker, "change-password", name, "second")
    assert not can_log_in(broker, name, "first") and can_log_in(broker, name, "second")
    users = {u["name"]: u for u in ctl_json(broker, "list", "users")}
    assert sorted(users[name]["tags"]) == ["management", "monitoring"], "tags survive a password change"

    ctl(broker, "delete-user", name)
    assert name not in {u["name"] for u in ctl_json(broker, "list", "users")}
    assert not can_log_in(broker, name, "second")
    missing = ctl(broker, "delete-user", name, check=False)
    assert missing.returncode != 0 and "404" in missing.stderr


def test_vhosts_permissions_and_topic_permissions(broker, unique):
    vhost, user = unique("vh"), unique("bob")
    ctl(broker, "add-vhost", vhost)
    assert vhost in {v["name"] for v in ctl_json(broker, "list", "vhosts")}
    ctl(broker, "add-user", user, "pw")
    ctl(broker, "set-permissions", user, "^bob-.*", ".*", ".*", "--vhost", vhost)
    granted = [p for p in ctl_json(broker, "list", "permissions") if p["user"] == user]
    assert granted == [{"user": user, "vhost": vhost, "configure": "^bob-.*", "write": ".*", "read": ".*"}]

    connection = pika.BlockingConnection(
        broker.connection_parameters(credentials=pika.PlainCredentials(user, "pw"), virtual_host=vhost))
    try:
        channel = connection.channel()
        channel.queue_declare(queue="bob-q")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            channel.queue_declare(queue="other-q")
        assert refused.value.reply_code == 403
    finally:
        if connection.is_open:
            connection.close()

    ctl(broker, "set-topic-permissions", user, "amq.topic", "^a\\.", "^b\\.", "--vhost", vhost)
    topics = [t for t in ctl_json(broker, "list", "topic-permissions") if t["user"] == user]
    assert topics == [{"user": user, "vhost": vhost, "exchange": "amq.topic", "write": "^a\\.", "read": "^b\\."}]

    ctl(broker, "delete-vhost", vhost)
    assert vhost not in {v["name"] for v in ctl_json(broker, "list", "vhosts")}
    ctl(broker, "delete-user", user)


def test_channels_and_consumers_are_listed(broker, unique, connection):
    channel = connection.channel()
    queue = unique("listed")
    channel.queue_declare(queue=queue, auto_delete=True)
    tag = channel.basic_consume(queue=queue, on_message_callback=lambda *a: None, consumer_tag=unique("tag"))
    consumers = ctl_json(broker, "list", "consumers")
    mine = [c for c in consumers if c["consumer_tag"] == tag]
    assert len(mine) == 1 and mine[0]["queue"]["name"] == queue
    table = ctl(broker, "list", "consumers").stdout
    assert "QUEUE.NAME" in table and tag in table and queue in table
    assert any(c["user"] == "guest" for c in ctl_json(broker, "list", "channels"))
    assert "NAME" in ctl(broker, "list", "channels").stdout


def stream_with_group(broker, connection, unique, read=4):
    """A stream of 6 messages whose group read (and committed) the first `read` over HTTP."""
    stream, group = unique("events"), unique("g")
    channel = connection.channel()
    channel.queue_declare(queue=stream, durable=True, arguments={"x-queue-type": "stream"})
    channel.confirm_delivery()
    for index in range(6):
        channel.basic_publish(exchange="", routing_key=stream, body=f"m{index}".encode())
    answer = requests.get(
        broker.http_url(f"/api/v1/streams/%2F/{stream}/messages"), params={"group": group, "max": read, "offset": "first"},
        auth=("guest", "guest"), timeout=10)
    assert answer.status_code == 200 and answer.json()["next_offset"] == read
    return stream, group


def next_read(broker, stream, group):
    answer = requests.get(
        broker.http_url(f"/api/v1/streams/%2F/{stream}/messages"), params={"group": group, "max": 100},
        auth=("guest", "guest"), timeout=10)
    return [m["offset"] for m in answer.json()["messages"]]


def group_row(broker, stream, group):
    rows = [r for r in ctl_json(broker, "list", "consumer-groups") if r["stream"] == stream and r["name"] == group]
    assert len(rows) == 1
    return rows[0]


def test_consumer_groups_are_listed_with_their_lag(broker, unique, connection):
    stream, group = stream_with_group(broker, connection, unique)
    row = group_row(broker, stream, group)
    assert (row["committed_offset"], row["next_offset"], row["lag"], row["members"]) == (3, 4, 2, 0)
    table = ctl(broker, "list", "consumer-groups").stdout
    assert "LAG" in table.splitlines()[0] and group in table


def test_reset_offsets_to_earliest_latest_an_offset_and_a_time(broker, unique, connection):
    stream, group = stream_with_group(broker, connection, unique)
    earliest = ctl_json(broker, "reset-offsets", group, "--stream", stream, "--to", "earliest")
    assert earliest[0]["previous_committed_offset"] == 3 and earliest[0]["next_offset"] == 0
    assert group_row(broker, stream, group)["lag"] == 6
    assert next_read(broker, stream, group) == [0, 1, 2, 3, 4, 5]

    ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "2")
    assert group_row(broker, stream, group)["next_offset"] == 2
    assert next_read(broker, stream, group) == [2, 3, 4, 5]

    ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "latest")
    assert group_row(broker, stream, group)["lag"] == 0

    # A time before the stream's first message reads everything; one in the future reads nothing.
    table = ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "2001-01-01T00:00:00Z").stdout
    assert "NEXT_OFFSET" in table
    assert group_row(broker, stream, group)["next_offset"] == 0
    ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "2099-01-01T00:00:00")
    assert group_row(broker, stream, group)["lag"] == 0

    bad = ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "yesterday", check=False)
    assert bad.returncode != 0 and "--to" in bad.stderr


def test_reset_offsets_is_refused_while_the_group_has_a_member_unless_forced(broker, unique, connection):
    stream, group = stream_with_group(broker, connection, unique)
    member = broker.connect()
    try:
        channel = member.channel()
        channel.basic_qos(prefetch_count=10)
        received = []
        channel.basic_consume(
            queue=stream, on_message_callback=lambda ch, method, props, body: received.append(method),
            arguments={"x-consumer-group": group})
        wait_until(lambda: member.process_data_events(time_limit=0.05) or len(received) == 2, 10,
                   message="the member's two deliveries (offsets 4, 5)")
        assert group_row(broker, stream, group)["members"] == 1
        # Stream consumers are listed with the classic ones, with their group and next offset.
        listed = [c for c in ctl_json(broker, "list", "consumers") if c["queue"]["name"] == stream]
        assert len(listed) == 1 and listed[0]["consumer_group"] == group and listed[0]["active"] is True
        assert listed[0]["offset"] == 6 and listed[0]["unacknowledged"] == 2
        assert listed[0]["activity_status"] == "single_active"
        refused = ctl(broker, "reset-offsets", group, "--stream", stream, "--to", "earliest", check=False)
        assert refused.returncode != 0 and "409" in refused.stderr and "member" in refused.stderr
        assert group_row(broker, stream, group)["committed_offset"] == 3

        forced = ctl_json(broker, "reset-offsets", group, "--stream", stream, "--to", "1", "--force")
        assert forced[0]["next_offset"] == 1
        # The active member goes on from offset 1 at once.
        wait_until(lambda: member.process_data_events(time_limit=0.05) or len(received) >= 7, 10,
                   message="redelivery from offset 1")
        offsets = [m.delivery_tag for m in received]
        assert len(offsets) == 7
    finally:
        member.close()


def test_close_connection_with_a_reason(broker, unique):
    user = unique("carol")
    ctl(broker, "add-user", user, "pw")
    ctl(broker, "set-permissions", user, ".*", ".*", ".*")
    victim = pika.BlockingConnection(broker.connection_parameters(credentials=pika.PlainCredentials(user, "pw")))
    try:
        names = [c["name"] for c in ctl_json(broker, "list", "connections") if c["user"] == user]
        assert len(names) == 1
        assert ctl(broker, "close-connection", names[0], "--reason", "maintenance window").returncode == 0
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as closed:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                victim.process_data_events(time_limit=0.1)
        assert closed.value.reply_code == 320 and "maintenance window" in closed.value.reply_text
        wait_until(lambda: not [c for c in ctl_json(broker, "list", "connections") if c["user"] == user], 10,
                   message="the connection to go from the listing")
        missing = ctl(broker, "close-connection", names[0], check=False)
        assert missing.returncode != 0 and "404" in missing.stderr
    finally:
        ctl(broker, "delete-user", user)


def test_status(broker, broker_binary_path):
    version = subprocess.run([broker_binary_path, "--version"], capture_output=True, text=True).stdout.strip()
    status = ctl_json(broker, "status")
    assert status["product_name"] == "Junction" and status["product_version"] == version
    assert status["ready"] is True and status["checks"]["alarms"] == "ok"
    assert status["object_totals"]["queues"] >= 0
    lines = {line.split()[0]: line.split()[1:] for line in ctl(broker, "status").stdout.splitlines()}
    assert lines["product_version"] == [version] and lines["ready"] == ["true"]
    assert "reason" not in lines


def test_connection_settings_from_the_environment(broker):
    env = {"JUNCTION_CTL_URL": broker.http_url(), "JUNCTION_CTL_USER": "guest", "JUNCTION_CTL_PASSWORD": "guest"}
    assert "guest" in {u["name"] for u in json.loads(ctl(broker, "list", "users", "--json", url=False, env=env).stdout)}
    wrong = dict(env, JUNCTION_CTL_PASSWORD="nope")
    refused = ctl(broker, "list", "users", url=False, env=wrong, check=False)
    assert refused.returncode != 0 and "401" in refused.stderr
    # A flag wins over the environment.
    assert ctl(broker, "list", "users", "--password", "guest", url=False, env=wrong).returncode == 0
    elsewhere = dict(env, JUNCTION_CTL_URL="http://127.0.0.1:9")
    assert ctl(broker, "list", "users", env=elsewhere).returncode == 0


def test_set_list_and_clear_a_policy(broker, unique, connection):
    name, prefix = unique("cap"), unique("capped")
    ctl(broker, "set-policy", name, f"^{prefix}", '{"max-length": 2}', "--apply-to", "queues", "--priority", "3")
    listed = [p for p in ctl_json(broker, "list", "policies") if p["name"] == name]
    assert listed == [{
        "vhost": "/", "name": name, "pattern": f"^{prefix}", "apply-to": "queues",
        "definition": {"max-length": 2}, "priority": 3,
    }]
    assert name in ctl(broker, "list", "policies").stdout

    channel = connection.channel()
    queue = f"{prefix}-q"
    channel.queue_declare(queue=queue, auto_delete=True)
    channel.confirm_delivery()
    for index in range(5):
        channel.basic_publish(exchange="", routing_key=queue, body=f"m{index}".encode())
    queues = {q["name"]: q for q in ctl_json(broker, "list", "queues")}
    assert queues[queue]["messages_ready"] == 2 and queues[queue]["policy"] == name

    ctl(broker, "clear-policy", name)
    assert name not in {p["name"] for p in ctl_json(broker, "list", "policies")}
    for index in range(3):
        channel.basic_publish(exchange="", routing_key=queue, body=f"n{index}".encode())
    assert {q["name"]: q for q in ctl_json(broker, "list", "queues")}[queue]["messages_ready"] == 5

    bad = ctl(broker, "set-policy", name, ".*", "not json", check=False)
    assert bad.returncode != 0 and "JSON object" in bad.stderr
    missing = ctl(broker, "clear-policy", name, check=False)
    assert missing.returncode != 0 and "404" in missing.stderr
