from django.contrib import admin
from django.http import HttpRequest

from enstream.accounts.roles import Perm
from issuers.admin_base import CommercialAdmin
from mno.models import MNO, ConnectionSettings, NetworkCode, WholesaleAgreement


class NetworkCodeInline(admin.TabularInline):
    model = NetworkCode
    extra = 0
    can_delete = False
    readonly_fields = ["mcc", "mnc"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MNO)
class MnoAdmin(CommercialAdmin):
    view_perm = Perm.MNOS_VIEW
    list_display = ["name", "short_code", "status", "organisation"]
    list_filter = ["status"]
    search_fields = ["name", "short_code"]
    inlines = [NetworkCodeInline]


@admin.register(WholesaleAgreement)
class WholesaleAgreementAdmin(CommercialAdmin):
    view_perm = Perm.WHOLESALE_VIEW
    list_display = [
        "reference",
        "mno",
        "starts_on",
        "ends_on",
        "capacity_ssds",
        "capacity_bytes",
        "currency",
    ]
    list_filter = ["mno"]


@admin.register(ConnectionSettings)
class ConnectionSettingsAdmin(CommercialAdmin):
    """The credential shows as its keystore id only; it is never unsealed here."""

    view_perm = Perm.NETWORK_SETTINGS_MANAGE
    list_display = ["mno", "adapter_kind", "updated_at"]
