"""Where each issuer is invoiced: its billing profile (the province that sets GST/HST)."""

from typing import Any

from django.db import transaction

from billing.invoices import BillingProfile
from billing.tax import Province
from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.errors import CommercialError
from issuers.models import Issuer
from issuers.transitions import require


@transaction.atomic
def billing_profile_set(
    *, issuer: Issuer, actor: Any, province: str, billing_email: str = ""
) -> BillingProfile:
    """Set the issuer's province (and invoice e-mail). Issued invoices keep the province they
    were taxed in; the next close uses this one."""
    require(actor, Perm.BILLING_CLOSE, "set an issuer's billing province")
    if province not in Province.values:
        raise CommercialError("unknown_province", "Choose a Canadian province.", field="province")
    profile, created = BillingProfile.objects.select_for_update().get_or_create(
        issuer=issuer, defaults={"province": province, "billing_email": billing_email}
    )
    before = None if created else profile.province
    profile.province, profile.billing_email = province, billing_email
    profile.save()
    audit_record(
        action="billing_profile.set",
        obj=profile,
        actor=actor,
        changes={"province": [before, province], "billing_email": billing_email},
    )
    return profile
