import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The cast has eleven users; PBKDF2 at production strength would dominate every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
