"""Helpers for the billing page tests: an issued October and the text of a PDF."""

from io import BytesIO

from django.test import Client
from pypdf import PdfReader

from billing.invoices_close import billing_month_close, billing_month_issue
from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.scenario import OCTOBER, maple_october

# Maple's prices and totals: none may ever reach an MNO user.
ISSUER_PRICES = (
    "0.2500",
    "0.2000",
    "1.2000",
    "1.5000",
    "0.0500",
    "9,740.00",
    "9740.00",
    "11,006.20",
    "11006.20",
    "5,000.00",
    "5000.00",
    "2,844.44",
    "2844.44",
)


def issued_october(cast: Cast, world: World) -> None:
    maple_october(world)
    draft = billing_month_close(month=OCTOBER, actor=cast.finance)
    billing_month_issue(month=OCTOBER, actor=cast.finance, revision=draft.revision)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def signed_in(client: Client, user: object) -> Client:
    login_verified(client, user)
    return client
