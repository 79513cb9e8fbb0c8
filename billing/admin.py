"""Billing in the admin: read-only, as everything the services write. Invoices, statements
and credit notes are frozen once issued and usage events are append-only; month close, credit
notes and billing profiles are changed on the portal's billing pages, never here."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.models import (
    BillingMonth,
    BillingProfile,
    CreditNote,
    CreditNoteLine,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    PriceCharge,
    PricePlan,
    PricePlanVersion,
    PriceTier,
    Settlement,
    SettlementLine,
    SharedCostBand,
    TaxRate,
    UsageEvent,
    UsageMonthRollup,
    UsageRollup,
    UsageSnapshot,
)
from enstream.accounts.roles import Perm, has_perm
from issuers.admin_base import CommercialAdmin, RoleAdmin
from issuers.views.common import is_enstream


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class VersionInline(_ReadOnlyInline):
    model = PricePlanVersion
    fields = ["number", "effective_from", "note", "created_by", "created_at"]
    show_change_link = True


class ChargeInline(_ReadOnlyInline):
    model = PriceCharge
    fields = ["kind", "model", "shares_platform_discount"]
    show_change_link = True


class BandInline(_ReadOnlyInline):
    model = SharedCostBand
    fields = ["from_volume", "discount_percent"]


class TierInline(_ReadOnlyInline):
    model = PriceTier
    fields = ["position", "up_to", "unit_price"]


@admin.register(PricePlan)
class PricePlanAdmin(CommercialAdmin):
    view_perm = Perm.PRICE_PLANS_VIEW
    list_display = ["name", "code", "currency", "created_at"]
    search_fields = ["name", "code"]
    inlines = [VersionInline]


@admin.register(PricePlanVersion)
class PricePlanVersionAdmin(CommercialAdmin):
    view_perm = Perm.PRICE_PLANS_VIEW
    list_display = ["__str__", "effective_from", "created_by", "created_at"]
    inlines = [ChargeInline, BandInline]


@admin.register(PriceCharge)
class PriceChargeAdmin(admin.ModelAdmin):
    """Reached from a version's page, to see a charge's tiers."""

    inlines = [TierInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return has_perm(request.user, Perm.PRICE_PLANS_VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _EnStreamOnlyAdmin(RoleAdmin):
    """EnStream's own billing records: no tenant holds BILLING_CLOSE, and these rows have no
    organisation to scope by, so anyone else sees none."""

    view_perm = Perm.BILLING_CLOSE

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if is_enstream(request.user) else queryset.none()


class InvoiceLineInline(_ReadOnlyInline):
    model = InvoiceLine
    fields = [
        "position",
        "line_type",
        "label",
        "mno",
        "usage_month",
        "quantity",
        "unit_price",
        "amount",
    ]


class CreditNoteInline(_ReadOnlyInline):
    model = CreditNote
    fields = ["number", "note_date", "total", "reason", "issued_by"]
    show_change_link = True


class CreditNoteLineInline(_ReadOnlyInline):
    model = CreditNoteLine
    fields = ["invoice_line", "amount"]


class SettlementLineInline(_ReadOnlyInline):
    model = SettlementLine
    fields = ["position", "line_type", "item", "usage_month", "quantity", "unit_price", "amount"]


@admin.register(Invoice)
class InvoiceAdmin(RoleAdmin):
    view_perm = Perm.INVOICES_VIEW
    list_display = ["__str__", "issuer", "month", "status", "total", "currency", "issued_at"]
    list_filter = ["status", "month"]
    list_select_related = ["issuer"]
    search_fields = ["number", "issuer__legal_name"]
    inlines = [InvoiceLineInline, CreditNoteInline]


@admin.register(CreditNote)
class CreditNoteAdmin(RoleAdmin):
    view_perm = Perm.INVOICES_VIEW
    list_display = ["number", "invoice", "note_date", "total", "currency", "issued_by"]
    list_select_related = ["invoice", "issued_by"]
    search_fields = ["number", "invoice__number"]
    inlines = [CreditNoteLineInline]


@admin.register(Settlement)
class SettlementAdmin(RoleAdmin):
    view_perm = Perm.SETTLEMENTS_VIEW
    list_display = ["__str__", "mno", "month", "status", "total", "currency", "issued_at"]
    list_filter = ["status", "month"]
    list_select_related = ["mno"]
    search_fields = ["number", "mno__name"]
    inlines = [SettlementLineInline]


class _UsageAdmin(RoleAdmin):
    """The ledger as the usage reports show it: an issuer sees what it caused, an MNO what
    happened on its network."""

    view_perm = Perm.USAGE_REPORTS_VIEW
    list_select_related = ["issuer", "mno"]


@admin.register(UsageEvent)
class UsageEventAdmin(_UsageAdmin):
    list_display = ["kind", "quantity", "issuer", "mno", "occurred_at", "billed_month"]
    list_filter = ["kind", "billed_month"]


@admin.register(UsageRollup)
class UsageRollupAdmin(_UsageAdmin):
    list_display = ["day", "issuer", "mno", "kind", "quantity", "events", "billed_month"]
    list_filter = ["kind", "billed_month"]


@admin.register(UsageMonthRollup)
class UsageMonthRollupAdmin(_UsageAdmin):
    list_display = ["month", "issuer", "mno", "kind", "quantity", "events", "billed_month"]
    list_filter = ["kind", "month"]


@admin.register(UsageSnapshot)
class UsageSnapshotAdmin(_UsageAdmin):
    list_display = ["day", "issuer", "mno", "active_ssds", "allocated_ssds", "bytes_used"]


@admin.register(BillingMonth)
class BillingMonthAdmin(_EnStreamOnlyAdmin):
    list_display = ["month", "status", "revision", "closed_by", "issued_at", "issued_by"]


@admin.register(BillingProfile)
class BillingProfileAdmin(_EnStreamOnlyAdmin):
    list_display = ["issuer", "province", "billing_email"]
    list_select_related = ["issuer"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(_EnStreamOnlyAdmin):
    list_display = ["series", "last_number"]


@admin.register(TaxRate)
class TaxRateAdmin(_EnStreamOnlyAdmin):
    list_display = ["province", "label", "rate", "effective_from"]
    list_filter = ["province"]
