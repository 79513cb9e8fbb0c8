"""Seed the GST/HST table (docs/billing.md, "Taxes", lists the sources, checked 2026-11-28).

QST (Quebec) and the PST/RST of BC, MB and SK are provincial taxes outside GST/HST: out of
scope, so those provinces carry the 5% GST only.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

CRA = "CRA, GST/HST rates: Charge and collect the tax - Which rate to charge (canada.ca)"
NS = "CRA GST/HST Notice 342; SOR/2025-77 (NS HST 15% -> 14% from 2025-04-01)"

RATES = [
    ("AB", "GST", "0.05", date(2008, 1, 1), CRA),
    ("BC", "GST", "0.05", date(2013, 4, 1), CRA + "; BC left the HST on 2013-04-01"),
    ("MB", "GST", "0.05", date(2008, 1, 1), CRA),
    ("NB", "HST", "0.15", date(2016, 7, 1), CRA),
    ("NL", "HST", "0.15", date(2016, 7, 1), CRA),
    ("NS", "HST", "0.15", date(2010, 7, 1), CRA),
    ("NS", "HST", "0.14", date(2025, 4, 1), NS),
    ("NT", "GST", "0.05", date(2008, 1, 1), CRA),
    ("NU", "GST", "0.05", date(2008, 1, 1), CRA),
    ("ON", "HST", "0.13", date(2010, 7, 1), CRA),
    ("PE", "HST", "0.15", date(2016, 10, 1), CRA),
    ("QC", "GST", "0.05", date(2008, 1, 1), CRA + "; QST out of scope"),
    ("SK", "GST", "0.05", date(2008, 1, 1), CRA),
    ("YT", "GST", "0.05", date(2008, 1, 1), CRA),
]


def seed(apps, schema_editor):
    TaxRate = apps.get_model("billing", "TaxRate")
    for province, label, rate, effective_from, source in RATES:
        TaxRate.objects.get_or_create(
            province=province,
            effective_from=effective_from,
            defaults={"label": label, "rate": Decimal(rate), "source": source},
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_usage_ledger_invoices_settlements")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
