"""`log_format: json`: every line the broker writes is one JSON object (time, level, logger,
message, metadata), and `log_levels` reaches the protocol loggers (a debug record of
`junction.amqp` is written while the root stays at info)."""

import datetime
import json

import pika
import pytest

from helpers import Broker, wait_until

pytestmark = pytest.mark.junction_only

TIMEOUT = 15


def records(broker):
    """Every line of the broker's output (stdout and stderr), each parsed as JSON (fails otherwise)."""
    parsed = []
    for number, line in enumerate(broker.log().splitlines(), 1):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise AssertionError(f"line {number} is not JSON ({error}): {line!r}") from None
    return parsed


def run_json_broker(binary, data_dir, args=(), env=None):
    instance = Broker(binary, data_dir, extra_args=list(args), env=env)
    instance.start()
    try:
        connection = instance.connect()
        channel = connection.channel()
        channel.queue_declare(queue="", exclusive=True)
        connection.close()
        # A login refusal is a notice; once it is written, so is the earlier debug record if allowed.
        with pytest.raises(pika.exceptions.ProbableAuthenticationError):
            instance.connect(credentials=pika.PlainCredentials("nobody", "wrong"))
        wait_until(
            lambda: any(r["message"] == "AMQP login refused" for r in records(instance)),
            TIMEOUT, message="the login-refused notice")
        return records(instance)
    finally:
        instance.kill()


def test_json_lines_with_a_debug_record_of_the_amqp_logger(broker_binary_path, tmp_path):
    lines = run_json_broker(
        broker_binary_path, str(tmp_path / "data"), args=["--log-format", "json"],
        env={"JUNCTION_LOG_LEVELS_JUNCTION_AMQP": "debug"})
    assert len(lines) >= 5
    for record in lines:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert record["level"] in {"trace", "debug", "info", "notice", "warning", "error", "critical"}
        assert record["time"].endswith("Z")
        datetime.datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
        assert isinstance(record.get("metadata", {}), dict)
    tuned = [r for r in lines if r["logger"] == "junction.amqp" and r["message"] == "AMQP connection tuned"]
    assert len(tuned) == 1 and tuned[0]["level"] == "debug"
    assert {"frame_max", "heartbeat", "connection", "peer"} <= tuned[0]["metadata"].keys()
    # The root logger stays at info: no debug record from anything but junction.amqp.
    assert {r["logger"] for r in lines if r["level"] == "debug"} == {"junction.amqp"}
    refused = [r for r in lines if r["message"] == "AMQP login refused"]
    assert refused[0]["level"] == "notice" and refused[0]["metadata"]["user"] == "nobody"


def test_format_and_levels_from_a_config_file(broker_binary_path, tmp_path):
    config = tmp_path / "junction.yaml"
    config.write_text("log_format: json\nlog_levels:\n  junction.amqp: debug\n")
    lines = run_json_broker(broker_binary_path, str(tmp_path / "data"), args=["--config", str(config)])
    assert any(r["message"] == "AMQP connection tuned" and r["level"] == "debug" for r in lines)


def test_environment_selects_json_and_info_hides_the_debug_record(broker_binary_path, tmp_path):
    lines = run_json_broker(broker_binary_path, str(tmp_path / "data"), env={"JUNCTION_LOG_FORMAT": "json"})
    assert not any(r["message"] == "AMQP connection tuned" for r in lines)
    assert any(r["message"] == "Junction starting" and r["metadata"]["version"] for r in lines)
