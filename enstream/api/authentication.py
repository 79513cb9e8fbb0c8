"""Who is calling the API: an issuer's or a staff member's API key, or a portal session.

Every authenticated API request carries, on the DRF request:

- `request.user`: for a key, an `ApiPrincipal` (an issuer's service identity, or for a staff
  key the staff person's role); for a session, the person. Either way it has
  `organisation`, so `Model.objects.for_user(request.user)` scopes every queryset.
- `request.auth`: the `ApiKey` (with `.mode`, `.scopes`, `.organisation`), or None for a session.
- `request.issuer`: the calling issuer's Organisation, or None for EnStream staff.
- `request.mode`: "live" or "sandbox" (a session is always live).

docs/api.md says how endpoint authors use them.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind
from enstream.apikeys.models import ApiKey, Mode
from enstream.apikeys.services import ApiKeyError, apikey_authenticate
from enstream.audit.context import bind_actor
from enstream.audit.models import Via

API_KEY_HEADER = "HTTP_X_API_KEY"


class ApiKeyRefused(exceptions.AuthenticationFailed):
    """A key that is unknown, revoked or expired, or whose owner is no longer active: 401."""


class AddressNotAllowed(exceptions.PermissionDenied):
    """A valid key used from outside its IP allow-list: 403, as the key itself is fine."""


def _refused(error: ApiKeyError) -> exceptions.APIException:
    cls = AddressNotAllowed if error.code == "ip_not_allowed" else ApiKeyRefused
    return cls(detail=str(error), code=error.code)


class ApiPrincipal:
    """The identity behind an API key, shaped like a user for scoping and role checks.

    An issuer key has no role: what it may do is its scopes (see permissions.HasScope). A staff
    key carries its person's role, so a staff key can never do more than its person.
    """

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey) -> None:
        self.api_key = key
        self.organisation: Organisation = key.organisation
        self.organisation_id: int = key.organisation_id
        self.person = key.user
        self.role: str = key.user.role if key.user is not None else ""
        self.email = f"api-key:{key.prefix}"

    @property
    def is_active(self) -> bool:
        return self.organisation.is_active and (self.person is None or self.person.is_active)

    def __str__(self) -> str:
        return self.email


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind ENSTREAM_TRUSTED_PROXIES the nearest
    X-Forwarded-For hop that is not one of them."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = [ipaddress.ip_network(cidr) for cidr in settings.ENSTREAM_TRUSTED_PROXIES]
    if remote is None or not proxies or not _in_any(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        address = _valid_ip(hop)
        if address is None:
            return remote
        if not _in_any(address, proxies):
            return address
    return remote


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def _in_any(address: str, networks: list[Any]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def _set_request_context(request: Request, organisation: Organisation, mode: str) -> None:
    request.issuer = organisation if organisation.kind == OrgKind.ISSUER else None
    request.mode = mode


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer es_...` or `X-Api-Key: es_...`."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiPrincipal, ApiKey] | None:
        raw = self._presented_key(request)
        if raw is None:
            return None
        ip = client_ip(request._request)
        try:
            key = apikey_authenticate(raw_key=raw, ip=ip)
        except ApiKeyError as error:
            raise _refused(error) from None
        principal = ApiPrincipal(key)
        _set_request_context(request, key.organisation, key.mode)
        _bind_actor(user=key.user, api_key=key, ip=ip)
        return principal, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'

    def _presented_key(self, request: Request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == self.keyword.lower():
            return credentials.strip()
        if scheme:
            # Another scheme (Basic, ...) is not ours to judge; IsAuthenticated answers 401.
            return None
        presented = request.META.get(API_KEY_HEADER, "").strip()
        return presented or None


class VerifiedSessionAuthentication(SessionAuthentication):
    """A portal session, only past the second factor.

    /api/ is outside the portal's second-factor gate (keys have no second factor), so
    a password-only session must not slip into the API this way.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        _set_request_context(request, user.organisation, Mode.LIVE)
        _bind_actor(user=user, api_key=None, ip=client_ip(request._request))
        return result


def _bind_actor(*, user: Any, api_key: ApiKey | None, ip: str | None) -> None:
    # The audit middleware opened the request's actor context before anyone knew the key;
    # this names it for the rest of the request, and the context's end forgets it.
    bind_actor(user=user, api_key=api_key, ip=ip, via=Via.API)
