import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings(tmp_path: Path) -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "false",
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
            "ALLOWED_HOSTS": "portal.enstream.example",
            "ENSTREAM_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_manage("check", env={"DEBUG": "false", "ENSTREAM_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_names_the_variable(tmp_path: Path) -> None:
    result = run_manage("check", env={"DEBUG": "perhaps", "ENSTREAM_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_the_redis_broker_keeps_a_task_longer_than_any_countdown_the_system_sets() -> None:
    """A task still waiting on its countdown past the visibility timeout runs twice."""
    from django.conf import settings

    from enstream.webhooks.delivery import MAX_RETRY_DELAY
    from mno.ota.simulated import MAX_LATENCY_MS
    from provisioning import conf

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(
        MAX_RETRY_DELAY,
        MAX_LATENCY_MS / 1000,
        conf.number("PROVISIONING_RETRY_MAX_SECONDS"),
    )
    assert visibility >= 2 * longest


@pytest.mark.django_db
def test_postgresql_statements_are_prepared_so_repeated_queries_skip_planning() -> None:
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = %s", ["mno"])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1
