"""The signed-in user's own account: password, authenticator app, backup codes."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from enstream.accounts.devices import BackupCodeDevice
from enstream.accounts.errors import AccountsError
from enstream.accounts.forms import AuditedPasswordChangeForm
from enstream.accounts.second_factor import backup_codes_regenerate, has_authenticator
from enstream.accounts.services import second_factor_remove_own


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    password_form = AuditedPasswordChangeForm(user, request.POST if action == "password" else None)
    if action == "password" and password_form.is_valid():
        password_form.save()
        # Other sessions end; this one stays signed in.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed.")
        return redirect("accounts:account")
    if action == "backup_codes":
        try:
            codes = backup_codes_regenerate(user=user)
        except AccountsError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:account")
        return render(request, "accounts/backup_codes.html", {"codes": codes})
    if action == "remove_second_factor":
        try:
            second_factor_remove_own(user=user)
        except AccountsError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your authenticator app and backup codes were removed.")
        return redirect("accounts:account")
    backup = BackupCodeDevice.objects.filter(user=user).first()
    context = {
        "password_form": password_form,
        "has_authenticator": has_authenticator(user),
        "backup_codes_left": backup.remaining if backup else 0,
    }
    return render(request, "accounts/account.html", context)
