"""The columns of the issuer, agreement and allocation lists (screen and CSV alike)."""

from issuers.views.listing import Column, Table, detail_link, field_column, status_column

ISSUERS = Table(
    name="issuers",
    default_sort="legal_name",
    columns=(
        field_column("legal_name", "Legal name", "legal_name", link=detail_link("issuers:detail")),
        Column("kind", "Kind", lambda i: i.get_kind_display(), order_by=("kind",)),
        status_column(),
        Column("payment_networks", "Issues on", lambda i: i.get_payment_networks_display()),
        field_column("networks_live", "Networks live", "networks_live", numeric=True),
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
        field_column("number", "Number", "number", link=detail_link("issuers:agreement_detail")),
        field_column("issuer", "Issuer", "issuer__legal_name"),
        status_column(),
        field_column("effective_on", "Effective", "effective_on"),
        field_column("expires_on", "Expires", "expires_on"),
        field_column("ended_on", "Ended", "ended_on"),
        Column("price_plan", "Price plan", lambda a: a.price_plan.name),
        field_column("networks", "Networks", "current_lines", numeric=True),
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
            link=detail_link("issuers:allocation_detail"),
            # An identifier, not a quantity: "#2167", never "#2,167".
            display=lambda a: str(a.pk),
        ),
        field_column("issuer", "Issuer", "network_line__agreement__issuer__legal_name"),
        field_column("network", "Network", "network_line__mno__name"),
        status_column(),
        Column("nv_quota", "NV quota (bytes)", lambda a: a.nv_quota_bytes, numeric=True),
        Column("v_quota", "V quota (bytes)", lambda a: a.v_quota_bytes, numeric=True),
        field_column("expected", "SSDs asked", "expected_ssds", numeric=True),
        field_column("cap", "Cap", "approved_cap", numeric=True),
        field_column("created", "SSDs created", "ssds_created", numeric=True),
        Column(
            "requested",
            "Requested",
            lambda a: a.requested_at.date(),
            order_by=("requested_at",),
        ),
    ),
)
