"""Malformed, empty and huge input gets a clear message, never a server error."""

import pytest

from tests.accounts.helpers import add_authenticator, login_verified
from tests.cast import PASSWORD

HUGE = "x" * 200_000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"username": "", "password": ""}, "This field is required."),
        ({"username": "not-an-email", "password": "x"}, "Enter a valid email address."),
        ({"username": HUGE + "@x.example", "password": "x"}, "at most 254 characters"),
        ({"username": "a@maple.example", "password": HUGE}, "at most 1024 characters"),
        ({"username": "a@maple.example\x00", "password": "x"}, "Null characters are not allowed"),
    ],
)
def test_the_login_form_explains_bad_input(client, db, data, message) -> None:
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert message in response.text


@pytest.mark.parametrize("code", ["", "   ", "abcdef", "1234567", HUGE, "12\x0034"])
def test_the_code_form_explains_bad_input(client, cast, code) -> None:
    add_authenticator(cast.maple_admin)
    client.post("/accounts/login/", {"username": cast.maple_admin.email, "password": PASSWORD})
    response = client.post("/accounts/second-factor/", {"code": code})
    assert response.status_code == 200
    assert 'class="errorlist' in response.text


@pytest.mark.parametrize("code", ["", "!!!!", HUGE, "abcd"])
def test_the_backup_code_form_explains_bad_input(client, cast, code) -> None:
    add_authenticator(cast.maple_admin)
    client.post("/accounts/login/", {"username": cast.maple_admin.email, "password": PASSWORD})
    response = client.post("/accounts/second-factor/backup-code/", {"code": code})
    assert response.status_code == 200
    assert 'class="errorlist' in response.text


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not-an-email", "role": "issuer_viewer"},
        {"email": HUGE, "role": "issuer_viewer"},
        {"email": "a@maple.example", "role": "no_such_role"},
        {"email": "a@maple.example", "role": "issuer_viewer", "full_name": HUGE},
    ],
)
def test_the_invite_form_explains_bad_input(client, cast, data) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post("/accounts/users/invite/", data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.text


@pytest.mark.parametrize("pk", ["0", "99999999999999999999"])
def test_a_missing_user_answers_404(client, cast, pk) -> None:
    login_verified(client, cast.maple_admin)
    assert client.get(f"/accounts/users/{pk}/").status_code == 404


def test_an_unknown_action_on_a_user_changes_nothing(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(f"/accounts/users/{cast.maple_viewer.pk}/", {"action": "explode"})
    assert response.status_code == 200


@pytest.mark.parametrize("token", ["x", "a:b:c", "%00", "Z" * 5000])
def test_a_garbage_invitation_link_says_so(client, db, token) -> None:
    response = client.get(f"/accounts/invitations/{token}/")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.text
