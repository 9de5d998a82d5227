"""The `/demo` page in a real browser: headless Chromium driven over the DevTools protocol (with the
`websockets` client) subscribes over STOMP-over-WebSocket with the browser's own WebSocket, and a
message published over AMQP shows up on the page. Needs the Debian `chromium` package
(`scripts/test` installs it); runs as root with --no-sandbox."""

import json
import os
import uuid

import pytest

from browser import browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.junction_only


def demo_text(browser):
    return browser.evaluate("document.getElementById('log').textContent")


def test_demo_page_shows_amqp_messages_live(broker, browser, tmp_path):
    key = f"demo.{uuid.uuid4().hex[:8]}"
    browser.open(broker.http_url(f"/demo?topic={key}"))
    # The page as it is today: pick the topic and press Subscribe.
    browser.evaluate(f"document.getElementById('topic').value = {json.dumps(key)};"
                     "document.getElementById('connect').click()")
    assert browser.wait_for("document.getElementById('status').textContent.startsWith('subscribed')")

    body = f"hello from pika {uuid.uuid4().hex[:6]}"
    connection = broker.connect()
    channel = connection.channel()

    # SUBSCRIBE goes out when CONNECTED arrives; publish until the subscription is in place.
    def publish():
        channel.basic_publish("amq.topic", key, body.encode())

    publish()
    shown = browser.wait_for(f"document.getElementById('log').textContent.includes({json.dumps(body)})",
                             between=publish)
    browser.screenshot(tmp_path / "demo.png")
    connection.close()
    assert shown, f"the page shows: {demo_text(browser)!r}"
    assert f"/topic/{key}  {body}" in demo_text(browser)
    assert os.path.getsize(tmp_path / "demo.png") > 1000

    # The page's own publish button goes through the HTTP API and comes back over STOMP. The page
    # no longer pre-fills guest/guest: without credentials the API refuses the publish.
    browser.evaluate("document.getElementById('send').click()")
    assert browser.wait_for("document.getElementById('log').textContent.includes('enter a user and password')"), \
        f"the page shows: {demo_text(browser)!r}"
    echo = f"from the browser {uuid.uuid4().hex[:6]}"
    browser.evaluate("document.getElementById('user').value = 'guest';"
                     "document.getElementById('password').value = 'guest';"
                     f"document.getElementById('key').value = {json.dumps(key)};"
                     f"document.getElementById('text').value = {json.dumps(echo)};"
                     "document.getElementById('send').click()")
    assert browser.wait_for(f"document.getElementById('log').textContent.includes({json.dumps(echo)})"), \
        f"the page shows: {demo_text(browser)!r}"
    assert "ERROR" not in demo_text(browser)


def test_demo_page_subscribes_to_the_topic_in_its_url(broker, browser, tmp_path):
    key = f"demo.{uuid.uuid4().hex[:8]}"
    browser.open(broker.http_url(f"/demo?topic={key}"))
    assert browser.wait_for(
        f"document.getElementById('status').textContent === 'subscribed to ' + {json.dumps(key)}", timeout=5
    )
    body = f"linked {uuid.uuid4().hex[:6]}"
    connection = broker.connect()
    channel = connection.channel()
    shown = browser.wait_for(f"document.getElementById('log').textContent.includes({json.dumps(body)})",
                             between=lambda: channel.basic_publish("amq.topic", key, body.encode()))
    browser.screenshot(tmp_path / "demo-linked.png")
    connection.close()
    assert shown
