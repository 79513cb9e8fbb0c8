"""MNO operations: onboarding a network, its connection settings and its wholesale terms."""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.money import DEFAULT_CURRENCY
from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind, Perm
from enstream.audit.services import audit_record
from enstream.keystore import reseal, seal
from issuers.errors import CommercialError
from issuers.parties import clean_contacts, tenant_organisation
from issuers.transitions import require, save_as
from mno.models import (
    MNO,
    AdapterKind,
    ConnectionSettings,
    MnoStatus,
    NetworkCode,
    WholesaleAgreement,
)

_PLMN = re.compile(r"^(\d{3})-(\d{2,3})$")
# Parameters are stored in clear; a name like these means a secret is about to be.
_SECRET_NAMES = re.compile(r"pass|secret|token|key|pin|credential|auth", re.IGNORECASE)
CREDENTIAL_PURPOSE = "mno.connection"


def _set_plmn_codes(mno: MNO, plmn_codes: Iterable[str]) -> None:
    pairs: list[tuple[str, str]] = []
    for code in plmn_codes:
        match = _PLMN.match(code.strip())
        if not match:
            raise CommercialError(
                "invalid_plmn", f"{code!r} is not an MCC-MNC code such as 302-720.", field="plmn"
            )
        pairs.append((match.group(1), match.group(2)))
    if not pairs:
        raise CommercialError("invalid_plmn", "Give at least one MCC-MNC code.", field="plmn")
    for mcc, mnc in pairs:
        holder = NetworkCode.objects.filter(mcc=mcc, mnc=mnc).exclude(mno=mno).first()
        if holder is not None:
            raise CommercialError(
                "plmn_taken", f"{mcc}-{mnc} already belongs to {holder.mno}.", field="plmn"
            )
    for existing in mno.network_codes.all():
        if (existing.mcc, existing.mnc) not in pairs:
            existing.delete()
    for mcc, mnc in pairs:
        NetworkCode.objects.get_or_create(mno=mno, mcc=mcc, mnc=mnc)


@transaction.atomic
def mno_create(
    *,
    actor: Any,
    name: str,
    short_code: str,
    plmn_codes: Sequence[str],
    contacts: Iterable[Mapping[str, Any]] = (),
    status: str = MnoStatus.ONBOARDING,
    organisation: Organisation | None = None,
    slug: str | None = None,
) -> MNO:
    """Onboard a network: its organisation (created unless given), codes and contacts."""
    require(actor, Perm.MNOS_MANAGE, "onboard an MNO")
    if MNO.objects.filter(short_code=short_code).exists():
        raise CommercialError(
            "short_code_taken", f"The short code {short_code} is taken.", field="short_code"
        )
    org = tenant_organisation(organisation=organisation, name=name, slug=slug, kind=OrgKind.MNO)
    if MNO.objects.filter(organisation=org).exists():
        raise CommercialError(
            "mno_exists", f"{org} is already set up as an MNO.", field="organisation"
        )
    mno = MNO(
        organisation=org,
        name=name,
        short_code=short_code,
        status=status,
        contacts=clean_contacts(contacts),
    )
    save_as(mno, actor)
    _set_plmn_codes(mno, plmn_codes)
    audit_record(action="mno.create", obj=mno, actor=actor, changes={"plmn": mno.plmn_codes})
    return mno


@transaction.atomic
def mno_update(
    *,
    mno: MNO,
    actor: Any,
    name: str | None = None,
    status: str | None = None,
    contacts: Iterable[Mapping[str, Any]] | None = None,
    plmn_codes: Sequence[str] | None = None,
) -> MNO:
    """Change what is given; leave the rest."""
    require(actor, Perm.MNOS_MANAGE, "change an MNO")
    before = {"name": mno.name, "status": mno.status, "plmn": mno.plmn_codes}
    if name is not None:
        mno.name = name
    if status is not None:
        mno.status = status
    if contacts is not None:
        mno.contacts = clean_contacts(contacts)
    save_as(mno, actor)
    if plmn_codes is not None:
        _set_plmn_codes(mno, plmn_codes)
    after = {"name": mno.name, "status": mno.status, "plmn": mno.plmn_codes}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit_record(action="mno.update", obj=mno, actor=actor, changes=changes)
    return mno


@transaction.atomic
def mno_connection_configure(
    *,
    mno: MNO,
    actor: Any,
    adapter_kind: str,
    parameters: Mapping[str, Any],
    credential: bytes | None = None,
) -> ConnectionSettings:
    """Set how the SP TSM reaches the network. The credential (a gateway password or token)
    is sealed in the keystore; `parameters` must hold no secret."""
    require(actor, Perm.NETWORK_SETTINGS_MANAGE, "change network connection settings")
    if adapter_kind not in AdapterKind.values:
        raise CommercialError(
            "unknown_adapter", f"No such adapter: {adapter_kind!r}.", field="adapter_kind"
        )
    if not isinstance(parameters, Mapping):
        raise CommercialError("invalid", "Parameters are a set of names and values.")
    secret_like = sorted(k for k in parameters if _SECRET_NAMES.search(str(k)))
    if secret_like:
        raise CommercialError(
            "secret_in_parameters",
            f"{', '.join(secret_like)} look(s) like a secret: pass it as the credential, which "
            "is sealed in the keystore, not as a parameter.",
            field="parameters",
        )
    settings, _ = ConnectionSettings.objects.select_for_update().get_or_create(mno=mno)
    before = {"adapter_kind": settings.adapter_kind, "parameters": settings.parameters}
    settings.adapter_kind = adapter_kind
    settings.parameters = dict(parameters)
    settings.updated_at = timezone.now()
    if credential is not None:
        owner = settings.credential_owner
        if settings.credential is None:
            settings.credential = seal(credential, purpose=CREDENTIAL_PURPOSE, owner=owner)
        else:
            reseal(settings.credential, credential, purpose=CREDENTIAL_PURPOSE, owner=owner)
    save_as(settings, actor)
    changes = {
        "adapter_kind": [before["adapter_kind"], adapter_kind],
        "parameters": [before["parameters"], settings.parameters],
    }
    if credential is not None:
        changes["credential"] = "replaced"
    audit_record(action="mno.connection", obj=settings, actor=actor, changes=changes)
    return settings


def _check_price(value: Any, field: str) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | int | str):
        raise CommercialError(
            "invalid_price", "Give a price as a decimal, not a float.", field=field
        )
    try:
        price = Decimal(value)
    except ArithmeticError as exc:
        raise CommercialError("invalid_price", f"{value!r} is not a price.", field=field) from exc
    if not price.is_finite() or price < 0:
        raise CommercialError("invalid_price", "A price is 0 or more.", field=field)
    if price.as_tuple().exponent < -4:  # type: ignore[operator]
        raise CommercialError(
            "too_many_decimals", "A unit price has at most 4 decimal places.", field=field
        )
    return price


@transaction.atomic
def wholesale_agreement_create(
    *,
    mno: MNO,
    actor: Any,
    reference: str,
    starts_on: date,
    ends_on: date,
    capacity_ssds: int,
    capacity_bytes: int,
    price_per_active_ssd_month: Decimal,
    price_per_ota_operation: Decimal,
    price_per_credential_provisioned: Decimal,
    currency: str = DEFAULT_CURRENCY,
) -> WholesaleAgreement:
    """Record what EnStream buys from `mno` over a term; terms of one MNO never overlap."""
    require(actor, Perm.MNOS_MANAGE, "write a wholesale agreement")
    MNO.objects.select_for_update().filter(pk=mno.pk).first()
    if ends_on < starts_on:
        raise CommercialError(
            "term_out_of_order", "The term must end on or after its start.", field="ends_on"
        )
    for field, value in (("capacity_ssds", capacity_ssds), ("capacity_bytes", capacity_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CommercialError(
                "invalid_capacity", "A capacity is a whole number above 0.", field=field
            )
    overlapping = mno.wholesale_agreements.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    clash = overlapping.first()
    if clash is not None:
        raise CommercialError(
            "wholesale_overlap",
            f"{mno} already has {clash.reference} from {clash.starts_on} to {clash.ends_on}; "
            "wholesale terms of one network cannot overlap.",
            field="starts_on",
        )
    agreement = WholesaleAgreement(
        mno=mno,
        reference=reference,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity_ssds=capacity_ssds,
        capacity_bytes=capacity_bytes,
        price_per_active_ssd_month=_check_price(
            price_per_active_ssd_month, "price_per_active_ssd_month"
        ),
        price_per_ota_operation=_check_price(price_per_ota_operation, "price_per_ota_operation"),
        price_per_credential_provisioned=_check_price(
            price_per_credential_provisioned, "price_per_credential_provisioned"
        ),
        currency=currency,
    )
    save_as(agreement, actor)
    audit_record(
        action="wholesale.create",
        obj=agreement,
        actor=actor,
        changes={"term": [str(starts_on), str(ends_on)], "capacity_ssds": capacity_ssds},
    )
    return agreement
