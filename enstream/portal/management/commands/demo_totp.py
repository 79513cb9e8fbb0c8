from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from enstream.accounts.devices import EncryptedTOTPDevice
from enstream.portal.demo import DEMO_TOTP_SEED, current_code


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (demo seed only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        device = (
            EncryptedTOTPDevice.objects.filter(
                user__email__iexact=options["email"], confirmed=True, secret__isnull=False
            )
            .select_related("user")
            .first()
        )
        # Only the published demo seed: this must never mint codes for a real account.
        if device is None or device.bin_key != DEMO_TOTP_SEED:
            raise CommandError(f"{options['email']} has no demo authenticator")
        self.stdout.write(current_code(device))
