"""Signing a test client in past the second factor, the way django-otp marks a session."""

from django.apps import apps
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from enstream.accounts.models import User


def sign_in(client: Client, user: User) -> Client:
    client.force_login(user)
    try:
        device_model = apps.get_model("accounts", "EncryptedTOTPDevice")
    except LookupError:
        return client
    device, _ = device_model.objects.get_or_create(
        user=user, name="test authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
