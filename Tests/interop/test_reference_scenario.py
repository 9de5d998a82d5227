"""The reference scenario from the project brief, unchanged apart from host, port and credentials."""

import json
import time

import pika
import pytest

from helpers import get_one, wait_until

pytestmark = pytest.mark.timeout(60)


def test_reference_scenario_with_dead_lettering(broker):
    params = pika.ConnectionParameters(
        host=broker.host, port=broker.port, credentials=pika.PlainCredentials("guest", "guest")
    )

    # Topology and publish, as written in the brief (plus the dead-letter exchange).
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.exchange_declare(exchange='orders.dlx', exchange_type='fanout', durable=True)
    channel.queue_declare(queue='order_processing.dead', durable=True)
    channel.queue_bind(queue='order_processing.dead', exchange='orders.dlx', routing_key='')
    channel.exchange_declare(exchange='orders', exchange_type='topic', durable=True)
    channel.queue_declare(queue='order_processing', durable=True,
                          arguments={'x-dead-letter-exchange': 'orders.dlx'})
    channel.queue_bind(queue='order_processing', exchange='orders', routing_key='order.created')
    channel.basic_publish(exchange='orders', routing_key='order.created', body='{"order_id": 123}',
                          properties=pika.BasicProperties(delivery_mode=2, content_type='application/json'))
    # A second order that the consumer cannot process.
    channel.basic_publish(exchange='orders', routing_key='order.created', body='not json',
                          properties=pika.BasicProperties(delivery_mode=2, content_type='application/json'))

    # The consumer: ack on success, nack without requeue on failure.
    consumer_connection = pika.BlockingConnection(params)
    consumer = consumer_connection.channel()
    consumer.basic_qos(prefetch_count=10)
    processed = []
    failed = []

    def callback(ch, method, properties, body):
        try:
            order = json.loads(body)
            processed.append((order, properties.content_type, properties.delivery_mode))
            ch.basic_ack(delivery_tag=method.delivery_tag)
        except ValueError:
            failed.append(body)
            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)

    consumer.basic_consume(queue='order_processing', on_message_callback=callback)
    deadline = time.monotonic() + 15
    while len(processed) + len(failed) < 2:
        assert time.monotonic() < deadline, f"processed={processed} failed={failed}"
        consumer_connection.process_data_events(time_limit=0.2)

    assert processed == [({"order_id": 123}, 'application/json', 2)]
    assert failed == [b'not json']

    # The failed order is in the dead-letter queue, with its x-death record.
    _, properties, body = get_one(channel, 'order_processing.dead')
    assert body == b'not json'
    assert properties.content_type == 'application/json'
    assert properties.delivery_mode == 2
    death = properties.headers['x-death'][0]
    assert death['reason'] == 'rejected'
    assert death['queue'] == 'order_processing'
    assert death['exchange'] == 'orders'
    assert death['routing-keys'] == ['order.created']
    assert death['count'] == 1

    # Nothing is left behind: both messages were settled.
    consumer_connection.close()
    wait_until(
        lambda: channel.queue_declare(queue='order_processing', passive=True).method.message_count == 0,
        5, message="order_processing to be empty",
    )
    connection.close()
