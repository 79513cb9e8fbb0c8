"""Signing a cast user in for page tests, second factor included.

from tests.accounts.helpers import login_verified

def test_maple_admin_sees_the_users_page(client, cast):
    login_verified(client, cast.maple_admin)
    assert client.get("/accounts/users/").status_code == 200
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from enstream.accounts.devices import EncryptedTOTPDevice
from enstream.accounts.models import User

# RFC 6238's test seed: known to the tests, never used outside them.
TEST_TOTP_SEED = b"12345678901234567890"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def add_authenticator(user: User, *, seed: bytes = TEST_TOTP_SEED) -> EncryptedTOTPDevice:
    """Give `user` a confirmed authenticator app whose seed is `seed`."""
    device = EncryptedTOTPDevice.objects.create(user=user, name="Authenticator app")
    device.seal_seed(seed)
    return device


def totp_code(seed: bytes = TEST_TOTP_SEED, *, steps: int = 0) -> str:
    """The code an authenticator app with `seed` shows now (or `steps` periods away)."""
    return f"{totp(seed, drift=steps):06d}"


def login_verified(client: Client, user: User) -> EncryptedTOTPDevice:
    """Sign `user` in on `client` as if they had passed password and second factor."""
    device = EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = add_authenticator(user)
    client.force_login(user, backend=_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login_password_only(client: Client, user: User) -> None:
    """Sign `user` in with no second factor passed in this session (what the middleware
    must stop)."""
    client.force_login(user, backend=_BACKEND)
