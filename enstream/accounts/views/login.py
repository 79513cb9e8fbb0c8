from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from enstream.accounts.forms import LoginForm
from enstream.accounts.login_flow import login_complete, pending_clear, pending_start, safe_next
from enstream.accounts.second_factor import has_authenticator


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(safe_next(request, next_url))
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if has_authenticator(user):
            pending_start(request, user, next_url=next_url)
            return redirect("accounts:second_factor")
        if user.second_factor_required:
            pending_start(request, user, next_url=next_url)
            messages.info(request, "Your role requires a second factor. Set it up now.")
            return redirect("accounts:enrol")
        return redirect(login_complete(request, user, None, next_url=next_url))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What django-axes answers once a user id or address is locked: a plain page, never an
    error. A part-way sign-in is abandoned."""
    pending_clear(request)
    if request.user.is_authenticated:
        logout(request)
    cooloff = settings.AXES_COOLOFF_TIME
    hours = cooloff.total_seconds() / 3600 if isinstance(cooloff, timedelta) else cooloff
    minutes = round(float(hours) * 60) if hours else None
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
