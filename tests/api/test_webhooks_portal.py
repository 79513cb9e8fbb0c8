import re
from collections.abc import Callable

from django.test import Client

from enstream.webhooks.delivery import webhook_delivery_attempt
from enstream.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from enstream.webhooks.services import webhook_emit
from tests.accounts.helpers import login_verified
from tests.api.conftest import Receiver
from tests.cast import Cast

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{20,}")


def test_an_issuer_admin_adds_an_endpoint_and_sees_its_secret_once(
    client: Client, cast: Cast
) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/webhooks/new/",
        {
            "url": "https://hooks.maple.example/in",
            "mode": "live",
            "event_types": ["credential.active", "credential.failed"],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = SECRET.search(response.content.decode()).group(0)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.created_by == cast.maple_admin
    listing = client.get("/webhooks/").content.decode()
    detail = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "https://hooks.maple.example/in" in listing
    assert secret not in listing
    assert secret not in detail


def test_an_admin_can_subscribe_an_endpoint_to_the_card_data_required_event(
    client: Client, cast: Cast
) -> None:
    login_verified(client, cast.maple_admin)
    form = client.get("/webhooks/new/").content.decode()
    assert 'value="credential.card_data_required"' in form
    client.post(
        "/webhooks/new/",
        {
            "url": "https://hooks.maple.example/in",
            "mode": "sandbox",
            "event_types": ["credential.card_data_required"],
        },
    )
    assert WebhookEndpoint.objects.get().event_types == ["credential.card_data_required"]


def test_an_http_url_is_a_form_error(client: Client, cast: Cast, settings) -> None:
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/webhooks/new/",
        {"url": "http://hooks.maple.example/in", "mode": "live", "event_types": ["job.failed"]},
    )
    assert response.status_code == 200
    assert "must use https" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_each_attempt_and_a_failed_delivery_can_be_resent(
    client: Client,
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    settings,
) -> None:
    settings.ENSTREAM_WEBHOOK_MAX_ATTEMPTS = 1
    server = receiver([503, 204])
    endpoint, _ = make_endpoint(url=server.url)
    event = webhook_emit(organisation=cast.maple, event_type="job.failed", payload={"job": "j1"})
    delivery = WebhookDelivery.objects.get(event=event)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    login_verified(client, cast.maple_admin)
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "job.failed" in page
    assert "HTTP 503" in page
    assert "Gave up" in page
    assert client.post(f"/webhooks/deliveries/{delivery.pk}/resend/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    webhook_delivery_attempt(delivery_id=delivery.pk)
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "HTTP 204" in page
    assert "Delivered" in page


def test_rotate_disable_enable_and_delete_from_the_portal(
    client: Client, cast: Cast, make_endpoint: Callable
) -> None:
    endpoint, old = make_endpoint()
    login_verified(client, cast.maple_admin)
    rotated = client.post(f"/webhooks/{endpoint.pk}/rotate/")
    new = SECRET.search(rotated.content.decode()).group(0)
    assert new != old
    client.post(f"/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(f"/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert client.get(f"/webhooks/{endpoint.pk}/delete/").status_code == 200
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_only_issuer_admins_manage_webhooks(client: Client, cast: Cast) -> None:
    for person in (cast.maple_viewer, cast.maple_operator, cast.enstream_admin, cast.operations):
        login_verified(client, person)
        assert client.get("/webhooks/").status_code == 403
        assert client.get("/webhooks/new/").status_code == 403


def test_another_issuers_admin_gets_404_on_every_page_of_maples_endpoint(
    client: Client, cast: Cast, make_endpoint: Callable
) -> None:
    endpoint, _ = make_endpoint(cast.maple)
    event = webhook_emit(organisation=cast.maple, event_type="job.failed", payload={})
    delivery = WebhookDelivery.objects.get(event=event)
    login_verified(client, cast.prairie_admin)
    assert "hooks.bank.example" not in client.get("/webhooks/").content.decode()
    for url in (f"/webhooks/{endpoint.pk}/", f"/webhooks/{endpoint.pk}/delete/"):
        assert client.get(url).status_code == 404
    for url in (
        f"/webhooks/{endpoint.pk}/rotate/",
        f"/webhooks/{endpoint.pk}/toggle/",
        f"/webhooks/{endpoint.pk}/delete/",
        f"/webhooks/deliveries/{delivery.pk}/resend/",
    ):
        assert client.post(url).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active
