"""Sign-ins, sign-outs, failed sign-ins and lock-outs, into the audit log.

A failed attempt records who it was for, never what was typed as the password; an attempted
name that is not an email address is not kept either, since it is often a password typed
in the wrong box.
"""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from enstream.audit.context import Actor
from enstream.audit.middleware import client_ip, via_for
from enstream.audit.models import Outcome
from enstream.audit.services import audit_record


def _actor(request: HttpRequest | None, user: Any = None) -> Actor:
    return Actor(user=user, ip=client_ip(request), via=via_for(request))


def _attempted(username: Any) -> tuple[Any, str]:
    """The account an attempt was for, and how to describe the attempt."""
    name = str(username or "").strip()[:254]
    if "@" not in name:
        return None, "attempted name is not an email address"
    user = get_user_model()._default_manager.filter(email__iexact=name).first()
    if user is None:
        return None, f"no account for {name}"
    return user, ""


@receiver(user_logged_in, dispatch_uid="audit:login")
def record_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action="login", obj=user, actor=_actor(request, user))


@receiver(user_logged_out, dispatch_uid="audit:logout")
def record_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="logout", obj=user, actor=_actor(request, user))


@receiver(user_login_failed, dispatch_uid="audit:login_failed")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    field = get_user_model().USERNAME_FIELD
    user, detail = _attempted(credentials.get("username") or credentials.get(field))
    audit_record(
        action="login_failed",
        obj=user,
        actor=_actor(request),
        outcome=Outcome.FAILURE,
        detail=detail,
    )


@receiver(user_locked_out, dispatch_uid="audit:lockout")
def record_lockout(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    user, detail = _attempted(username)
    audit_record(
        action="lockout",
        obj=user,
        actor=_actor(request),
        outcome=Outcome.DENIED,
        detail=detail or "too many failed sign-ins: locked out",
    )
