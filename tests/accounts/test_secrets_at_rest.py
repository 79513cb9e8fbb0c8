"""The TOTP seed is never in the database in clear, and a sealed seed moved to another device
row does not open."""

import binascii
import uuid
from base64 import b32encode

import pytest
from django.db import connection

from enstream.accounts.devices import EncryptedTOTPDevice
from enstream.keystore import KeystoreError
from tests.accounts.helpers import TEST_TOTP_SEED, add_authenticator


def _all_rows_as_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
        rows = cursor.fetchall()
    parts = []
    for row in rows:
        for value in row:
            if isinstance(value, bytes | memoryview):
                value = bytes(value)
                parts += [value.hex(), value.decode("latin-1")]
            else:
                parts.append(str(value))
    return " ".join(parts)


def test_the_totp_seed_is_not_in_clear_in_any_row(cast) -> None:
    add_authenticator(cast.maple_admin)
    dump = _all_rows_as_text("accounts_encryptedtotpdevice") + _all_rows_as_text("keystore_secret")
    for form in (
        TEST_TOTP_SEED.decode(),
        TEST_TOTP_SEED.hex(),
        TEST_TOTP_SEED.hex().upper(),
        b32encode(TEST_TOTP_SEED).decode(),
        binascii.b2a_base64(TEST_TOTP_SEED).decode().strip(),
    ):
        assert form not in dump


def test_the_device_row_holds_only_a_reference_to_the_sealed_seed(cast) -> None:
    device = add_authenticator(cast.maple_admin)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_id FROM accounts_encryptedtotpdevice WHERE id = %s", [device.pk]
        )
        (secret_id,) = cursor.fetchone()
    assert uuid.UUID(str(secret_id)) == device.secret_id
    assert device.bin_key == TEST_TOTP_SEED


def test_a_seed_copied_to_another_device_does_not_open(cast) -> None:
    mine = add_authenticator(cast.maple_admin)
    theirs = add_authenticator(cast.prairie_admin, seed=b"another seed of 20 b")
    EncryptedTOTPDevice.objects.filter(pk=theirs.pk).update(secret=mine.secret)
    theirs.refresh_from_db()
    with pytest.raises(KeystoreError):
        theirs.bin_key  # noqa: B018 - reading it is the test
