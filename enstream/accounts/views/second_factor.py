"""The second step of signing in, and setting up the authenticator app."""

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from enstream.accounts.devices import BackupCodeDevice
from enstream.accounts.errors import AccountsError
from enstream.accounts.forms import BackupCodeForm, CodeForm
from enstream.accounts.lockout import is_locked_out, record_failure
from enstream.accounts.login_flow import flow_user, login_complete, safe_next
from enstream.accounts.second_factor import (
    backup_code_verify,
    has_authenticator,
    second_factor_verify,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from enstream.accounts.views.login import locked_out

# Failures that are guesses at a secret, and so count towards the lockout.
_COUNTED = frozenset({"wrong_code", "replayed"})
_FEW_BACKUP_CODES = 3


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _to(url_name: str, next_url: str) -> str:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return reverse(url_name) + query


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Your sign-in timed out. Enter your email and password again.")
    return redirect("accounts:login")


def _verify_page(
    request: HttpRequest,
    *,
    verify: Callable[..., Any],
    form_class: type[CodeForm] | type[BackupCodeForm],
    template: str,
) -> HttpResponse:
    user = flow_user(request)
    if user is None:
        return _start_again(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(safe_next(request, _next(request)))
    if not has_authenticator(user):
        return redirect(_to("accounts:enrol", _next(request)))
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if is_locked_out(request, user):
            return locked_out(request)
        try:
            device = verify(user=user, code=form.cleaned_data["code"])
        except AccountsError as exc:
            if exc.code in _COUNTED:
                record_failure(request, user)
            form.add_error("code", exc.message)
        else:
            if isinstance(device, BackupCodeDevice) and device.remaining <= _FEW_BACKUP_CODES:
                messages.warning(
                    request,
                    f"You have {device.remaining} backup codes left. "
                    "Make new ones from your account page.",
                )
            return redirect(login_complete(request, user, device, next_url=_next(request)))
    return render(request, template, {"form": form, "next": _next(request), "flow_user": user})


@sensitive_post_parameters("code")
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    return _verify_page(
        request,
        verify=second_factor_verify,
        form_class=CodeForm,
        template="accounts/second_factor.html",
    )


@sensitive_post_parameters("code")
@never_cache
def backup_code(request: HttpRequest) -> HttpResponse:
    return _verify_page(
        request,
        verify=backup_code_verify,
        form_class=BackupCodeForm,
        template="accounts/backup_code.html",
    )


def _setup_key(seed: bytes) -> str:
    key = b32encode(seed).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@sensitive_post_parameters("code")
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    user = flow_user(request)
    if user is None:
        return _start_again(request)
    verified = request.user.is_authenticated and request.user.is_verified()
    if has_authenticator(user) and not verified:
        # Replacing an authenticator app takes the current one first.
        return redirect(_to("accounts:second_factor", reverse("accounts:enrol")))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except AccountsError as exc:
            form.add_error("code", exc.message)
        else:
            next_url = login_complete(request, user, device, next_url=_next(request))
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "next_url": next_url}
            )
    device = totp_enrolment_start(user=user)
    seed = device.bin_key
    qr = segno.make(device.config_url(seed), error="m")
    context = {
        "form": form,
        "next": _next(request),
        "flow_user": user,
        "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
        "setup_key": _setup_key(seed),
        "replacing": has_authenticator(user),
    }
    return render(request, "accounts/enrol.html", context)
