"""KEK backends for the keystore tests: the file keyring and SoftHSM2 through PKCS#11.

SoftHSM2's token comes from scripts/softhsm_init.sh (run by `make test`). With CI=true a
missing module or token fails the run; elsewhere those tests are skipped.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from enstream.keystore.backends import KekBackend, get_backend

# scripts/softhsm_init.sh keeps the token under var/softhsm/ when it cannot use the system's
# token directory; SoftHSM2 reads SOFTHSM2_CONF when the library first loads.
_LOCAL_SOFTHSM_CONF = Path(__file__).resolve().parents[2] / "var" / "softhsm" / "softhsm2.conf"
if "SOFTHSM2_CONF" not in os.environ and _LOCAL_SOFTHSM_CONF.exists():
    os.environ["SOFTHSM2_CONF"] = str(_LOCAL_SOFTHSM_CONF)

PKCS11_MODULE = os.environ.get("ENSTREAM_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
PKCS11_TOKEN = os.environ.get("ENSTREAM_PKCS11_TEST_TOKEN", "enstream-test")
PKCS11_PIN = os.environ.get("ENSTREAM_PKCS11_TEST_PIN", "123456")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"SoftHSM2 is required in CI: {reason}")
    pytest.skip(f"SoftHSM2 not available ({reason}); run scripts/softhsm_init.sh")


def destroy_keks(prefix: str) -> None:
    from pkcs11 import Attribute, ObjectClass

    from enstream.keystore.backends.pkcs11 import _open_session

    shared = _open_session(PKCS11_MODULE, PKCS11_TOKEN, PKCS11_PIN)
    with shared.lock:
        query = {Attribute.CLASS: ObjectClass.SECRET_KEY}
        for obj in list(shared.session.get_objects(query)):
            if (obj[Attribute.LABEL] or "").startswith(prefix + "-v"):
                obj.destroy()


@pytest.fixture
def file_kek(tmp_path: Path) -> Iterator[KekBackend]:
    with override_settings(ENSTREAM_KEK_BACKEND="file", ENSTREAM_KEK_FILE=tmp_path / "kek.json"):
        yield get_backend()


@pytest.fixture
def pkcs11_kek() -> Iterator[KekBackend]:
    if not Path(PKCS11_MODULE).exists():
        _unavailable(f"no PKCS#11 module at {PKCS11_MODULE}")
    from enstream.keystore.errors import KeystoreError

    # Each test gets its own KEK labels, so parallel runs sharing the token never collide.
    prefix = f"enstream-kek-test-{uuid.uuid4().hex[:12]}"
    with override_settings(
        ENSTREAM_KEK_BACKEND="pkcs11",
        ENSTREAM_PKCS11_MODULE=PKCS11_MODULE,
        ENSTREAM_PKCS11_TOKEN=PKCS11_TOKEN,
        ENSTREAM_PKCS11_PIN=PKCS11_PIN,
        ENSTREAM_PKCS11_KEK_LABEL=prefix,
    ):
        backend = get_backend()
        try:
            backend.create_version()
        except KeystoreError as exc:
            _unavailable(str(exc))
        try:
            yield backend
        finally:
            destroy_keks(prefix)


@pytest.fixture(params=["file", "pkcs11"])
def kek(request: pytest.FixtureRequest) -> KekBackend:
    """Every backend in turn: tests using it run once with the file KEK, once with SoftHSM2."""
    return request.getfixturevalue(f"{request.param}_kek")
