"""`rebuild_rollups`: recompute the daily rollups from the ledger and say if they differed."""

from typing import Any

from django.core.management.base import BaseCommand

from billing.ledger_services import usage_rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the usage rollups from the ledger; reports whether the stored ones differed."

    def handle(self, *args: Any, **options: Any) -> None:
        result = usage_rollups_rebuild()
        if result.differed:
            self.stdout.write(
                self.style.WARNING(
                    "The rollups differed from the ledger and were rebuilt: "
                    f"{result.missing} missing, {result.extra} extra, {result.changed} wrong; "
                    f"{result.rows} rows now."
                )
            )
        else:
            self.stdout.write(
                f"The rollups match the ledger ({result.rows} rows): nothing changed."
            )
