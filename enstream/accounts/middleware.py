"""No page past enrolment for a signed-in user who has not passed the second factor.

Enforced here, for every view (the admin included), rather than view by view, so a new page
cannot forget it. /api/ is authenticated by API keys, not sessions; /health/ and /static/
are open to all.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from enstream.accounts.second_factor import has_authenticator

_OPEN_PREFIXES = ("/static/", "/health/", "/api/")
# The pages a part-way signed-in user needs to finish signing in, or to leave.
_OPEN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:second_factor",
        "accounts:backup_code",
        "accounts:enrol",
        "accounts:invitation_accept",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
    }
)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.path_info.startswith(_OPEN_PREFIXES):
            return None
        if request.resolver_match and request.resolver_match.view_name in _OPEN_VIEWS:
            return None
        query = urlencode({"next": request.get_full_path()})
        if has_authenticator(user):
            return HttpResponseRedirect(f"{reverse('accounts:second_factor')}?{query}")
        if user.second_factor_required:
            return HttpResponseRedirect(f"{reverse('accounts:enrol')}?{query}")
        return None
