"""One error shape for every API answer that is not a success:

    {"error": {"code": "oversold", "message": "Approving 500 SSDs would ...", "field": "cap"}}

`code` is stable and machine-readable, `message` is for people, `field` names the offending
input (dotted for nested input, e.g. "charges.0.tiers") or is null. Wired as
REST_FRAMEWORK["EXCEPTION_HANDLER"]; docs/api.md lists the codes.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from enstream.errors import ServiceError

NON_FIELD = {"non_field_errors", "__all__"}


class ServiceRefused(exceptions.APIException):
    """A service's refusal (enstream.errors.ServiceError: a code, maybe a field) as an API
    answer; the handler below makes one of every ServiceError a view lets through."""

    def __init__(
        self,
        *,
        code: str,
        message: str,
        field: str | None = None,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.field = field
        self.details = details or {}


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Any]:
    """The path to, and the first message of, a (nested) validation error."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if value:
                return _first_error(value, (*path, str(key)))
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                # A list of messages belongs to its field; a list of objects is indexed.
                nested = isinstance(value, dict | list)
                return _first_error(value, (*path, str(index)) if nested else path)
    return path, detail


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        exc = ServiceRefused(
            code=exc.code,
            message=exc.message,
            field=exc.field,
            status_code=exc.status,
            details=exc.details,
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()  # the same words whether it is missing or not the caller's
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, reported as such
    if isinstance(exc, ServiceRefused):
        extra = {"details": exc.details} if exc.details else {}
        response.data = error_body(str(exc.detail.code), str(exc.detail), exc.field, **extra)
        return response
    detail = getattr(exc, "detail", None)
    path, first = _first_error(detail)
    field = ".".join(p for p in path if p not in NON_FIELD) or None
    code = getattr(first, "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(str(code), str(first or "Error."), field)
    return response
