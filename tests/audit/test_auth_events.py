import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from enstream.audit.models import AuditEntry
from tests.cast import PASSWORD, Cast

pytestmark = pytest.mark.django_db


def _attempt(email: str, password: str) -> object:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.9")
    return authenticate(request=request, username=email, password=password)


def test_a_sign_in_is_recorded_against_the_user_and_their_organisation(cast: Cast) -> None:
    Client().force_login(cast.maple_admin)

    entry = AuditEntry.objects.get(action="login")
    assert entry.actor_id == cast.maple_admin.pk
    assert entry.organisation_id == cast.maple.pk
    assert entry.outcome == "success"


def test_a_sign_out_is_recorded(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.maple_admin)
    client.post("/accounts/logout/")
    assert AuditEntry.objects.filter(action="logout", actor=cast.maple_admin).exists()


def test_a_failed_sign_in_is_recorded_without_the_password(cast: Cast) -> None:
    assert _attempt("vic@maple.example", "not-the-password-123") is None

    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.outcome == "failure"
    assert entry.object_id == str(cast.maple_viewer.pk)
    assert entry.organisation_id == cast.maple.pk
    assert entry.ip == "198.51.100.9"
    assert entry.actor_label == "anonymous"
    assert "not-the-password-123" not in str(AuditEntry.objects.values())


def test_a_failed_sign_in_for_an_unknown_address_is_recorded_for_enstream(cast: Cast) -> None:
    _attempt("nobody@nowhere.example", "whatever-password")
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.organisation_id is None
    assert entry.detail == "no account for nobody@nowhere.example"


def test_a_name_that_is_not_an_email_address_is_not_kept(cast: Cast) -> None:
    _attempt("hunter2-my-password", PASSWORD)
    entry = AuditEntry.objects.get(action="login_failed")
    assert "hunter2" not in entry.detail + entry.object_label


def test_a_lockout_is_recorded(cast: Cast, settings: object) -> None:
    for _ in range(5):
        _attempt("val@prairie.example", "wrong-password-again")

    lockout = AuditEntry.objects.filter(action="lockout").first()
    assert lockout is not None
    assert lockout.outcome == "denied"
    assert lockout.organisation_id == cast.prairie.pk
    assert AuditEntry.objects.filter(action="login_failed").count() == 5


def test_behind_a_trusted_proxy_the_clients_address_is_recorded(
    cast: Cast, settings: object
) -> None:
    settings.ENSTREAM_TRUSTED_PROXIES = ["10.0.0.0/8"]  # type: ignore[attr-defined]
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.9.9.9"
    )
    authenticate(request=request, username="vic@maple.example", password="wrong-password-1")
    assert AuditEntry.objects.get(action="login_failed").ip == "203.0.113.5"


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(cast: Cast) -> None:
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    authenticate(request=request, username="vic@maple.example", password="wrong-password-1")
    assert AuditEntry.objects.get(action="login_failed").ip == "198.51.100.9"
