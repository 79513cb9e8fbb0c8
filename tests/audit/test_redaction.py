import pytest

from enstream.audit.redaction import REDACTED, clean_changes, is_secret_name
from enstream.audit.services import audit_record
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "api_key",
        "secret",
        "client_secret",
        "token_hash",
        "seed",
        "pan",
        "card_number",
        "bin_key",
        "dekKeys",
        "webhook_secrets",
    ],
)
def test_secret_field_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["company", "expansion", "keyboard_layout", "name", "role"])
def test_ordinary_field_names_are_kept(name: str) -> None:
    assert not is_secret_name(name)


def test_secrets_in_changes_are_redacted_at_any_depth() -> None:
    entry = audit_record(
        action="update",
        changes={
            "name": ["Old", "New"],
            "api_key": "sk_live_abcdef",
            "webhook": {"url": "https://bank.example/hook", "signing_secret": "s3cr3t"},
            "password": ["old-password", "new-password"],
        },
    )
    entry.refresh_from_db()
    assert entry.changes == {
        "name": ["Old", "New"],
        "api_key": REDACTED,
        "webhook": {"url": "https://bank.example/hook", "signing_secret": REDACTED},
        "password": REDACTED,
    }
    assert "s3cr3t" not in str(entry.changes)


def test_a_card_number_in_any_text_is_masked() -> None:
    entry = audit_record(
        action="note",
        changes={"comment": "customer read out 4111 1111 1111 1111"},
        detail="pan 4111111111111111 mentioned",
    )
    assert "4111111111111111" not in entry.detail
    assert "1111 1111 1111" not in str(entry.changes)
    assert "****1111" in entry.detail


def test_extra_secret_fields_are_redacted_too() -> None:
    assert clean_changes({"wrapped": "abc", "label": "x"}, frozenset({"wrapped"})) == {
        "wrapped": REDACTED,
        "label": "x",
    }


def test_binary_values_never_reach_the_log() -> None:
    assert clean_changes({"blob": b"\x00\x01"}) == {"blob": REDACTED}


def test_a_password_change_through_the_model_shows_only_that_it_changed(cast: Cast) -> None:
    from enstream.audit.context import actor_context
    from enstream.audit.models import AuditEntry

    user = cast.maple_viewer
    with actor_context(user=cast.maple_admin, via="web"):
        user.set_password("a brand new password")
        user.save()
    entry = AuditEntry.objects.get(action="update", object_id=str(user.pk))
    assert entry.changes == {"password": REDACTED}
