"""`junction --version` and the management API report the same version, from one place in the code."""

import re
import subprocess

import pytest
import requests

pytestmark = pytest.mark.junction_only


def test_version_flag_matches_overview(broker, broker_binary_path):
    result = subprocess.run([broker_binary_path, "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    version = result.stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", version), version
    overview = requests.get(broker.http_url("/api/overview"), auth=("guest", "guest"), timeout=10).json()
    assert overview["product_name"] == "Junction"
    assert overview["product_version"] == version
