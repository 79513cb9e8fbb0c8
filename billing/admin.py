from django.contrib import admin
from django.http import HttpRequest

from billing.models import PriceCharge, PricePlan, PricePlanVersion, PriceTier, SharedCostBand
from enstream.accounts.roles import Perm, has_perm
from issuers.admin_base import CommercialAdmin


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
