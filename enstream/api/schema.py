"""The OpenAPI description of the API platform: how to authenticate and what an error is.

Loaded by the apikeys app at start-up, so drf-spectacular knows the extensions before it
builds the schema. `add_error_responses` (a SPECTACULAR_SETTINGS post-processing hook) adds
the one error shape and the answers every operation can give (401, 403, 429, for POST the
idempotency ones, 400 where there are query parameters, 404 where a path names an object) to
each operation, so integrators see them next to the happy path.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error, everywhere. `code` is stable and documented in docs/api.md; "
    "`message` is for people; `field` names the offending input when there is one.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "insufficient_scope"},
                "message": {"type": "string"},
                "field": {"type": "string", "nullable": True},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

_COMMON = {
    "401": "No key (`not_authenticated`), or a key that is unknown, revoked or expired "
    "(`authentication_failed`, `api_key_revoked`, `api_key_expired`).",
    "403": "The key lacks the scope (`insufficient_scope`) or is used from an address outside "
    "its allow-list (`ip_not_allowed`).",
    "429": "Rate limit reached (`rate_limited`); wait for `Retry-After` seconds.",
}
# Filters, cursors and other query parameters are validated: a wrong value answers 400.
_QUERY = {
    "400": "A query parameter is invalid (a filter value that is no choice, `invalid_choice`; "
    "a cursor not from a previous page, `invalid_cursor`); `field` names it.",
}
_POST = {
    "400": "Invalid input, or no Idempotency-Key (`idempotency_key_missing`).",
    "409": "A request with this Idempotency-Key is still running (`idempotency_in_progress`).",
    "422": "This Idempotency-Key was used for a different request (`idempotency_key_reused`).",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "enstream.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "es_live_… / es_test_… / es_staff_…",
            "description": "An API key from the portal (API keys page), sent as "
            "`Authorization: Bearer <key>` (or `X-Api-Key: <key>`).",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "enstream.api.authentication.VerifiedSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A portal session past the second factor (this page's own).",
        }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = {**_COMMON, **(_POST if method == "post" else {})}
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                extra = {**_QUERY, **extra}
            if "{" in path:
                extra["404"] = "No such object, or it belongs to another organisation."
            if not operation.get("security") or {} in operation["security"]:
                extra.pop("401", None)
            for code, description in extra.items():
                operation["responses"].setdefault(code, _error_response(description))
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result
