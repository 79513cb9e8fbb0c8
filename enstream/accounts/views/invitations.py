"""Accepting an invitation: choose a password, then set up the second factor."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from enstream.accounts.errors import AccountsError
from enstream.accounts.forms import InvitationAcceptForm
from enstream.accounts.login_flow import login_complete, pending_start, safe_next
from enstream.accounts.models import User
from enstream.accounts.services import invitation_accept, invitation_check

# A link that was never valid is a bad request; one that was valid but is spent is gone.
_STATUS = {"tampered": 400, "expired": 410, "used": 410, "revoked": 410}


def _refused(request: HttpRequest, exc: AccountsError) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"message": exc.message},
        status=_STATUS.get(exc.code, 400),
    )


@sensitive_variables("token")
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        return _refused(
            request,
            AccountsError(
                f"You are signed in as {request.user.email}. Log out, then open the "
                "invitation link again."
            ),
        )
    try:
        invitation = invitation_check(token=token)
    except AccountsError as exc:
        return _refused(request, exc)
    invitee = User(email=invitation.email, full_name=invitation.full_name)
    form = InvitationAcceptForm(
        invitee,
        request.POST if request.method == "POST" else None,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                password=form.cleaned_data["new_password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except AccountsError as exc:
            if exc.code != "password":
                return _refused(request, exc)
            form.add_error("new_password2", exc.message)
        else:
            if user.second_factor_required:
                pending_start(request, user, next_url=safe_next(request, None))
                messages.success(
                    request, "Your password is set. Now set up your authenticator app."
                )
                return redirect("accounts:enrol")
            messages.success(
                request,
                "Welcome. You can add a second factor at any time from your account page.",
            )
            return redirect(login_complete(request, user, None))
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )
