from datetime import timedelta

import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from enstream.apikeys.models import ApiKey
from enstream.apikeys.services import apikey_revoke
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import login_password_only, login_verified
from tests.api.conftest import MakeKey, bearer
from tests.cast import Cast

URL = "/api/v1/webhooks"


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_call_without_a_key_is_refused_with_401(api: APIClient, cast: Cast) -> None:
    response = api.get(URL)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_key_is_refused_with_401(api: APIClient, cast: Cast) -> None:
    for made_up in ("es_live_abc", "es_live_" + "a" * 12 + "_" + "b" * 32, "nonsense"):
        response = api.get(URL, **bearer(made_up))
        assert response.status_code == 401, made_up
        assert error_code(response) == "authentication_failed"


def test_a_key_with_a_wrong_secret_is_refused(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert api.get(URL, **bearer(tampered)).status_code == 401


def test_a_valid_key_works_in_either_header(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    assert api.get(URL, **bearer(raw)).status_code == 200
    assert api.get(URL, HTTP_X_API_KEY=raw).status_code == 200


def test_a_revoked_key_is_refused_with_its_own_code(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    key, raw = make_key()
    apikey_revoke(key=key, by=cast.maple_admin)
    response = api.get(URL, **bearer(raw))
    assert response.status_code == 401
    assert error_code(response) == "api_key_revoked"


def test_an_expired_key_is_refused_with_its_own_code(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key(expires_at=timezone.now() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = api.get(URL, **bearer(raw))
    assert response.status_code == 401
    assert error_code(response) == "api_key_expired"


def test_the_ip_allow_list_admits_listed_addresses_only(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key(allowed_cidrs=["203.0.113.0/24", "2001:db8::1"])
    assert api.get(URL, REMOTE_ADDR="203.0.113.77", **bearer(raw)).status_code == 200
    assert api.get(URL, REMOTE_ADDR="2001:db8::1", **bearer(raw)).status_code == 200
    refused = api.get(URL, REMOTE_ADDR="198.51.100.7", **bearer(raw))
    assert refused.status_code == 403
    assert error_code(refused) == "ip_not_allowed"


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(
    api: APIClient, make_key: MakeKey, settings
) -> None:
    _, raw = make_key(allowed_cidrs=["203.0.113.0/24"])
    forwarded = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert api.get(URL, **forwarded, **bearer(raw)).status_code == 403
    settings.ENSTREAM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert api.get(URL, **forwarded, **bearer(raw)).status_code == 200


def test_two_live_keys_work_at_once_so_a_bank_can_rotate(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    old, old_raw = make_key(name="old")
    _, new_raw = make_key(name="new")
    assert api.get(URL, **bearer(old_raw)).status_code == 200
    assert api.get(URL, **bearer(new_raw)).status_code == 200
    apikey_revoke(key=old, by=cast.maple_admin)
    assert api.get(URL, **bearer(old_raw)).status_code == 401
    assert api.get(URL, **bearer(new_raw)).status_code == 200


def test_the_key_prefix_tells_live_sandbox_and_staff_apart(cast: Cast, make_key: MakeKey) -> None:
    _, live = make_key(mode="live")
    _, sandbox = make_key(mode="sandbox")
    _, staff = make_key(cast.enstream, user=cast.operations)
    assert live.startswith("es_live_")
    assert sandbox.startswith("es_test_")
    assert staff.startswith("es_staff_")


def test_last_used_is_written_at_most_once_a_minute(api: APIClient, make_key: MakeKey) -> None:
    key, raw = make_key()
    api.get(URL, REMOTE_ADDR="203.0.113.1", **bearer(raw))
    first = ApiKey.objects.get(pk=key.pk)
    assert first.last_used_at is not None
    assert first.last_used_ip == "203.0.113.1"
    api.get(URL, REMOTE_ADDR="203.0.113.2", **bearer(raw))
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first.last_used_at
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        api.get(URL, REMOTE_ADDR="203.0.113.2", **bearer(raw))
    assert ApiKey.objects.get(pk=key.pk).last_used_ip == "203.0.113.2"


def test_a_staff_key_stops_working_when_its_person_is_deactivated(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    _, raw = make_key(cast.enstream, user=cast.operations, scopes=("read",))
    cast.operations.is_active = False
    cast.operations.save()
    response = api.get(URL, **bearer(raw))
    assert response.status_code == 401
    assert error_code(response) == "api_key_owner_inactive"


def test_an_issuer_key_outlives_the_admin_who_created_it(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    _, raw = make_key()
    cast.maple_admin.is_active = False
    cast.maple_admin.save()
    assert api.get(URL, **bearer(raw)).status_code == 200


def test_a_session_without_the_second_factor_does_not_reach_the_api(
    api: APIClient, cast: Cast
) -> None:
    login_password_only(api, cast.maple_admin)
    assert api.get(URL).status_code == 401


def test_a_session_past_the_second_factor_reaches_the_api(api: APIClient, cast: Cast) -> None:
    login_verified(api, cast.maple_admin)
    assert api.get(URL).status_code == 200


def test_a_change_made_with_a_key_is_audited_under_that_key(
    api: APIClient, make_key: MakeKey
) -> None:
    key, raw = make_key()
    response = api.post(
        URL,
        {"url": "https://hooks.maple.example/in", "event_types": ["credential.active"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="audit-1",
        REMOTE_ADDR="203.0.113.5",
        **bearer(raw),
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="webhook.create")
    assert entry.api_key_id == str(key.pk)
    assert entry.via == "api"
    assert entry.ip == "203.0.113.5"
    assert key.prefix in entry.actor_label
