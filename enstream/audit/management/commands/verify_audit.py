from typing import Any

from django.core.management.base import BaseCommand, CommandError

from enstream.audit.chain import verify_chain


class Command(BaseCommand):
    help = "Walk the audit log's hash chain; name the first entry that was altered or removed."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            where = f"entry #{report.broken_seq}"
            if report.broken_pk is not None:
                where += f" (id {report.broken_pk})"
            raise CommandError(
                f"audit chain BROKEN at {where}: {report.reason}; "
                f"{report.count} entries before it verify"
            )
        self.stdout.write(f"OK: {report.count} audit entries, chain intact")
