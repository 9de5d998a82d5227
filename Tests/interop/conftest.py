"""Fixtures for the interop suite: a real `junction` broker process on free loopback ports.

The broker binary is $JUNCTION_BINARY (scripts/test sets it to the debug build), else
`.build/debug/junction` in the package root.

JUNCTION_INTEROP_BROKER=host:port runs the suite against a broker that is already running there
(for example RabbitMQ, to check the tests themselves); tests that stop or restart the broker are
then skipped.
"""

import os
import uuid

import pytest

from helpers import Broker, broker_binary


EXTERNAL_BROKER = os.environ.get("JUNCTION_INTEROP_BROKER")


@pytest.fixture(scope="session")
def broker_binary_path():
    if EXTERNAL_BROKER:
        pytest.skip("needs its own broker process; JUNCTION_INTEROP_BROKER is set")
    return broker_binary()


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A broker shared by the whole session. Tests use unique names (see `unique`)."""
    if EXTERNAL_BROKER:
        host, port = EXTERNAL_BROKER.rsplit(":", 1)
        yield Broker.external(host, int(port))
        return
    base = tmp_path_factory.mktemp("junction")
    instance = Broker(broker_binary(), str(base / "data"))
    instance.start()
    yield instance
    if not instance.is_running():
        print(f"\nshared broker died during the session; its log:\n{instance.log()}")
    instance.stop()


@pytest.fixture(autouse=True)
def shared_broker_still_running(request):
    """Fails the test during which the shared broker exited, with its exit status and log, so a
    crash shows up once and clearly instead of as connection errors in every later test."""
    if EXTERNAL_BROKER or "broker" not in request.fixturenames:
        yield
        return
    instance = request.getfixturevalue("broker")
    if not instance.is_running():
        pytest.fail(f"the shared broker is not running (exit status {instance.process.returncode})", pytrace=False)
    yield
    if not instance.is_running():
        code = instance.process.wait()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        pytest.fail(f"the shared broker exited during this test ({how}); log tail:\n{instance.log()[-4000:]}",
                    pytrace=False)


@pytest.fixture
def own_broker(broker_binary_path, tmp_path):
    """A broker for one test, which may stop, kill -9 or restart it."""
    instance = Broker(broker_binary_path, str(tmp_path / "data"))
    instance.start()
    yield instance
    instance.kill()


@pytest.fixture
def unique():
    """Returns a function making names unique to this test: unique('q') -> 'q-1a2b3c4d'."""
    token = uuid.uuid4().hex[:8]
    return lambda prefix: f"{prefix}-{token}"


@pytest.fixture
def connection(broker):
    conn = broker.connect()
    yield conn
    if conn.is_open:
        conn.close()


@pytest.fixture
def channel(connection):
    return connection.channel()


def pytest_collection_modifyitems(config, items):
    if not EXTERNAL_BROKER:
        return
    skip = pytest.mark.skip(reason="Junction-specific behaviour; JUNCTION_INTEROP_BROKER points elsewhere")
    for item in items:
        if "junction_only" in item.keywords:
            item.add_marker(skip)
