"""Helpers shared by the interop tests: the broker process wrapper and deadline-based waits."""

import os
import pathlib
import signal
import socket
import subprocess
import time
import uuid

import pika
import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = float(os.environ.get("JUNCTION_INTEROP_STARTUP_TIMEOUT", "30"))
# Starts tried when a chosen port turns out to be taken (see Broker.start).
BIND_ATTEMPTS = 4
SHUTDOWN_TIMEOUT = 10.0


def broker_binary():
    path = os.environ.get("JUNCTION_BINARY") or str(PACKAGE_ROOT / ".build" / "debug" / "junction")
    if not os.access(path, os.X_OK):
        pytest.fail(f"broker binary {path} not found or not executable (set JUNCTION_BINARY)", pytrace=False)
    return path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.02, message="condition"):
    """Polls `predicate` until it returns a truthy value or `timeout` seconds pass; returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Broker:
    """One broker process. `start()` returns once the AMQP port accepts connections."""

    def __init__(self, binary, data_dir, extra_args=(), env=None):
        self.binary = binary
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.env = env
        self.host = "127.0.0.1"
        self.port = None
        self.http_port = None
        self.mqtt_port = None
        self.stomp_port = None
        self.sqs_port = None
        self.process = None
        self.ports_from_environment = False
        self.log_path = os.path.join(os.path.dirname(os.path.abspath(data_dir)), f"broker-{uuid.uuid4().hex[:8]}.log")
        self._log_file = None

    @classmethod
    def external(cls, host, port):
        """A broker that is already running elsewhere; it is never started or stopped here."""
        instance = cls(binary=None, data_dir=os.devnull)
        instance.host = host
        instance.port = port
        instance.log_path = os.devnull
        return instance

    @property
    def username(self):
        return "guest"

    @property
    def password(self):
        return "guest"

    def connection_parameters(self, **overrides):
        options = dict(
            host=self.host,
            port=self.port,
            credentials=pika.PlainCredentials(self.username, self.password),
            connection_attempts=1,
            socket_timeout=10,
            blocked_connection_timeout=30,
        )
        options.update(overrides)
        return pika.ConnectionParameters(**options)

    def url(self):
        return f"amqp://{self.username}:{self.password}@{self.host}:{self.port}//"

    def http_url(self, path=""):
        """The HTTP listener's base URL (management API, /metrics), plus `path`."""
        return f"http://{self.host}:{self.http_port}{path}"

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return "<no broker log>"

    def _log_since(self, offset):
        """The bytes the broker logged from `offset` on (this start's part of the log)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return b""

    def start(self, port=None, ports_from_environment=False):
        """Starts the broker. Ports and data directory go in as flags, or with
        `ports_from_environment` as JUNCTION_* variables (to test that path).

        A port `free_port()` chose can be taken before the broker binds it (the clients' ephemeral ports come
        from the same range; CI saw it once): the broker then exits with "Address already in use", and the
        start is tried again with new ports for those chosen here, the same ports for those kept."""
        self.ports_from_environment = ports_from_environment
        # Every listener on its own free port; a restart keeps the ports it had.
        kept = {"port": port, "mqtt_port": self.mqtt_port, "stomp_port": self.stomp_port,
                "http_port": self.http_port, "sqs_port": self.sqs_port}
        for attempt in range(1, BIND_ATTEMPTS + 1):
            for name, value in kept.items():
                setattr(self, name, value or free_port())
            if self._launch(retry_on_bind_conflict=attempt < BIND_ATTEMPTS):
                return self
            time.sleep(0.2 * attempt)
        return self

    def _launch(self, retry_on_bind_conflict):
        """One start of the process on the current ports: True once every listener accepts, False when a port
        was taken and `retry_on_bind_conflict`; any other exit or a timeout fails the test."""
        settings = {
            "amqp-port": str(self.port),
            "mqtt-port": str(self.mqtt_port),
            "stomp-port": str(self.stomp_port),
            "http-port": str(self.http_port),
            "sqs-port": str(self.sqs_port),
            "data-dir": self.data_dir,
        }
        args = [self.binary]
        settings_env = {}
        for name, value in settings.items():
            if self.ports_from_environment:
                settings_env["JUNCTION_" + name.upper().replace("-", "_")] = value
            else:
                args += [f"--{name}", value]
        args += self.extra_args
        env = dict(os.environ)
        # The broker must take its settings from the flags, not from the caller's environment.
        for name in list(env):
            if name.startswith("JUNCTION_") and name != "JUNCTION_BINARY":
                del env[name]
        env.update(settings_env)
        if self.env:
            env.update(self.env)
        self._log_file = open(self.log_path, "ab")
        log_start = self._log_file.tell()
        self.process = subprocess.Popen(
            args, stdout=self._log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            code = self.process.poll()
            if code is not None:
                self._finish()
                if retry_on_bind_conflict and b"Address already in use" in self._log_since(log_start):
                    return False
                pytest.fail(
                    f"broker exited with code {code} before accepting connections on port {self.port}:\n{self.log()}",
                    pytrace=False,
                )
            # Listeners bind one after another: ready once every one of them accepts.
            ports = [self.port, self.mqtt_port, self.stomp_port, self.http_port, self.sqs_port]
            try:
                for listener_port in ports:
                    with socket.create_connection((self.host, listener_port), timeout=0.5):
                        pass
                return True
            except OSError:
                pass
            if time.monotonic() >= deadline:
                self.kill()
                pytest.fail(
                    f"broker did not accept AMQP connections on port {self.port} within {STARTUP_TIMEOUT}s:\n{self.log()}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit in time. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SHUTDOWN_TIMEOUT)
        return self._finish()

    def kill(self):
        """SIGKILL (a crash). Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=SHUTDOWN_TIMEOUT)
        return self._finish()

    def restart(self, crash=False):
        """Stops (or kills, when `crash`) and starts again on the same port and data directory."""
        port = self.port
        if crash:
            self.kill()
        else:
            self.stop()
        return self.start(port=port, ports_from_environment=self.ports_from_environment)

    def _finish(self):
        code = self.process.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return code

    def connect(self, **overrides):
        return pika.BlockingConnection(self.connection_parameters(**overrides))


def drain(connection, channel, queue, count, timeout=10.0, auto_ack=True):
    """Consumes exactly `count` messages from `queue` (with a deadline) and returns (method, properties, body) tuples."""
    received = []

    def on_message(ch, method, properties, body):
        received.append((method, properties, body))

    tag = channel.basic_consume(queue=queue, on_message_callback=on_message, auto_ack=auto_ack)
    deadline = time.monotonic() + timeout
    while len(received) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"got {len(received)} of {count} messages from {queue} within {timeout}s")
        connection.process_data_events(time_limit=min(remaining, 0.2))
    channel.basic_cancel(tag)
    return received


def get_one(channel, queue, timeout=5.0, auto_ack=True):
    """basic.get until a message arrives (with a deadline); returns (method, properties, body)."""

    def attempt():
        method, properties, body = channel.basic_get(queue=queue, auto_ack=auto_ack)
        return (method, properties, body) if method is not None else None

    return wait_until(attempt, timeout, interval=0.02, message=f"a message on {queue}")


def assert_broker_alive(broker):
    """A fresh pika client can still declare, publish and get a message back."""
    conn = broker.connect()
    try:
        ch = conn.channel()
        name = f"alive-{uuid.uuid4().hex[:8]}"
        ch.queue_declare(queue=name, exclusive=True)
        ch.basic_publish(exchange="", routing_key=name, body=b"ping")
        _, _, body = get_one(ch, name)
        assert body == b"ping"
    finally:
        if conn.is_open:
            conn.close()
