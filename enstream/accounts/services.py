"""User management: invitations, roles, deactivation, passwords.

Each service is keyword-only, atomic, audited and raises AccountsError with a message fit for
the person who asked. Views, the admin and commands call these; they hold no rules of their own.
"""

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enstream.accounts.errors import AccountsError
from enstream.accounts.models import Invitation, Organisation, User
from enstream.accounts.roles import ORG_ADMIN_ROLES, ROLES_BY_ORG_KIND, Perm, Role, has_perm
from enstream.accounts.second_factor import second_factor_devices_remove
from enstream.audit.services import audit_record

log = logging.getLogger(__name__)

_INVITATION_SALT = "enstream.accounts.invitation"


def _require_manager(actor: User) -> None:
    if not has_perm(actor, Perm.USERS_MANAGE):
        raise AccountsError("You are not allowed to manage users.", code="forbidden")


def _require_in_scope(actor: User, user: User) -> None:
    if not User.objects.for_user(actor).filter(pk=user.pk).exists():
        raise AccountsError("There is no such user.", code="not_found")


def _check_role(organisation: Organisation, role: str) -> None:
    if role not in Role.values:
        raise AccountsError("Choose one of the roles offered.", code="role")
    if role not in ROLES_BY_ORG_KIND[organisation.kind]:
        raise AccountsError(
            f"{Role(role).label} is not a role in {organisation.name}.", code="role"
        )


def _keep_an_admin(user: User) -> None:
    """Refuse a change that would leave the user's organisation without an active admin."""
    if user.role not in ORG_ADMIN_ROLES or not user.is_active:
        return
    others = (
        User.objects.select_for_update()
        .filter(organisation_id=user.organisation_id, role__in=ORG_ADMIN_ROLES, is_active=True)
        .exclude(pk=user.pk)
    )
    if not others.exists():
        raise AccountsError(
            f"{user.email} is the last admin of {user.organisation.name}. "
            "Make someone else an admin first.",
            code="last_admin",
        )


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": settings.ENSTREAM_INVITATION_DAYS}
    try:
        send_mail(
            subject=f"You are invited to the EnStream portal for {invitation.organisation.name}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (OSError, smtplib.SMTPException):
        # The invitation stands; the admin can invite again, which sends a fresh link.
        log.exception("invitation %s could not be emailed", invitation.pk)


def user_invite(
    *,
    actor: User,
    organisation: Organisation,
    email: str,
    role: str,
    full_name: str = "",
    site_url: str,
) -> Invitation:
    """Invite someone into `organisation` with `role`; the emailed link sets their password.

    Inviting the same address again withdraws the earlier link.
    """
    _require_manager(actor)
    if not actor.organisation.is_enstream and organisation.pk != actor.organisation_id:
        raise AccountsError("You can invite people only into your own organisation.", code="org")
    if not organisation.is_active:
        raise AccountsError(f"{organisation.name} is not active.", code="org")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AccountsError("Enter a valid email address.", code="email") from exc
    _check_role(organisation, role)
    if User.objects.filter(email=email).exists():
        raise AccountsError(f"There is already an account for {email}.", code="email")

    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(email=email).pending().update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            full_name=full_name.strip(),
            role=role,
            token_hash=_token_hash(secret),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=settings.ENSTREAM_INVITATION_DAYS),
        )
        audit_record(
            action="user.invited",
            obj=invitation,
            organisation=organisation,
            actor=actor,
            changes={"email": email, "role": role},
        )
        token = signing.dumps(secret, salt=_INVITATION_SALT)
        link = site_url.rstrip("/") + reverse("accounts:invitation_accept", args=[token])
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation


def invitation_check(*, token: str, for_update: bool = False) -> Invitation:
    """The pending invitation a link stands for, or an AccountsError saying why not."""
    max_age = timedelta(days=settings.ENSTREAM_INVITATION_DAYS)
    try:
        secret = signing.loads(token, salt=_INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise AccountsError(
            "This invitation has expired. Ask your admin to invite you again.", code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise AccountsError(
            "This invitation link is not valid. Check that you copied the whole link from "
            "the email.",
            code="tampered",
        ) from exc
    invitations = Invitation.objects.select_related("organisation")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=_token_hash(str(secret))).first()
    if invitation is None or invitation.status == "revoked":
        raise AccountsError(
            "This invitation was withdrawn. Ask your admin for a new one.", code="revoked"
        )
    if invitation.status == "accepted":
        raise AccountsError(
            "This invitation has already been used. Sign in with your email and password.",
            code="used",
        )
    if invitation.status == "expired":
        raise AccountsError(
            "This invitation has expired. Ask your admin to invite you again.", code="expired"
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the invited user with `password`; the link works once only."""
    invitation = invitation_check(token=token, for_update=True)
    if User.objects.filter(email=invitation.email).exists():
        raise AccountsError(f"There is already an account for {invitation.email}.", code="email")
    name = full_name.strip() or invitation.full_name
    try:
        validate_password(password, User(email=invitation.email, full_name=name))
    except ValidationError as exc:
        raise AccountsError(" ".join(exc.messages), code="password") from exc
    user = User.objects.create_user(
        invitation.email,
        password,
        organisation=invitation.organisation,
        role=invitation.role,
        full_name=name,
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(
        action="invitation.accepted",
        obj=user,
        organisation=invitation.organisation,
        actor=user,
        changes={"role": invitation.role},
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _require_manager(actor)
    if not Invitation.objects.for_user(actor).filter(pk=invitation.pk).exists():
        raise AccountsError("There is no such invitation.", code="not_found")
    if invitation.status != "pending":
        raise AccountsError(f"This invitation is already {invitation.status}.", code="state")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action="invitation.revoked", obj=invitation, actor=actor)
    return invitation


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: str) -> User:
    _require_manager(actor)
    _require_in_scope(actor, user)
    _check_role(user.organisation, role)
    if role == user.role:
        return user
    if role not in ORG_ADMIN_ROLES:
        _keep_an_admin(user)
    previous = user.role
    user.role = role
    user.save(update_fields=["role"])
    audit_record(
        action="user.role_changed", obj=user, actor=actor, changes={"role": [previous, role]}
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop `user` signing in; their open sessions end with their next request."""
    _require_manager(actor)
    _require_in_scope(actor, user)
    if user.pk == actor.pk:
        raise AccountsError("You cannot deactivate your own account.", code="self")
    if not user.is_active:
        raise AccountsError(f"{user.email} is already deactivated.", code="state")
    _keep_an_admin(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(action="user.deactivated", obj=user, actor=actor)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    _require_manager(actor)
    _require_in_scope(actor, user)
    if user.is_active:
        raise AccountsError(f"{user.email} is already active.", code="state")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(action="user.reactivated", obj=user, actor=actor)
    return user


def user_second_factor_reset(*, actor: User, user: User) -> None:
    """An admin removes a user's authenticator app (a lost phone); the user enrols a new one
    at their next sign-in."""
    _require_manager(actor)
    _require_in_scope(actor, user)
    if user.pk == actor.pk:
        raise AccountsError(
            "Replace your own authenticator app from your account page.", code="self"
        )
    second_factor_devices_remove(user=user, actor=actor, reason="reset by an admin")


def second_factor_remove_own(*, user: User) -> None:
    """A user for whom the second factor is optional turns it off."""
    if user.second_factor_required:
        raise AccountsError(
            "Your role requires a second factor. You can replace your authenticator app, "
            "but not remove it.",
            code="required",
        )
    second_factor_devices_remove(user=user, actor=user, reason="removed by the user")


@transaction.atomic
def user_password_set(*, user: User, password: str, reason: str) -> User:
    """Set a new password (already validated by the form) and audit it; `reason` says how:
    "changed" from the account page or "reset" from an emailed link."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action=f"password.{reason}", obj=user, actor=user)
    return user
