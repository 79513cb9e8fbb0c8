"""The invoice and statement lists: the commercial lists' sorting, paging and CSV, scoped to
what each reader may see."""

import csv
from io import StringIO

from django.test import Client
from django.urls import reverse

from billing.invoices import Invoice
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.pages import issued_october, signed_in


def _csv(client: Client, name: str, **query: str) -> list[list[str]]:
    response = client.get(reverse(f"billing_reports:{name}"), {"format": "csv", **query})
    assert response.status_code == 200
    return list(csv.reader(StringIO(b"".join(response.streaming_content).decode())))


def test_finance_lists_every_invoice_of_a_month_by_issuer(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    signed_in(client, cast.finance)

    page = client.get(reverse("billing_reports:invoices")).content.decode()
    rows = _csv(client, "invoices")

    assert "October 2026" in page
    assert "11,006.20 CAD" in page
    assert rows[0] == ["Number", "Issuer", "Month", "Status", "Subtotal", "Tax", "Total"]
    assert [row[1] for row in rows[1:]] == sorted(row[1] for row in rows[1:])
    assert ["INV-000001", world.maple.legal_name, "2026-10-01", "Issued"] == rows[1][:4]
    assert rows[1][6] == "11006.20"


def test_an_issuer_lists_and_exports_only_its_own_invoices(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    signed_in(client, cast.maple_admin)

    rows = _csv(client, "invoices", sort="-total")

    assert [row[1] for row in rows[1:]] == [world.maple.legal_name]
    assert Invoice.objects.exclude(issuer=world.maple).exists()


def test_an_mno_lists_only_its_own_statements(client: Client, cast: Cast, world: World) -> None:
    issued_october(cast, world)
    signed_in(client, cast.northwind_viewer)

    page = client.get(reverse("billing_reports:settlements"), {"sort": "owed"}).content.decode()
    rows = _csv(client, "settlements")

    assert "1,280.00 CAD" in page
    assert [row[1] for row in rows[1:]] == [world.northwind.name]


def test_an_empty_document_list_says_so(client: Client, cast: Cast, world: World) -> None:
    signed_in(client, cast.finance)
    assert (
        "No statements yet." in client.get(reverse("billing_reports:settlements")).content.decode()
    )
