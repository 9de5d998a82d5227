"""Hostile input over the network: thousands of mutated client sessions (bit flips, truncations, inserted
bytes, extreme length fields) to every listener (AMQP, MQTT, STOMP, HTTP, and STOMP/MQTT/AMQP over
WebSocket). After every batch the broker must be alive and serve a fresh client of every protocol.

CI-sized and with a fixed seed; `scripts/hostile` runs the same campaign for as long as wanted.
"""

import pytest

import hostile_sessions

pytestmark = [pytest.mark.timeout(110), pytest.mark.junction_only]

SEED = 20261205
SESSIONS_PER_LISTENER = 300


def test_mutated_sessions_on_every_listener_leave_the_broker_serving(own_broker):
    ports = {"amqp": own_broker.port, "mqtt": own_broker.mqtt_port, "stomp": own_broker.stomp_port,
             "http": own_broker.http_port}
    hostile_sessions.check_fresh_clients(ports)
    sent = hostile_sessions.run_campaign(ports, own_broker.is_running, SEED, SESSIONS_PER_LISTENER, batch=100)
    assert sum(sent.values()) == SESSIONS_PER_LISTENER * len(hostile_sessions.TARGETS)
    assert "Fatal error" not in own_broker.log()
