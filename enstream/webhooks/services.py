"""Webhook endpoints (create, rotate, enable, disable, delete) and raising events for them."""

import ipaddress
import logging
import socket
import uuid
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role
from enstream.apikeys.models import Mode
from enstream.audit.services import audit_record
from enstream.keystore import seal, secret_destroy, unseal
from enstream.webhooks import signing
from enstream.webhooks.models import (
    DeliveryState,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

SECRET_PURPOSE = "webhooks.signing"  # noqa: S105  # a keystore purpose, not a secret
# How long deliveries keep a signature under the old secret after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class WebhookError(ValueError):
    """A webhook change that cannot be made as asked."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def check_url(url: str) -> str:
    """An https URL on a public host; plain http only to this machine where allowed (DEBUG)."""
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise WebhookError(
            "Enter a full URL, like https://bank.example/enstream.", field="url"
        ) from None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise WebhookError("Put no user name or password in the URL.", field="url")
    loopback_ok = settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not loopback_ok:
        raise WebhookError("Webhook URLs must use https://.", field="url")
    if not loopback_ok and not host_is_public(host, resolve=False):
        raise WebhookError("Webhook URLs must point to a public host.", field="url")
    return url


def host_is_public(host: str, *, resolve: bool) -> bool:
    """False for loopback, private, link-local and other non-global addresses, so a webhook
    cannot be aimed at the platform's own network. Names are only checked when resolved."""
    if host.lower() in LOOPBACK_HOSTS:
        return False
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if not resolve:
            return True
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return True  # the POST will fail and be logged as a connection error
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return all(address.is_global for address in addresses)


def _check_events(event_types: Any) -> list[str]:
    chosen = sorted(set(event_types or []))
    unknown = [event for event in chosen if event not in EventType.values]
    if unknown:
        raise WebhookError(f"Unknown event type {unknown[0]!r}.", field="event_types")
    if not chosen:
        raise WebhookError("Subscribe to at least one event type.", field="event_types")
    return chosen


@transaction.atomic
def webhook_endpoint_create(
    *,
    organisation: Organisation,
    url: str,
    event_types: list[str],
    mode: str = Mode.LIVE,
    description: str = "",
    created_by: User | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it with its signing secret, which is shown this once."""
    if organisation.kind != OrgKind.ISSUER:
        raise WebhookError("Only issuers have webhook endpoints.", code="permission_denied")
    if mode not in Mode.values:
        raise WebhookError(f"Unknown mode {mode!r}.", field="mode")
    endpoint = WebhookEndpoint(
        organisation=organisation,
        mode=mode,
        url=check_url(url),
        description=description.strip()[:200],
        event_types=_check_events(event_types),
        created_by=created_by,
    )
    secret = signing.new_secret()
    endpoint.secret = seal(secret.encode(), purpose=SECRET_PURPOSE, owner=endpoint.secret_owner)
    endpoint.save(force_insert=True)
    audit_record(
        action="webhook.create",
        obj=endpoint,
        actor=created_by,
        changes={"url": endpoint.url, "mode": mode, "event_types": endpoint.event_types},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User | None = None) -> str:
    """A new secret; the old one still signs deliveries for ROTATION_OVERLAP."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.previous_secret is not None:
        secret_destroy(endpoint.previous_secret)
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = seal(secret.encode(), purpose=SECRET_PURPOSE, owner=endpoint.secret_owner)
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    audit_record(action="webhook.rotate_secret", obj=endpoint, actor=by)
    return secret


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets a delivery is signed with now: the current one, then any still-live old one."""
    owner = endpoint.secret_owner
    found = [unseal(endpoint.secret, purpose=SECRET_PURPOSE, owner=owner).decode()]
    previous = endpoint.previous_secret
    expires = endpoint.previous_secret_expires_at
    if previous is not None and not previous.is_destroyed and expires and expires > timezone.now():
        found.append(unseal(previous, purpose=SECRET_PURPOSE, owner=owner).decode())
    return found


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: User | None = None) -> None:
    secrets = [s for s in (endpoint.secret, endpoint.previous_secret) if s is not None]
    audit_record(action="webhook.delete", obj=endpoint, actor=by, changes={"url": endpoint.url})
    endpoint.delete()
    for secret in secrets:
        secret_destroy(secret)


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, by: User | None = None) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True,
        disabled_at=None,
        disabled_reason="",
        consecutive_failures=0,
        failing_since=None,
    )
    audit_record(action="webhook.enable", obj=endpoint, actor=by)


@transaction.atomic
def webhook_endpoint_disable(
    *, endpoint: WebhookEndpoint, reason: str, by: User | None = None
) -> bool:
    """Stop deliveries to an endpoint. When the platform does it (by=None), the issuer's
    admins get an e-mail. False if it was already disabled."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason=reason[:200]
    )
    if not changed:
        return False
    audit_record(action="webhook.disable", obj=endpoint, actor=by, detail=reason)
    if by is None:
        transaction.on_commit(partial(_mail_disabled, endpoint.pk, reason))
    return True


def _mail_disabled(endpoint_id: uuid.UUID, reason: str) -> None:
    endpoint = WebhookEndpoint.objects.select_related("organisation").get(pk=endpoint_id)
    admins = User.objects.filter(
        organisation=endpoint.organisation, role=Role.ISSUER_ADMIN, is_active=True
    ).values_list("email", flat=True)
    if not admins:
        return
    send_mail(
        subject=f"EnStream webhook endpoint disabled: {endpoint.url}",
        message=(
            f"EnStream stopped sending events to {endpoint.url} ({endpoint.get_mode_display()}) "
            f"for {endpoint.organisation.name}.\n\nReason: {reason}\n\n"
            "Events raised meanwhile are kept. Fix the endpoint, then enable it again on the "
            "Webhooks page of the portal and resend the deliveries you need from its log."
        ),
        from_email=None,
        recipient_list=list(admins),
    )


@transaction.atomic
def webhook_emit(
    *, organisation: Organisation, event_type: str, payload: dict, mode: str = Mode.LIVE
) -> WebhookEvent:
    """Record an event and a delivery per subscribed, active endpoint of the same mode;
    delivery starts once the caller's transaction commits. Never put a card number or a
    key in `payload`: it is stored and sent as is."""
    if event_type not in EventType.values:
        raise WebhookError(f"Unknown event type {event_type!r}.", field="event_type")
    event = WebhookEvent.objects.create(
        organisation=organisation, mode=mode, event_type=event_type, payload=payload
    )
    # Filtered here, not in SQL: SQLite (the embedded default) has no JSON containment, and an
    # issuer has a handful of endpoints.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organisation=organisation, mode=mode, is_active=True
        )
        if event_type in endpoint.event_types
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, endpoint=endpoint) for endpoint in endpoints]
    )
    for delivery in deliveries:
        _enqueue_on_commit(delivery.pk)
    return event


def _enqueue_on_commit(delivery_id: int) -> None:
    from enstream.webhooks.tasks import deliver_webhook

    transaction.on_commit(partial(deliver_webhook.delay, delivery_id))


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, by: User | None = None) -> None:
    """Send a delivery again now, with a fresh set of attempts."""
    if not delivery.endpoint.is_active:
        raise WebhookError("Enable the endpoint before resending to it.", code="endpoint_disabled")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    audit_record(
        action="webhook.resend",
        obj=delivery.endpoint,
        actor=by,
        changes={"event": str(delivery.event_id)},
    )
    _enqueue_on_commit(delivery.pk)


def webhook_secrets_expire() -> int:
    """Destroy the old secrets whose rotation overlap has ended; returns how many."""
    expired = WebhookEndpoint.objects.filter(
        previous_secret__isnull=False, previous_secret_expires_at__lte=timezone.now()
    ).select_related("previous_secret")
    count = 0
    for endpoint in expired:
        with transaction.atomic():
            secret = endpoint.previous_secret
            WebhookEndpoint.objects.filter(pk=endpoint.pk, previous_secret=secret).update(
                previous_secret=None, previous_secret_expires_at=None
            )
            secret_destroy(secret)
        count += 1
    return count
