"""The cast by name, and what each role may do, for parametrized access tests."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from tests.cast import Cast

CAST = [
    "enstream_admin",
    "account_manager",
    "operations",
    "finance",
    "maple_admin",
    "maple_operator",
    "maple_viewer",
    "prairie_admin",
    "prairie_viewer",
    "northwind_viewer",
    "outsider",
]
ACCOUNT_MANAGERS = {"enstream_admin", "account_manager"}


def member(cast: Cast, who: str) -> Any:
    return getattr(cast, who)


def local_noon(day: date) -> datetime:
    """A moment on `day` in the portal's time zone: time_machine takes a bare date as
    midnight UTC, which is still the day before in Toronto."""
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
