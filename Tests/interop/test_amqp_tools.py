"""The rabbitmq-c command-line tools (Debian package amqp-tools)."""

import shutil
import subprocess

import pytest

from helpers import get_one

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(shutil.which("amqp-publish") is None, reason="amqp-tools not installed (scripts/test installs it)"),
]


def run_tool(broker, *args, input=None):
    # No path in the URL: rabbitmq-c then uses the default vhost "/".
    command = [args[0], f"--url=amqp://{broker.username}:{broker.password}@{broker.host}:{broker.port}", *args[1:]]
    return subprocess.run(command, input=input, capture_output=True, timeout=20, check=True)


def test_declare_publish_consume_with_amqp_tools(broker, unique):
    queue = unique("tools")
    declared = run_tool(broker, "amqp-declare-queue", "-q", queue, "-d")
    assert declared.stdout.decode().strip() == queue

    for i in range(3):
        run_tool(broker, "amqp-publish", "-r", queue, "-p", "-C", "text/plain", "-H", f"seq: {i}", "-b", f"tool-{i}")

    # amqp-consume runs `cat` once per message with the body on standard input.
    consumed = run_tool(broker, "amqp-consume", "-q", queue, "-c", "3", "cat")
    assert consumed.stdout == b"tool-0tool-1tool-2"

    run_tool(broker, "amqp-delete-queue", "-q", queue)


def test_amqp_tools_interoperate_with_pika(broker, channel, unique):
    queue = unique("tools-pika")
    channel.queue_declare(queue=queue, auto_delete=False)
    run_tool(broker, "amqp-publish", "-r", queue, "-C", "application/json", "-E", "utf-8",
             "-t", "reply-here", "-H", "origin: amqp-tools", "-b", '{"a": 1}')
    _, properties, body = get_one(channel, queue)
    assert body == b'{"a": 1}'
    assert properties.content_type == "application/json"
    assert properties.content_encoding == "utf-8"
    assert properties.reply_to == "reply-here"
    assert properties.headers == {"origin": "amqp-tools"}

    channel.basic_publish(exchange="", routing_key=queue, body=b"from pika")
    got = run_tool(broker, "amqp-get", "-q", queue)
    assert got.stdout == b"from pika"
    channel.queue_delete(queue=queue)
