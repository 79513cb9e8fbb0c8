"""`make run` on a fresh data directory: migrate, seed, serve, work, and stop cleanly."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Ctrl-C stops"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_make_run_serves_the_portal_with_a_worker_and_stops_both_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update({"ENSTREAM_DATA_DIR": str(tmp_path), "ENSTREAM_PORT": str(port)})
    runner = subprocess.Popen(
        [sys.executable, "scripts/run_portal.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in runner.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if READY_LINE in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(timeout=480), "".join(lines[-40:])
        output = "".join(lines)
        url = f"http://127.0.0.1:{port}"
        assert f"open {url}/" in output
        assert "Worker: answering" in output
        assert "Demo-password-2026" in output
        assert "admin@enstream.example" in output
        assert re.search(r"code right now\s+\d{6}", output)
        pids = re.search(r"Web server pid (\d+), worker pid (\d+)", output)
        assert pids is not None
        web_pid, worker_pid = int(pids[1]), int(pids[2])

        with urllib.request.urlopen(f"{url}/health/", timeout=10) as response:  # noqa: S310
            assert json.loads(response.read())["checks"]["worker"] == "ok"
        with urllib.request.urlopen(f"{url}/", timeout=10) as response:  # noqa: S310
            assert "/accounts/login/" in response.geturl()
        assert (tmp_path / "db.sqlite3").exists()

        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0
        deadline = time.monotonic() + 10
        while (_alive(web_pid) or _alive(worker_pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(web_pid)
        assert not _alive(worker_pid)
    finally:
        if runner.poll() is None:
            runner.terminate()
            runner.wait(timeout=60)
