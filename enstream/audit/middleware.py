"""Carries who is acting, and from where, to the audit log for the length of a request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from enstream.api.authentication import client_ip as api_client_ip
from enstream.audit.context import actor_context
from enstream.audit.models import Via


def client_ip(request: HttpRequest | None) -> str | None:
    # The same address the API records and rate-limits by: X-Forwarded-For is believed only
    # from ENSTREAM_TRUSTED_PROXIES.
    return None if request is None else api_client_ip(request)


def via_for(request: HttpRequest | None) -> str:
    if request is None:
        return Via.SYSTEM
    if request.path.startswith(reverse("admin:index")):
        return Via.ADMIN
    if request.path.startswith("/api/"):
        return Via.API
    return Via.WEB


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with actor_context(
            user=user if user is not None and user.is_authenticated else None,
            ip=client_ip(request),
            via=via_for(request),
        ):
            return self.get_response(request)
