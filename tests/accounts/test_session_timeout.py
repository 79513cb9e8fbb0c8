"""An idle session ends after 15 minutes; activity keeps it going."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.accounts.helpers import login_verified


def test_a_session_idle_for_more_than_15_minutes_ends(client, cast) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_verified(client, cast.maple_admin)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_each_request_restarts_the_idle_clock(client, cast) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_verified(client, cast.maple_admin)
    for minutes in (10, 20, 30):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200


def test_the_session_cookie_does_not_outlive_the_browser(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.get("/")
    assert response.cookies["sessionid"]["expires"] == ""
