"""Wrong second-factor codes count towards the same django-axes lockout as wrong passwords.

The handler is called directly rather than through Django's `user_login_failed` signal, so a
wrong code is audited once, as a second-factor failure, and not also as a failed password.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpRequest

from enstream.accounts.models import User


def _credentials(user: User) -> dict[str, str]:
    return {"username": user.get_username()}


def is_locked_out(request: HttpRequest, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def record_failure(request: HttpRequest, user: User) -> None:
    """Count one failed sign-in; at the limit django-axes marks the request locked out and its
    middleware answers with `enstream.accounts.views.locked_out`."""
    AxesProxyHandler.user_login_failed(
        sender=record_failure, credentials=_credentials(user), request=request
    )
