"""The signature recipe in docs/api.md, run as a bank would run it, on real deliveries."""

import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from enstream.webhooks import signing
from enstream.webhooks.delivery import webhook_delivery_attempt
from enstream.webhooks.models import WebhookDelivery
from enstream.webhooks.services import (
    webhook_emit,
    webhook_endpoint_rotate_secret,
    webhook_secrets_expire,
)
from tests.api.conftest import Receiver
from tests.cast import Cast

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(scope="module")
def verify_enstream_signature() -> Callable[..., bool]:
    """The documented snippet, executed on its own."""
    match = re.search(r"<!-- snippet: verify -->\s*```python\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/api.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102  # our own docs
    return namespace["verify_enstream_signature"]


def deliver_one(cast: Cast, server: Receiver) -> tuple[Any, bytes]:
    event = webhook_emit(
        organisation=cast.maple, event_type="credential.active", payload={"credential": "cr_1"}
    )
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event).pk)
    return server.requests[-1]


def test_the_documented_recipe_accepts_a_real_delivery(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    verify_enstream_signature: Callable[..., bool],
) -> None:
    server = receiver([200])
    _, secret = make_endpoint(url=server.url)
    headers, body = deliver_one(cast, server)
    assert verify_enstream_signature(body, headers["EnStream-Signature"], secret)


def test_the_recipe_refuses_a_tampered_body_a_wrong_secret_and_garbage(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    verify_enstream_signature: Callable[..., bool],
) -> None:
    server = receiver([200])
    _, secret = make_endpoint(url=server.url)
    headers, body = deliver_one(cast, server)
    header = headers["EnStream-Signature"]
    assert not verify_enstream_signature(body.replace(b"cr_1", b"cr_2"), header, secret)
    assert not verify_enstream_signature(body, header, signing.new_secret())
    for garbage in ("", "t=abc,v1=00", "v1=00", "nonsense"):
        assert not verify_enstream_signature(body, garbage, secret)


def test_the_recipe_refuses_a_delivery_replayed_after_five_minutes(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    verify_enstream_signature: Callable[..., bool],
) -> None:
    server = receiver([200])
    _, secret = make_endpoint(url=server.url)
    headers, body = deliver_one(cast, server)
    # From the moment it was signed (the header's t=), not from now: the delivery itself may
    # take a second on a busy machine.
    signed_at = int(headers["EnStream-Signature"].split(",")[0].removeprefix("t="))
    with time_machine.travel(signed_at + 299):
        assert verify_enstream_signature(body, headers["EnStream-Signature"], secret)
    with time_machine.travel(signed_at + 301):
        assert not verify_enstream_signature(body, headers["EnStream-Signature"], secret)


def test_the_recipe_and_the_platform_agree(verify_enstream_signature: Callable) -> None:
    secret, body, now = signing.new_secret(), b'{"id":"evt"}', int(time.time())
    header = signing.signature_header(body, [secret], now)
    assert verify_enstream_signature(body, header, secret)
    assert signing.verify(body, header, secret)


def test_after_a_rotation_both_secrets_verify_for_a_day_then_only_the_new_one(
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
    verify_enstream_signature: Callable[..., bool],
) -> None:
    server = receiver([200])
    endpoint, old = make_endpoint(url=server.url)
    new = webhook_endpoint_rotate_secret(endpoint=endpoint)
    headers, body = deliver_one(cast, server)
    assert headers["EnStream-Signature"].count("v1=") == 2
    assert verify_enstream_signature(body, headers["EnStream-Signature"], old)
    assert verify_enstream_signature(body, headers["EnStream-Signature"], new)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert webhook_secrets_expire() == 1
        headers, body = deliver_one(cast, server)
        assert headers["EnStream-Signature"].count("v1=") == 1
        assert verify_enstream_signature(body, headers["EnStream-Signature"], new)
        assert not verify_enstream_signature(body, headers["EnStream-Signature"], old)
