import pytest

from enstream.keystore import KeystoreError, Secret, seal, unseal
from enstream.keystore.backends import KekBackend

pytestmark = pytest.mark.django_db

SE_KEY = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
OWNER = "mno.se:8901260012345678901:isd"


def test_a_sealed_secret_unseals_to_the_same_bytes(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose="mno.isd.enc", owner=OWNER)
    stored = Secret.objects.get(pk=secret.pk)
    assert unseal(stored, purpose="mno.isd.enc", owner=OWNER) == SE_KEY
    assert stored.kek_version == kek.active_version()
    assert SE_KEY not in bytes(stored.ciphertext)


def test_unsealing_for_another_owner_is_refused(kek: KekBackend) -> None:
    secret = seal(SE_KEY, purpose="mno.isd.enc", owner=OWNER)
    with pytest.raises(KeystoreError):
        unseal(secret, purpose="mno.isd.enc", owner="mno.se:other:isd")
