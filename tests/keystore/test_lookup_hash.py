"""Keyed look-up hashes for card numbers: stable, purpose-separated, keyed apart from the KEK."""

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from enstream.keystore import KeystoreError, lookup_hash

PAN = "4111111111111111"


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Path]:
    with override_settings(ENSTREAM_LOOKUP_HASH_KEY=None, ENSTREAM_KEK_FILE=tmp_path / "kek.json"):
        yield tmp_path


def test_the_same_card_hashes_the_same_way_every_time(embedded: Path) -> None:
    assert lookup_hash(PAN, purpose="issuers.pan") == lookup_hash(PAN, purpose="issuers.pan")


def test_the_hash_is_sha256_hex_and_not_a_plain_digest(embedded: Path) -> None:
    value = lookup_hash(PAN, purpose="issuers.pan")
    assert len(value) == 64
    assert value != hashlib.sha256(PAN.encode()).hexdigest()
    assert PAN not in value


def test_two_purposes_give_unrelated_hashes(embedded: Path) -> None:
    assert lookup_hash(PAN, purpose="issuers.pan") != lookup_hash(PAN, purpose="billing.pan")


def test_the_embedded_key_file_is_created_0600_beside_the_kek_file(embedded: Path) -> None:
    lookup_hash(PAN, purpose="issuers.pan")
    key_file = embedded / "lookup_hash.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not (embedded / "kek.json").exists()


def test_a_world_readable_key_file_is_refused(embedded: Path) -> None:
    key_file = embedded / "lookup_hash.key"
    key_file.write_text("00" * 32)
    key_file.chmod(0o644)
    with pytest.raises(KeystoreError, match="chmod 600"):
        lookup_hash(PAN, purpose="issuers.pan")


def test_the_configured_key_is_used_and_changes_every_hash(embedded: Path) -> None:
    from_file = lookup_hash(PAN, purpose="issuers.pan")
    with override_settings(ENSTREAM_LOOKUP_HASH_KEY="ab" * 32):
        configured = lookup_hash(PAN, purpose="issuers.pan")
    assert configured != from_file
    with override_settings(ENSTREAM_LOOKUP_HASH_KEY="ab" * 32):
        assert lookup_hash(PAN, purpose="issuers.pan") == configured


@pytest.mark.parametrize("bad", ["not hex at all", "ab" * 16], ids=["not hex", "too short"])
def test_a_weak_or_malformed_configured_key_is_refused(embedded: Path, bad: str) -> None:
    with (
        override_settings(ENSTREAM_LOOKUP_HASH_KEY=bad),
        pytest.raises(KeystoreError, match="ENSTREAM_LOOKUP_HASH_KEY") as caught,
    ):
        lookup_hash(PAN, purpose="issuers.pan")
    assert bad not in str(caught.value)
