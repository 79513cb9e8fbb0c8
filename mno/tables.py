"""The columns of the networks list (screen and CSV alike)."""

from issuers.views.listing import Column, Table, detail_link, field_column, status_column

NETWORKS = Table(
    name="networks",
    default_sort="name",
    columns=(
        field_column(
            "name",
            "Network",
            "name",
            link=detail_link("networks:detail"),
        ),
        field_column("short_code", "Code", "short_code"),
        status_column(),
        Column("wholesale", "Wholesale agreement in force", lambda m: m.wholesale_reference),
        field_column("capacity", "SSD capacity", "capacity_ssds", numeric=True),
        field_column("approved", "SSDs approved", "approved_ssds", numeric=True),
        field_column("created", "SSDs created", "ssds_created", numeric=True),
        field_column("issuers", "Issuers", "issuers", numeric=True),
    ),
)
