"""No URL that names an object escapes the tenancy check.

Every URL pattern of the project that takes arguments is found by walking the URL
configuration; each must have a case in tests/tenancy_registry.py (or a reasoned exclusion),
and for each case every listed member of another organisation, signed in with a second
factor, gets 404, whatever method the URL answers to.
"""

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.tenancy_registry import EXCLUDED, TENANCY_CASES

METHODS = ("get", "post", "delete")


def _walk(
    patterns: list, namespace: str = "", route: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, inner, route + str(pattern.pattern))
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"
            yield name, route + str(pattern.pattern), pattern


def _takes_arguments(route: str, pattern: URLPattern) -> bool:
    return bool(pattern.pattern.regex.groupindex) or bool(pattern.pattern.converters)


def _excluded(name: str) -> bool:
    return name in EXCLUDED or any(key.endswith(":") and name.startswith(key) for key in EXCLUDED)


def urls_with_arguments() -> dict[str, str]:
    """url name -> route, for every pattern that takes arguments."""
    found: dict[str, str] = {}
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if _takes_arguments(route, pattern):
            found.setdefault(name, route)
    return found


URLS = urls_with_arguments()


def test_every_url_that_names_an_object_has_a_tenancy_case() -> None:
    missing = sorted(
        f"{name}  ({route})"
        for name, route in URLS.items()
        if name not in TENANCY_CASES and not _excluded(name)
    )
    assert not missing, (
        "Add a case to tests/tenancy_registry.py (who must get 404 on it) for:\n  "
        + "\n  ".join(missing)
    )


def test_the_registry_names_only_urls_that_exist() -> None:
    stale = sorted(set(TENANCY_CASES) - set(URLS))
    stale += sorted(n for n in EXCLUDED if not n.endswith(":") and n not in URLS)
    assert not stale, f"tests/tenancy_registry.py names URLs that no longer exist: {stale}"


def _probe(client: Client, url: str) -> tuple[str, int]:
    """The first method the URL answers to (not 405), and the status it gave."""
    status = 405
    for method in METHODS:
        # An empty JSON body and a fresh Idempotency-Key, so that API actions get as far as
        # looking the object up.
        status = getattr(client, method)(
            url, data={}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        ).status_code
        if status != 405:
            return method.upper(), status
    return "ANY", status


@pytest.mark.parametrize("url_name", sorted(TENANCY_CASES))
def test_members_of_another_organisation_get_404(url_name: str, cast: Cast) -> None:
    kwargs, outsiders, *owner = TENANCY_CASES[url_name](cast)
    url = reverse(url_name, kwargs=kwargs)
    assert outsiders, f"{url_name}: the case names no one who must get 404"
    for user in outsiders:
        client = Client()
        login_verified(client, user)
        method, status = _probe(client, url)
        assert status == 404, f"{user.email} ({user.role}) got {status} on {method} {url}"
    if owner:
        client = Client()
        login_verified(client, owner[0])
        method, status = _probe(client, url)
        assert status not in (403, 404), f"{owner[0].email}, the owner, got {status} on {url}"
