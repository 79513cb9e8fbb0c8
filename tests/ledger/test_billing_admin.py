"""Billing in the Django admin: EnStream admins read every billing record; nobody edits an
issued document there, and nobody else gets in."""

from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from billing.invoices import Invoice
from billing.models import (
    BillingMonth,
    BillingProfile,
    CreditNote,
    DocumentCounter,
    Settlement,
    TaxRate,
    UsageEvent,
    UsageMonthRollup,
    UsageRollup,
    UsageSnapshot,
)
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.pages import issued_october, signed_in

BILLING_MODELS = [
    Invoice,
    CreditNote,
    Settlement,
    UsageEvent,
    UsageRollup,
    UsageMonthRollup,
    UsageSnapshot,
    BillingMonth,
    BillingProfile,
    DocumentCounter,
    TaxRate,
]


def _admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:billing_{model._meta.model_name}_{view}", args=args)


def test_an_enstream_admin_reads_every_billing_record_in_the_admin(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    signed_in(client, cast.enstream_admin)
    invoice = Invoice.objects.get(issuer=world.maple)
    statement = Settlement.objects.get(mno=world.northwind)

    for model in BILLING_MODELS:
        assert client.get(_admin_url(model, "changelist")).status_code == 200, model
    invoice_page = client.get(_admin_url(Invoice, "change", invoice.pk)).content.decode()
    statement_page = client.get(_admin_url(Settlement, "change", statement.pk)).content.decode()

    assert invoice.number in invoice_page
    assert "11006.20" in invoice_page
    assert statement.number in statement_page


def test_an_issued_invoice_cannot_be_edited_or_deleted_in_the_admin(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    signed_in(client, cast.enstream_admin)
    invoice = Invoice.objects.get(issuer=world.maple)

    page = client.get(_admin_url(Invoice, "change", invoice.pk)).content.decode()
    edit = client.post(_admin_url(Invoice, "change", invoice.pk), {"total": "1.00"})
    delete = client.post(_admin_url(Invoice, "delete", invoice.pk), {"post": "yes"})
    add = client.get(_admin_url(Invoice, "add"))

    assert 'name="_save"' not in page
    assert (edit.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    assert Invoice.objects.get(pk=invoice.pk).total == invoice.total


def test_finance_and_bank_staff_are_refused_the_billing_admin(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    invoice = Invoice.objects.get(issuer=world.maple)
    for user in (cast.finance, cast.maple_admin, cast.northwind_viewer):
        signed_in(client, user)
        for url in (_admin_url(Invoice, "changelist"), _admin_url(Invoice, "change", invoice.pk)):
            response = client.get(url, follow=True)
            assert response.status_code == 403, (user, url)
            assert invoice.number not in response.content.decode()


def test_the_billing_admin_shows_each_organisation_only_its_own_documents(
    cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    invoices, statements = admin.site._registry[Invoice], admin.site._registry[Settlement]

    def request(user: object) -> object:
        made = RequestFactory().get("/")
        made.user = user
        return made

    bank, network = request(cast.maple_admin), request(cast.northwind_viewer)
    assert {i.issuer for i in invoices.get_queryset(bank)} == {world.maple}
    assert {s.mno for s in statements.get_queryset(network)} == {world.northwind}
    assert not invoices.has_view_permission(network)
    assert not admin.site._registry[BillingMonth].get_queryset(bank).exists()
    assert admin.site._registry[BillingMonth].get_queryset(request(cast.finance)).exists()
