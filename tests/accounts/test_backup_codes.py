"""Backup codes: each works once, and only their hashes are stored."""

from django.db import connection

from enstream.accounts.devices import BackupCodeDevice
from enstream.accounts.second_factor import backup_codes_regenerate
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import add_authenticator, login_verified
from tests.cast import PASSWORD

BACKUP = "/accounts/second-factor/backup-code/"


def _codes_for(user) -> list[str]:
    add_authenticator(user)
    return backup_codes_regenerate(user=user)


def _password_step(client, user) -> None:
    client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})


def test_a_backup_code_signs_in_in_place_of_the_app(client, cast) -> None:
    codes = _codes_for(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(BACKUP, {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    entry = AuditEntry.objects.get(action="second_factor.backup_code_used")
    assert entry.changes == {"remaining": 9}


def test_a_backup_code_is_accepted_without_dashes_and_in_capitals(client, cast) -> None:
    codes = _codes_for(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(BACKUP, {"code": codes[1].replace("-", " ").upper()})
    assert response.status_code == 302


def test_a_used_backup_code_is_refused(client, cast) -> None:
    codes = _codes_for(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    client.post(BACKUP, {"code": codes[0]})
    client.post("/accounts/logout/")
    _password_step(client, cast.maple_admin)
    response = client.post(BACKUP, {"code": codes[0]})
    assert response.status_code == 200
    assert "That backup code has already been used." in response.text


def test_a_wrong_backup_code_is_refused(client, cast) -> None:
    _codes_for(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(BACKUP, {"code": "abcd-efgh-jkmn-pqrs"})
    assert response.status_code == 200
    assert "That backup code is not valid." in response.text


def test_few_remaining_codes_bring_a_warning(client, cast) -> None:
    codes = _codes_for(cast.maple_admin)
    device = BackupCodeDevice.objects.get(user=cast.maple_admin)
    device.codes.exclude(code_hash=device.code_hash(codes[0])).update(used_at="2026-01-01T00:00Z")
    _password_step(client, cast.maple_admin)
    response = client.post(BACKUP, {"code": codes[0]}, follow=True)
    assert "You have 0 backup codes left." in response.text


def test_backup_codes_are_stored_hashed(cast) -> None:
    codes = _codes_for(cast.maple_admin)
    with connection.cursor() as cursor:
        cursor.execute("SELECT code_hash FROM accounts_backupcode")
        stored = " ".join(row[0] for row in cursor.fetchall())
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    assert len(stored.split()) == 10


def test_making_new_codes_from_the_account_page_voids_the_old_ones(client, cast) -> None:
    old = _codes_for(cast.maple_admin)
    login_verified(client, cast.maple_admin)
    response = client.post("/accounts/account/", {"action": "backup_codes"})
    assert response.status_code == 200
    assert "They are shown only now" in response.text
    device = BackupCodeDevice.objects.get(user=cast.maple_admin)
    assert not device.codes.filter(code_hash=device.code_hash(old[0])).exists()
    assert AuditEntry.objects.filter(action="second_factor.backup_codes_issued").count() == 2
