"""python manage.py simulate_fleet --mno NWM --count 1000 [--sandbox] [--seed 7]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mno.fleet import fleet_create
from mno.models import MNO


class Command(BaseCommand):
    help = "Create virtual SEs (SIMs with a simulated GlobalPlatform SE) on one network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mno", required=True, help="the network's short code, e.g. NWM")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--sandbox", action="store_true", help="for sandbox API keys")
        parser.add_argument("--seed", type=int, help="the same SEs on every run with this seed")

    def handle(self, *args: Any, **options: Any) -> None:
        mno = MNO.objects.filter(short_code=options["mno"].upper()).first()
        if mno is None:
            codes = ", ".join(MNO.objects.values_list("short_code", flat=True)) or "none yet"
            raise CommandError(f"No network {options['mno']!r} (known: {codes}).")
        if options["count"] < 0:
            raise CommandError("--count is 0 or more.")
        report = fleet_create(
            mno=mno, count=options["count"], sandbox=options["sandbox"], seed=options["seed"]
        )
        mix = ", ".join(f"{name} {n}" for name, n in sorted(report.mix.items())) or "nothing new"
        rate = report.created / report.seconds if report.seconds else 0
        self.stdout.write(
            f"{mno.short_code}: {report.created} virtual SEs created, {report.skipped} already "
            f"there, in {report.seconds:.1f} s ({rate:.0f}/s). Mix: {mix}."
        )
