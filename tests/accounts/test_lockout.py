"""Lockout per user id after repeated failures, wrong passwords and wrong codes alike."""

from django.conf import settings

from tests.accounts.helpers import add_authenticator, totp_code
from tests.cast import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/accounts/second-factor/"


def _wrong_code() -> str:
    return f"{(int(totp_code()) + 500_000) % 1_000_000:06d}"


def test_the_user_is_locked_after_the_failure_limit(client, cast) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert "Try again in 30 minutes." in response.text


def test_a_locked_user_is_refused_even_with_the_right_password(client, cast) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": cast.maple_viewer.email, "password": "wrong"})
    response = client.post(LOGIN, {"username": cast.maple_viewer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_the_lock_follows_the_user_id_across_addresses(client, cast) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": cast.maple_viewer.email, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    response = client.post(
        LOGIN,
        {"username": cast.maple_viewer.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 429


def test_other_users_are_not_locked(client, cast) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": cast.maple_viewer.email, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    response = client.post(
        LOGIN,
        {"username": cast.prairie_viewer.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, cast, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    add_authenticator(cast.maple_admin)
    client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": _wrong_code()}).status_code == 200
    response = client.post(VERIFY, {"code": _wrong_code()})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


def test_a_locked_out_code_guesser_must_start_again_and_stays_locked(client, cast, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    add_authenticator(cast.maple_admin)
    client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(VERIFY, {"code": _wrong_code()})
    assert client.post(VERIFY, {"code": totp_code()}).url == "/accounts/login/"
    response = client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    assert response.status_code == 429


def test_a_correct_password_does_not_wipe_earlier_wrong_codes(client, cast, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    add_authenticator(cast.maple_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
        client.post(VERIFY, {"code": _wrong_code()})
        client.post("/accounts/logout/")
    client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    assert client.post(VERIFY, {"code": _wrong_code()}).status_code == 429


def test_a_full_sign_in_clears_the_earlier_failures(client, cast) -> None:
    add_authenticator(cast.maple_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": cast.maple_admin.email, "password": "wrong"})
    client.post(LOGIN, {"username": cast.maple_admin.email, "password": PASSWORD})
    assert client.post(VERIFY, {"code": totp_code()}).status_code == 302
    client.post("/accounts/logout/")
    response = client.post(LOGIN, {"username": cast.maple_admin.email, "password": "wrong"})
    assert response.status_code == 200
