"""Carries who is acting, and from where, to the audit log for the length of a request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from enstream.audit.context import actor_context


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with actor_context(
            user=user if user is not None and user.is_authenticated else None,
            ip=request.META.get("REMOTE_ADDR"),
            via="web",
        ):
            return self.get_response(request)
