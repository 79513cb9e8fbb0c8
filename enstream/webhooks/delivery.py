"""Delivering one webhook: sign, POST, log the attempt, schedule the retry or give up.

Retries back off exponentially with jitter (30 s, 1, 2, 4 ... min, capped below the broker's
visibility timeout), so an issuer's outage is not answered with a flood. An endpoint that
keeps failing (ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row, or failing for
ENSTREAM_WEBHOOK_DISABLE_AFTER_DAYS without one success) is disabled and its admins told.
"""

import json
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from enstream.webhooks import signing
from enstream.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from enstream.webhooks.services import (
    LOOPBACK_HOSTS,
    host_is_public,
    signing_secrets,
    webhook_endpoint_disable,
)

TIMEOUT_SECONDS = 10
# Celery's Redis transport redelivers a task not acknowledged within an hour, so no retry
# may be scheduled further out than that.
MAX_RETRY_DELAY = 1800.0
# A claimed attempt holds its delivery this long; a worker killed mid-POST frees it then.
ATTEMPT_LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)
USER_AGENT = "EnStream-Webhooks/1"


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error_class: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the signed POST anywhere, the platform's own network included.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class EndpointNotPublic(Exception):
    """The endpoint's host resolves to an address that is not on the public internet."""


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: exponential, capped, with equal jitter."""
    base = settings.ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS
    ceiling = min(MAX_RETRY_DELAY, base * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def event_body(event: WebhookEvent) -> bytes:
    document = {
        "id": str(event.pk),
        "type": event.event_type,
        "created": event.created_at.isoformat(),
        "livemode": event.mode == "live",
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def post_signed(url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        host = urlsplit(url).hostname or ""
        allow_loopback = settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK and host in LOOPBACK_HOSTS
        if not allow_loopback and not host_is_public(host, resolve=True):
            raise EndpointNotPublic(host)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except Exception as exc:  # every failure is an outcome to log and retry
        reason = getattr(exc, "reason", None)
        error = type(reason if isinstance(reason, BaseException) else exc).__name__
    return PostResult(status, error, int((time.monotonic() - started) * 1000))


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + ATTEMPT_LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related(
        "event", "endpoint__secret", "endpoint__previous_secret"
    ).get(pk=delivery_id)


def webhook_delivery_attempt(*, delivery_id: int) -> float | None:
    """Make one attempt if the delivery is due; the seconds until the next one, or None when
    there is nothing more to do (delivered, given up, not due, or claimed by another worker)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error="EndpointDisabled"
        )
        return None
    body = event_body(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "EnStream-Event-Id": str(delivery.event_id),
        "EnStream-Event-Type": delivery.event.event_type,
        signing.HEADER: signing.signature_header(body, signing_secrets(endpoint), int(time.time())),
    }
    started_at = timezone.now()
    result = post_signed(endpoint.url, body, headers)
    return _record(delivery, result, started_at)


@transaction.atomic
def _record(delivery: WebhookDelivery, result: PostResult, started_at: datetime) -> float | None:
    now = timezone.now()
    number = WebhookAttempt.objects.filter(delivery=delivery).count() + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration_ms=result.duration_ms,
        status_code=result.status_code,
        error_class=result.error_class,
        succeeded=result.ok,
    )
    attempts = delivery.attempts + 1
    common = {"attempts": attempts, "last_status_code": result.status_code}
    if result.ok:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SUCCEEDED, delivered_at=now, last_error="", **common
        )
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
            consecutive_failures=0, failing_since=None
        )
        return None
    _count_failure(delivery.endpoint, now)
    error = result.error_class or f"HTTP {result.status_code}"
    if attempts >= settings.ENSTREAM_WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error=error, **common
        )
        return None
    delay = retry_delay(attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now + timedelta(seconds=delay), last_error=error, **common
    )
    return delay


def _count_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "failing_since", "is_active"])
    limit = settings.ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES
    days = settings.ENSTREAM_WEBHOOK_DISABLE_AFTER_DAYS
    if endpoint.consecutive_failures >= limit:
        reason = f"{endpoint.consecutive_failures} delivery attempts in a row failed."
    elif endpoint.failing_since and endpoint.failing_since <= now - timedelta(days=days):
        reason = f"No delivery has succeeded for {days} days."
    else:
        return
    webhook_endpoint_disable(endpoint=endpoint, reason=reason)


def webhook_deliveries_requeue(*, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Pending deliveries overdue by `older_than` (their task was lost: a broker outage
    after commit, a purged queue); returns their ids to enqueue again."""
    cutoff = timezone.now() - older_than
    return list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
