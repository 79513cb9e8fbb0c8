"""Roles and what each may do: the one place that says so.

Pages, the API, the admin and tasks all ask `has_perm(user, Perm.X)`; nothing else decides.
"""

from enum import StrEnum

from django.db import models


class OrgKind(models.TextChoices):
    ENSTREAM = "enstream", "EnStream"
    ISSUER = "issuer", "Issuer"
    MNO = "mno", "Mobile network operator"


class Role(models.TextChoices):
    ENSTREAM_ADMIN = "enstream_admin", "EnStream admin"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    OPERATIONS = "operations", "Operations"
    FINANCE = "finance", "Finance"
    ISSUER_ADMIN = "issuer_admin", "Issuer admin"
    ISSUER_OPERATOR = "issuer_operator", "Issuer operator"
    ISSUER_VIEWER = "issuer_viewer", "Issuer viewer"
    MNO_VIEWER = "mno_viewer", "MNO viewer"


ROLES_BY_ORG_KIND: dict[str, frozenset[Role]] = {
    OrgKind.ENSTREAM: frozenset(
        {Role.ENSTREAM_ADMIN, Role.ACCOUNT_MANAGER, Role.OPERATIONS, Role.FINANCE}
    ),
    OrgKind.ISSUER: frozenset({Role.ISSUER_ADMIN, Role.ISSUER_OPERATOR, Role.ISSUER_VIEWER}),
    OrgKind.MNO: frozenset({Role.MNO_VIEWER}),
}

# Every EnStream role touches every tenant's keys or money; an issuer admin manages users and
# API keys. For them the second factor is never optional.
SECOND_FACTOR_MANDATORY: frozenset[Role] = ROLES_BY_ORG_KIND[OrgKind.ENSTREAM] | {Role.ISSUER_ADMIN}

# Roles that may invite users and change roles inside their own organisation.
ORG_ADMIN_ROLES: frozenset[Role] = frozenset({Role.ENSTREAM_ADMIN, Role.ISSUER_ADMIN})


class Perm(StrEnum):
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    ADMIN_SITE = "admin.site"
    ISSUERS_VIEW = "issuers.view"
    ISSUERS_MANAGE = "issuers.manage"
    MNOS_VIEW = "mnos.view"
    MNOS_MANAGE = "mnos.manage"
    AGREEMENTS_VIEW = "agreements.view"
    AGREEMENTS_MANAGE = "agreements.manage"
    WHOLESALE_VIEW = "wholesale.view"
    PRICE_PLANS_VIEW = "price_plans.view"
    PRICE_PLANS_MANAGE = "price_plans.manage"
    ALLOCATIONS_VIEW = "allocations.view"
    ALLOCATIONS_REQUEST = "allocations.request"
    ALLOCATIONS_APPROVE = "allocations.approve"
    SE_REGISTRY_VIEW = "se_registry.view"
    SE_REGISTRY_IMPORT = "se_registry.import"
    CREDENTIALS_VIEW = "credentials.view"
    CREDENTIALS_LIFECYCLE = "credentials.lifecycle"
    JOBS_VIEW = "jobs.view"
    JOBS_OPERATE = "jobs.operate"
    API_KEYS_MANAGE = "api_keys.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    USAGE_REPORTS_VIEW = "usage_reports.view"
    INVOICES_VIEW = "invoices.view"
    BILLING_CLOSE = "billing.close"
    SETTLEMENTS_VIEW = "settlements.view"
    NETWORK_SETTINGS_MANAGE = "network_settings.manage"


_ENSTREAM_ALL = ROLES_BY_ORG_KIND[OrgKind.ENSTREAM]
_ISSUER_ALL = ROLES_BY_ORG_KIND[OrgKind.ISSUER]
_ISSUER_WRITERS = frozenset({Role.ISSUER_ADMIN, Role.ISSUER_OPERATOR})
_AM = frozenset({Role.ENSTREAM_ADMIN, Role.ACCOUNT_MANAGER})
_OPS = frozenset({Role.ENSTREAM_ADMIN, Role.OPERATIONS})
_FIN = frozenset({Role.ENSTREAM_ADMIN, Role.FINANCE})

PERMISSIONS: dict[Perm, frozenset[Role]] = {
    Perm.USERS_MANAGE: ORG_ADMIN_ROLES,
    Perm.AUDIT_VIEW: ORG_ADMIN_ROLES,
    Perm.ADMIN_SITE: frozenset({Role.ENSTREAM_ADMIN}),
    Perm.ISSUERS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL,
    Perm.ISSUERS_MANAGE: _AM,
    Perm.MNOS_VIEW: _ENSTREAM_ALL | {Role.MNO_VIEWER},
    Perm.MNOS_MANAGE: _AM,
    Perm.AGREEMENTS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL,
    Perm.AGREEMENTS_MANAGE: _AM,
    Perm.WHOLESALE_VIEW: _ENSTREAM_ALL | {Role.MNO_VIEWER},
    Perm.PRICE_PLANS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL,
    Perm.PRICE_PLANS_MANAGE: _AM | _FIN,
    Perm.ALLOCATIONS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL | {Role.MNO_VIEWER},
    Perm.ALLOCATIONS_REQUEST: _ISSUER_WRITERS | _AM,
    Perm.ALLOCATIONS_APPROVE: _AM,
    Perm.SE_REGISTRY_VIEW: _ENSTREAM_ALL | {Role.MNO_VIEWER},
    Perm.SE_REGISTRY_IMPORT: _OPS | {Role.MNO_VIEWER},
    Perm.CREDENTIALS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL,
    Perm.CREDENTIALS_LIFECYCLE: _ISSUER_WRITERS | _OPS,
    Perm.JOBS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL,
    Perm.JOBS_OPERATE: _OPS,
    Perm.API_KEYS_MANAGE: frozenset({Role.ISSUER_ADMIN, Role.ENSTREAM_ADMIN}),
    Perm.WEBHOOKS_MANAGE: frozenset({Role.ISSUER_ADMIN}),
    Perm.USAGE_REPORTS_VIEW: _ENSTREAM_ALL | _ISSUER_ALL | {Role.MNO_VIEWER},
    Perm.INVOICES_VIEW: _FIN | {Role.ISSUER_ADMIN, Role.ACCOUNT_MANAGER},
    Perm.BILLING_CLOSE: _FIN,
    Perm.SETTLEMENTS_VIEW: _FIN | {Role.MNO_VIEWER},
    Perm.NETWORK_SETTINGS_MANAGE: _OPS,
}


def role_has_perm(role: str, perm: Perm) -> bool:
    return role in PERMISSIONS[perm]


def has_perm(user: object, perm: Perm) -> bool:
    """Whether an authenticated, active user's role grants `perm`."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return role_has_perm(user.role, perm)  # type: ignore[attr-defined]
