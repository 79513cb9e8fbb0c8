"""The password step: who goes on to which second-factor page, and what a wrong or odd
entry says."""

from tests.accounts.helpers import add_authenticator, login_verified
from tests.cast import PASSWORD

LOGIN = "/accounts/login/"


def test_a_user_with_an_authenticator_is_asked_for_a_code(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    response = client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/second-factor/"


def test_the_password_alone_does_not_sign_in(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_user_who_must_have_a_second_factor_is_sent_to_enrol(client, cast) -> None:
    response = client.post(LOGIN, {"username": cast.finance.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/second-factor/enrol/"


def test_a_user_for_whom_it_is_optional_signs_in_with_the_password(client, cast) -> None:
    response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_the_email_is_not_case_sensitive(client, cast) -> None:
    response = client.post(LOGIN, {"username": "VIC@Maple.example", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_says_so(client, cast) -> None:
    response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": "nope"})
    assert response.status_code == 200
    assert "That email and password do not match an active account." in response.text


def test_a_deactivated_user_cannot_sign_in(client, cast) -> None:
    cast.maple_viewer.is_active = False
    cast.maple_viewer.save()
    response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "do not match an active account" in response.text


def test_the_page_goes_back_where_the_user_was_going(client, cast) -> None:
    response = client.post(
        f"{LOGIN}?next=/accounts/account/",
        {"username": cast.maple_viewer.email, "password": PASSWORD, "next": "/accounts/account/"},
    )
    assert response.url == "/accounts/account/"


def test_a_next_address_on_another_site_is_ignored(client, cast) -> None:
    response = client.post(
        LOGIN,
        {"username": cast.maple_viewer.email, "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response.url == "/"


def test_a_signed_in_user_visiting_the_login_page_goes_to_the_dashboard(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response.url == "/"


def test_logging_out_ends_the_session(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
