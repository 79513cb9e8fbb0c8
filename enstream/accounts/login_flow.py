"""The sign-in in two steps, kept in the session between them.

A correct password alone does not sign anyone in who has (or must have) a second factor: the
user is remembered as *pending*, and Django's `login()` runs only once the second factor is
passed. So a password alone opens no page and no session-authenticated API, and django-axes
(which forgets failures at each successful login) counts wrong codes together with wrong
passwords until the whole sign-in succeeds.
"""

import time

from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.models import Device

from enstream.accounts.models import User

_PENDING_KEY = "accounts_pending_login"
# Long enough to install an authenticator app and scan a QR code; no longer.
PENDING_SECONDS = 15 * 60
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:dashboard")


def pending_start(request: HttpRequest, user: User, *, next_url: str) -> None:
    # A new session key, so a session id planted before the password cannot ride along.
    request.session.cycle_key()
    request.session[_PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(_PENDING_KEY, None)


def pending_user(request: HttpRequest) -> User | None:
    data = request.session.get(_PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - data.get("at", 0) > PENDING_SECONDS:
        pending_clear(request)
        return None
    return (
        User.objects.select_related("organisation")
        .filter(pk=data.get("user"), is_active=True)
        .first()
    )


def flow_user(request: HttpRequest) -> User | None:
    """Who is part-way through signing in: the pending user, or a signed-in user who has not
    passed their second factor in this session."""
    if request.user.is_authenticated:
        return request.user
    return pending_user(request)


def login_complete(
    request: HttpRequest, user: User, device: Device | None, *, next_url: str | None = None
) -> str:
    """Sign `user` in (if not yet), mark the session verified by `device`, and return where
    to go next: `next_url`, else where the user was going when asked to sign in."""
    data = request.session.get(_PENDING_KEY) or {}
    next_url = safe_next(request, next_url or data.get("next"))
    if not request.user.is_authenticated:
        auth_login(request, user, backend=_BACKEND)
    pending_clear(request)
    if device is not None:
        otp_login(request, device)
    return next_url
