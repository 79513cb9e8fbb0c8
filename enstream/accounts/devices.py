"""Second-factor devices whose secrets never rest in clear.

django-otp's own TOTPDevice keeps its seed as hex in the row and StaticDevice keeps backup
tokens as typed. Ours seal the seed with the keystore, bound to this row, and keep only hashes
of the backup codes. Both plug into django-otp (OTPMiddleware, `user.is_verified()`).
"""

import hashlib
import secrets
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

TOTP_SEED_PURPOSE = "totp_seed"
TOTP_SEED_BYTES = 20
BACKUP_CODE_COUNT = 10
# 16 characters from 31 unambiguous symbols carry 79 bits: a fast hash cannot be reversed by
# guessing, which is why codes (unlike passwords) need no slow hash.
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_BACKUP_CODE_LENGTH = 16


class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (RFC 6238). The seed lives sealed in the keystore."""

    secret = models.ForeignKey(
        "keystore.Secret",
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        help_text="The sealed seed; empty only between creating the row and sealing.",
    )
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(
        default=-1, help_text="Time step of the last accepted code: older codes are replays."
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def keystore_owner(self) -> str:
        return f"accounts.totp:{self.pk}"

    def seal_seed(self, seed: bytes) -> None:
        # The owner names this row, so the row must exist before its seed is sealed.
        from enstream.keystore import seal

        self.secret = seal(seed, purpose=TOTP_SEED_PURPOSE, owner=self.keystore_owner)
        self.save(update_fields=["secret"])

    @property
    def bin_key(self) -> bytes:
        from enstream.keystore import unseal

        return unseal(self.secret, purpose=TOTP_SEED_PURPOSE, owner=self.keystore_owner)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def matching_step(self, token: str, *, min_t: int) -> tuple[int, int] | None:
        """The time step at which `token` is valid (not before `min_t`) and the clock drift
        that matched it, or None."""
        token = token.strip().replace(" ", "")
        if len(token) != self.digits or not token.isdigit():
            return None
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        if not totp.verify(int(token), self.tolerance, min_t):
            return None
        return totp.t(), totp.drift

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.matching_step(str(token), min_t=self.last_t + 1)
        if match is None:
            self.throttle_increment(commit=True)
            return False
        self.last_t, self.drift = match
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def is_replay(self, token: str) -> bool:
        """Whether `token` was valid, but at a step already used."""
        match = self.matching_step(str(token), min_t=0)
        return match is not None and match[0] <= self.last_t

    def config_url(self, seed: bytes | None = None) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code."""
        issuer = str(settings.ENSTREAM_TOTP_ISSUER).replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode(
            {
                "secret": b32encode(seed or self.bin_key).decode().rstrip("="),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def normalise_backup_code(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def _format_backup_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class BackupCodeDevice(ThrottlingMixin, Device):
    """One-time codes for when the phone is lost; only their hashes are kept."""

    class Meta(Device.Meta):
        verbose_name = "backup codes"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def code_hash(self, code: str) -> str:
        # The device id salts the hash so one guess cannot be tried against every user at once.
        material = f"{self.pk}:{normalise_backup_code(code)}".encode()
        return hashlib.sha256(material).hexdigest()

    def issue_codes(self) -> list[str]:
        """Replace every code with fresh ones, returned once for the user to keep."""
        codes = [
            "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(_BACKUP_CODE_LENGTH))
            for _ in range(BACKUP_CODE_COUNT)
        ]
        self.codes.all().delete()
        BackupCode.objects.bulk_create(
            BackupCode(device=self, code_hash=self.code_hash(code)) for code in codes
        )
        return [_format_backup_code(code) for code in codes]

    def verify_token(self, token: str) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        if len(normalise_backup_code(str(token))) != _BACKUP_CODE_LENGTH:
            self.throttle_increment(commit=True)
            return False
        # Compare-and-set: of two requests racing with one code, only one marks it used.
        used = self.codes.filter(code_hash=self.code_hash(str(token)), used_at=None).update(
            used_at=timezone.now()
        )
        if not used:
            self.throttle_increment(commit=True)
            return False
        self.throttle_reset(commit=True)
        return True

    def is_used(self, token: str) -> bool:
        spent = self.codes.filter(used_at__isnull=False)
        return spent.filter(code_hash=self.code_hash(str(token))).exists()

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at=None).count()


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="backup_code_unique")
        ]

    def __str__(self) -> str:
        return f"backup code {self.pk} of {self.device}"
