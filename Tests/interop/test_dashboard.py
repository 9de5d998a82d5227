"""The dashboard (`/`) in headless Chromium: SVG charts of message rates, queue depths and
connections by protocol drawn by the page from the management API under pika traffic; the queue
page peeks without consuming, moves dead-lettered messages back and purges; the streams page shows
consumer groups with their committed offset and lag. Screenshots go to Tests/interop/artifacts/
(git-ignored) so a person can look at what the test saw."""

import json
import pathlib
import urllib.parse

import pytest
import requests

from browser import browser  # noqa: F401 (the fixture)
from helpers import Broker, get_one, wait_until

pytestmark = pytest.mark.junction_only

AUTH = ("guest", "guest")
ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
# Collects Content-Security-Policy violations from the first script on: the page must run under its CSP.
CSP_RECORDER = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def dashboard_broker(broker_binary_path, tmp_path):
    """A broker sampling rates every second, so the charts fill within the test."""
    instance = Broker(broker_binary_path, str(tmp_path / "data"),
                      env={"JUNCTION_HTTP_RATES_SAMPLE_INTERVAL_SECONDS": "1"})
    instance.start()
    yield instance
    instance.kill()


def api(broker, method, path, **kwargs):
    return requests.request(method, broker.http_url(path), auth=AUTH, timeout=30, **kwargs)


def open_dashboard(browser, broker, fragment="#/"):
    browser.call("Page.enable")
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=CSP_RECORDER)
    browser.open(broker.http_url("/"))
    browser.evaluate("for (const [id, v] of [['user', 'guest'], ['password', 'guest']])"
                     " document.getElementById(id).value = v;"
                     " for (const id of ['user', 'password'])"
                     " document.getElementById(id).dispatchEvent(new Event('change'));")
    show(browser, fragment)


def show(browser, fragment):
    browser.evaluate(f"location.hash = {json.dumps(fragment)}")
    assert browser.wait_for(f"document.body.dataset.loaded === {json.dumps(fragment)}"), \
        browser.evaluate("document.getElementById('error').textContent")


def keep(browser, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    browser.screenshot(path)
    assert path.stat().st_size > 5000


def test_overview_charts_follow_the_traffic(dashboard_broker, browser):
    broker = dashboard_broker
    connection = broker.connect()
    channel = connection.channel()
    queue = "dash-traffic"
    channel.queue_declare(queue=queue)
    open_dashboard(browser, broker)

    def traffic():
        for _ in range(200):
            channel.basic_publish(exchange="", routing_key=queue, body=b"tick")
        for _ in range(100):
            method, _, _ = channel.basic_get(queue)
            channel.basic_ack(method.delivery_tag)

    # The page redraws every 2 s from samples taken every second: publish until the charts show it.
    drawn = browser.wait_for(
        "(() => { const last = (c, s) => Number(document.querySelector("
        "`svg[data-chart=${c}] polyline[data-series=\"${s}\"]`)?.dataset.last || 0);"
        " return last('rates', 'publish') > 0 && last('rates', 'ack') > 0 && last('depths', 'ready') > 0"
        " && last('connections', 'AMQP 0-9-1') === 1; })()",
        timeout=30, between=traffic)
    keep(browser, "dashboard-overview.png")
    assert drawn, browser.evaluate("document.getElementById('view').innerText")
    charts = browser.evaluate("[...document.querySelectorAll('svg[data-chart]')].map(c => c.dataset.chart)")
    assert charts == ["rates", "depths", "connections"]
    points = browser.evaluate(
        "document.querySelector('svg[data-chart=rates] polyline[data-series=publish]').getAttribute('points')")
    assert len(points.split()) >= 2
    assert "AMQP 0-9-1" in browser.evaluate("document.getElementById('connections').innerText")
    assert browser.evaluate("window.__csp") == []

    show(browser, "#/queues")
    row = browser.evaluate(
        f"[...document.querySelectorAll('#queues tbody tr')].map(r => r.innerText).find(t => t.includes('{queue}'))")
    assert row and queue in row
    connection.close()


def test_queue_page_peeks_moves_and_purges(dashboard_broker, browser):
    broker = dashboard_broker
    connection = broker.connect()
    channel = connection.channel()
    channel.exchange_declare(exchange="orders", exchange_type="direct")
    channel.exchange_declare(exchange="orders-dlx", exchange_type="fanout")
    channel.queue_declare(queue="orders-dead")
    channel.queue_bind(queue="orders-dead", exchange="orders-dlx")
    channel.queue_declare(queue="orders-work", arguments={"x-dead-letter-exchange": "orders-dlx"})
    channel.queue_bind(queue="orders-work", exchange="orders", routing_key="new")
    for index in range(4):
        channel.basic_publish(exchange="orders", routing_key="new", body=f"order-{index}".encode())
    for _ in range(4):
        method, _, _ = get_one(channel, "orders-work", auto_ack=False)
        channel.basic_reject(method.delivery_tag, requeue=False)
    depth = lambda name: api(broker, "GET", f"/api/queues/%2F/{name}").json()["messages"]
    wait_until(lambda: depth("orders-dead") == 4, 5, message="four dead-lettered orders")

    open_dashboard(browser, broker, "#/queue/%2F/orders-dead")
    browser.evaluate("document.getElementById('peek-count').value = 10; document.getElementById('peek').click()")
    assert browser.wait_for("document.querySelectorAll('#message-list tbody tr').length === 4")
    listed = browser.evaluate("document.getElementById('message-list').innerText")
    assert "order-0" in listed and "order-3" in listed and "rejected in orders-work" in listed
    keep(browser, "dashboard-queue-peek.png")
    assert depth("orders-dead") == 4  # peeking consumed nothing

    browser.evaluate("document.getElementById('move-mode').value = 'origin';"
                     "document.getElementById('move-count').value = 3; document.getElementById('move').click()")
    assert browser.wait_for("document.getElementById('action-result').textContent.startsWith('moved 3')")
    assert depth("orders-dead") == 1 and depth("orders-work") == 3

    browser.evaluate("document.getElementById('purge').click()")  # asks again first
    assert depth("orders-dead") == 1
    browser.evaluate("document.getElementById('purge').click()")
    assert browser.wait_for("document.getElementById('action-result').textContent === 'purged'")
    assert depth("orders-dead") == 0
    assert browser.wait_for("document.getElementById('queue-figures').innerText.includes('orders-dlx') === false"
                            " && document.getElementById('queue-figures').rows[1].cells[1].innerText === '0'")
    assert browser.evaluate("window.__csp") == []
    connection.close()


def test_streams_page_shows_groups_with_offset_and_lag(dashboard_broker, browser):
    broker = dashboard_broker
    connection = broker.connect()
    channel = connection.channel()
    channel.queue_declare(queue="clicks", durable=True, arguments={"x-queue-type": "stream"})
    channel.confirm_delivery()
    for index in range(30):
        channel.basic_publish(exchange="", routing_key="clicks", body=f"click-{index}".encode())
    # The group `reports` reads and commits the first 12 over HTTP.
    read = api(broker, "GET", "/api/v1/streams/%2F/clicks/messages?" + urllib.parse.urlencode(
        {"group": "reports", "max": 12}))
    assert read.status_code == 200 and len(read.json()["messages"]) == 12

    open_dashboard(browser, broker, "#/streams")
    assert browser.wait_for("document.querySelectorAll('#groups tbody tr').length === 1")
    cells = browser.evaluate("[...document.querySelector('#groups tbody tr').cells].map(c => c.innerText)")
    assert cells[1:6] == ["clicks", "reports", "11", "18", "0"]
    stream_row = browser.evaluate("document.querySelector('#streams tbody tr').innerText")
    assert "clicks" in stream_row and "30" in stream_row
    keep(browser, "dashboard-streams.png")
    assert browser.evaluate("window.__csp") == []
    connection.close()


def test_wrong_password_is_said_on_the_page_without_a_browser_dialog(broker, browser):
    browser.open(broker.http_url("/"))
    browser.evaluate("document.getElementById('user').value = 'guest';"
                     " document.getElementById('password').value = 'not-the-password';"
                     " document.getElementById('password').dispatchEvent(new Event('change'))")
    # With the Basic challenge the browser would open its dialog and the request would stay pending.
    assert browser.wait_for("document.getElementById('error').textContent.includes('401 wrong user or password')"), \
        browser.evaluate("document.getElementById('error').textContent")
    plain = requests.get(broker.http_url("/api/overview"), auth=("guest", "not-the-password"), timeout=30)
    assert plain.status_code == 401 and plain.headers["WWW-Authenticate"] == 'Basic realm="Junction"'
    script = requests.get(broker.http_url("/api/overview"), auth=("guest", "not-the-password"),
                          headers={"X-Requested-With": "XMLHttpRequest"}, timeout=30)
    assert script.status_code == 401 and "WWW-Authenticate" not in script.headers
