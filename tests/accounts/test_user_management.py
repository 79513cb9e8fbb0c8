"""Org admins list their users, change roles and deactivate; every change is audited and
no one sees another organisation's users."""

import pytest

from enstream.accounts.errors import AccountsError
from enstream.accounts.models import User
from enstream.accounts.roles import Role
from enstream.accounts.services import user_change_role, user_deactivate
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import add_authenticator, login_verified


def test_an_issuer_admin_sees_only_their_organisation(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.get("/accounts/users/")
    assert response.status_code == 200
    assert cast.maple_viewer.email in response.text
    assert cast.prairie_viewer.email not in response.text
    assert cast.enstream_admin.email not in response.text


def test_an_enstream_admin_sees_every_organisation(client, cast) -> None:
    login_verified(client, cast.enstream_admin)
    response = client.get("/accounts/users/")
    assert cast.maple_viewer.email in response.text
    assert cast.northwind_viewer.email in response.text


def test_a_viewer_may_not_manage_users(client, cast) -> None:
    login_verified(client, cast.maple_viewer)
    assert client.get("/accounts/users/").status_code == 403
    assert client.get(f"/accounts/users/{cast.maple_operator.pk}/").status_code == 403


def test_another_organisations_user_answers_404(client, cast) -> None:
    login_verified(client, cast.outsider)
    assert client.get(f"/accounts/users/{cast.maple_viewer.pk}/").status_code == 404
    response = client.post(f"/accounts/users/{cast.maple_viewer.pk}/", {"action": "deactivate"})
    assert response.status_code == 404
    cast.maple_viewer.refresh_from_db()
    assert cast.maple_viewer.is_active


def test_a_role_change_is_made_and_audited(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        f"/accounts/users/{cast.maple_viewer.pk}/",
        {"action": "role", "role": Role.ISSUER_OPERATOR},
        follow=True,
    )
    assert "vic@maple.example is now Issuer operator." in response.text
    cast.maple_viewer.refresh_from_db()
    assert cast.maple_viewer.role == Role.ISSUER_OPERATOR
    entry = AuditEntry.objects.get(action="user.role_changed")
    assert entry.changes == {"role": ["issuer_viewer", "issuer_operator"]}
    assert entry.actor_id == cast.maple_admin.pk
    assert entry.organisation_id == cast.maple.pk


def test_a_role_of_another_kind_of_organisation_is_refused(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        f"/accounts/users/{cast.maple_viewer.pk}/",
        {"action": "role", "role": Role.MNO_VIEWER},
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    with pytest.raises(AccountsError, match="MNO viewer is not a role in Maple Bank"):
        user_change_role(actor=cast.maple_admin, user=cast.maple_viewer, role=Role.MNO_VIEWER)


def test_the_last_admin_cannot_give_up_the_admin_role(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        f"/accounts/users/{cast.maple_admin.pk}/",
        {"action": "role", "role": Role.ISSUER_VIEWER},
    )
    assert "mia@maple.example is the last admin of Maple Bank." in response.text
    cast.maple_admin.refresh_from_db()
    assert cast.maple_admin.role == Role.ISSUER_ADMIN


def test_an_admin_may_step_down_when_another_admin_remains(cast) -> None:
    user_change_role(actor=cast.maple_admin, user=cast.maple_operator, role=Role.ISSUER_ADMIN)
    user_change_role(actor=cast.maple_admin, user=cast.maple_admin, role=Role.ISSUER_VIEWER)
    assert User.objects.get(pk=cast.maple_admin.pk).role == Role.ISSUER_VIEWER


def test_deactivation_is_made_and_audited_and_ends_the_session(client, cast) -> None:
    viewer_client = client.__class__()
    login_verified(viewer_client, cast.maple_viewer)
    login_verified(client, cast.maple_admin)
    response = client.post(
        f"/accounts/users/{cast.maple_viewer.pk}/", {"action": "deactivate"}, follow=True
    )
    assert "vic@maple.example can no longer sign in." in response.text
    cast.maple_viewer.refresh_from_db()
    assert not cast.maple_viewer.is_active
    assert AuditEntry.objects.filter(action="user.deactivated", actor=cast.maple_admin).exists()
    assert viewer_client.get("/").status_code == 302


def test_an_admin_cannot_deactivate_themselves(cast) -> None:
    with pytest.raises(AccountsError, match="cannot deactivate your own account"):
        user_deactivate(actor=cast.maple_admin, user=cast.maple_admin)


def test_the_last_admin_cannot_be_deactivated_by_enstream(cast) -> None:
    with pytest.raises(AccountsError, match="last admin of Maple Bank"):
        user_deactivate(actor=cast.enstream_admin, user=cast.maple_admin)


def test_reactivation_is_audited(client, cast) -> None:
    user_deactivate(actor=cast.maple_admin, user=cast.maple_viewer)
    login_verified(client, cast.maple_admin)
    client.post(f"/accounts/users/{cast.maple_viewer.pk}/", {"action": "reactivate"})
    cast.maple_viewer.refresh_from_db()
    assert cast.maple_viewer.is_active
    assert AuditEntry.objects.filter(action="user.reactivated").exists()


def test_an_admin_resets_a_lost_authenticator(client, cast) -> None:
    add_authenticator(cast.maple_operator)
    login_verified(client, cast.maple_admin)
    client.post(f"/accounts/users/{cast.maple_operator.pk}/", {"action": "reset_second_factor"})
    assert not cast.maple_operator.encryptedtotpdevice_set.exists()
    entry = AuditEntry.objects.get(action="second_factor.removed")
    assert entry.changes == {"authenticators": 1}
    assert entry.actor_id == cast.maple_admin.pk


def test_the_users_page_takes_a_fixed_number_of_queries(
    client, cast, django_assert_max_num_queries
) -> None:
    login_verified(client, cast.enstream_admin)
    with django_assert_max_num_queries(12):
        client.get("/accounts/users/")
