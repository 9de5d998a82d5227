"""Headless Chromium driven over the DevTools protocol (with the `websockets` client), for the
pages the broker serves. Needs the Debian `chromium` package (`scripts/test` installs it); runs as
root with --no-sandbox."""

import base64
import contextlib
import json
import shutil
import subprocess
import time
import urllib.request

import pytest
from websockets.sync.client import connect

TIMEOUT = 20.0
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """One page target of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, tmp_path):
        if CHROMIUM is None:
            pytest.fail("chromium is not installed (scripts/test installs the Debian package)", pytrace=False)
        profile = tmp_path / "chromium-profile"
        self.log = open(tmp_path / "chromium.log", "wb")
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1100,700", "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not start; see {tmp_path / 'chromium.log'}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None, proxy=None, compression=None, ping_interval=None)
        )
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=TIMEOUT))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=TIMEOUT, between=None):
        """Polls a JavaScript expression until it is truthy; `between` runs after each miss."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                return value
            if between:
                between()
            time.sleep(0.2)

    def open(self, url):
        self.call("Page.navigate", url=url)
        assert self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.stack.close()
        self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        self.log.close()


@pytest.fixture
def browser(tmp_path):
    devtools = DevTools(tmp_path)
    yield devtools
    devtools.close()
