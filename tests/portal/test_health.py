import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from enstream.portal import health

ROOT = Path(__file__).resolve().parents[2]


def _health(client: Client) -> tuple[int, dict]:
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "check_worker", lambda: health.NO_REPLY)


@pytest.mark.django_db
def test_health_reports_each_part_and_is_up_without_a_worker(
    client: Client, no_worker: None
) -> None:
    status, body = _health(client)
    assert status == 200
    assert body == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "worker": "no reply"},
    }


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch, no_worker: None
) -> None:
    def broken() -> str:
        raise ConnectionError("could not connect to server at 10.1.2.3 as user enstream")

    monkeypatch.setattr(health, "check_database", broken)
    status, body = _health(client)
    assert status == 503
    assert body["status"] == "down"
    assert body["checks"]["database"] == "error"
    assert "10.1.2.3" not in json.dumps(body)


@pytest.mark.django_db
def test_health_leaks_no_versions_or_settings(client: Client, no_worker: None) -> None:
    response = client.get("/health/")
    text = response.content.decode().lower()
    for leak in ("django", "celery", "postgres", "redis", "version", "127.0.0.1", "enstream_"):
        assert leak not in text
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_refuses_posts(client: Client, no_worker: None) -> None:
    assert client.get("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(not settings.REDIS_URL, reason="the worker test runs on the Redis broker")
def test_health_sees_a_real_worker_answer(client: Client, tmp_path: Path) -> None:
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "enstream", "worker",
            "-P", "solo", "-c", "1", "--without-mingle", "--without-gossip",
            "-n", f"health-test-{os.getpid()}@%h", "-l", "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "ENSTREAM_DATA_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 45
        body: dict = {}
        while time.monotonic() < deadline:
            status, body = _health(client)
            if body["checks"]["worker"] == "ok":
                break
            time.sleep(0.5)
        assert status == 200
        assert body == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "broker": "ok", "worker": "ok"},
        }
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
