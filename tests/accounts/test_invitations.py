"""Invitations: an admin invites, the invitee sets a password through a single-use link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from enstream.accounts.errors import AccountsError
from enstream.accounts.models import Invitation, User
from enstream.accounts.roles import Role
from enstream.accounts.services import invitation_accept, user_invite
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import login_verified

NEW_PASSWORD = "a long and new passphrase"


@pytest.fixture
def invite(cast, django_capture_on_commit_callbacks):
    """Invite someone into Maple Bank as its admin would; returns the emailed link's path."""

    def invite(*, role: str = Role.ISSUER_VIEWER, email: str = "nora@maple.example") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            user_invite(
                actor=cast.maple_admin,
                organisation=cast.maple,
                email=email,
                role=role,
                full_name="Nora",
                site_url="http://testserver/",
            )
        return _link_in(mail.outbox[-1].body)

    return invite


def _link_in(body: str) -> str:
    return re.search(r"http://testserver(/accounts/invitations/[^/\s]+/)", body).group(1)


def _accept(client, link: str, password: str = NEW_PASSWORD):
    return client.post(
        link, {"full_name": "Nora", "new_password1": password, "new_password2": password}
    )


def test_an_admin_invites_from_the_invite_page(
    client, cast, django_capture_on_commit_callbacks
) -> None:
    login_verified(client, cast.maple_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/invite/",
            {"email": "Nora@Maple.example", "full_name": "Nora", "role": Role.ISSUER_VIEWER},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nora@maple.example"
    assert invitation.organisation == cast.maple
    assert mail.outbox[0].to == ["nora@maple.example"]
    assert "/accounts/invitations/" in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="user.invited")
    assert entry.changes == {"email": "nora@maple.example", "role": "issuer_viewer"}


def test_only_a_hash_of_the_link_is_stored(invite) -> None:
    link = invite()
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def test_accepting_creates_the_user_and_signs_them_in(client, cast, invite) -> None:
    link = invite()
    assert "Maple Bank" in client.get(link).text
    response = _accept(client, link)
    assert response.status_code == 302
    user = User.objects.get(email="nora@maple.example")
    assert user.organisation == cast.maple
    assert user.role == Role.ISSUER_VIEWER
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="invitation.accepted", actor=user).exists()


def test_an_invited_admin_goes_on_to_set_up_the_authenticator_app(client, invite) -> None:
    link = invite(role=Role.ISSUER_ADMIN, email="ada@maple.example")
    response = _accept(client, link)
    assert response.url == "/accounts/second-factor/enrol/"
    assert client.get(response.url).status_code == 200
    assert client.get("/").status_code == 302


def test_a_short_password_is_refused_with_the_rule(client, invite) -> None:
    link = invite()
    response = _accept(client, link, password="short1")
    assert response.status_code == 200
    assert "at least 12 characters" in response.text
    assert not User.objects.filter(email="nora@maple.example").exists()


def test_an_expired_invitation_says_so(client, invite) -> None:
    link = invite()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has expired." in response.text


def test_a_tampered_link_says_so(client, invite) -> None:
    link = invite()
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(f"/accounts/invitations/{tampered}/")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.text


def test_a_link_that_is_not_a_token_at_all_says_so(client, db) -> None:
    response = client.get("/accounts/invitations/not-a-token/")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.text


def test_a_used_invitation_says_so(client, invite) -> None:
    link = invite()
    _accept(client, link)
    client.post("/accounts/logout/")
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has already been used." in response.text
    assert _accept(client, link).status_code == 410


def test_inviting_again_withdraws_the_first_link(client, invite) -> None:
    first = invite()
    invite()
    response = client.get(first)
    assert response.status_code == 410
    assert "withdrawn" in response.text


def test_a_withdrawn_invitation_says_so(client, cast, invite) -> None:
    link = invite()
    login_verified(client, cast.maple_admin)
    client.post(f"/accounts/invitations/{Invitation.objects.get().pk}/revoke/")
    client.post("/accounts/logout/")
    response = client.get(link)
    assert response.status_code == 410
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()


def test_a_role_of_another_kind_of_organisation_is_refused(cast) -> None:
    with pytest.raises(AccountsError, match="EnStream admin is not a role in Maple Bank"):
        user_invite(
            actor=cast.maple_admin,
            organisation=cast.maple,
            email="x@maple.example",
            role=Role.ENSTREAM_ADMIN,
            site_url="http://testserver/",
        )


def test_the_invite_page_refuses_a_role_outside_the_organisation(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/accounts/users/invite/", {"email": "x@maple.example", "role": Role.ENSTREAM_ADMIN}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Invitation.objects.exists()


def test_an_issuer_admin_cannot_invite_into_another_organisation(client, cast) -> None:
    with pytest.raises(AccountsError, match="only into your own organisation"):
        user_invite(
            actor=cast.maple_admin,
            organisation=cast.prairie,
            email="x@prairie.example",
            role=Role.ISSUER_VIEWER,
            site_url="http://testserver/",
        )
    login_verified(client, cast.maple_admin)
    client.post(
        "/accounts/users/invite/",
        {"email": "x@prairie.example", "role": Role.ISSUER_VIEWER, "organisation": cast.prairie.pk},
    )
    assert Invitation.objects.get().organisation == cast.maple


def test_an_enstream_admin_invites_into_any_organisation(client, cast) -> None:
    login_verified(client, cast.enstream_admin)
    response = client.post(
        "/accounts/users/invite/",
        {
            "email": "n2@northwind.example",
            "role": Role.MNO_VIEWER,
            "organisation": cast.northwind.pk,
        },
    )
    assert response.status_code == 302
    assert Invitation.objects.get().organisation == cast.northwind


def test_an_existing_account_cannot_be_invited(client, cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/accounts/users/invite/", {"email": cast.prairie_viewer.email, "role": Role.ISSUER_VIEWER}
    )
    assert response.status_code == 200
    assert f"There is already an account for {cast.prairie_viewer.email}." in response.text


def test_a_viewer_cannot_invite(client, cast) -> None:
    login_verified(client, cast.maple_viewer)
    assert client.get("/accounts/users/invite/").status_code == 403
    with pytest.raises(AccountsError, match="not allowed to manage users"):
        user_invite(
            actor=cast.maple_viewer,
            organisation=cast.maple,
            email="x@maple.example",
            role=Role.ISSUER_VIEWER,
            site_url="http://testserver/",
        )


def test_a_signed_in_user_opening_a_link_is_asked_to_log_out_first(client, cast, invite) -> None:
    link = invite()
    login_verified(client, cast.prairie_viewer)
    response = client.get(link)
    assert response.status_code == 400
    assert "Log out, then open the invitation link again." in response.text


def test_the_service_accepts_only_once(invite) -> None:
    link = invite()
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation_accept(token=token, password=NEW_PASSWORD)
    with pytest.raises(AccountsError, match="already been used"):
        invitation_accept(token=token, password=NEW_PASSWORD)
