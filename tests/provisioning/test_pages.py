"""The portal's provisioning pages: credentials for bank staff, jobs for EnStream operations."""

import json
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from provisioning.models import Credential, Job, JobKind, JobState, JobStep
from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.provisioning.helpers import VISA_PAN, Market, virtual_se

pytestmark = pytest.mark.django_db


def _credential(market: Market, *, last4: str = "1111", state: str = "active", **extra: object):
    se = virtual_se(extra.pop("mno", market.northwind))
    return Credential.objects.create(
        issuer=extra.pop("issuer", market.maple),
        se=se,
        msisdn=se.msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        pan_last4=last4,
        pan_hash="0" * 64,
        expiry_month=12,
        expiry_year=2030,
        instance_aid="A0000000031010",
        state=state,
        **extra,
    )


def _job(credential: Credential, *, state: str = JobState.SUCCEEDED, **extra: object) -> Job:
    now = timezone.now()
    job = Job.objects.create(
        kind=extra.pop("kind", JobKind.PROVISION),
        se=credential.se,
        mno_id=credential.se.mno_id,
        issuer=credential.issuer,
        credential=credential,
        state=state,
        seq=1,
        started_at=now - timedelta(seconds=2),
        finished_at=now if state in (JobState.SUCCEEDED, JobState.FAILED) else None,
        **extra,
    )
    JobStep.objects.create(
        job=job,
        seq=1,
        name="ssd_create+key_handover+personalise",
        attempt=0,
        commands=[
            {"header": "00A40400", "lc": 8, "label": "SELECT (ISD)", "sensitive": False},
            {"header": "84E28000", "lc": 40, "label": "STORE DATA", "sensitive": True},
        ],
        responses=["9000", "9000"],
        outcome="ok",
        submitted_at=now - timedelta(seconds=2),
        replied_at=now - timedelta(seconds=1),
        duration_ms=1042,
    )
    return job


def _client(user: object) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_bank_staff_search_their_credentials_by_last_four_state_and_network(
    market: Market, cast: Cast
) -> None:
    mine = _credential(market, last4="4242")
    _credential(market, last4="1881", state="suspended")
    prairie = _credential(market, last4="4242", issuer=market.world.prairie)
    client = _client(cast.maple_viewer)
    page = client.get("/provisioning/credentials/", {"last4": "4242"}).content.decode()
    assert f"/provisioning/credentials/{mine.pk}/" in page
    assert str(prairie.pk) not in page
    page = client.get("/provisioning/credentials/", {"state": "suspended"}).content.decode()
    assert "••••1881" in page
    assert "••••4242" not in page
    page = client.get(
        "/provisioning/credentials/", {"msisdn": mine.msisdn[-7:], "network": market.northwind.pk}
    ).content.decode()
    assert "••••4242" in page


def test_mno_staff_do_not_see_credentials(market: Market, cast: Cast) -> None:
    assert _client(cast.northwind_viewer).get("/provisioning/credentials/").status_code == 403


def test_another_issuer_gets_404_on_a_credential(market: Market, cast: Cast) -> None:
    credential = _credential(market)
    url = f"/provisioning/credentials/{credential.pk}/"
    assert _client(cast.prairie_admin).get(url).status_code == 404
    assert _client(cast.maple_viewer).get(url).status_code == 200


def test_the_detail_shows_the_job_history_and_step_timings_never_card_data(
    market: Market, cast: Cast
) -> None:
    credential = _credential(market)
    _job(credential)
    page = _client(cast.maple_viewer).get(f"/provisioning/credentials/{credential.pk}/")
    html = page.content.decode()
    assert "ssd_create+key_handover+personalise" in html
    assert "1042" in html
    assert "84E28000" in html
    assert "data withheld" in html
    assert VISA_PAN not in html


def test_lifecycle_buttons_follow_the_role(market: Market, cast: Cast) -> None:
    credential = _credential(market)
    url = f"/provisioning/credentials/{credential.pk}/"
    viewer_page = _client(cast.maple_viewer).get(url).content.decode()
    assert "/suspend/" not in viewer_page
    operator = _client(cast.maple_operator)
    assert "/suspend/" in operator.get(url).content.decode()
    assert _client(cast.maple_viewer).post(f"{url}suspend/").status_code == 403
    confirm = operator.get(f"{url}suspend/")
    assert confirm.status_code == 200
    assert "locked" in confirm.content.decode()
    response = operator.post(f"{url}suspend/")
    assert response.status_code == 302
    job = Job.objects.get(credential=credential, kind=JobKind.SUSPEND)
    assert job.created_by == cast.maple_operator


def test_a_refused_action_shows_why(market: Market, cast: Cast) -> None:
    credential = _credential(market, state="suspended")
    response = _client(cast.maple_operator).post(
        f"/provisioning/credentials/{credential.pk}/suspend/", follow=True
    )
    assert "it cannot be suspended now" in response.content.decode()


def test_the_jobs_board_counts_open_jobs_by_state_and_network_and_refreshes(
    market: Market, cast: Cast
) -> None:
    _job(_credential(market), state=JobState.AWAITING_REPLY)
    _job(_credential(market), state=JobState.RETRY_WAIT)
    _job(_credential(market), state=JobState.FAILED, failure_code="ota_timeout")
    client = _client(cast.operations)
    page = client.get("/provisioning/jobs/").content.decode()
    assert "Northwind Mobile" in page
    assert "provisioning/jobs_board.js" in page
    data = json.loads(client.get("/provisioning/jobs/board.json").content)
    assert data["states"]["awaiting_reply"] == 1
    assert data["states"]["retry_wait"] == 1
    assert data["last_hour"]["failed"] == 1
    assert data["networks"][0]["counts"]["awaiting_reply"] == 1
    assert finders.find("provisioning/jobs_board.js")


def test_an_issuers_board_counts_only_its_own_jobs(market: Market, cast: Cast) -> None:
    _job(_credential(market, issuer=market.world.prairie), state=JobState.AWAITING_REPLY)
    data = json.loads(_client(cast.maple_admin).get("/provisioning/jobs/board.json").content)
    assert data["states"]["awaiting_reply"] == 0


def test_operations_retry_and_cancel_from_the_job_page(market: Market, cast: Cast) -> None:
    credential = _credential(market)
    job = _job(credential, kind=JobKind.SUSPEND, state=JobState.RETRY_WAIT, attempt=3)
    client = _client(cast.operations)
    page = client.get(f"/provisioning/jobs/{job.pk}/").content.decode()
    assert f"/provisioning/jobs/{job.pk}/retry/" in page
    assert client.post(f"/provisioning/jobs/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert _client(cast.maple_admin).post(f"/provisioning/jobs/{job.pk}/retry/").status_code == 403


def test_diagnostics_show_failures_by_network_and_code_and_stuck_jobs(
    market: Market, cast: Cast
) -> None:
    _job(_credential(market), state=JobState.FAILED, failure_code="se_memory_full")
    stuck = _job(_credential(market), kind=JobKind.SUSPEND, state=JobState.RETRY_WAIT, attempt=4)
    page = _client(cast.operations).get("/provisioning/jobs/diagnostics/").content.decode()
    assert "se_memory_full" in page
    assert "Not enough memory on the SIM" in page
    assert f"/provisioning/jobs/{stuck.pk}/retry/" in page
