"""Message rates like RabbitMQ's management API (`message_stats.*_details.rate`) under load from
pika: counts that match what was sent, non-zero rates while traffic flows, zero once it stops."""

import time

import pytest
import requests

from helpers import Broker, wait_until

pytestmark = pytest.mark.junction_only

AUTH = ("guest", "guest")


@pytest.fixture
def rates_broker(broker_binary_path, tmp_path):
    """A broker sampling its counters every second (the default is 5 s)."""
    instance = Broker(broker_binary_path, str(tmp_path / "data"),
                      env={"JUNCTION_HTTP_RATES_SAMPLE_INTERVAL_SECONDS": "1"})
    instance.start()
    yield instance
    instance.kill()


def get(broker, path):
    response = requests.get(broker.http_url(path), auth=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def rate(stats, name):
    return stats[f"{name}_details"]["rate"]


def test_rates_and_counts_under_pika_load(rates_broker, unique):
    broker = rates_broker
    queue, exchange = unique("rates-q"), unique("rates-x")
    connection = broker.connect()
    channel = connection.channel()
    channel.exchange_declare(exchange=exchange, exchange_type="direct")
    channel.queue_declare(queue=queue)
    channel.queue_bind(queue=queue, exchange=exchange, routing_key="k")
    channel.confirm_delivery()
    channel.basic_qos(prefetch_count=200)

    sent = received = 0
    seen = {}
    deadline = time.monotonic() + 30
    # Bursts of publishes, each consumed and acked, until every rate was seen above zero
    # in the overview, the queue and the exchange (one sample a second).
    while time.monotonic() < deadline:
        for _ in range(100):
            channel.basic_publish(exchange=exchange, routing_key="k", body=b"x" * 64)
        channel.basic_publish(exchange=exchange, routing_key="unbound", body=b"lost")
        sent += 100
        for method, _, _ in channel.consume(queue, inactivity_timeout=5):
            assert method is not None, f"consumed {received} of {sent}"
            channel.basic_ack(method.delivery_tag)
            received += 1
            if received == sent:
                break
        channel.cancel()
        overview = get(broker, "/api/overview")["message_stats"]
        queue_stats = get(broker, f"/api/queues/%2F/{queue}")["message_stats"]
        exchange_stats = get(broker, f"/api/exchanges/%2F/{exchange}")["message_stats"]
        for name in ("publish", "deliver_get", "ack"):
            seen[f"overview.{name}"] = seen.get(f"overview.{name}") or rate(overview, name) > 0
            seen[f"queue.{name}"] = seen.get(f"queue.{name}") or rate(queue_stats, name) > 0
        for name in ("publish_in", "publish_out"):
            seen[f"exchange.{name}"] = seen.get(f"exchange.{name}") or rate(exchange_stats, name) > 0
        if len(seen) == 8 and all(seen.values()):
            break
    assert all(seen.values()), seen

    queue_stats = get(broker, f"/api/queues/%2F/{queue}")["message_stats"]
    assert (queue_stats["publish"], queue_stats["deliver_get"], queue_stats["ack"]) == (sent, sent, sent)
    assert queue_stats["redeliver"] == 0
    exchange_stats = get(broker, f"/api/exchanges/%2F/{exchange}")["message_stats"]
    bursts = sent // 100
    assert (exchange_stats["publish_in"], exchange_stats["publish_out"]) == (sent + bursts, sent)
    overview = get(broker, "/api/overview")["message_stats"]
    assert (overview["publish"], overview["deliver_get"], overview["ack"]) == (sent + bursts, sent, sent)

    # Redeliveries: a message rejected with requeue comes back with the redelivered flag.
    channel.basic_publish(exchange=exchange, routing_key="k", body=b"again")
    method, _, _ = next(channel.consume(queue, inactivity_timeout=5))
    channel.basic_reject(method.delivery_tag, requeue=True)
    method, _, _ = next(channel.consume(queue, inactivity_timeout=5))
    assert method.redelivered
    channel.basic_ack(method.delivery_tag)
    channel.cancel()
    wait_until(lambda: get(broker, f"/api/queues/%2F/{queue}")["message_stats"]["redeliver"] == 1, 5,
               message="redeliver count 1")
    connection.close()

    # Traffic stopped: after two quiet samples every rate is back to 0, the counts stay.
    def quiet():
        stats = get(broker, f"/api/queues/%2F/{queue}")["message_stats"]
        return all(rate(stats, name) == 0 for name in ("publish", "deliver_get", "ack", "redeliver")) and stats
    stats = wait_until(quiet, 10, interval=0.2, message="rates back to 0")
    assert stats["publish"] == sent + 1 and stats["ack"] == sent + 1


def test_overview_history_for_charts(rates_broker, unique):
    broker = rates_broker
    connection = broker.connect()
    channel = connection.channel()
    queue = unique("history-q")
    channel.queue_declare(queue=queue)
    for _ in range(50):
        channel.basic_publish(exchange="", routing_key=queue, body=b"m")

    def history():
        samples = get(broker, "/api/overview?history=true")["history"]
        newest = samples[-1] if samples else None
        return newest and newest["messages_ready"] >= 50 and newest["connections"].get("AMQP 0-9-1") == 1 and samples
    samples = wait_until(history, 10, interval=0.2, message="a sample with the queue and the connection")
    assert any(sample["publish_rate"] > 0 for sample in samples)
    assert all(set(sample) >= {"timestamp", "publish_rate", "deliver_get_rate", "ack_rate", "redeliver_rate",
                               "messages_ready", "messages_unacknowledged", "connections"} for sample in samples)
    assert [s["timestamp"] for s in samples] == sorted(s["timestamp"] for s in samples)
    assert "history" not in get(broker, "/api/overview")
    connection.close()
