"""Invoices and statements on the portal, as PDF and CSV: who sees what."""

from django.test import Client
from django.urls import reverse

from billing.invoices import Invoice, InvoiceLine
from billing.invoices_close import billing_month_close
from billing.settlements import Settlement
from enstream.audit.models import AuditEntry
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.pages import ISSUER_PRICES, issued_october, pdf_text, signed_in
from tests.ledger.scenario import OCTOBER, maple_october


def _url(name: str, pk: int) -> str:
    return reverse(f"billing_reports:{name}", kwargs={"pk": pk})


def test_an_issuer_admin_reads_its_invoice_on_screen_in_pdf_and_in_csv(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    invoice = Invoice.objects.get(issuer=world.maple)
    signed_in(client, cast.maple_admin)

    page = client.get(_url("invoice_detail", invoice.pk)).content.decode()
    pdf = client.get(_url("invoice_pdf", invoice.pk))
    csv = client.get(_url("invoice_csv", invoice.pk)).content.decode()

    assert "INV-000001" in page
    assert "11,006.20" in page
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Invoice INV-000001" in text
    assert "11,006.20" in text
    assert "HST" in text
    assert "11006.20" in csv
    assert "Lakeshore Wireless" in csv


def test_an_issuer_sees_only_issued_invoices_of_its_own(
    client: Client, cast: Cast, world: World
) -> None:
    maple_october(world)
    billing_month_close(month=OCTOBER, actor=cast.finance)
    draft = Invoice.objects.get(issuer=world.maple)
    signed_in(client, cast.maple_admin)

    assert client.get(_url("invoice_detail", draft.pk)).status_code == 404
    assert "No invoices yet." in client.get(reverse("billing_reports:invoices")).content.decode()
    # Nor its lines, whichever way they are reached.
    assert draft.lines.exists()
    assert not InvoiceLine.objects.for_user(cast.maple_admin).exists()
    assert InvoiceLine.objects.for_user(cast.finance).filter(invoice=draft).exists()


def test_other_issuers_get_404_on_an_invoice_and_its_downloads(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    invoice = Invoice.objects.get(issuer=world.maple)
    for user in (cast.prairie_admin, cast.outsider):
        signed_in(client, user)
        for name in ("invoice_detail", "invoice_pdf", "invoice_csv"):
            assert client.get(_url(name, invoice.pk)).status_code == 404, (user, name)


def test_an_issuer_viewer_is_not_shown_invoices(client: Client, cast: Cast, world: World) -> None:
    issued_october(cast, world)
    signed_in(client, cast.maple_viewer)
    assert client.get(reverse("billing_reports:invoices")).status_code == 403


def test_mno_staff_read_their_statement_and_never_an_issuer_price(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    statement = Settlement.objects.get(mno=world.northwind)
    signed_in(client, cast.northwind_viewer)

    page = client.get(_url("settlement_detail", statement.pk)).content.decode()
    csv = client.get(_url("settlement_csv", statement.pk)).content.decode()
    text = pdf_text(client.get(_url("settlement_pdf", statement.pk)).content)
    report = client.get(reverse("billing_reports:reports"), follow=True).content.decode()
    listing = client.get(reverse("billing_reports:settlements")).content.decode()

    assert "1,280.00" in page
    assert "1280.00" in csv
    assert "1,280.00" in text
    for content in (page, csv, text, report, listing):
        for price in ISSUER_PRICES:
            assert price not in content
    invoice = Invoice.objects.get(issuer=world.maple)
    for name in ("invoice_detail", "invoice_pdf", "invoice_csv"):
        assert client.get(_url(name, invoice.pk)).status_code in (403, 404)
    assert client.get(reverse("billing_reports:invoices")).status_code == 403


def test_an_mno_gets_404_on_another_networks_statement(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    lakeshore = Settlement.objects.get(mno=world.lakeshore)
    signed_in(client, cast.northwind_viewer)
    for name in ("settlement_detail", "settlement_pdf", "settlement_csv"):
        assert client.get(_url(name, lakeshore.pk)).status_code == 404


def test_finance_closes_reviews_and_issues_a_month_from_the_portal(
    client: Client, cast: Cast, world: World
) -> None:
    maple_october(world)
    signed_in(client, cast.finance)
    url = reverse("billing_reports:month_close")

    client.post(url, {"month": "2026-10", "action": "close"})
    preview = client.get(url, {"month": "2026-10"}).content.decode()
    client.post(url, {"month": "2026-10", "action": "issue", "revision": "1"})

    assert "Issue revision 1" in preview
    assert "11,006.20" in preview
    assert Invoice.objects.get(issuer=world.maple).number == "INV-000001"
    assert client.post(url, {"month": "2026-13", "action": "close"}).status_code == 302


def test_finance_issues_a_credit_note_from_the_invoice_page(
    client: Client, cast: Cast, world: World
) -> None:
    issued_october(cast, world)
    invoice = Invoice.objects.get(issuer=world.maple)
    line = invoice.lines.get(charge_kind="onboarding")
    signed_in(client, cast.finance)
    url = _url("credit_note_create", invoice.pk)

    refused = client.post(url, {"reason": "", f"line-{line.pk}": "100.00"})
    issued = client.post(url, {"reason": "Onboarding waived in part", f"line-{line.pk}": "100.00"})

    assert refused.status_code == 400
    assert "reason" in refused.content.decode()
    assert issued.status_code == 302
    note = invoice.credit_notes.get()
    assert note.total == 113
    assert AuditEntry.objects.filter(action="credit_note.issue").count() == 1
    signed_in(client, cast.maple_admin)
    text = pdf_text(client.get(_url("credit_note_pdf", note.pk)).content)
    assert "CN-000001" in text
    assert "Onboarding waived in part" in text
    assert client.get(url).status_code == 403


def test_finance_sets_an_issuers_billing_province(client: Client, cast: Cast, world: World) -> None:
    signed_in(client, cast.finance)
    url = reverse("billing_reports:billing_profiles")

    saved = client.post(url, {"issuer": world.maple.pk, "province": "NS"})
    refused = client.post(url, {"issuer": world.maple.pk, "province": "XX"}, follow=True)

    assert saved.status_code == 302
    assert world.maple.billing_profile.province == "NS"
    assert "Choose a Canadian province." in refused.content.decode()
    assert AuditEntry.objects.filter(action="billing_profile.set").count() == 1
    signed_in(client, cast.maple_admin)
    assert client.post(url, {"issuer": world.maple.pk, "province": "ON"}).status_code == 403
