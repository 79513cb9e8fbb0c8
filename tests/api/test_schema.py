"""The committed OpenAPI document matches the code, and the reference pages work offline."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate"


def test_the_committed_schema_is_what_the_code_generates(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text() == COMMITTED.read_text(), (
        f"docs/openapi.yaml is out of date; regenerate it with `{REGENERATE}`"
    )


def _api_views(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield route, pattern.callback


def test_every_post_of_the_api_honours_idempotency_key() -> None:
    missing = []
    for route, callback in _api_views(get_resolver()):
        if not route.startswith("api/v1/"):
            continue
        actions = getattr(callback, "actions", None) or {}
        name = (
            actions.get("post") if actions else ("post" if hasattr(callback.cls, "post") else None)
        )
        if name and not getattr(getattr(callback.cls, name), "idempotent", False):
            missing.append(f"{route} ({callback.cls.__name__}.{name})")
    assert not missing, "POST handlers without @idempotent: " + ", ".join(missing)


def test_the_schema_describes_the_key_scheme_and_the_error_shape(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "field"}
    create = schema["paths"]["/api/v1/webhooks"]["post"]
    assert {"400", "401", "403", "409", "422", "429"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in create["parameters"])


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_reference_pages_load_everything_from_the_portal_itself(
    client: Client, page: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs", "//fonts."):
        assert cdn not in html
