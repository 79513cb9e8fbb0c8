from typing import Any

from django.core.management.base import BaseCommand

from enstream.portal.demo import DEMO_PASSWORD, DEMO_TOTP_BASE32, USERS, seed_apps, seed_people


class Command(BaseCommand):
    help = (
        "Create (or put back) the demo organisations, users of every role and their "
        "authenticators, then every app's demo data. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("people:")
        seed_people(stdout=self.stdout)
        seed_apps(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(USERS)} users, password {DEMO_PASSWORD!r}, "
                f"authenticator seed {DEMO_TOTP_BASE32} (python manage.py demo_totp EMAIL "
                "prints the current code)."
            )
        )
