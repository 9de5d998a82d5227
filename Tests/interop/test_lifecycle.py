"""The broker process itself: clean shutdown on SIGTERM, restart after kill -9 on the same data."""

import pytest

from helpers import assert_broker_alive

pytestmark = pytest.mark.timeout(90)


def test_sigterm_stops_the_broker_cleanly(own_broker):
    assert_broker_alive(own_broker)
    assert own_broker.stop() == 0


def test_sigterm_with_open_connections_stops_cleanly(own_broker):
    connection = own_broker.connect()
    connection.channel().queue_declare(queue="", exclusive=True)
    assert own_broker.stop() == 0


def test_restart_after_kill_9_serves_clients_again(own_broker):
    connection = own_broker.connect()
    connection.channel().queue_declare(queue="before-crash", durable=True)
    own_broker.restart(crash=True)
    assert own_broker.is_running()
    assert_broker_alive(own_broker)


def test_graceful_restart_serves_clients_again(own_broker):
    assert_broker_alive(own_broker)
    own_broker.restart()
    assert_broker_alive(own_broker)
