"""The unified report pages: EnStream's, an issuer's, an MNO's. Each takes a date range and
networks, draws its trends as SVG and exports every table as CSV (`?export=<table>`)."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from billing.invoices import Invoice
from billing.ledger import UsageKind
from billing.reports import Row, enstream_report
from billing.reports_csv import csv_response
from billing.reports_forms import ReportFilterForm
from billing.reports_party import issuer_report, mno_report
from billing.settlements import Settlement
from enstream.accounts.roles import OrgKind, Perm, has_perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers.models import Issuer
from mno.models import MNO

Table = tuple[Sequence[str], Iterable[Sequence[Any]]]
KIND_LABELS = dict(UsageKind.choices)


def _rate(row: Row) -> str:
    rate = row.jobs.success_rate if row.jobs else None
    return "no data" if rate is None else f"{rate:.1%}"


def _ms(value: int | None) -> Any:
    return "no data" if value is None else value


def _credentials(value: int | None) -> Any:
    return "no data" if value is None else value


def _export(
    request: HttpRequest, stem: str, tables: dict[str, Callable[[], Table]]
) -> HttpResponse | None:
    name = request.GET.get("export")
    if name is None:
        return None
    if name not in tables:
        raise Http404("No such table.")
    header, rows = tables[name]()
    return csv_response(f"{stem}-{name}.csv", header, rows)


def _form(request: HttpRequest) -> ReportFilterForm:
    data = request.GET if ("start" in request.GET or "end" in request.GET) else None
    form = ReportFilterForm(data, user=request.user)
    if data is None:
        form.is_valid()  # an unbound form reports the defaults
    return form


def _operations(row: Row) -> list[int]:
    return [row.operation(kind) for kind in UsageKind.values]


def _usage_headers(kinds: list[str]) -> list[str]:
    """The usage columns an issuer x network row exports, after whatever names the row."""
    return [
        "Active credentials",
        "SSDs",
        "Bytes allocated",
        "Bytes used",
        "Provisioning success",
        "p50 ms",
        "p95 ms",
        *kinds,
    ]


def _usage_cells(row: Row) -> list[Any]:
    return [
        _credentials(row.active_credentials),
        row.ssds,
        row.allocated_bytes,
        row.used_bytes,
        _rate(row),
        _ms(row.jobs.p50_ms if row.jobs else None),
        _ms(row.jobs.p95_ms if row.jobs else None),
        *_operations(row),
    ]


@perm_required(Perm.USAGE_REPORTS_VIEW)
def report_home(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    if organisation.kind == OrgKind.ISSUER:
        issuer = Issuer.objects.for_user(request.user).first()
        if issuer is None:
            raise Http404("No issuer record for this organisation yet.")
        return redirect("billing_reports:issuer_report", pk=issuer.pk)
    if organisation.kind == OrgKind.MNO:
        mno = MNO.objects.for_user(request.user).first()
        if mno is None:
            raise Http404("No network record for this organisation yet.")
        return redirect("billing_reports:mno_report", pk=mno.pk)
    form = _form(request)
    report = enstream_report(form.report_range())
    kinds = [str(label) for label in KIND_LABELS.values()]
    stem = f"enstream-{report.rng.start}-{report.rng.end}"
    exported = _export(
        request,
        stem,
        {
            "issuers": lambda: (
                [
                    "Issuer",
                    "Network",
                    *_usage_headers(kinds),
                    "Revenue",
                    "Wholesale cost",
                    "Margin",
                ],
                [
                    [r.issuer.legal_name, r.mno.name, *_usage_cells(r), r.revenue, r.cost, r.margin]
                    for r in report.rows
                ],
            ),
            "networks": lambda: (
                [
                    "Network",
                    "SSDs",
                    "Bytes allocated",
                    "Bytes used",
                    "Capacity SSDs",
                    "Capacity bytes",
                ],
                [
                    [
                        t.mno.name,
                        t.ssds,
                        t.allocated_bytes,
                        t.used_bytes,
                        t.capacity_ssds,
                        t.capacity_bytes,
                    ]
                    for t in report.networks
                ],
            ),
            "failures": lambda: (["Network", "Failure code", "Jobs"], report.failures()),
        },
    )
    if exported:
        return exported
    issuer_urls: dict[int, str] = {}
    mno_urls: dict[int, str] = {}
    for row in report.rows:
        row.issuer_url = issuer_urls.setdefault(
            row.issuer.pk, reverse("billing_reports:issuer_report", kwargs={"pk": row.issuer.pk})
        )
        row.mno_url = mno_urls.setdefault(
            row.mno.pk, reverse("billing_reports:mno_report", kwargs={"pk": row.mno.pk})
        )
    return render(
        request,
        "billing/reports/enstream.html",
        {"form": form, "report": report, "kinds": kinds},
    )


@perm_required(Perm.USAGE_REPORTS_VIEW)
def issuer_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = get_for_user_or_404(Issuer.objects.all(), request.user, pk=pk)
    form = _form(request)
    invoices = []
    if has_perm(request.user, Perm.INVOICES_VIEW):
        invoices = list(Invoice.objects.for_user(request.user).filter(issuer=issuer)[:12])
    report = issuer_report(issuer, form.report_range(), invoices)
    kinds = [str(label) for label in KIND_LABELS.values()]
    networks = MNO.objects.in_bulk([line.mno_id for line in report.estimate.lines if line.mno_id])
    exported = _export(
        request,
        f"issuer-{issuer.pk}-{report.rng.start}-{report.rng.end}",
        {
            "networks": lambda: (
                ["Network", *_usage_headers(kinds)],
                [[r.mno.name, *_usage_cells(r)] for r in report.rows],
            ),
            "charges": lambda: (
                ["Charge", "Network", "Quantity", "Unit price", "Amount"],
                [
                    [
                        line.label,
                        networks[line.mno_id].name if line.mno_id else "All networks",
                        line.quantity,
                        line.unit_price,
                        line.amount,
                    ]
                    for line in report.estimate.lines
                ],
            ),
        },
    )
    if exported:
        return exported
    return render(
        request,
        "billing/reports/issuer.html",
        {"form": form, "report": report, "kinds": kinds, "networks": networks},
    )


@perm_required(Perm.USAGE_REPORTS_VIEW)
def mno_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    mno = get_for_user_or_404(MNO.objects.all(), request.user, pk=pk)
    form = _form(request)
    statements = []
    if has_perm(request.user, Perm.SETTLEMENTS_VIEW):
        statements = list(Settlement.objects.for_user(request.user).filter(mno=mno)[:12])
    report = mno_report(mno, form.report_range(), statements)
    kinds = [str(label) for label in KIND_LABELS.values()]
    exported = _export(
        request,
        f"network-{mno.short_code}-{report.rng.start}-{report.rng.end}",
        {
            "issuers": lambda: (
                ["Issuer", "SSDs", "Bytes allocated", "Bytes used", *kinds],
                [
                    [r.issuer.legal_name, r.ssds, r.allocated_bytes, r.used_bytes, *_operations(r)]
                    for r in report.rows
                ],
            ),
            "settlement": lambda: (
                ["Item", "Type", "Usage month", "Quantity", "Wholesale price", "Amount"],
                [
                    [item, line_type, f"{month:%Y-%m}", quantity, price, amount]
                    for line_type, item, month, quantity, price, amount in report.estimate.lines
                ],
            ),
        },
    )
    if exported:
        return exported
    return render(
        request, "billing/reports/mno.html", {"form": form, "report": report, "kinds": kinds}
    )
