"""What an API caller may do: scopes govern keys, roles govern people.

    permission_classes = [HasScope("provision", perm=Perm.CREDENTIALS_LIFECYCLE)]

- An issuer key passes when it holds the scope, and the permission (if named) is one some
  issuer role could ever hold: an issuer key never reaches an operator-only endpoint.
- A staff key passes when it holds the scope and its person's role grants the permission.
- A portal session (past the second factor) passes when the person's role grants the
  permission; with no permission named, being signed in is enough and the queryset's
  `for_user` decides what they see.

Unauthenticated callers get 401 before any of this.
"""

from functools import cache
from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from enstream.accounts.roles import ROLES_BY_ORG_KIND, Perm, has_perm, role_has_perm
from enstream.apikeys.models import ApiKey, Scope


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = "This API key lacks the scope this call needs."
    default_code = "insufficient_scope"


def key_may(key: ApiKey, perm: Perm) -> bool:
    """Whether any caller of this key's kind could ever hold `perm`."""
    if key.user is not None:
        return has_perm(key.user, perm)
    return any(role_has_perm(role, perm) for role in ROLES_BY_ORG_KIND[key.organisation.kind])


class _ScopePermission(BasePermission):
    scope: str = ""
    perm: Perm | None = None

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is None:
            return self.perm is None or has_perm(user, self.perm)
        if self.scope not in key.scopes:
            raise InsufficientScope(f"This API key lacks the {self.scope!r} scope.")
        if self.perm is not None and not key_may(key, self.perm):
            raise exceptions.PermissionDenied("This API key may not make this call.")
        return True


@cache
def HasScope(scope: str, *, perm: Perm | None = None) -> type[BasePermission]:
    """A permission class requiring `scope` of a key (and `perm` of its kind, or of a person)."""
    if scope not in Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    name = f"HasScope_{scope}" + (f"_{perm.name}" if perm else "")
    return type(name, (_ScopePermission,), {"scope": scope, "perm": perm})
