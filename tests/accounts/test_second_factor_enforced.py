"""A password alone opens no page: every URL sends a signed-in user who has not passed the
second factor to enrolment or verification, the Django admin included."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.helpers import add_authenticator, login_password_only, login_verified

_OPEN_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:backup_code",
    "accounts:enrol",
    "accounts:invitation_accept",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
_SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.uuid4()), "path": "x"}
_OPEN_PREFIXES = ("/api/", "/health/", "/static/")


def _urls(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in patterns:
        route = str(entry.pattern)
        if not hasattr(entry.pattern, "converters") or route.startswith("^"):
            continue  # regex routes (the admin's catch-alls) are reached through named ones
        path = prefix + route
        for name, converter in entry.pattern.converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            path = path.replace(f"<{kind}:{name}>", _SAMPLE.get(kind, "1")).replace(
                f"<{name}>", "x"
            )
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _urls(entry.url_patterns, path, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", "/" + path))
    return found


def _guarded_urls() -> list[tuple[str, str]]:
    return [
        (name, path)
        for name, path in _urls(get_resolver().url_patterns)
        if name not in _OPEN_NAMES and not path.startswith(_OPEN_PREFIXES)
    ]


def test_the_crawl_covers_the_portal_the_accounts_pages_and_the_admin() -> None:
    names = {name for name, _ in _guarded_urls()}
    assert {"portal:dashboard", "accounts:users", "accounts:account", "admin:index"} <= names


def _not_sent_to(client, method: str, target: str) -> list[str]:
    leaks = []
    for name, path in _guarded_urls():
        response = getattr(client, method)(path)
        if response.status_code != 302 or not response.url.startswith(target):
            leaks.append(f"{name} {path} -> {response.status_code}")
    return leaks


def test_a_user_who_must_enrol_reaches_only_enrolment(client, cast) -> None:
    login_password_only(client, cast.maple_admin)
    assert _not_sent_to(client, "get", "/accounts/second-factor/enrol/") == []


def test_a_user_with_an_authenticator_must_verify_it_first(client, cast) -> None:
    add_authenticator(cast.enstream_admin)
    login_password_only(client, cast.enstream_admin)
    assert _not_sent_to(client, "post", "/accounts/second-factor/?next=") == []


def test_the_admin_is_closed_to_a_password_only_enstream_admin(client, cast) -> None:
    login_password_only(client, cast.enstream_admin)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/second-factor/enrol/")


def test_the_admin_opens_for_a_verified_enstream_admin(client, cast) -> None:
    login_verified(client, cast.enstream_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_the_admin_refuses_a_verified_issuer_admin(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    assert client.get("/admin/", follow=True).status_code == 403


def test_the_admin_login_form_sends_everyone_to_the_portal_sign_in(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_a_viewer_whose_organisation_requires_it_must_enrol(client, cast) -> None:
    cast.maple.second_factor_for_all = True
    cast.maple.save()
    login_password_only(client, cast.maple_viewer)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/second-factor/enrol/")


def test_a_viewer_for_whom_it_is_optional_reaches_the_dashboard(client, cast) -> None:
    login_password_only(client, cast.maple_viewer)
    assert client.get("/").status_code == 200


def test_a_verified_user_reaches_the_dashboard(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    assert client.get("/").status_code == 200


def test_health_and_api_are_not_redirected(client, cast) -> None:
    login_password_only(client, cast.maple_admin)
    for path in ("/health/", "/api/"):
        response = client.get(path)
        location = response.headers.get("Location", "")
        assert "/accounts/second-factor/" not in location, path
