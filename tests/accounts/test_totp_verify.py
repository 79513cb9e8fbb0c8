"""The second step: a code from the authenticator app, accepted once."""

import time_machine
from django.utils import timezone

from enstream.audit.models import AuditEntry
from tests.accounts.helpers import add_authenticator, totp_code
from tests.cast import PASSWORD

VERIFY = "/accounts/second-factor/"


def _password_step(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.url == VERIFY


def test_the_right_code_signs_in(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(VERIFY, {"code": totp_code()})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="second_factor.verified").count() == 1


def test_the_code_takes_the_user_where_they_were_going(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    client.post(
        "/accounts/login/",
        {"username": cast.maple_admin.email, "password": PASSWORD, "next": "/accounts/users/"},
    )
    response = client.post(VERIFY, {"code": totp_code()})
    assert response.url == "/accounts/users/"


def test_a_wrong_code_is_refused_with_a_clear_message(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not valid." in response.text
    assert client.get("/").status_code == 302
    entry = AuditEntry.objects.get(action="second_factor.failed")
    assert entry.outcome == "failure"
    assert entry.detail == "wrong code"


def test_a_replayed_code_is_refused(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    with time_machine.travel(timezone.now(), tick=False):
        code = totp_code()
        _password_step(client, cast.maple_admin)
        assert client.post(VERIFY, {"code": code}).status_code == 302
        client.post("/accounts/logout/")

        _password_step(client, cast.maple_admin)
        response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "That code has already been used." in response.text
    assert client.get("/").status_code == 302


def test_a_code_from_the_previous_period_still_works_once(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(VERIFY, {"code": totp_code(steps=-1)})
    assert response.status_code == 302


def test_a_code_that_is_not_six_digits_is_refused_before_checking(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    response = client.post(VERIFY, {"code": "12ab"})
    assert response.status_code == 200
    assert "Enter the 6 digits your authenticator app shows." in response.text
    assert not AuditEntry.objects.filter(action="second_factor.failed").exists()


def test_quick_retries_after_wrong_codes_are_throttled(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    with time_machine.travel(timezone.now(), tick=False):
        client.post(VERIFY, {"code": "000000" if totp_code() != "000000" else "111111"})
        response = client.post(VERIFY, {"code": totp_code()})
    assert "Too many wrong codes in a row. Wait 1 second before trying again." in response.text


def test_the_verify_page_without_a_password_step_goes_back_to_login(client, cast) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response.url == "/accounts/login/"


def test_a_part_way_sign_in_expires(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(client, cast.maple_admin)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        response = client.post(VERIFY, {"code": totp_code()})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
