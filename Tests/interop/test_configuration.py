"""The broker binary's configuration contract: flags, JUNCTION_* variables, --config files."""

import os
import socket
import subprocess

import pika
import pytest

import amqp_raw
from helpers import Broker, assert_broker_alive, free_port

pytestmark = [pytest.mark.timeout(90), pytest.mark.junction_only]


def tune_of(broker, **credentials):
    with amqp_raw.RawConnection(broker.host, broker.port) as raw:
        return raw.handshake(**credentials)


@pytest.fixture
def make_broker(broker_binary_path, tmp_path):
    started = []

    def make(extra_args=(), env=None, host="127.0.0.1", **start_options):
        instance = Broker(broker_binary_path, str(tmp_path / f"data{len(started)}"), extra_args=extra_args, env=env)
        instance.host = host
        started.append(instance)
        return instance.start(**start_options)

    yield make
    for instance in started:
        instance.kill()


def write_config(tmp_path, text):
    path = tmp_path / "junction.yaml"
    path.write_text(text)
    return str(path)


def test_ports_and_data_dir_from_environment_variables(make_broker):
    broker = make_broker(ports_from_environment=True)
    assert_broker_alive(broker)


def test_config_file_sets_amqp_limits_and_users(make_broker, tmp_path):
    config = write_config(tmp_path, """
amqp:
  frame_max: 8192
  channel_max: 100
  heartbeat_seconds: 7
users:
  names: [guest, alice]
  alice:
    password: wonderland
""")
    broker = make_broker(extra_args=["--config", config])
    assert tune_of(broker) == {"channel_max": 100, "frame_max": 8192, "heartbeat": 7}
    tune_of(broker, username="alice", password="wonderland")
    with pika.BlockingConnection(broker.connection_parameters(
            credentials=pika.PlainCredentials("alice", "wonderland"))) as connection:
        connection.channel().queue_declare(queue="", exclusive=True)


def test_environment_overrides_file_and_flags_override_environment(make_broker, tmp_path):
    unused_port = free_port()
    config = write_config(tmp_path, f"""
listeners:
  amqp_port: {unused_port}
amqp:
  frame_max: 8192
  heartbeat_seconds: 7
""")
    broker = make_broker(
        extra_args=["--config", config],
        env={"JUNCTION_AMQP_FRAME_MAX": "16384", "JUNCTION_AMQP_PORT": str(unused_port)},
    )
    # The --amqp-port flag beat both the file and JUNCTION_AMQP_PORT; the variable beat the file.
    assert tune_of(broker) == {"channel_max": 2047, "frame_max": 16384, "heartbeat": 7}
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", unused_port), timeout=1).close()


def test_bind_address_is_honoured(make_broker):
    broker = make_broker(extra_args=["--bind", "127.0.0.2"], host="127.0.0.2")
    assert_broker_alive(broker)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", broker.port), timeout=1).close()


@pytest.mark.parametrize("text, env, key", [
    ("amqp:\n  frame_max: 100\n", {}, "amqp.frame_max"),
    ("log_level: loud\n", {}, "log_level"),
    ("users:\n  names: [guest, bob]\n", {}, "users.bob.password"),
    ("{}\n", {"JUNCTION_AMQP_PORT": "99999"}, "listeners.amqp_port"),
    ("{}\n", {"JUNCTION_AMQP_HEARTBEAT_SECONDS": "soon"}, "amqp.heartbeat_seconds"),
])
def test_invalid_configuration_is_refused_with_the_key_named(broker_binary_path, tmp_path, text, env, key):
    config = write_config(tmp_path, text)
    flags = ["--mqtt-port", "0", "--stomp-port", "0", "--http-port", "0", "--data-dir", str(tmp_path / "data")]
    if "JUNCTION_AMQP_PORT" not in env:
        flags += ["--amqp-port", str(free_port())]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_")}
    environment.update(env)
    result = subprocess.run(
        [broker_binary_path, "--config", config, *flags],
        capture_output=True, timeout=30, stdin=subprocess.DEVNULL, env=environment,
    )
    assert result.returncode != 0
    assert key in result.stderr.decode(), result.stderr.decode()


def test_missing_config_file_is_refused(broker_binary_path, tmp_path):
    result = subprocess.run(
        [broker_binary_path, "--config", str(tmp_path / "absent.yaml"), "--amqp-port", "0"],
        capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "absent.yaml" in result.stderr.decode()
