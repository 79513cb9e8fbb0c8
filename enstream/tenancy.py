"""One scoping method for every queryset that serves a user.

A model's queryset says, per organisation kind, which lookup leads from a row to the
organisation that may see it. EnStream staff see every tenant; a kind with no lookup sees
nothing. Views, the API, admin and tasks call `for_user`, never filter by hand, so a row of
another tenant is simply absent and answers 404.
"""

from typing import Any, ClassVar, TypeVar

from django.db import models
from django.http import Http404

from enstream.accounts.roles import OrgKind

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {}

    def for_user(self, user: Any) -> "TenantQuerySet":
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.for_organisation(user.organisation)

    def for_organisation(self, organisation: Any) -> "TenantQuerySet":
        if organisation.kind == OrgKind.ENSTREAM:
            return self.all()
        lookup = self.tenant_lookups.get(organisation.kind)
        if lookup is None:
            return self.none()
        return self.filter(**{lookup: organisation})


def get_for_user_or_404(queryset: models.QuerySet[M] | type[M], user: Any, **lookup: Any) -> M:
    """Fetch one object the user may see; another tenant's object is indistinguishable from
    a missing one."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return qs.for_user(user).get(**lookup)  # type: ignore[attr-defined]
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
