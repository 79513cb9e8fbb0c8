"""GET /api/v1/usage?month=YYYY-MM: the caller's usage on each network in one month.

Read from the billing reports (rollups and daily snapshots, through `billing.reports`), the
same figures as the issuer's report page. Sandbox activity is never billed, so a sandbox key
sees no usage.
"""

import re
from datetime import date

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.ledger import UsageKind, month_end
from billing.reports import Row, build_rows
from billing.reports_forms import ReportRange
from enstream.accounts.roles import Perm
from enstream.api.permissions import HasScope
from provisioning.api.views import BAD_QUERY, caller_issuer, in_sandbox

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class UsageQuery(serializers.Serializer):
    month = serializers.CharField(help_text="The month, ISO 8601: YYYY-MM (this month or before).")

    def validate_month(self, value: str) -> date:
        match = _MONTH.match(value.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise serializers.ValidationError("A month is YYYY-MM, e.g. 2026-11.", code="invalid")
        month = date(int(match.group(1)), int(match.group(2)), 1)
        if month > timezone.localdate():
            raise serializers.ValidationError("That month has not begun.", code="month_in_future")
        return month


def _operations(self: serializers.Serializer, row: Row) -> dict[str, int]:
    return {kind: row.operation(kind) for kind in UsageKind.values}


# One count per usage kind of the ledger, so a new kind appears here (and in the schema) as is.
OperationsSerializer = type(
    "UsageOperationsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Billable operations in the period, by kind.",
        "to_representation": _operations,
        **{
            kind: serializers.IntegerField(help_text=str(label))
            for kind, label in UsageKind.choices
        },
    },
)


class NetworkUsageSerializer(serializers.Serializer):
    network = serializers.CharField(source="mno.short_code")
    network_name = serializers.CharField(source="mno.name")
    active_ssds = serializers.IntegerField(
        source="ssds", help_text="Your security domains on the network, at the period's end."
    )
    bytes_used = serializers.IntegerField(source="used_bytes")
    bytes_allocated = serializers.IntegerField(source="allocated_bytes")
    active_credentials = serializers.IntegerField(allow_null=True)
    operations = OperationsSerializer(source="*")


class UsageSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="The month's last day, or today in this month.")
    livemode = serializers.BooleanField()
    networks = NetworkUsageSerializer(many=True)


class UsageView(APIView):
    permission_classes = [HasScope("read", perm=Perm.USAGE_REPORTS_VIEW)]

    @extend_schema(
        summary="Your usage in a month, per network",
        parameters=[UsageQuery],
        responses={200: UsageSerializer, 400: BAD_QUERY},
        description="Security domains held at the period's end, the space they use and the "
        "billable operations of the month, per network; this month counts to today. The "
        "figures of the issuer report in the portal. Sandbox keys: always empty (the sandbox "
        "is not billed).",
        tags=["usage"],
    )
    def get(self, request: Request) -> Response:
        query = UsageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        issuer = caller_issuer(request)
        month: date = query.validated_data["month"]
        end = min(month_end(month), timezone.localdate())
        period = ReportRange(month, end, None)
        rows = [] if in_sandbox(request) else build_rows(period, issuer=issuer, jobs=False)
        body = {
            "month": f"{month:%Y-%m}",
            "period_start": month,
            "period_end": end,
            "livemode": not in_sandbox(request),
            "networks": rows,
        }
        return Response(UsageSerializer(body).data)
