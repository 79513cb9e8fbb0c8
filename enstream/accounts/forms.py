import logging
import time
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.cache import cache

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import ROLES_BY_ORG_KIND, Role
from enstream.accounts.services import user_password_set

logger = logging.getLogger(__name__)

# Far longer than any real password, short enough that hashing it costs nothing special.
PASSWORD_MAX_LENGTH = 1024


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active account.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code


class BackupCodeForm(forms.Form):
    code = forms.CharField(
        label="Backup code",
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class InviteForm(forms.Form):
    """Whom to invite, and as what. Only EnStream admins choose the organisation; everyone
    else invites into their own."""

    email = forms.EmailField(label="Email", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor.organisation.is_enstream:
            organisations = Organisation.objects.for_user(actor).filter(is_active=True)
            self.fields["organisation"].queryset = organisations
            self.fields["organisation"].initial = actor.organisation_id
            kinds = set(organisations.values_list("kind", flat=True))
        else:
            del self.fields["organisation"]
            kinds = {actor.organisation.kind}
        self.fields["role"].choices = [
            (value, label)
            for value, label in Role.choices
            if any(value in ROLES_BY_ORG_KIND[kind] for kind in kinds)
        ]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_ORG_KIND[user.organisation.kind]
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        self.fields["role"].initial = user.role


class AuditedSetPasswordForm(SetPasswordForm):
    """Django's reset form, saving through the audited service."""

    reason = "reset"

    def save(self, commit: bool = True) -> User:
        return user_password_set(
            user=self.user, password=self.cleaned_data["new_password1"], reason=self.reason
        )


class AuditedPasswordChangeForm(PasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        return user_password_set(
            user=self.user, password=self.cleaned_data["new_password1"], reason="changed"
        )


class InvitationAcceptForm(SetPasswordForm):
    """Choose a password; `user` is the unsaved user-to-be, so the similarity check works."""

    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    field_order = ["full_name", "new_password1", "new_password2"]


def reset_mail_allowed(user: User) -> bool:
    """Whether another reset email may go to `user` this hour (a fixed window in the cache):
    the form answers anyone who types an address, so without a cap it could flood an inbox."""
    window = int(time.time() // 3600)
    key = f"accounts:reset-mail:{user.pk}:{window}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    return sent <= settings.ENSTREAM_PASSWORD_RESET_MAILS_PER_HOUR


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, mailing a user at most a few times an hour; past that the answer
    is the same "sent" page, so the cap tells nobody whether the address has an account."""

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if reset_mail_allowed(user):
                yield user
            else:
                logger.warning("password reset mail to user %s withheld: hourly cap", user.pk)
