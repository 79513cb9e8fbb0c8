import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from enstream.accounts.roles import Perm
from enstream.portal.navigation import ENSTREAM, ISSUER, NavEntry, navigation_for
from tests.accounts.helpers import login_verified
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _nav_labels(client: Client) -> list[str]:
    html = client.get(reverse("portal:dashboard")).content.decode()
    nav = html[html.index('<nav id="site-nav"') : html.index("</nav>")]
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)


def test_an_org_admin_finds_the_audit_log_in_the_navigation(client: Client, cast: Cast) -> None:
    login_verified(client, cast.prairie_admin)
    assert "Audit log" in _nav_labels(client)


def test_a_viewer_does_not_see_pages_their_role_cannot_open(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_viewer)
    labels = _nav_labels(client)
    assert "Dashboard" in labels
    assert "Audit log" not in labels


def test_entries_follow_role_and_organisation_kind(cast: Cast) -> None:
    entries = [
        NavEntry("Dashboard", "portal:dashboard"),
        NavEntry("Tenants", "audit:list", Perm.AUDIT_VIEW, ENSTREAM, section="EnStream"),
        NavEntry("My bank", "audit:list", None, ISSUER, section="Bank"),
    ]

    def labels(user: object) -> list[str]:
        return [link.label for s in navigation_for(user, "/", entries) for link in s.links]

    assert labels(cast.enstream_admin) == ["Dashboard", "Tenants"]
    assert labels(cast.finance) == ["Dashboard"]
    assert labels(cast.maple_viewer) == ["Dashboard", "My bank"]
    assert labels(cast.northwind_viewer) == ["Dashboard"]


def test_an_entry_whose_page_does_not_exist_yet_is_hidden(cast: Cast) -> None:
    entries = [NavEntry("Dashboard", "portal:dashboard"), NavEntry("Later", "billing:nothing")]
    sections = navigation_for(cast.enstream_admin, "/", entries)
    assert [link.label for s in sections for link in s.links] == ["Dashboard"]


def test_the_page_being_shown_is_marked_current(cast: Cast) -> None:
    sections = navigation_for(cast.enstream_admin, reverse("audit:detail", kwargs={"pk": 3}))
    current = [link.label for s in sections for link in s.links if link.active]
    assert current == ["Audit log"]


def test_signed_out_visitors_get_no_navigation() -> None:
    from django.contrib.auth.models import AnonymousUser

    from enstream.portal.context_processors import navigation

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert navigation(request) == {"nav_sections": []}


def test_the_header_names_the_user_their_organisation_and_role(client: Client, cast: Cast) -> None:
    login_verified(client, cast.northwind_viewer)
    html = client.get(reverse("portal:dashboard")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert "nina" in header
    assert "Northwind Mobile" in header
    assert "MNO viewer" in header
    assert 'action="/accounts/logout/"' in header
