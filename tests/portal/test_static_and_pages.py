import re
import urllib.request
from pathlib import Path

import pytest
from django import forms
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import login_verified
from tests.cast import Cast

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_stylesheet_and_script_are_served_by_the_project(live_server: object) -> None:
    for path, kind in (("/static/css/portal.css", "text/css"), ("/static/js/portal.js", "script")):
        with urllib.request.urlopen(f"{live_server.url}{path}", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert kind in response.headers["Content-Type"]


def test_the_shell_loads_nothing_from_the_internet() -> None:
    for template in ("base.html", "500.html"):
        html = (TEMPLATES / template).read_text()
        assert not re.search(r'(src|href)="(https?:)?//', html), template
    css = Path(finders.find("css/portal.css")).read_text()
    assert "@import" not in css
    assert "url(" not in css


def test_every_page_has_landmarks_and_a_skip_link(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav id="site-nav" class="site-nav" aria-label="Main">' in html
    assert "<header" in html
    assert "<footer" in html
    assert '<html lang="en-CA">' in html


def test_messages_are_shown(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    # A message left by the previous page travels in the messages cookie.
    storage = CookieStorage(HttpRequest())
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Invitation sent.")])
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert '<li class="message message--success">Invitation sent.</li>' in html


def test_an_unknown_address_shows_the_portals_404_page(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'id="site-nav"' in response.content


def test_a_missing_permission_shows_the_portals_403_page(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_viewer)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 403
    assert b"Your role does not allow this" in response.content


def test_the_500_page_renders_with_no_context_at_all() -> None:
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "/static/css/portal.css" in html


class _InviteForm(forms.Form):
    email = forms.EmailField(help_text="Their work address.")
    role = forms.ChoiceField(choices=[("viewer", "Viewer")])
    note = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        raise forms.ValidationError("Invitations are paused.")


def test_the_form_include_labels_fields_and_ties_errors_to_them() -> None:
    form = _InviteForm(data={"email": "not-an-address", "role": "viewer"})
    html = render_to_string("portal/includes/form.html", {"form": form})
    assert '<label for="id_email">Email:</label>' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="errorlist nonfield" role="alert"' in html
    assert "Invitations are paused." in html
    assert '<div class="form-field has-error">' in html
    assert 'type="hidden" name="note"' in html
