"""Creating, revoking and checking API keys."""

import ipaddress
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Perm, has_perm
from enstream.apikeys import tokens
from enstream.apikeys.models import ApiKey, Mode, Scope
from enstream.audit.services import audit_record

logger = logging.getLogger(__name__)

# Writing last-used on every request would turn every API read into a write; once a minute
# is as precise as anyone reading the portal needs.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiKeyError(ValueError):
    """A key that cannot be created, revoked or used as asked. `code` is the API error code."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def parse_cidrs(values: Iterable[str]) -> list[str]:
    """Normalise an allow-list ("10.0.0.0/8", "2001:db8::1") or say which entry is wrong."""
    networks: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ApiKeyError(
                f"{text!r} is not an IP address or CIDR range.", field="allowed_cidrs"
            ) from None
    return networks


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in Scope.values]
    if unknown:
        raise ApiKeyError(f"Unknown scope {unknown[0]!r}.", field="scopes")
    if not chosen:
        raise ApiKeyError("Choose at least one scope.", field="scopes")
    return chosen


def _check_owner(organisation: Organisation, user: User | None, created_by: User) -> None:
    if not has_perm(created_by, Perm.API_KEYS_MANAGE):
        raise ApiKeyError("You may not manage API keys.", code="permission_denied")
    if organisation.kind == OrgKind.ISSUER:
        if created_by.organisation_id != organisation.pk:
            raise ApiKeyError("Issuers create their own keys.", code="permission_denied")
        if user is not None:
            raise ApiKeyError("An issuer key belongs to the issuer, not to a person.")
    elif organisation.kind == OrgKind.ENSTREAM:
        if not created_by.organisation.is_enstream:
            raise ApiKeyError("Only EnStream admins create staff keys.", code="permission_denied")
        if user is None or not user.is_active or user.organisation_id != organisation.pk:
            raise ApiKeyError("A staff key acts for an active EnStream user.", field="user")
    else:
        raise ApiKeyError("Only issuers and EnStream staff hold API keys.")


@transaction.atomic
def apikey_create(
    *,
    organisation: Organisation,
    name: str,
    scopes: Iterable[str],
    created_by: User,
    mode: str = Mode.LIVE,
    allowed_cidrs: Iterable[str] = (),
    expires_at: datetime | None = None,
    user: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its full text, which is never available again."""
    _check_owner(organisation, user, created_by)
    if mode not in Mode.values:
        raise ApiKeyError(f"Unknown mode {mode!r}.", field="mode")
    if not name.strip():
        raise ApiKeyError("Name the key after the system that will use it.", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiKeyError("The expiry must be in the future.", field="expires_at")
    fresh = tokens.new_key(mode=mode, staff=user is not None)
    key = ApiKey.objects.create(
        organisation=organisation,
        user=user,
        name=name.strip(),
        mode=mode,
        public_id=fresh.public_id,
        prefix=fresh.prefix,
        secret_hash=tokens.key_hash(fresh.raw),
        scopes=_check_scopes(scopes),
        allowed_cidrs=parse_cidrs(allowed_cidrs),
        expires_at=expires_at,
        created_by=created_by,
    )
    audit_record(
        action="api_key.create",
        obj=key,
        actor=created_by,
        changes={
            "name": key.name,
            "prefix": key.prefix,
            "mode": key.mode,
            "scopes": key.scopes,
            "allowed_cidrs": key.allowed_cidrs,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "user": user.email if user else None,
        },
    )
    return key, fresh.raw


@transaction.atomic
def apikey_revoke(*, key: ApiKey, by: User) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    allowed = has_perm(by, Perm.API_KEYS_MANAGE) and (
        by.organisation.is_enstream or by.organisation_id == key.organisation_id
    )
    if not allowed:
        raise ApiKeyError("You may not revoke this key.", code="permission_denied")
    now = timezone.now()
    if ApiKey.objects.filter(pk=key.pk, revoked_at=None).update(revoked_at=now, revoked_by=by):
        audit_record(action="api_key.revoke", obj=key, actor=by, changes={"prefix": key.prefix})
    key.refresh_from_db()
    return key


def _address_allowed(key: ApiKey, ip: str | None) -> bool:
    if not key.allowed_cidrs:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in key.allowed_cidrs)


def apikey_authenticate(*, raw_key: str, ip: str | None) -> ApiKey:
    """The key a request presents, if it may be used from `ip` now; else ApiKeyError.

    A key that does not exist and a key whose secret is wrong give the same answer.
    """
    public_id = tokens.public_id_of(raw_key)
    key = _by_public_id(public_id) if public_id else None
    if key is None or not tokens.hash_matches(raw_key, key.secret_hash):
        raise ApiKeyError("The API key is not valid.", code="authentication_failed")
    if key.user_id is not None:
        # A staff key: its person (and their organisation), read only for the keys that have
        # one, so that an issuer's key, the API's every call, reads one row with its owner.
        key.user = User.objects.select_related("organisation").get(pk=key.user_id)
    refusal = _refusal(key, ip)
    if refusal is not None:
        logger.warning("API key %s refused from %s: %s", key.prefix, ip, refusal.code)
        raise refusal
    apikey_touch(key=key, ip=ip)
    return key


def _by_public_id(public_id: str) -> ApiKey | None:
    # An indexed look-up (public_id is unique) of one row and its organisation; the secret is
    # then checked against its keyed hash in constant time.
    try:
        return ApiKey.objects.select_related("organisation").get(public_id=public_id)
    except ApiKey.DoesNotExist:
        return None


def _refusal(key: ApiKey, ip: str | None) -> ApiKeyError | None:
    now = timezone.now()
    if key.revoked_at is not None:
        return ApiKeyError("This API key was revoked.", code="api_key_revoked")
    if key.expires_at is not None and key.expires_at <= now:
        return ApiKeyError("This API key has expired.", code="api_key_expired")
    if not key.organisation.is_active:
        return ApiKeyError("This organisation is not active.", code="organisation_inactive")
    if key.user is not None and not key.user.is_active:
        return ApiKeyError(
            "The person this staff key acts for is no longer active.",
            code="api_key_owner_inactive",
        )
    if not _address_allowed(key, ip):
        return ApiKeyError(
            f"This API key may not be used from {ip}.", code="ip_not_allowed", field="ip"
        )
    return None


def apikey_touch(*, key: ApiKey, ip: str | None) -> None:
    """Note when and from where a key was last used, at most once a minute per key."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now, last_used_ip=ip)
    key.last_used_at, key.last_used_ip = now, ip
