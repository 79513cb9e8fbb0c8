import threading
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from enstream.accounts.models import Organisation
from enstream.apikeys.models import ApiKey
from enstream.apikeys.services import apikey_create
from enstream.webhooks.models import WebhookEndpoint
from enstream.webhooks.services import webhook_endpoint_create
from tests.cast import Cast

ALL_SCOPES = ("read", "provision", "lifecycle", "webhooks")
MakeKey = Callable[..., tuple[ApiKey, str]]


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _admin_of(cast: Cast, organisation: Organisation) -> Any:
    return {
        cast.maple.pk: cast.maple_admin,
        cast.prairie.pk: cast.prairie_admin,
        cast.outsider_org.pk: cast.outsider,
        cast.enstream.pk: cast.enstream_admin,
    }[organisation.pk]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def make_key(cast: Cast) -> MakeKey:
    """make_key(cast.maple, scopes=("read",), mode="sandbox", ...) -> (ApiKey, full key)."""

    def make(
        organisation: Organisation | None = None,
        *,
        scopes: tuple[str, ...] = ALL_SCOPES,
        **options: Any,
    ) -> tuple[ApiKey, str]:
        organisation = organisation or cast.maple
        options.setdefault("created_by", _admin_of(cast, organisation))
        options.setdefault("name", "card issuing back end")
        return apikey_create(organisation=organisation, scopes=scopes, **options)

    return make


@pytest.fixture
def make_endpoint(cast: Cast) -> Callable[..., tuple[WebhookEndpoint, str]]:
    def make(
        organisation: Organisation | None = None, **options: Any
    ) -> tuple[WebhookEndpoint, str]:
        options.setdefault("url", "https://hooks.bank.example/enstream")
        options.setdefault("event_types", ["credential.active", "job.failed"])
        return webhook_endpoint_create(organisation=organisation or cast.maple, **options)

    return make


class Receiver:
    """A bank's webhook receiver on 127.0.0.1: answers the given statuses in turn (the last
    one for ever after) and keeps every request it got."""

    def __init__(self, statuses: list[int], location: str = "") -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[Message, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.headers, body))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/enstream/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Callable[..., Receiver]]:
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    started: list[Receiver] = []

    def start(statuses: list[int], location: str = "") -> Receiver:
        started.append(Receiver(statuses, location))
        return started[-1]

    yield start
    for server in started:
        server.close()
