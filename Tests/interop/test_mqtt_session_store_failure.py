"""A failed write of MQTT session state reaches the client instead of being logged and ignored.
The failure is injected into the broker's metadata store (SQLite) from outside: triggers that
abort writes for chosen client ids or topic filters, added while the broker runs."""

import contextlib
import os
import queue
import sqlite3

import paho.mqtt.client as mqtt
import pytest

from test_mqtt_interop import TIMEOUT, Client
from test_mqtt_persistence import expiry

pytestmark = pytest.mark.junction_only


@contextlib.contextmanager
def failing_writes(broker, *triggers):
    """Adds `CREATE TRIGGER` statements to the broker's metadata store and drops them after."""
    database = sqlite3.connect(os.path.join(broker.data_dir, "metadata.sqlite"), timeout=TIMEOUT)
    names = []
    try:
        for index, (table, event, condition) in enumerate(triggers):
            name = f"injected_failure_{index}"
            database.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {condition} "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
            names.append(name)
        database.commit()
        yield
    finally:
        for name in names:
            database.execute(f"DROP TRIGGER IF EXISTS {name}")
        database.commit()
        database.close()


def connack(broker, client_id, version, clean=False, properties=None):
    answers = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version,
                         **({} if version == mqtt.MQTTv5 else {"clean_session": clean}))
    client.on_connect = lambda c, u, flags, reason, props: answers.put(reason)
    if version == mqtt.MQTTv5:
        client.connect("127.0.0.1", broker.mqtt_port, keepalive=30, clean_start=clean, properties=properties)
    else:
        client.connect("127.0.0.1", broker.mqtt_port, keepalive=30)
    client.loop_start()
    reason = answers.get(timeout=TIMEOUT)
    client.loop_stop()
    client.disconnect()
    return reason


def test_connect_of_a_session_that_cannot_be_stored_is_refused(own_broker, unique):
    with failing_writes(own_broker, ("mqtt_sessions", "INSERT", "NEW.client_id LIKE 'unstored-%'")):
        # 3.1.1: return code 3 (paho shows it as 0x88, server unavailable); 5.0: 0x80.
        assert connack(own_broker, unique("unstored-311"), mqtt.MQTTv311).value == 0x88
        assert connack(own_broker, unique("unstored-5"), mqtt.MQTTv5, properties=expiry(600)).value == 0x80
        # Other sessions are stored as usual.
        assert not connack(own_broker, unique("stored"), mqtt.MQTTv311).is_failure
    assert not connack(own_broker, unique("unstored-311"), mqtt.MQTTv311).is_failure


def test_subscribe_that_cannot_be_stored_gets_suback_0x80(own_broker, unique):
    base = unique("sub")
    subscriber = Client(own_broker, unique("persistent"), clean=False)
    assert [int(getattr(c, "value", c)) for c in subscriber.subscribe(f"{base}/kept", qos=1)] == [1]
    with failing_writes(own_broker, ("mqtt_subscriptions", "INSERT", f"NEW.topic_filter = '{base}/refused'")):
        codes = subscriber.subscribe(f"{base}/refused", qos=1)
        assert [int(getattr(c, "value", c)) for c in codes] == [0x80]
    publisher = Client(own_broker, unique("pub"))
    publisher.publish(f"{base}/refused", b"not subscribed", qos=1)
    publisher.publish(f"{base}/kept", b"subscribed", qos=1)
    # The refused filter is not in effect; the connection and the stored subscription are.
    assert subscriber.next().payload == b"subscribed"
    subscriber.nothing()
    for client in (subscriber, publisher):
        client.close()


def test_qos2_publish_whose_id_cannot_be_stored_gets_no_pubrec(own_broker, unique):
    client_id = unique("qos2")
    publisher = Client(own_broker, client_id, mqtt.MQTTv5, clean=False, connect_properties=expiry(600))
    with failing_writes(own_broker, ("mqtt_sessions", "UPDATE", f"NEW.client_id = '{client_id}'")):
        info = publisher.client.publish(unique("t") + "/x", b"exactly once", qos=2)
        reason = publisher.disconnects.get(timeout=TIMEOUT)
        publisher.client.loop_stop()
        assert reason.value == 0x80
        # paho never saw PUBREC (so no PUBCOMP): it keeps the message to send again.
        assert not info.is_published()
