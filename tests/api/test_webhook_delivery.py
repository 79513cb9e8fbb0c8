from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from enstream.webhooks import signing
from enstream.webhooks.delivery import retry_delay, webhook_delivery_attempt
from enstream.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from enstream.webhooks.services import WebhookError, webhook_emit
from tests.api.conftest import Receiver
from tests.cast import Cast

PAYLOAD = {"credential": "cr_123", "state": "active", "last4": "4242"}


def emit(cast: Cast, event_type: str = "credential.active", **options: Any) -> Any:
    return webhook_emit(organisation=cast.maple, event_type=event_type, payload=PAYLOAD, **options)


def attempt_when_due(delivery: WebhookDelivery) -> float | None:
    """Make the next attempt at the time it is scheduled for."""
    delivery.refresh_from_db()
    with time_machine.travel(delivery.next_attempt_at + timedelta(milliseconds=1), tick=False):
        return webhook_delivery_attempt(delivery_id=delivery.pk)


def test_an_event_reaches_each_subscribed_active_endpoint_of_its_mode_after_commit(
    cast: Cast, make_endpoint: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    subscribed, _ = make_endpoint(event_types=["credential.active"])
    make_endpoint(event_types=["job.failed"])
    make_endpoint(event_types=["credential.active"], mode="sandbox")
    make_endpoint(cast.prairie, event_types=["credential.active"])
    disabled, _ = make_endpoint(event_types=["credential.active"])
    WebhookEndpoint.objects.filter(pk=disabled.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = emit(cast)
    assert [d.endpoint_id for d in WebhookDelivery.objects.filter(event=event)] == [subscribed.pk]
    assert len(callbacks) == 1


def test_an_unknown_event_type_is_refused(cast: Cast) -> None:
    with pytest.raises(WebhookError, match="Unknown event type"):
        emit(cast, event_type="credential.exploded")


def test_a_failing_delivery_is_retried_with_growing_delays_until_it_succeeds(
    cast: Cast, make_endpoint: Callable, receiver: Callable[..., Receiver], settings: Any
) -> None:
    settings.ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS = 30
    server = receiver([503, 500, 200])
    endpoint, secret = make_endpoint(url=server.url)
    event = emit(cast)
    delivery = WebhookDelivery.objects.get(event=event)

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    second = attempt_when_due(delivery)
    third = attempt_when_due(delivery)

    assert first is not None
    assert 15 <= first <= 30
    assert second is not None
    assert 30 <= second <= 60
    assert third is None
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.attempts == 3
    log = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in log] == [
        (1, 503, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert all(a.duration_ms >= 0 and a.error_class == "" for a in log)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    for headers, body in server.requests:
        stamp = int(headers["EnStream-Signature"].split(",")[0][2:])
        assert signing.verify(body, headers["EnStream-Signature"], secret, now=stamp)
        assert headers["EnStream-Event-Id"] == str(event.pk)


def test_a_delivery_that_is_not_due_is_left_alone(
    cast: Cast, make_endpoint: Callable, receiver: Callable[..., Receiver]
) -> None:
    server = receiver([500])
    _endpoint, _ = make_endpoint(url=server.url)
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    webhook_delivery_attempt(delivery_id=delivery.pk)
    # A duplicate task (a redelivered message) arriving early sends nothing.
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(server.requests) == 1


def test_backoff_doubles_and_stays_below_the_broker_visibility_timeout(settings: Any) -> None:
    settings.ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS = 30
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1800), (20, 1800)]:
        delays = [retry_delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1, "jittered"


def test_a_delivery_gives_up_after_the_last_attempt(
    cast: Cast, make_endpoint: Callable, receiver: Callable[..., Receiver], settings: Any
) -> None:
    settings.ENSTREAM_WEBHOOK_MAX_ATTEMPTS = 3
    settings.ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES = 100
    server = receiver([500])
    make_endpoint(url=server.url)
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    webhook_delivery_attempt(delivery_id=delivery.pk)
    attempt_when_due(delivery)
    assert attempt_when_due(delivery) is None
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error == "HTTP 500"


def test_an_endpoint_failing_again_and_again_is_disabled_and_its_admins_emailed(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    server = receiver([500])
    endpoint, _ = make_endpoint(url=server.url)
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_attempt(delivery_id=delivery.pk)
        attempt_when_due(delivery)
        assert mail.outbox == []
        attempt_when_due(delivery)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "3 delivery attempts in a row failed" in endpoint.disabled_reason
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.maple_admin.email]
    assert server.url in message.subject
    assert attempt_when_due(delivery) is None
    assert len(server.requests) == 3
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert not WebhookDelivery.objects.filter(event=emit(cast)).exists()


def test_an_endpoint_failing_for_days_is_disabled(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ENSTREAM_WEBHOOK_DISABLE_AFTER_DAYS = 3
    server = receiver([500])
    endpoint, _ = make_endpoint(url=server.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=1, failing_since=timezone.now() - timedelta(days=3, minutes=1)
    )
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_attempt(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "for 3 days" in endpoint.disabled_reason
    assert len(mail.outbox) == 1


def test_redirects_are_not_followed(
    cast: Cast, make_endpoint: Callable, receiver: Callable[..., Receiver]
) -> None:
    elsewhere = receiver([200])
    server = receiver([302], location=elsewhere.url)
    make_endpoint(url=server.url)
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is not None
    assert elsewhere.requests == []
    assert delivery.attempt_log.get().status_code == 302


def test_a_host_on_a_private_network_is_never_posted_to(
    cast: Cast, make_endpoint: Callable, receiver: Callable[..., Receiver], settings: Any
) -> None:
    server = receiver([200])
    make_endpoint(url=server.url)
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    webhook_delivery_attempt(delivery_id=delivery.pk)
    assert server.requests == []
    assert delivery.attempt_log.get().error_class == "EndpointNotPublic"


def test_an_unreachable_endpoint_is_logged_by_error_class(
    cast: Cast, make_endpoint: Callable, settings: Any
) -> None:
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    make_endpoint(url="http://127.0.0.1:1/nothing-listens-here")
    delivery = WebhookDelivery.objects.get(event=emit(cast))
    webhook_delivery_attempt(delivery_id=delivery.pk)
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert attempt.error_class == "ConnectionRefusedError"
