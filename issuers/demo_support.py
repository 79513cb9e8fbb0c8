"""Shared by the demo seeders: who writes the demo data (the first EnStream admin, whom
seed_demo creates first, so every demo change goes through the services with a real name in
its history and audit entries), the organisations it fills, and how it reports progress."""

from typing import Any

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role


class DemoUnavailable(RuntimeError):
    pass


def demo_actor() -> User:
    user = (
        User.objects.filter(
            organisation__kind=OrgKind.ENSTREAM, role=Role.ENSTREAM_ADMIN, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        raise DemoUnavailable("create an EnStream admin before seeding commercial demo data")
    return user


def demo_organisation(*, slug: str, name: str, kind: str) -> Organisation:
    """The organisation seed_demo made under `slug`, or a new one."""
    found = Organisation.objects.filter(slug=slug).first()
    if found is not None:
        return found
    return Organisation.objects.create(slug=slug, name=name, kind=kind)


def say(stdout: Any, message: str) -> None:
    stdout.write(f"  {message}\n")
