"""The columns of the price-plan, invoice and settlement-statement lists (screen and CSV
alike)."""

from django.urls import reverse

from billing.documents import IssuedDocument
from issuers.templatetags.commercial import money
from issuers.views.listing import Column, Table


def _url(name: str, pk: int) -> str:
    return reverse(name, kwargs={"pk": pk})


PRICE_PLANS = Table(
    name="price-plans",
    default_sort="name",
    columns=(
        Column(
            "name",
            "Name",
            lambda p: p.name,
            order_by=("name",),
            link=lambda p: reverse("billing:price_plan_detail", kwargs={"pk": p.pk}),
        ),
        Column("code", "Code", lambda p: p.code, order_by=("code",)),
        Column("currency", "Currency", lambda p: p.currency, order_by=("currency",)),
        Column(
            "versions",
            "Versions",
            lambda p: p.version_count,
            order_by=("version_count",),
            numeric=True,
        ),
        Column(
            "current_from",
            "Current prices from",
            lambda p: p.current_from,
            order_by=("current_from",),
        ),
    ),
)


def _number(detail: str) -> Column:
    # A draft has no number yet; it is still a link to its preview.
    return Column(
        "number",
        "Number",
        lambda d: d.number or "Draft",
        order_by=("number",),
        link=lambda d: _url(detail, d.pk),
    )


def _month() -> Column:
    return Column(
        "month",
        "Month",
        lambda d: d.month,
        order_by=("month",),
        display=lambda d: f"{d.month:%B %Y}",
    )


def _status() -> Column:
    return Column(
        "status",
        "Status",
        lambda d: d.get_status_display(),
        order_by=("status",),
        badge=lambda d: d.status,
    )


def _amount(name: str, header: str, field: str, *, currency: bool = False) -> Column:
    """An amount to the cent on screen (with the currency on the total); a number in CSV."""

    def shown(document: IssuedDocument) -> str:
        amount = money(getattr(document, field))
        return f"{amount} {document.currency}" if currency else amount

    return Column(
        name, header, lambda d: getattr(d, field), order_by=(field,), numeric=True, display=shown
    )


INVOICES = Table(
    name="invoices",
    default_sort="-month",
    then_by=("issuer__legal_name",),
    empty="No invoices yet.",
    columns=(
        _number("billing_reports:invoice_detail"),
        Column("issuer", "Issuer", lambda i: i.issuer.legal_name, order_by=("issuer__legal_name",)),
        _month(),
        _status(),
        _amount("subtotal", "Subtotal", "subtotal"),
        _amount("tax", "Tax", "tax_amount"),
        _amount("total", "Total", "total", currency=True),
    ),
)

SETTLEMENTS = Table(
    name="settlements",
    default_sort="-month",
    then_by=("mno__name",),
    empty="No statements yet.",
    columns=(
        _number("billing_reports:settlement_detail"),
        Column("network", "Network", lambda s: s.mno.name, order_by=("mno__name",)),
        _month(),
        _status(),
        _amount("owed", "Owed", "total", currency=True),
    ),
)
