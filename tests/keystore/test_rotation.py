"""`manage.py rotate_kek`: a new KEK version, every data key rewrapped, no ciphertext touched."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from enstream.keystore import Secret, seal, unseal
from enstream.keystore.backends import KekBackend

pytestmark = pytest.mark.django_db

KEYS = {f"mno.se:89012600000000000{i:02d}:isd": bytes([i]) * 16 for i in range(7)}


def seal_all() -> dict[str, Secret]:
    return {owner: seal(key, purpose="mno.isd.enc", owner=owner) for owner, key in KEYS.items()}


def snapshot() -> dict[str, tuple[int, bytes, bytes, bytes]]:
    return {
        s.owner: (s.kek_version, bytes(s.wrapped_key), bytes(s.nonce), bytes(s.ciphertext))
        for s in Secret.objects.all()
    }


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_kek", *args, "--batch-size", "3", stdout=out, stderr=out)
    return out.getvalue()


def test_rotation_keeps_every_secret_readable_and_rewraps_only_the_data_keys(
    kek: KekBackend,
) -> None:
    seal_all()
    before = snapshot()
    old_version = kek.active_version()

    output = rotate()

    new_version = kek.active_version()
    assert new_version == old_version + 1
    assert f"created KEK v{new_version}" in output
    assert f"rewrapped {len(KEYS)} data keys under v{new_version}" in output
    after = snapshot()
    for owner, key in KEYS.items():
        version, wrapped, nonce, ciphertext = after[owner]
        assert version == new_version
        assert wrapped != before[owner][1]
        assert (nonce, ciphertext) == before[owner][2:]
        stored = Secret.objects.get(owner=owner)
        assert unseal(stored, purpose="mno.isd.enc", owner=owner) == key


def test_resuming_a_finished_rotation_changes_nothing(kek: KekBackend) -> None:
    seal_all()
    rotate()
    before = snapshot()
    output = rotate("--resume")
    assert "rewrapped 0 data keys" in output
    assert f"already under v{kek.active_version()}: {len(KEYS)}" in output
    assert snapshot() == before


def test_resume_picks_up_secrets_sealed_under_an_older_version(kek: KekBackend) -> None:
    seal_all()
    kek.create_version()  # a rotation interrupted after creating the version
    output = rotate("--resume")
    assert f"rewrapped {len(KEYS)} data keys" in output
    assert {version for version, *_ in snapshot().values()} == {kek.active_version()}


def test_an_old_version_is_retired_only_once_no_secret_uses_it(kek: KekBackend) -> None:
    seal_all()
    first = kek.active_version()
    kek.create_version()
    with pytest.raises(CommandError, match=f"KEK v{first} still wraps {len(KEYS)} secrets"):
        rotate("--retire", str(first))
    rotate("--resume")
    rotate("--retire", str(first))
    assert first not in kek.versions()
    for owner, key in KEYS.items():
        assert unseal(Secret.objects.get(owner=owner), purpose="mno.isd.enc", owner=owner) == key


def test_the_active_version_cannot_be_retired(kek: KekBackend) -> None:
    with pytest.raises(CommandError, match="active"):
        rotate("--retire", str(kek.active_version()))


def test_a_data_key_that_does_not_unwrap_is_reported_and_left_alone(kek: KekBackend) -> None:
    seal_all()
    broken = Secret.objects.get(owner=next(iter(KEYS)))
    Secret.objects.filter(pk=broken.pk).update(wrapped_key=b"\x00" * 40)
    with pytest.raises(CommandError, match="1 data keys could not be rewrapped"):
        rotate()
    broken.refresh_from_db()
    assert broken.kek_version == kek.active_version() - 1
    assert bytes(broken.wrapped_key) == b"\x00" * 40
    assert Secret.objects.filter(kek_version=kek.active_version()).count() == len(KEYS) - 1


def test_destroyed_secrets_are_not_rewrapped(kek: KekBackend) -> None:
    secrets_ = seal_all()
    next(iter(secrets_.values())).destroy()
    output = rotate()
    assert f"rewrapped {len(KEYS) - 1} data keys" in output


def test_status_lists_versions_and_how_many_secrets_each_wraps(kek: KekBackend) -> None:
    seal_all()
    kek.create_version()
    output = rotate("--status")
    assert f"v{kek.active_version() - 1}: {len(KEYS)} secrets" in output
    assert f"v{kek.active_version()}: 0 secrets (active)" in output
