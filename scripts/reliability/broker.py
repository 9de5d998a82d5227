"""The broker process for scripts/crashloop and scripts/hostile: fixed free ports, kill -9, timed restarts."""

import os
import signal
import socket
import subprocess
import time

LISTENERS = ("amqp", "mqtt", "stomp", "http", "sqs")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One broker on a data directory under `work`; ports are chosen once and kept across restarts."""

    def __init__(self, binary, work, extra_args=()):
        self.binary = binary
        self.work = work
        self.data_dir = os.path.join(work, "data")
        self.ports = {name: free_port() for name in LISTENERS}
        self.extra_args = list(extra_args)
        self.process = None
        self.log_path = os.path.join(work, "broker.log")
        self.starts = 0

    @property
    def amqp(self):
        return self.ports["amqp"]

    def start(self, timeout=120):
        """Starts the broker; returns the seconds until every listener accepted a connection."""
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            began = time.monotonic()
            self.process = subprocess.Popen(
                [self.binary, "--data-dir", self.data_dir]
                + [f"--{name}-port={port}" for name, port in self.ports.items()] + self.extra_args,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        pending = list(self.ports.values())
        while pending:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with {self.process.returncode} while starting (see {self.log_path})")
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"broker did not open its listeners within {timeout}s")
            try:
                socket.create_connection(("127.0.0.1", pending[0]), timeout=0.5).close()
                pending.pop(0)
            except OSError:
                time.sleep(0.01)
        return time.monotonic() - began

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
