"""Second-factor services: enrol an authenticator app, verify its codes, backup codes.

Every outcome that matters is audited. A failed verification is written to the audit log and
then raised, outside the transaction, so the device's throttling counters and the audit entry
are kept even though the caller sees an error.
"""

import math
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.accounts.devices import (
    TOTP_SEED_BYTES,
    BackupCodeDevice,
    EncryptedTOTPDevice,
)
from enstream.accounts.errors import AccountsError
from enstream.accounts.models import User
from enstream.audit.services import audit_record
from enstream.keystore import secret_destroy

WRONG_CODE = "That code is not valid. Enter the 6-digit code your authenticator app shows now."
REPLAYED_CODE = "That code has already been used. Wait for the next code and enter that one."
WRONG_BACKUP_CODE = "That backup code is not valid. Check it and try again."
USED_BACKUP_CODE = "That backup code has already been used. Each code works only once."


def has_authenticator(user: User) -> bool:
    return EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _throttled(info: dict[str, Any] | None) -> AccountsError:
    until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return AccountsError(
        f"Too many wrong codes in a row. Wait {seconds} second{'s' * (seconds != 1)} "
        "before trying again.",
        code="throttled",
    )


def _audit(user: User, action: str, **kwargs: Any) -> None:
    audit_record(action=action, obj=user, organisation=user.organisation_id, actor=user, **kwargs)


def _delete_totp_devices(devices: list[EncryptedTOTPDevice]) -> None:
    # The keystore keeps a wiped row as the record that the seed existed.
    for device in devices:
        secret = device.secret
        device.delete()
        if secret is not None:
            secret_destroy(secret)


def totp_enrolment_start(*, user: User) -> EncryptedTOTPDevice:
    """The user's authenticator app waiting for its first code, made with a fresh seed if
    there is none, so that reloading the page keeps the QR code already scanned."""
    with transaction.atomic():
        device = (
            EncryptedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, secret__isnull=False)
            .first()
        )
        if device is None:
            device = EncryptedTOTPDevice.objects.create(
                user=user, name="Authenticator app", confirmed=False
            )
            device.seal_seed(secrets.token_bytes(TOTP_SEED_BYTES))
    return device


def totp_enrolment_confirm(*, user: User, code: str) -> tuple[EncryptedTOTPDevice, list[str]]:
    """Confirm the pending authenticator app with its first code. It replaces any earlier one,
    and a fresh set of backup codes is issued and returned, the only time they are seen."""
    with transaction.atomic():
        device = (
            EncryptedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, secret__isnull=False)
            .first()
        )
        if device is None:
            raise AccountsError(
                "Your set-up has expired. Scan the new QR code and try again.", code="no_device"
            )
        allowed, info = device.verify_is_allowed()
        verified = allowed and device.verify_token(code)
        codes: list[str] = []
        if verified:
            previous = list(EncryptedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk))
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _delete_totp_devices(previous)
            backup, _ = BackupCodeDevice.objects.get_or_create(
                user=user, defaults={"name": "Backup codes"}
            )
            codes = backup.issue_codes()
            _audit(user, "second_factor.enrolled", changes={"replaced": len(previous)})
    if not allowed:
        raise _throttled(info)
    if not verified:
        raise AccountsError(WRONG_CODE, code="wrong_code")
    return device, codes


def second_factor_verify(*, user: User, code: str) -> EncryptedTOTPDevice:
    """Check a code from the user's authenticator app. A code is accepted once only."""
    with transaction.atomic():
        device = (
            EncryptedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .first()
        )
        if device is None:
            raise AccountsError("You have no authenticator app set up.", code="no_device")
        allowed, info = device.verify_is_allowed()
        verified = allowed and device.verify_token(code)
        replayed = allowed and not verified and device.is_replay(code)
        if verified:
            _audit(user, "second_factor.verified")
        elif allowed:
            _audit(
                user,
                "second_factor.failed",
                outcome="failure",
                detail="replayed code" if replayed else "wrong code",
            )
    if not allowed:
        raise _throttled(info)
    if replayed:
        raise AccountsError(REPLAYED_CODE, code="replayed")
    if not verified:
        raise AccountsError(WRONG_CODE, code="wrong_code")
    return device


def backup_code_verify(*, user: User, code: str) -> BackupCodeDevice:
    """Accept one unused backup code in place of the authenticator app, and spend it."""
    with transaction.atomic():
        device = (
            BackupCodeDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        )
        if device is None:
            raise AccountsError("You have no backup codes.", code="no_device")
        allowed, info = device.verify_is_allowed()
        verified = allowed and device.verify_token(code)
        used = allowed and not verified and device.is_used(code)
        if verified:
            _audit(
                user,
                "second_factor.backup_code_used",
                changes={"remaining": device.remaining},
            )
        elif allowed:
            _audit(
                user,
                "second_factor.failed",
                outcome="failure",
                detail="used backup code" if used else "wrong backup code",
            )
    if not allowed:
        raise _throttled(info)
    if used:
        raise AccountsError(USED_BACKUP_CODE, code="replayed")
    if not verified:
        raise AccountsError(WRONG_BACKUP_CODE, code="wrong_code")
    return device


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes; the new ones are returned once and never again."""
    if not has_authenticator(user):
        raise AccountsError("Set up an authenticator app before backup codes.", code="no_device")
    device, _ = BackupCodeDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    codes = device.issue_codes()
    _audit(user, "second_factor.backup_codes_issued")
    return codes


@transaction.atomic
def second_factor_devices_remove(*, user: User, actor: User, reason: str) -> None:
    """Remove every second-factor device of `user`. Callers decide who may (services.py)."""
    totp = list(EncryptedTOTPDevice.objects.select_for_update().filter(user=user))
    removed = sum(device.confirmed for device in totp)
    _delete_totp_devices(totp)
    BackupCodeDevice.objects.filter(user=user).delete()
    audit_record(
        action="second_factor.removed",
        obj=user,
        organisation=user.organisation_id,
        actor=actor,
        changes={"authenticators": removed},
        detail=reason,
    )
