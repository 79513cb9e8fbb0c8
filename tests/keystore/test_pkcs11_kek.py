"""The PKCS#11 backend against SoftHSM2: the KEK never leaves the token."""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import override_settings
from pkcs11 import Session

from enstream.keystore import KeystoreError, seal, unseal
from enstream.keystore.backends import backend_from_settings
from enstream.keystore.backends.pkcs11 import Pkcs11KekBackend, _open_session
from tests.keystore.conftest import PKCS11_MODULE, PKCS11_PIN, PKCS11_TOKEN

pytestmark = pytest.mark.django_db


def test_the_kek_is_sensitive_and_never_extractable(pkcs11_kek: Pkcs11KekBackend) -> None:
    attributes = pkcs11_kek.key_attributes(pkcs11_kek.active_version())
    assert attributes == {
        "sensitive": True,
        "extractable": False,
        "never_extractable": True,
        "always_sensitive": True,
    }


def test_the_kek_value_cannot_be_read_from_the_token(pkcs11_kek: Pkcs11KekBackend) -> None:
    from pkcs11 import Attribute
    from pkcs11.exceptions import AttributeSensitive

    def read_value(session: Session) -> bytes:
        return pkcs11_kek._kek(session, pkcs11_kek.active_version())[Attribute.VALUE]

    with pytest.raises(AttributeSensitive):
        pkcs11_kek._run(read_value)


def test_a_new_version_gets_the_next_label(pkcs11_kek: Pkcs11KekBackend) -> None:
    assert pkcs11_kek.versions() == [1]
    assert pkcs11_kek.create_version() == 2
    assert pkcs11_kek.versions() == [1, 2]
    assert pkcs11_kek.active_version() == 2


def test_the_process_shares_one_session_per_token(pkcs11_kek: Pkcs11KekBackend) -> None:
    first = _open_session(PKCS11_MODULE, PKCS11_TOKEN, PKCS11_PIN)
    seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")
    another_backend = backend_from_settings()
    another_backend.versions()
    assert _open_session(PKCS11_MODULE, PKCS11_TOKEN, PKCS11_PIN) is first


def test_many_threads_seal_and_unseal_at_once(pkcs11_kek: Pkcs11KekBackend) -> None:
    data_keys = [bytes([i]) * 32 for i in range(64)]
    barrier = threading.Barrier(8)

    def round_trip(data_key: bytes) -> bytes:
        if data_key[0] < 8:
            barrier.wait()
        version = pkcs11_kek.active_version()
        return pkcs11_kek.unwrap(pkcs11_kek.wrap(data_key, version=version), version=version)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(round_trip, data_keys)) == data_keys


def test_a_token_without_a_kek_asks_for_rotate_kek(pkcs11_kek: Pkcs11KekBackend) -> None:
    with (
        override_settings(ENSTREAM_PKCS11_KEK_LABEL=pkcs11_kek.label_prefix + "-none"),
        pytest.raises(KeystoreError, match="rotate_kek"),
    ):
        seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")


def test_an_unknown_token_is_named_in_the_error(pkcs11_kek: Pkcs11KekBackend) -> None:
    backend = Pkcs11KekBackend(
        module=PKCS11_MODULE, token_label="no-such-token", pin="0000", label_prefix="x"
    )
    with pytest.raises(KeystoreError, match="no-such-token"):
        backend.versions()


def test_a_missing_pin_is_refused_before_the_token_is_touched(pkcs11_kek: Pkcs11KekBackend) -> None:
    backend = Pkcs11KekBackend(
        module=PKCS11_MODULE, token_label="another-token", pin=None, label_prefix="x"
    )
    with pytest.raises(KeystoreError, match="ENSTREAM_PKCS11_PIN"):
        backend.versions()


def test_a_secret_sealed_in_the_hsm_does_not_open_with_the_file_kek(
    pkcs11_kek: Pkcs11KekBackend, tmp_path: Path
) -> None:
    secret = seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")
    with (
        override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=tmp_path / "k.json"),
        pytest.raises(KeystoreError),
    ):
        unseal(secret, purpose="accounts.totp", owner="accounts.totp:1")
