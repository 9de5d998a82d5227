"""Celery on AMQP: a real framework's worker and client (kombu/py-amqp underneath), with late acks,
prefetch and the rpc:// result backend (reply queues), against the broker."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.timeout(120), pytest.mark.junction_only]

celery = pytest.importorskip("celery")


def test_celery_worker_runs_tasks_and_returns_results(broker, tmp_path):
    (tmp_path / "junction_tasks.py").write_text(textwrap.dedent(f"""
        from celery import Celery
        app = Celery("junction_tasks", broker="amqp://guest:guest@127.0.0.1:{broker.port}//", backend="rpc://")
        app.conf.task_acks_late = True
        app.conf.worker_prefetch_multiplier = 4
        app.conf.broker_connection_retry_on_startup = False

        @app.task
        def add(x, y):
            return x + y
    """))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "junction_tasks", "worker", "--loglevel=warning",
         "--concurrency=2", "-P", "threads", "--without-gossip", "--without-mingle"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        client = subprocess.run(
            [sys.executable, "-c", textwrap.dedent("""
                from junction_tasks import add
                results = [add.delay(i, i) for i in range(50)]
                print(sum(result.get(timeout=60) for result in results))
            """)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.strip() == str(sum(2 * i for i in range(50)))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
