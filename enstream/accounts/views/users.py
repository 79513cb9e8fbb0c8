"""User management for organisation admins: list, invite, change role, deactivate."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from enstream.accounts.errors import AccountsError
from enstream.accounts.forms import InviteForm, RoleForm
from enstream.accounts.models import Invitation, User
from enstream.accounts.roles import Perm, has_perm
from enstream.accounts.services import (
    invitation_revoke,
    user_change_role,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_second_factor_reset,
)
from enstream.tenancy import get_for_user_or_404

_PAGE_SIZE = 50
# Which invite-form field a refused invitation points at.
_INVITE_FIELD = {"email": "email", "role": "role", "org": "organisation"}


def users_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_perm(request.user, Perm.USERS_MANAGE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@users_manager_required
def users(request: HttpRequest) -> HttpResponse:
    people = (
        User.objects.for_user(request.user)
        .select_related("organisation")
        .order_by("organisation__name", "email")
    )
    page = Paginator(people, _PAGE_SIZE).get_page(request.GET.get("page"))
    invitations = (
        Invitation.objects.for_user(request.user)
        .pending()
        .select_related("organisation", "invited_by")
        .order_by("email")
    )
    return render(
        request,
        "accounts/users.html",
        {
            "page": page,
            "invitations": invitations,
            "show_organisation": request.user.organisation.is_enstream,
        },
    )


@users_manager_required
def user_invite_view(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_invite(
                actor=request.user,
                organisation=data.get("organisation") or request.user.organisation,
                email=data["email"],
                role=data["role"],
                full_name=data["full_name"],
                site_url=request.build_absolute_uri("/"),
            )
        except AccountsError as exc:
            form.add_error(_INVITE_FIELD.get(exc.code), exc.message)
        else:
            messages.success(request, f"Invitation sent to {data['email'].lower()}.")
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_invite.html",
        {"form": form, "days": settings.ENSTREAM_INVITATION_DAYS},
    )


_ACTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "deactivate": (user_deactivate, "{email} can no longer sign in."),
    "reactivate": (user_reactivate, "{email} can sign in again."),
    "reset_second_factor": (
        user_second_factor_reset,
        "{email} will set up a new authenticator app at their next sign-in.",
    ),
}


@users_manager_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_for_user_or_404(User.objects.select_related("organisation"), request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    role_form = RoleForm(request.POST if action == "role" else None, user=target)
    if action == "role" and role_form.is_valid():
        try:
            user_change_role(actor=request.user, user=target, role=role_form.cleaned_data["role"])
        except AccountsError as exc:
            role_form.add_error("role", exc.message)
        else:
            messages.success(request, f"{target.email} is now {target.get_role_display()}.")
            return redirect("accounts:user_edit", pk=target.pk)
    elif action in _ACTIONS:
        service, done = _ACTIONS[action]
        try:
            service(actor=request.user, user=target)
        except AccountsError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done.format(email=target.email))
        return redirect("accounts:user_edit", pk=target.pk)
    return render(
        request,
        "accounts/user_edit.html",
        {"target": target, "role_form": role_form, "is_self": target.pk == request.user.pk},
    )


@require_POST
@users_manager_required
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_user_or_404(Invitation, request.user, pk=pk)
    try:
        invitation_revoke(actor=request.user, invitation=invitation)
    except AccountsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect("accounts:users")
