"""The columns of the networks list (screen and CSV alike)."""

from django.urls import reverse

from issuers.views.listing import Column, Table

NETWORKS = Table(
    name="networks",
    default_sort="name",
    columns=(
        Column(
            "name",
            "Network",
            lambda m: m.name,
            order_by=("name",),
            link=lambda m: reverse("networks:detail", kwargs={"pk": m.pk}),
        ),
        Column("short_code", "Code", lambda m: m.short_code, order_by=("short_code",)),
        Column(
            "status",
            "Status",
            lambda m: m.get_status_display(),
            order_by=("status",),
            badge=lambda m: m.status,
        ),
        Column("wholesale", "Wholesale agreement in force", lambda m: m.wholesale_reference),
        Column(
            "capacity",
            "SSD capacity",
            lambda m: m.capacity_ssds,
            order_by=("capacity_ssds",),
            numeric=True,
        ),
        Column(
            "approved",
            "SSDs approved",
            lambda m: m.approved_ssds,
            order_by=("approved_ssds",),
            numeric=True,
        ),
        Column(
            "created",
            "SSDs created",
            lambda m: m.ssds_created,
            order_by=("ssds_created",),
            numeric=True,
        ),
        Column("issuers", "Issuers", lambda m: m.issuers, order_by=("issuers",), numeric=True),
    ),
)
