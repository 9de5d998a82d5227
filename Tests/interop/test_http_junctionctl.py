"""junctionctl, the admin CLI, against the broker's HTTP API."""

import json
import os
import pathlib
import subprocess

import pytest

from helpers import broker_binary

pytestmark = pytest.mark.junction_only


def junctionctl(broker, *args):
    binary = pathlib.Path(broker_binary()).with_name("junctionctl")
    if not os.access(binary, os.X_OK):
        pytest.skip(f"{binary} not built (swift build --product junctionctl)")
    return subprocess.run([str(binary), *args, "--url", broker.http_url()], capture_output=True, text=True, timeout=60)


def test_declare_publish_get_purge_delete(broker, unique, tmp_path):
    queue = unique("ctl")
    assert junctionctl(broker, "declare-queue", queue).returncode == 0
    assert junctionctl(broker, "publish", "--routing-key", queue, "--payload", "p1").stdout.strip() == "message routed"
    listed = json.loads(junctionctl(broker, "list", "queues", "--json").stdout)
    assert [q["messages_ready"] for q in listed if q["name"] == queue] == [1]
    assert queue in junctionctl(broker, "list", "queues").stdout
    got = json.loads(junctionctl(broker, "get", queue, "--json").stdout)
    assert got[0]["payload"] == "p1"
    definitions = tmp_path / "defs.json"
    assert junctionctl(broker, "export", str(definitions)).returncode == 0
    assert queue in [q["name"] for q in json.loads(definitions.read_text())["queues"]]
    assert junctionctl(broker, "import", str(definitions)).returncode == 0
    assert junctionctl(broker, "purge", queue).returncode == 0
    assert junctionctl(broker, "delete-queue", queue).returncode == 0
    missing = junctionctl(broker, "get", queue)
    assert missing.returncode != 0 and "404" in missing.stderr
