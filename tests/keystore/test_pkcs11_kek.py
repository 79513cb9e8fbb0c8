"""The PKCS#11 backend against SoftHSM2: the KEK never leaves the token."""

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from pkcs11 import Session

from enstream.keystore import KeystoreError, seal, unseal
from enstream.keystore.backends import backend_from_settings
from enstream.keystore.backends.pkcs11 import Pkcs11KekBackend, _open_session
from tests.keystore.conftest import PKCS11_MODULE, PKCS11_PIN, PKCS11_TOKEN, destroy_keks

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


def test_a_forked_worker_opens_its_own_session_and_unwraps(pkcs11_kek: Pkcs11KekBackend) -> None:
    version = pkcs11_kek.active_version()
    wrapped = pkcs11_kek.wrap(b"d" * 32, version=version)
    parent_session = _open_session(PKCS11_MODULE, PKCS11_TOKEN, PKCS11_PIN)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a Celery prefork worker would be
        try:
            unwrapped = pkcs11_kek.unwrap(wrapped, version=version)
            own = _open_session(PKCS11_MODULE, PKCS11_TOKEN, PKCS11_PIN) is not parent_session
            os.write(writer, b"ok" if unwrapped == b"d" * 32 and own else b"shared or wrong")
        except BaseException as exc:
            os.write(writer, type(exc).__name__.encode())
        finally:
            os._exit(0)
    os.close(writer)
    answer = os.read(reader, 100)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert pkcs11_kek.unwrap(wrapped, version=version) == b"d" * 32


def test_rotate_kek_creates_the_first_kek_in_an_empty_token(pkcs11_kek: Pkcs11KekBackend) -> None:
    prefix = pkcs11_kek.label_prefix + "-fresh"
    out = io.StringIO()
    try:
        with override_settings(ENSTREAM_PKCS11_KEK_LABEL=prefix):
            call_command("rotate_kek", stdout=out)
            secret = seal(b"seed", purpose="accounts.totp", owner="accounts.totp:1")
            assert secret.kek_version == 1
    finally:
        destroy_keks(prefix)
    assert "created KEK v1" in out.getvalue()


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"ENSTREAM_PKCS11_PIN": None}, "keystore.E002"),
        ({"ENSTREAM_PKCS11_MODULE": "/nonexistent/libpkcs11.so"}, "keystore.E003"),
    ],
    ids=["no PIN", "no module"],
)
def test_the_system_check_refuses_an_unusable_hsm_configuration(
    overrides: dict[str, str | None], check_id: str
) -> None:
    settings_ = {
        "ENSTREAM_KEK_BACKEND": "pkcs11",
        "ENSTREAM_PKCS11_PIN": "123456",
        "ENSTREAM_PKCS11_MODULE": PKCS11_MODULE,
        **overrides,
    }
    with override_settings(**settings_):
        assert check_id in {message.id for message in run_checks()}
