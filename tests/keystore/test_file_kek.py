"""The embedded default's KEK file: created 0600 on first use, refused when others may read it."""

import json
import os
import stat
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from enstream.keystore import KeystoreError, Secret, seal, unseal
from enstream.keystore.backends.file import FileKekBackend

pytestmark = pytest.mark.django_db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_kek_file_is_created_on_first_use_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kek.json"
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=path):
        seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")
    assert mode(path) == 0o600
    keyring = json.loads(path.read_text())
    assert keyring["active"] == 1
    assert list(keyring["versions"]) == ["1"]


def test_the_kek_file_stays_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        FileKekBackend(tmp_path / "kek.json").create_version()
    finally:
        os.umask(previous)
    assert mode(tmp_path / "kek.json") == 0o600


@pytest.mark.parametrize("wider", [0o644, 0o640, 0o604, 0o660, 0o666], ids=oct)
def test_a_kek_file_others_can_read_or_write_is_refused(tmp_path: Path, wider: int) -> None:
    path = tmp_path / "kek.json"
    FileKekBackend(path)
    path.chmod(wider)
    with pytest.raises(KeystoreError, match=f"mode {wider:04o}.*chmod 600"):
        FileKekBackend(path)


def test_a_kek_file_loosened_while_running_is_refused_at_the_next_use(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=path):
        secret = seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")
        path.chmod(0o644)
        with pytest.raises(KeystoreError, match="mode 0644"):
            unseal(secret, purpose="accounts.totp", owner="accounts.totp:1")


def test_the_system_check_refuses_to_start_with_a_world_readable_kek_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    FileKekBackend(path)
    path.chmod(0o644)
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=path):
        errors = [m for m in run_checks() if m.id == "keystore.E001"]
    assert errors
    assert "chmod 600" in errors[0].msg


def test_the_system_check_is_quiet_for_a_private_kek_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    FileKekBackend(path)
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=path):
        assert not [m for m in run_checks() if m.id.startswith("keystore.")]


def test_an_existing_keyring_is_reused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    first = FileKekBackend(path)
    wrapped = first.wrap(b"k" * 32, version=1)
    assert FileKekBackend(path).unwrap(wrapped, version=1) == b"k" * 32


def test_a_rotation_by_another_process_is_seen_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    running = FileKekBackend(path)
    FileKekBackend(path).create_version()  # `manage.py rotate_kek` in another process
    assert running.active_version() == 2


def test_a_malformed_kek_file_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    path.write_text(
        '{"format": "enstream-keyring/1", "active": 1, "versions": {"1": {"key": "AAAA"}}}'
    )
    path.chmod(0o600)
    with pytest.raises(KeystoreError, match="malformed") as caught:
        FileKekBackend(path)
    assert "AAAA" not in str(caught.value)


def test_the_kek_file_holds_no_plaintext_secret(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=path):
        secret = seal(b"4111111111111111", purpose="issuers.card", owner="issuers.credential:1")
    assert b"4111111111111111" not in path.read_bytes()
    assert Secret.objects.filter(pk=secret.pk).exists()
