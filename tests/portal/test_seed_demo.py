import io
import sys
import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role
from enstream.accounts.second_factor import second_factor_verify
from enstream.portal import demo

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    demo.seed_people(stdout=out)
    return out.getvalue()


def _state() -> list[tuple]:
    return sorted(
        User.objects.values_list("email", "organisation__slug", "role", "is_active", "password")
    )


def test_the_demo_has_every_role_two_issuers_and_five_networks() -> None:
    _seed()
    kinds = list(Organisation.objects.values_list("kind", flat=True))
    assert kinds.count(OrgKind.ENSTREAM) == 1
    assert kinds.count(OrgKind.ISSUER) == 2
    assert kinds.count(OrgKind.MNO) == 5
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for user in User.objects.all():
        assert user.check_password(demo.DEMO_PASSWORD)


def test_seeding_twice_changes_nothing() -> None:
    _seed()
    before = _state()
    assert "user " not in _seed()
    assert _state() == before


def test_seeding_again_puts_back_a_changed_password_and_role() -> None:
    _seed()
    user = User.objects.get(email="viewer@maple.example")
    user.set_password("someone changed it")
    user.role = Role.ISSUER_ADMIN
    user.save()

    _seed()
    user.refresh_from_db()
    assert user.role == Role.ISSUER_VIEWER
    assert user.check_password(demo.DEMO_PASSWORD)


def test_every_demo_user_signs_in_with_the_published_authenticator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _seed()
    call_command("demo_totp", "admin@prairie.example")
    code = capsys.readouterr().out.strip()
    user = User.objects.get(email="admin@prairie.example")
    assert second_factor_verify(user=user, code=code).user_id == user.pk


def test_demo_totp_refuses_an_account_without_the_demo_seed() -> None:
    _seed()
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("demo_totp", "nobody@enstream.example")


@pytest.fixture
def fake_demo_apps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def module(app: str, after: tuple[str, ...] = ()) -> types.ModuleType:
        mod = types.ModuleType(f"{app}.demo")
        mod.seed = lambda *, stdout: calls.append(app)  # type: ignore[attr-defined]
        mod.SEED_AFTER = after  # type: ignore[attr-defined]
        return mod

    monkeypatch.setattr(demo, "DEMO_APPS", ("alpha", "beta", "gamma", "absent"))
    monkeypatch.setitem(sys.modules, "alpha", types.ModuleType("alpha"))
    monkeypatch.setitem(sys.modules, "alpha.demo", module("alpha", after=("gamma",)))
    monkeypatch.setitem(sys.modules, "beta", types.ModuleType("beta"))
    monkeypatch.setitem(sys.modules, "beta.demo", module("beta"))
    monkeypatch.setitem(sys.modules, "gamma", types.ModuleType("gamma"))
    monkeypatch.setitem(sys.modules, "gamma.demo", module("gamma"))
    return calls


def test_each_apps_demo_seed_runs_after_the_ones_it_needs(fake_demo_apps: list[str]) -> None:
    ran = demo.seed_apps(stdout=io.StringIO())
    assert ran == ["gamma", "alpha", "beta"]
    assert fake_demo_apps == ["gamma", "alpha", "beta"]


def test_seed_demo_seeds_people_before_the_apps(fake_demo_apps: list[str]) -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert text.index("people:") < text.index("gamma:")
    assert "Demo ready" in text
    assert User.objects.filter(email="admin@enstream.example").exists()
