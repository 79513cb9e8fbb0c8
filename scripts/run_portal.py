"""`make run`: the portal and a Celery worker on the embedded defaults, with the demo data.

Migrates the database (a SQLite file under var/ unless DATABASE_URL says otherwise), collects
static files when DEBUG is off, seeds the demo, then starts the web server on 127.0.0.1
(ENSTREAM_PORT, else 8000, else any free port) and a worker (with the beat scheduler) on the
broker from the settings (a file-system broker under var/ unless REDIS_URL is set). It prints
where to go and how to sign in, and keeps both running until Ctrl-C or SIGTERM, which stops
both. If either stops on its own, the other is stopped too.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
STOP_GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 120
WORKER_TIMEOUT_SECONDS = 60


class Stop(Exception):
    """Raised by the signal handler to leave the main loop."""


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def debug_on() -> bool:
    return os.environ.get("DEBUG", "true").strip().lower() in {"1", "true", "yes", "on"}


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port() -> int:
    wanted = os.environ.get("ENSTREAM_PORT")
    if wanted:
        port = int(wanted)
        if not port_free(port):
            sys.exit(f"ENSTREAM_PORT={port} is already in use")
        return port
    if port_free(8000):
        return 8000
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str]) -> subprocess.Popen[bytes]:
    # A session of its own, so a Ctrl-C reaches only this script, which then stops each
    # child (and anything it started) in order.
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True)  # noqa: S603


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each leader (the worker then lets its pool finish its tasks), and after the
    grace period SIGKILL to whatever is left of each one's process group."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        process.wait()


def health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=5) as response:  # noqa: S310
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def wait_until(url: str, processes: list[subprocess.Popen[bytes]], ready: Any, limit: float) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            return None
        report = health(url)
        if report is not None and ready(report):
            return report
        time.sleep(0.5)
    return None


def sign_in_help() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enstream.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from enstream.accounts.devices import EncryptedTOTPDevice
    from enstream.portal.demo import DEMO_PASSWORD, DEMO_TOTP_BASE32, USERS, current_code

    device = EncryptedTOTPDevice.objects.filter(user__email=USERS[0].email).first()
    code = current_code(device) if device else "(none)"
    width = max(len(user.email) for user in USERS)
    lines = [f"    {user.email:<{width}}  {user.role}" for user in USERS]
    return "\n".join(
        [
            "  Demo sign-ins (every user):",
            f"    password            {DEMO_PASSWORD}",
            f"    authenticator seed  {DEMO_TOTP_BASE32}  (add it to any TOTP app)",
            f"    code right now      {code}  (.venv/bin/python manage.py demo_totp EMAIL)",
            "",
            *lines,
        ]
    )


def main() -> int:
    os.chdir(ROOT)
    print("Preparing the database ...", flush=True)
    manage("migrate", "--noinput", "-v", "1")
    if not debug_on():
        manage("collectstatic", "--noinput", "-v", "0")
    print("Seeding the demo ...", flush=True)
    manage("seed_demo")

    port = choose_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = Path(os.environ.get("ENSTREAM_DATA_DIR") or ROOT / "var")
    web = start([PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
    worker = start(
        [
            *(PY, "-m", "celery", "-A", "enstream", "worker", "-l", "INFO"),
            *("--concurrency", "2", "--without-mingle", "--without-gossip"),
            *("--beat", "--schedule", str(data_dir / "celerybeat-schedule")),
        ]
    )
    processes = [web, worker]
    print(f"Web server pid {web.pid}, worker pid {worker.pid}", flush=True)

    def on_signal(signum: int, frame: Any) -> None:
        raise Stop

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if wait_until(url, processes, lambda r: True, READY_TIMEOUT_SECONDS) is None:
            print("The web server did not come up.", file=sys.stderr)
            return 1
        report = wait_until(
            url, processes, lambda r: r["checks"]["worker"] == "ok", WORKER_TIMEOUT_SECONDS
        )
        worker_state = "answering" if report else "not answering yet (see its log above)"
        print(
            "\n".join(
                [
                    "",
                    "=" * 72,
                    f"  EnStream portal: open {url}/",
                    f"  Health: {url}/health/   Worker: {worker_state}",
                    sign_in_help(),
                    "  Ctrl-C stops the web server and the worker.",
                    "=" * 72,
                    "",
                ]
            ),
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        print("A process stopped on its own; stopping the other.", file=sys.stderr)
        return 1
    except Stop:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(processes)
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
