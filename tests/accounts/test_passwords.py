"""Password reset by email, and changing it from the account page; both audited."""

import re
from datetime import UTC, datetime

import time_machine
from django.core import mail

from enstream.audit.models import AuditEntry
from tests.accounts.helpers import login_verified
from tests.cast import PASSWORD

NEW_PASSWORD = "a different long passphrase"


def test_a_reset_link_is_emailed_and_sets_a_new_password(client, cast) -> None:
    response = client.post("/accounts/password-reset/", {"email": cast.maple_viewer.email})
    assert response.url == "/accounts/password-reset/sent/"
    link = re.search(r"http://testserver(/accounts/password-reset/\S+)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == "/accounts/password-reset/complete/"
    cast.maple_viewer.refresh_from_db()
    assert cast.maple_viewer.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="password.reset", actor=cast.maple_viewer).exists()


def test_a_reset_does_not_sign_in(client, cast) -> None:
    client.post("/accounts/password-reset/", {"email": cast.maple_admin.email})
    link = re.search(r"http://testserver(/accounts/password-reset/\S+)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get("/").status_code == 302


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, db) -> None:
    response = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.example"})
    assert response.url == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_a_used_reset_link_says_so(client, cast) -> None:
    client.post("/accounts/password-reset/", {"email": cast.maple_viewer.email})
    path = re.search(r"http://testserver(/accounts/password-reset/\S+)", mail.outbox[0].body)
    response = client.get(path.group(1), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = client.get(path.group(1), follow=True)
    assert "This reset link is not valid" in response.text


def test_changing_the_password_on_the_account_page_is_audited(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/accounts/account/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Your password has been changed." in response.text
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="password.changed").exists()


def test_a_short_new_password_is_refused_with_the_rule(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/accounts/account/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "short",
            "new_password2": "short",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.text


def test_a_wrong_old_password_is_refused(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/accounts/account/",
        {
            "action": "password",
            "old_password": "not it",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert "Your old password was entered incorrectly." in response.text


def test_a_user_for_whom_it_is_required_cannot_remove_the_second_factor(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post("/accounts/account/", {"action": "remove_second_factor"}, follow=True)
    assert "Your role requires a second factor." in response.text
    assert cast.maple_admin.encryptedtotpdevice_set.exists()


def test_a_user_for_whom_it_is_optional_can_remove_it(client, cast) -> None:
    login_verified(client, cast.maple_viewer)
    client.post("/accounts/account/", {"action": "remove_second_factor"})
    assert not cast.maple_viewer.encryptedtotpdevice_set.exists()
    assert client.get("/").status_code == 200


def test_reset_mails_to_one_address_stop_at_the_hourly_cap_with_the_same_answer(
    client, cast, settings
) -> None:
    settings.ENSTREAM_PASSWORD_RESET_MAILS_PER_HOUR = 2
    # Early in an hour: the cap's window is the clock hour.
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, 5, tzinfo=UTC), tick=False):
        answers = [
            client.post("/accounts/password-reset/", {"email": cast.maple_viewer.email}).url
            for _ in range(4)
        ]
    assert answers == ["/accounts/password-reset/sent/"] * 4
    assert len(mail.outbox) == 2
    client.post("/accounts/password-reset/", {"email": cast.maple_admin.email})
    assert mail.outbox[-1].to == [cast.maple_admin.email], "another address is not held back"
