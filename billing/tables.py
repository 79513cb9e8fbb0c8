"""The columns of the price-plan, invoice and settlement-statement lists (screen and CSV
alike)."""

from billing.documents import IssuedDocument
from issuers.templatetags.commercial import money
from issuers.views.listing import Column, Table, detail_link, field_column, status_column

PRICE_PLANS = Table(
    name="price-plans",
    default_sort="name",
    columns=(
        field_column("name", "Name", "name", link=detail_link("billing:price_plan_detail")),
        field_column("code", "Code", "code"),
        field_column("currency", "Currency", "currency"),
        field_column("versions", "Versions", "version_count", numeric=True),
        field_column("current_from", "Current prices from", "current_from"),
    ),
)


def _amount(name: str, header: str, field: str, *, currency: bool = False) -> Column:
    """An amount to the cent on screen (with the currency on the total); a number in CSV."""

    def shown(document: IssuedDocument) -> str:
        amount = money(getattr(document, field))
        return f"{amount} {document.currency}" if currency else amount

    return field_column(name, header, field, numeric=True, display=shown)


def _document_columns(detail: str, party: Column, *amounts: Column) -> tuple[Column, ...]:
    """How an invoice or a statement is listed: its number (a draft has none yet, and still
    links to its preview), the other party, the month, the status, then its amounts."""
    number = Column(
        "number",
        "Number",
        lambda d: d.number or "Draft",
        order_by=("number",),
        link=detail_link(detail),
    )
    month = field_column("month", "Month", "month", display=lambda d: f"{d.month:%B %Y}")
    return (number, party, month, status_column(), *amounts)


INVOICES = Table(
    name="invoices",
    default_sort="-month",
    then_by=("issuer__legal_name",),
    empty="No invoices yet.",
    columns=_document_columns(
        "billing_reports:invoice_detail",
        field_column("issuer", "Issuer", "issuer__legal_name"),
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
    columns=_document_columns(
        "billing_reports:settlement_detail",
        field_column("network", "Network", "mno__name"),
        _amount("owed", "Owed", "total", currency=True),
    ),
)
