"""`log_level` and `log_levels` reach every logger, not only the root: a debug record of the MQTT
adapter's logger (`junction.mqtt`, "MQTT connection closed") is written at debug and not at info."""

import queue

import paho.mqtt.client as mqtt
import pytest

from helpers import Broker, wait_until
from test_mqtt_interop import TIMEOUT, Client

pytestmark = pytest.mark.junction_only

DEBUG_RECORD = "MQTT connection closed"
NOTICE_RECORD = "MQTT login refused"


def refused_login(broker):
    """A CONNECT with unknown credentials: the adapter logs a notice (written at info and debug)."""
    answers = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="refused", protocol=mqtt.MQTTv311)
    client.username_pw_set("nobody", "wrong")
    client.on_connect = lambda c, u, flags, reason, properties: answers.put(reason)
    client.connect("127.0.0.1", broker.mqtt_port, keepalive=30)
    client.loop_start()
    assert answers.get(timeout=TIMEOUT).is_failure
    client.loop_stop()


def mqtt_debug_lines(broker):
    return [line for line in broker.log().splitlines() if DEBUG_RECORD in line and "junction.mqtt" in line]


@pytest.mark.parametrize(
    ("env", "debug_written"),
    [
        ({"JUNCTION_LOG_LEVEL": "debug"}, True),
        ({"JUNCTION_LOG_LEVEL": "info"}, False),
        ({"JUNCTION_LOG_LEVEL": "info", "JUNCTION_LOG_LEVELS_JUNCTION_MQTT": "debug"}, True),
        ({"JUNCTION_LOG_LEVEL": "debug", "JUNCTION_LOG_LEVELS_JUNCTION_MQTT": "info"}, False),
    ],
    ids=["debug", "info", "info-mqtt-debug", "debug-mqtt-info"],
)
def test_protocol_logger_follows_the_configured_level(broker_binary_path, tmp_path, unique, env, debug_written):
    instance = Broker(broker_binary_path, str(tmp_path / "data"), env=env)
    instance.start()
    try:
        client = Client(instance, unique("log"))
        client.close()
        # The notice comes after the first connection closed: once it is written, so is the
        # debug record if its level lets it through.
        refused_login(instance)
        wait_until(lambda: NOTICE_RECORD in instance.log(), TIMEOUT, message="the login-refused notice")
        if debug_written:
            wait_until(lambda: mqtt_debug_lines(instance), TIMEOUT, message="the junction.mqtt debug record")
        else:
            assert mqtt_debug_lines(instance) == []
    finally:
        instance.kill()
