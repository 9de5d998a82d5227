"""STOMP meets AMQP (pika) on the same destinations."""

import threading
import uuid

from test_stomp_support import stomp_connection


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_stomp_send_reaches_amqp_consumer_with_properties(broker):
    queue_name = name("s2a")
    conn, _ = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.send(
        f"/queue/{queue_name}",
        "from stomp",
        content_type="text/plain",
        headers={
            "persistent": "true", "priority": "3", "correlation-id": "c-1", "reply-to": "/queue/replies",
            "message-id": "m-1", "type": "t", "app-id": "a", "expiration": "60000", "x-custom": "v",
        },
        receipt="sent",
    )
    conn.disconnect()
    amqp = broker.connect()
    channel = amqp.channel()
    method, properties, body = channel.basic_get(queue_name, auto_ack=True)
    assert body == b"from stomp"
    assert properties.content_type == "text/plain"
    assert properties.delivery_mode == 2
    assert properties.priority == 3
    assert properties.correlation_id == "c-1"
    assert properties.reply_to == "/queue/replies"
    assert properties.message_id == "m-1"
    assert properties.type == "t"
    assert properties.app_id == "a"
    assert properties.expiration == "60000"
    assert properties.headers == {"x-custom": b"v"} or properties.headers == {"x-custom": "v"}
    amqp.close()


def test_amqp_publish_reaches_stomp_topic_and_queue_subscribers(broker):
    import pika

    key = name("a2s").replace("-", ".")
    queue_name = name("a2sq")
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.subscribe(f"/topic/{key}", id="topic", receipt="t")
    assert listener.receipt() == "t"
    conn.subscribe(f"/queue/{queue_name}", id="queue", receipt="q")
    assert listener.receipt() == "q"
    amqp = broker.connect()
    channel = amqp.channel()
    properties = pika.BasicProperties(content_type="application/json", correlation_id="c", headers={"h": "v", "n": 5})
    channel.basic_publish("amq.topic", key, b'{"to":"topic"}', properties)
    channel.basic_publish("", queue_name, b'{"to":"queue"}', properties)
    frames = {}
    for _ in range(2):
        frame = listener.message()
        frames[frame.headers["subscription"]] = frame
    assert frames["topic"].body == '{"to":"topic"}'
    assert frames["topic"].headers["destination"] == f"/topic/{key}"
    assert frames["queue"].body == '{"to":"queue"}'
    assert frames["queue"].headers["destination"] == f"/queue/{queue_name}"
    for frame in frames.values():
        assert frame.headers["content-type"] == "application/json"
        assert frame.headers["correlation-id"] == "c"
        assert frame.headers["h"] == "v"
        assert frame.headers["n"] == "5"
    amqp.close()
    conn.disconnect()


def test_stomp_request_answered_by_amqp_service_via_temp_queue(broker):
    service_queue = name("service")
    amqp = broker.connect()
    channel = amqp.channel()
    channel.queue_declare(service_queue, durable=True)
    seen = {}

    def serve():
        for method, properties, body in channel.consume(service_queue, inactivity_timeout=10):
            if method is None:
                return
            seen["reply_to"] = properties.reply_to
            channel.basic_publish(
                "", properties.reply_to, b"answer to " + body,
                __import__("pika").BasicProperties(correlation_id=properties.correlation_id),
            )
            channel.basic_ack(method.delivery_tag)
            return

    thread = threading.Thread(target=serve)
    thread.start()
    conn, listener = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.send(f"/amq/queue/{service_queue}", "question",
              headers={"reply-to": "/temp-queue/answers", "correlation-id": "42"})
    reply = listener.message()
    thread.join(10)
    channel.cancel()
    amqp.close()
    assert reply.body == "answer to question"
    assert reply.headers["correlation-id"] == "42"
    assert reply.headers["subscription"] == "/temp-queue/answers"
    assert seen["reply_to"].startswith("amq.gen-")
    conn.disconnect()
