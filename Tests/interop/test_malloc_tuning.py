"""`resources.malloc_tcache_count`: the broker starts itself again with glibc's larger per-thread malloc cache
(GLIBC_TUNABLES), as the same process (same pid: signals and `kill -9` reach it), keeps an operator's own
tunables, leaves an operator's own cache size alone, and starts once when the setting is 0.

What the process was started with is read from /proc/<pid>/environ, except where glibc 2.36 rewrites that text
(it keeps only the first tunable there): the broker logs the variable as it reads it."""

import os
import platform

import pytest
from helpers import Broker

pytestmark = [
    pytest.mark.junction_only,
    pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"),
    pytest.mark.skipif("GLIBC_TUNABLES" in os.environ, reason="the caller's GLIBC_TUNABLES would be inherited"),
]


def environment_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        entries = f.read().split(b"\0")
    return dict(entry.decode(errors="replace").split("=", 1) for entry in entries if b"=" in entry)


def started(binary, tmp_path, env=None):
    return Broker(binary, str(tmp_path / "data"), env=env).start()


def test_the_broker_restarts_itself_with_the_larger_cache_as_the_same_process(broker_binary_path, tmp_path):
    broker = started(broker_binary_path, tmp_path)
    try:
        # The pid the test started is the broker serving (the AMQP port answered `start`).
        assert environment_of(broker.process.pid).get("GLIBC_TUNABLES") == "glibc.malloc.tcache_count=256"
        assert "GLIBC_TUNABLES=glibc.malloc.tcache_count=256" in broker.log()
        assert "default malloc thread cache" not in broker.log()
    finally:
        broker.kill()
    assert broker.process.poll() is not None


def test_other_tunables_are_kept(broker_binary_path, tmp_path):
    broker = started(broker_binary_path, tmp_path, env={"GLIBC_TUNABLES": "glibc.malloc.mxfast=0"})
    try:
        assert "GLIBC_TUNABLES=glibc.malloc.tcache_count=256:glibc.malloc.mxfast=0" in broker.log()
    finally:
        broker.kill()


def test_an_operators_own_cache_size_wins(broker_binary_path, tmp_path):
    broker = started(broker_binary_path, tmp_path, env={"GLIBC_TUNABLES": "glibc.malloc.tcache_count=32"})
    try:
        assert environment_of(broker.process.pid)["GLIBC_TUNABLES"] == "glibc.malloc.tcache_count=32"
        assert "GLIBC_TUNABLES=glibc.malloc.tcache_count=32" in broker.log()
    finally:
        broker.kill()


def test_zero_starts_once_with_glibcs_default(broker_binary_path, tmp_path):
    broker = started(broker_binary_path, tmp_path, env={"JUNCTION_RESOURCES_MALLOC_TCACHE_COUNT": "0"})
    try:
        assert "GLIBC_TUNABLES" not in environment_of(broker.process.pid)
        assert "malloc thread cache" not in broker.log()
    finally:
        broker.kill()
