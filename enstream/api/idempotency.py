"""`Idempotency-Key` on every POST of the API.

    class CredentialViewSet(IdempotentCreateMixin, viewsets.GenericViewSet): ...

    @idempotent                       # any other POST handler, e.g. an @action
    def suspend(self, request, pk=None): ...

    @idempotent(blank=("secret",))    # a field shown once is not kept for replays
    def create(self, request): ...

The first request with a key runs inside one transaction together with the storing of its
response; a retry with the same key and body gets that response again with
`Idempotent-Replayed: true`. A request that fails with a 5xx or an exception stores
nothing, so its retry runs afresh; 4xx answers from the view are stored like any other.
Never put a card number in a response: the stored copy would keep it (credential
responses show the last four digits only).
"""

import functools
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar, overload

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from enstream.apikeys.idempotency import (
    IdempotencyError,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
)
from enstream.apikeys.models import ApiKey, IdempotencyRecord, Mode
from enstream.audit.services import audit_deferred
from enstream.keystore import lookup_hash

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("Location",)
_TOKEN = re.compile(r"^[\x21-\x7e]{1,255}$")

PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A unique value (a UUID) per operation. Retrying with the same key and body "
    "replays the first response; see docs/api.md.",
)

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyKeyMissing(exceptions.ValidationError):
    default_code = "idempotency_key_missing"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_in_progress"


def request_fingerprint(request: Request) -> str:
    """A keyed hash over method, path and the parsed body: the same content in another spacing
    or key order is the same request. Keyed, because a body may hold a card number, and a plain
    hash of a low-entropy PAN beside its last four could be brute-forced (PCI DSS 3.5.1.1)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    canonical = json.dumps([request.method, request.get_full_path(), body])
    return lookup_hash(canonical, purpose="idempotency_request")


def _token(request: Request) -> str:
    token = request.headers.get(HEADER, "").strip()
    if not token:
        raise IdempotencyKeyMissing(
            {HEADER: [f"Every POST needs an {HEADER} header (a UUID per operation)."]}
        )
    if not _TOKEN.match(token):
        raise IdempotencyKeyMissing(
            {HEADER: [f"{HEADER} must be 1-255 printable ASCII characters."]}
        )
    return token


def _stored_copy(data: Any, blank: tuple[str, ...]) -> Any:
    data = json.loads(json.dumps(data, cls=JSONEncoder))
    if isinstance(data, dict):
        for field in blank:
            if field in data:
                data[field] = None
    return data


def _replay(record: IdempotencyRecord) -> Response:
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_data, status=record.response_status, headers=headers)


class _Undone(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _idempotent_call(
    view: Any, request: Request, call: Callable[[], Any], blank: tuple[str, ...]
) -> Any:
    if request.method != "POST":
        return call()
    key = request.auth if isinstance(request.auth, ApiKey) else None
    try:
        claim = idempotency_claim(
            organisation=request.user.organisation,
            mode=getattr(request, "mode", Mode.LIVE),
            token=_token(request),
            method=request.method,
            path=request.get_full_path()[:500],
            request_hash=request_fingerprint(request),
            api_key=key,
        )
    except IdempotencyError as error:
        if error.code == "idempotency_key_reused":
            raise IdempotencyKeyReused(str(error)) from None
        raise IdempotencyInProgress(str(error)) from None
    if claim.replay:
        return _replay(claim.record)
    try:
        # The handler's audit entries join the chain as the transaction's last statements:
        # the chain head's lock, which every audited write in the portal takes, is then held
        # for a few statements and the commit, not for the whole request.
        with transaction.atomic(), audit_deferred():
            response = call()
            if not isinstance(response, Response):
                raise TypeError(f"{type(view).__name__}: an idempotent handler returns a Response")
            if response.status_code >= 500:
                raise _Undone(response)
            idempotency_complete(
                record=claim.record,
                status=response.status_code,
                data=_stored_copy(response.data, blank),
                headers={h: response[h] for h in _KEPT_HEADERS if response.has_header(h)},
            )
    except _Undone as undone:
        idempotency_release(record=claim.record)
        return undone.response
    except BaseException:
        idempotency_release(record=claim.record)
        raise
    return response


def _decorate(handler: F, blank: tuple[str, ...]) -> F:
    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Any:
        return _idempotent_call(
            view, request, lambda: handler(view, request, *args, **kwargs), blank
        )

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return extend_schema(parameters=[PARAMETER])(wrapper)  # type: ignore[return-value]


@overload
def idempotent(handler: F) -> F: ...
@overload
def idempotent(*, blank: tuple[str, ...] = ()) -> Callable[[F], F]: ...
def idempotent(handler: Any = None, *, blank: tuple[str, ...] = ()) -> Any:
    """Make a POST handler of an API view idempotent by its `Idempotency-Key` header."""
    if handler is not None:
        return _decorate(handler, blank)
    return lambda func: _decorate(func, blank)


class IdempotentCreateMixin:
    """For viewsets: `create` (the POST on the list URL) honours Idempotency-Key."""

    idempotency_blank_fields: tuple[str, ...] = ()

    @extend_schema(parameters=[PARAMETER])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = super().create  # type: ignore[misc]
        return _idempotent_call(
            self,
            request,
            lambda: parent(request, *args, **kwargs),
            self.idempotency_blank_fields,
        )

    create.idempotent = True  # type: ignore[attr-defined]
