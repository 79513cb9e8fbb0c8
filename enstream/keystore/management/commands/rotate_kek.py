"""Rotate the key encryption key: a new KEK version, then every data key rewrapped under it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from enstream.keystore.backends import get_backend
from enstream.keystore.errors import KeystoreError
from enstream.keystore.services import (
    RotationReport,
    kek_retire,
    kek_rewrap_all,
    kek_rotate,
    kek_usage,
)


class Command(BaseCommand):
    help = (
        "Create a new KEK version and rewrap every data key under it (ciphertexts are not "
        "touched). --resume only rewraps what is not yet under the active version; --retire N "
        "destroys an old version no secret uses any more; --status reports and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--resume", action="store_true", help="rewrap only, no new version")
        mode.add_argument("--retire", type=int, metavar="VERSION", help="destroy an unused KEK")
        mode.add_argument("--status", action="store_true", help="show KEK versions and usage")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            report = None
            if options["retire"] is not None:
                kek_retire(version=options["retire"])
                self.stdout.write(f"retired KEK v{options['retire']}")
            elif options["resume"]:
                report = kek_rewrap_all(batch_size=options["batch_size"])
            elif not options["status"]:
                report = kek_rotate(batch_size=options["batch_size"])
            if report:
                self._report(report)
            self._status()
        except KeystoreError as exc:
            raise CommandError(str(exc)) from None
        if report and report.failed:
            raise CommandError(
                f"{sum(report.failed.values())} data keys could not be rewrapped; they stay "
                "under their old KEK version (see above)"
            )

    def _report(self, report: RotationReport) -> None:
        if report.created_version is not None:
            self.stdout.write(f"created KEK v{report.created_version}")
        moved = ", ".join(f"{n} from v{v}" for v, n in sorted(report.rewrapped.items()))
        self.stdout.write(
            f"rewrapped {sum(report.rewrapped.values())} data keys under "
            f"v{report.target_version}" + (f" ({moved})" if moved else "")
        )
        self.stdout.write(f"already under v{report.target_version}: {report.already_current}")
        if report.failed:
            failed = ", ".join(f"{n} under v{v}" for v, n in sorted(report.failed.items()))
            self.stderr.write(f"could not unwrap {sum(report.failed.values())}: {failed}")

    def _status(self) -> None:
        backend = get_backend()
        usage = kek_usage()
        active = backend.active_version()
        self.stdout.write(f"KEK backend: {backend.describe()}")
        for version in sorted(set(backend.versions()) | set(usage)):
            marks = [" (active)" if version == active else ""]
            if version not in backend.versions():
                marks.append(" (MISSING from the backend)")
            self.stdout.write(f"  v{version}: {usage.get(version, 0)} secrets{''.join(marks)}")
