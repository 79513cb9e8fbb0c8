from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from enstream.accounts.roles import (
    ROLES_BY_ORG_KIND,
    SECOND_FACTOR_MANDATORY,
    OrgKind,
    Perm,
    Role,
    has_perm,
)
from enstream.tenancy import TenantQuerySet


class OrganisationQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "pk", OrgKind.MNO: "pk"}

    def for_organisation(self, organisation: Any) -> "OrganisationQuerySet":
        if organisation.kind == OrgKind.ENSTREAM:
            return self.all()
        return self.filter(pk=organisation.pk)


class Organisation(models.Model):
    """A tenant: EnStream itself, an issuer, or an MNO. Every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=16, choices=OrgKind.choices)
    second_factor_for_all = models.BooleanField(
        default=False,
        help_text="Require a second factor from every user, not only from the roles that "
        "always need one.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="enstream"),
                name="one_enstream_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_enstream(self) -> bool:
        return self.kind == OrgKind.ENSTREAM


class UserQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "organisation",
        OrgKind.MNO: "organisation",
    }


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(
        self,
        email: str,
        password: str | None = None,
        *,
        organisation: Organisation,
        role: str,
        **extra: Any,
    ) -> "User":
        user = self.model(
            email=self.normalize_email(email).lower(),
            organisation=organisation,
            role=role,
            **extra,
        )
        user.full_clean(exclude=["password"])
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        organisation, _ = Organisation.objects.get_or_create(
            kind=OrgKind.ENSTREAM, defaults={"name": "EnStream", "slug": "enstream"}
        )
        return self.create_user(
            email,
            password,
            organisation=organisation,
            role=Role.ENSTREAM_ADMIN,
            is_superuser=True,
            **extra,
        )


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.lower()
        if self.organisation_id and self.role not in ROLES_BY_ORG_KIND[self.organisation.kind]:
            raise ValidationError(
                {"role": f"{self.get_role_display()} is not a role of a {self.organisation.kind}."}
            )

    @property
    def is_staff(self) -> bool:
        # The Django admin is for EnStream admins only, and only past the second factor
        # (enforced by the admin site itself).
        return self.is_active and has_perm(self, Perm.ADMIN_SITE)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Django's model permissions gate only the admin, which is the EnStream admins' whole
        # (the site itself checks the second factor); roles.py decides everything else.
        return (self.is_active and has_perm(self, Perm.ADMIN_SITE)) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return (self.is_active and has_perm(self, Perm.ADMIN_SITE)) or super().has_module_perms(
            app_label
        )

    @property
    def second_factor_required(self) -> bool:
        return self.role in SECOND_FACTOR_MANDATORY or self.organisation.second_factor_for_all

    def can(self, perm: Perm) -> bool:
        return has_perm(self, perm)


class InvitationQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "organisation",
        OrgKind.MNO: "organisation",
    }

    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An emailed offer to join an organisation with a role. The link's token is kept only as
    a hash, works once and expires."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


# Device models live in their own module; importing them here registers them with the app.
from enstream.accounts.devices import (  # noqa: E402
    BackupCode,
    BackupCodeDevice,
    EncryptedTOTPDevice,
)

__all__ = [
    "BackupCode",
    "BackupCodeDevice",
    "EncryptedTOTPDevice",
    "Invitation",
    "Organisation",
    "User",
]
