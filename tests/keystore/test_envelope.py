"""Sealing and unsealing, on every KEK backend."""

import uuid

import pytest

from enstream.keystore import KeystoreError, Secret, reseal, seal, unseal
from enstream.keystore.backends import KekBackend

pytestmark = pytest.mark.django_db

SE_KEY = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
PURPOSE = "mno.isd.enc"
OWNER = "mno.se:8901260012345678901:isd"


def reloaded(secret: Secret) -> Secret:
    return Secret.objects.get(pk=secret.pk)


def test_a_sealed_secret_unseals_to_the_same_bytes(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    stored = reloaded(secret)
    assert unseal(stored, purpose=PURPOSE, owner=OWNER) == SE_KEY
    assert stored.kek_version == kek.active_version()


def test_the_row_holds_neither_the_plaintext_nor_the_data_key_in_clear(kek: KekBackend) -> None:
    secret = reloaded(seal(SE_KEY, purpose=PURPOSE, owner=OWNER))
    data_key = kek.unwrap(bytes(secret.wrapped_key), version=secret.kek_version)
    for column in (secret.wrapped_key, secret.nonce, secret.ciphertext):
        assert SE_KEY not in bytes(column)
        assert data_key not in bytes(column)
    assert len(data_key) == 32


def test_each_secret_gets_its_own_data_key_and_nonce(kek: KekBackend) -> None:
    first = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    second = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    assert first.wrapped_key != second.wrapped_key
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_an_empty_secret_round_trips(kek: KekBackend) -> None:
    secret = seal(b"", purpose="issuers.webhook", owner="issuers.webhook:1")
    assert unseal(reloaded(secret), purpose="issuers.webhook", owner="issuers.webhook:1") == b""


@pytest.mark.parametrize(
    ("purpose", "owner"),
    [
        ("mno.isd.mac", OWNER),
        (PURPOSE, "mno.se:8901260012345678902:isd"),
    ],
    ids=["another purpose", "another owner"],
)
def test_unsealing_for_another_purpose_or_owner_is_refused(
    kek: KekBackend, purpose: str, owner: str
) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    with pytest.raises(KeystoreError, match="not sealed for that purpose and owner") as caught:
        unseal(secret, purpose=purpose, owner=owner)
    assert SE_KEY.hex() not in str(caught.value).lower()


def tamper(secret: Secret, column: str) -> None:
    value = bytearray(getattr(secret, column))
    value[len(value) // 2] ^= 0x01
    Secret.objects.filter(pk=secret.pk).update(**{column: bytes(value)})


@pytest.mark.parametrize("column", ["ciphertext", "nonce", "wrapped_key"])
def test_a_flipped_bit_in_any_stored_column_is_detected(kek: KekBackend, column: str) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    tamper(secret, column)
    with pytest.raises(KeystoreError) as caught:
        unseal(reloaded(secret), purpose=PURPOSE, owner=OWNER)
    assert SE_KEY.hex() not in str(caught.value).lower()


@pytest.mark.parametrize(
    "change",
    [{"owner": "mno.se:8901260012345678902:isd"}, {"purpose": "mno.isd.mac"}],
    ids=["owner rewritten", "purpose rewritten"],
)
def test_rewriting_the_binding_in_the_database_is_detected(kek: KekBackend, change: dict) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    Secret.objects.filter(pk=secret.pk).update(**change)
    stored = reloaded(secret)
    with pytest.raises(KeystoreError, match="authentication failed"):
        unseal(stored, purpose=stored.purpose, owner=stored.owner)


def test_an_envelope_copied_onto_another_row_does_not_open(kek: KekBackend) -> None:
    victim = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    other = seal(b"attacker's own key", purpose=PURPOSE, owner=OWNER)
    Secret.objects.filter(pk=other.pk).update(
        wrapped_key=victim.wrapped_key,
        nonce=victim.nonce,
        ciphertext=victim.ciphertext,
    )
    with pytest.raises(KeystoreError, match="authentication failed"):
        unseal(reloaded(other), purpose=PURPOSE, owner=OWNER)


def test_a_data_key_claimed_under_another_kek_version_does_not_unwrap(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    kek.create_version()
    Secret.objects.filter(pk=secret.pk).update(kek_version=kek.active_version())
    with pytest.raises(KeystoreError, match="does not unwrap"):
        unseal(reloaded(secret), purpose=PURPOSE, owner=OWNER)


def test_replacing_a_secret_keeps_its_id_and_changes_every_envelope_part(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    before = (bytes(secret.wrapped_key), bytes(secret.nonce), bytes(secret.ciphertext))
    new_key = bytes(range(16))
    secret.replace(new_key)
    stored = reloaded(secret)
    assert stored.pk == secret.pk
    assert unseal(stored, purpose=PURPOSE, owner=OWNER) == new_key
    after = (bytes(stored.wrapped_key), bytes(stored.nonce), bytes(stored.ciphertext))
    assert all(old != new for old, new in zip(before, after, strict=True))


def test_reseal_refuses_a_caller_naming_another_owner(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    with pytest.raises(KeystoreError):
        reseal(secret, b"other", purpose=PURPOSE, owner="mno.se:other:isd")


def test_a_destroyed_secret_keeps_no_envelope_and_cannot_be_unsealed(kek: KekBackend) -> None:
    secret = seal(b"4111111111111111", purpose="issuers.card", owner="issuers.credential:7")
    secret.destroy()
    stored = reloaded(secret)
    assert stored.is_destroyed
    assert bytes(stored.wrapped_key) == bytes(stored.nonce) == bytes(stored.ciphertext) == b""
    with pytest.raises(KeystoreError, match="destroyed"):
        unseal(stored, purpose="issuers.card", owner="issuers.credential:7")


def test_the_repr_shows_id_purpose_and_kek_version_only(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    text = repr(secret) + str(secret)
    assert str(secret.pk) in text
    assert PURPOSE in text
    assert f"v{secret.kek_version}" in text
    for secret_part in (SE_KEY, secret.ciphertext, secret.wrapped_key, secret.nonce):
        assert bytes(secret_part).hex() not in text.lower()
        assert repr(bytes(secret_part)) not in text


@pytest.mark.parametrize(
    ("purpose", "owner"),
    [("", OWNER), ("Bad Purpose", OWNER), (PURPOSE, ""), (PURPOSE, "x" * 201)],
    ids=["empty purpose", "purpose with spaces", "empty owner", "owner too long"],
)
def test_a_malformed_binding_is_refused_before_anything_is_stored(
    file_kek: KekBackend, purpose: str, owner: str
) -> None:
    with pytest.raises(KeystoreError):
        seal(SE_KEY, purpose=purpose, owner=owner)
    assert not Secret.objects.exists()


def test_only_bytes_can_be_sealed(file_kek: KekBackend) -> None:
    with pytest.raises(KeystoreError, match="only bytes"):
        seal("4111111111111111", purpose=PURPOSE, owner=OWNER)  # type: ignore[arg-type]


def test_the_secret_id_is_a_uuid_given_before_the_row_is_saved(file_kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose=PURPOSE, owner=OWNER)
    assert isinstance(secret.pk, uuid.UUID)
