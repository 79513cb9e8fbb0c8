"""The columns of the issuer, agreement and allocation lists (screen and CSV alike)."""

from django.urls import reverse

from issuers.views.listing import Column, Table


def _url(name: str, pk: int) -> str:
    return reverse(name, kwargs={"pk": pk})


ISSUERS = Table(
    name="issuers",
    default_sort="legal_name",
    columns=(
        Column(
            "legal_name",
            "Legal name",
            lambda i: i.legal_name,
            order_by=("legal_name",),
            link=lambda i: _url("issuers:detail", i.pk),
        ),
        Column("kind", "Kind", lambda i: i.get_kind_display(), order_by=("kind",)),
        Column(
            "status",
            "Status",
            lambda i: i.get_status_display(),
            order_by=("status",),
            badge=lambda i: i.status,
        ),
        Column("payment_networks", "Issues on", lambda i: i.get_payment_networks_display()),
        Column(
            "networks_live",
            "Networks live",
            lambda i: i.networks_live,
            order_by=("networks_live",),
            numeric=True,
        ),
        Column(
            "created",
            "Created",
            lambda i: i.created_at.date(),
            order_by=("created_at",),
        ),
    ),
)

AGREEMENTS = Table(
    name="agreements",
    default_sort="number",
    columns=(
        Column(
            "number",
            "Number",
            lambda a: a.number,
            order_by=("number",),
            link=lambda a: _url("issuers:agreement_detail", a.pk),
        ),
        Column("issuer", "Issuer", lambda a: a.issuer.legal_name, order_by=("issuer__legal_name",)),
        Column(
            "status",
            "Status",
            lambda a: a.get_status_display(),
            order_by=("status",),
            badge=lambda a: a.status,
        ),
        Column("effective_on", "Effective", lambda a: a.effective_on, order_by=("effective_on",)),
        Column("expires_on", "Expires", lambda a: a.expires_on, order_by=("expires_on",)),
        Column("ended_on", "Ended", lambda a: a.ended_on, order_by=("ended_on",)),
        Column("price_plan", "Price plan", lambda a: a.price_plan.name),
        Column(
            "networks",
            "Networks",
            lambda a: a.current_lines,
            order_by=("current_lines",),
            numeric=True,
        ),
    ),
)

ALLOCATIONS = Table(
    name="allocations",
    default_sort="-requested",
    columns=(
        Column(
            "id",
            "#",
            lambda a: a.pk,
            order_by=("id",),
            link=lambda a: _url("issuers:allocation_detail", a.pk),
            # An identifier, not a quantity: "#2167", never "#2,167".
            display=lambda a: str(a.pk),
        ),
        Column(
            "issuer",
            "Issuer",
            lambda a: a.network_line.agreement.issuer.legal_name,
            order_by=("network_line__agreement__issuer__legal_name",),
        ),
        Column(
            "network",
            "Network",
            lambda a: a.network_line.mno.name,
            order_by=("network_line__mno__name",),
        ),
        Column(
            "status",
            "Status",
            lambda a: a.get_status_display(),
            order_by=("status",),
            badge=lambda a: a.status,
        ),
        Column("nv_quota", "NV quota (bytes)", lambda a: a.nv_quota_bytes, numeric=True),
        Column("v_quota", "V quota (bytes)", lambda a: a.v_quota_bytes, numeric=True),
        Column(
            "expected",
            "SSDs asked",
            lambda a: a.expected_ssds,
            order_by=("expected_ssds",),
            numeric=True,
        ),
        Column("cap", "Cap", lambda a: a.approved_cap, order_by=("approved_cap",), numeric=True),
        Column(
            "created",
            "SSDs created",
            lambda a: a.ssds_created,
            order_by=("ssds_created",),
            numeric=True,
        ),
        Column(
            "requested",
            "Requested",
            lambda a: a.requested_at.date(),
            order_by=("requested_at",),
        ),
    ),
)
