"""Credential operations: provision a card on a subscriber's SIM, suspend, resume, delete, and
supply the card data a migrated credential needs. The portal and the API call these only."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.models import Issuer, PaymentNetwork
from mno.models import SecureElement
from provisioning.carddata import CardData, card_data_seal, card_data_validate, pan_hash
from provisioning.diagnostics import diagnose
from provisioning.eligibility import assess, normalise_msisdn, se_for_line
from provisioning.errors import ProvisioningError
from provisioning.models import (
    HOLDS_INSTANCE,
    Credential,
    CredentialState,
    DomainState,
    IssuerDomain,
    Job,
    JobKind,
)
from provisioning.profiles import AppletProfile, profile_for
from provisioning.services.jobs import acting_user, job_create, require

# EnStream's SSD AIDs: proprietary, unregistered category (first nibble F), "ENS" "SD", then
# the issuer's number: unique per issuer, the same on every SIM.
_SSD_AID_PREFIX = "F0454E535344"
_MAX_SUFFIX = 0xFF


def ssd_aid_for(issuer: Issuer) -> str:
    return f"{_SSD_AID_PREFIX}{issuer.pk:08X}"


def _instance_aid(se: SecureElement, profile: AppletProfile, taken: set[str] | None) -> str:
    """The scheme's usual instance AID, or (a second card of that scheme on the SIM) the AID
    with a one-byte suffix: instance AIDs are unique on a card. `taken`: the AIDs of the
    SE's credentials, when the caller has read them."""
    if taken is None:
        taken = set(
            Credential.objects.filter(se=se, state__in=HOLDS_INSTANCE).values_list(
                "instance_aid", flat=True
            )
        )
    base = profile.instance_base.hex().upper()
    for suffix in range(_MAX_SUFFIX + 1):
        candidate = base if suffix == 0 else f"{base}{suffix:02X}"
        if candidate not in taken:
            return candidate
    raise ProvisioningError("se_memory_full", "No instance AID is left for this scheme.")


def _scheme(scheme: str) -> str:
    if scheme not in PaymentNetwork.values:
        raise ProvisioningError(
            "invalid_scheme",
            f"Scheme is one of {', '.join(PaymentNetwork.values)}.",
            field="scheme",
        )
    return scheme


def _refuse(reasons: tuple[str, ...]) -> ProvisioningError:
    first = diagnose(reasons[0])
    details = {"reasons": list(reasons), "action": first.action}
    return ProvisioningError(reasons[0], first.cause, status=422, details=details)


def _domain(
    issuer: Issuer, se: SecureElement, existing: IssuerDomain | None, allocation: Any
) -> IssuerDomain:
    if existing is not None:
        return existing
    return IssuerDomain.objects.create(
        se=se,
        issuer=issuer,
        allocation=allocation,
        aid=ssd_aid_for(issuer),
        state=DomainState.CREATING,
        nv_quota=allocation.nv_quota_bytes,
        v_quota=allocation.v_quota_bytes,
    )


def new_credential(
    *,
    issuer: Issuer,
    se: SecureElement,
    profile: AppletProfile,
    msisdn: str,
    last4: str,
    hashed: str,
    expiry: tuple[int, int],
    token_reference: str,
    actor: Any,
    replaces: Credential | None = None,
    card: CardData | None = None,
    taken_aids: set[str] | None = None,
) -> tuple[Credential, IssuerDomain]:
    """A credential row on `se` (and the issuer's SSD row there, if it has none), once the
    issuer may provision on it; callers hold the SE's row lock. `card`: sealed for the
    credential before its row is written, so the row is written once."""
    eligibility = assess(issuer, se)
    if not eligibility.eligible:
        raise _refuse(eligibility.reasons)
    domain = _domain(issuer, se, eligibility.domain, eligibility.allocation)
    credential = Credential(
        issuer=issuer,
        se=se,
        domain=domain,
        msisdn=msisdn,
        scheme=profile.scheme,
        applet_profile=profile.code,
        pan_last4=last4,
        pan_hash=hashed,
        expiry_month=expiry[0],
        expiry_year=expiry[1],
        token_reference=token_reference,
        instance_aid=_instance_aid(se, profile, taken_aids),
        sandbox=se.sandbox,
        replaces=replaces,
        created_by=acting_user(actor),
    )
    if card is not None:
        credential.card_data = card_data_seal(card, owner=credential.card_data_owner)
    credential.save(force_insert=True)
    return credential, domain


@transaction.atomic
def credential_provision(
    *,
    issuer: Issuer,
    msisdn: str,
    scheme: str,
    applet_profile: str,
    card_data: CardData,
    sandbox: bool,
    actor: Any = None,
) -> tuple[Credential, Job]:
    """Accept a card for a subscriber's SIM: check it and the SIM's eligibility, seal the card
    data at once, and queue the provisioning job (it starts after this transaction commits).

    Raises ProvisioningError: input codes (invalid_pan, scheme_mismatch, card_expired, ...)
    with the field at fault, eligibility codes (status 422, every reason in `details`), or
    credential_exists (409) when the card is already on that SIM.
    """
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=issuer)
    profile = profile_for(applet_profile, scheme=_scheme(scheme))
    card = card_data_validate(card_data, scheme=scheme, today=timezone.localdate())
    number = normalise_msisdn(msisdn)
    # One request at a time per SIM: instance AIDs and the issuer's SSD are decided here.
    se = se_for_line(number, sandbox=sandbox, lock=True)
    if se is None:
        raise _refuse(("se_unknown",))
    hashed = pan_hash(card.pan)
    # One read of the SIM's cards answers both: is this card already there, and which
    # instance AIDs are taken.
    held = Credential.objects.filter(se=se, state__in=HOLDS_INSTANCE).values_list(
        "issuer_id", "pan_hash", "instance_aid"
    )
    taken: set[str] = set()
    for issuer_id, held_hash, aid in held:
        if issuer_id == issuer.pk and held_hash == hashed:
            raise ProvisioningError(
                "credential_exists", diagnose("credential_exists").cause, status=409
            )
        taken.add(aid)
    credential, domain = new_credential(
        issuer=issuer,
        se=se,
        profile=profile,
        msisdn=number,
        last4=card.last4,
        hashed=hashed,
        expiry=(card.expiry_month, card.expiry_year),
        token_reference=card.token_reference,
        actor=actor,
        card=card,
        taken_aids=taken,
    )
    job = job_create(
        kind=JobKind.PROVISION,
        se=se,
        issuer=issuer,
        credential=credential,
        domain=domain,
        actor=actor,
    )
    audit_record(
        action="credential.provision",
        obj=credential,
        actor=actor,
        changes={"msisdn": number, "scheme": scheme, "last4": card.last4, "job": str(job.pk)},
    )
    return credential, job


def _lifecycle_job(
    credential: Credential,
    *,
    kind: str,
    allowed: tuple[str, ...],
    actor: Any,
    cause: str = "",
    reason: str = "",
) -> Job:
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.state not in allowed:
        raise ProvisioningError(
            "invalid_state",
            f"This credential is {credential.get_state_display().lower()}: it cannot be "
            f"{kind.removesuffix('e')}ed now.",
            status=409,
        )
    if credential.jobs.open().exists():
        raise ProvisioningError(
            "credential_busy", "Another operation on this credential is still running.", status=409
        )
    job = job_create(
        kind=kind,
        se=credential.se,
        issuer=credential.issuer,
        credential=credential,
        domain=credential.domain,
        actor=actor,
        cause=cause,
        context={"reason": reason} if reason else None,
    )
    audit_record(
        action=f"credential.{kind}", obj=credential, actor=actor, changes={"job": str(job.pk)}
    )
    return job


@transaction.atomic
def credential_suspend(
    *, credential: Credential, actor: Any, reason: str = "", cause: str = ""
) -> Job:
    """Lock the payment application on the SIM (lost phone, fraud suspicion, a port)."""
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=credential.issuer)
    return _lifecycle_job(
        credential,
        kind=JobKind.SUSPEND,
        allowed=(CredentialState.ACTIVE,),
        actor=actor,
        cause=cause,
        reason=reason[:300],
    )


@transaction.atomic
def credential_resume(*, credential: Credential, actor: Any) -> Job:
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=credential.issuer)
    return _lifecycle_job(
        credential, kind=JobKind.RESUME, allowed=(CredentialState.SUSPENDED,), actor=actor
    )


@transaction.atomic
def credential_delete(*, credential: Credential, actor: Any) -> Job:
    """Delete the payment application (and the issuer's SSD with its last credential)."""
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=credential.issuer)
    return _lifecycle_job(
        credential,
        kind=JobKind.DELETE,
        allowed=(
            CredentialState.ACTIVE,
            CredentialState.SUSPENDED,
            CredentialState.FAILED,
            CredentialState.REQUESTED,
        ),
        actor=actor,
    )


@transaction.atomic
def credential_card_data_supply(
    *, credential: Credential, card_data: CardData, actor: Any = None
) -> Job:
    """Personalise a credential prepared on a new SIM after a swap or port: the same card
    (last four and keyed hash must match) whose data was purged after the first time."""
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=credential.issuer)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.state != CredentialState.REQUESTED or credential.jobs.open().exists():
        raise ProvisioningError(
            "invalid_state", "This credential is not waiting for card data.", status=409
        )
    card = card_data_validate(card_data, scheme=credential.scheme, today=timezone.localdate())
    if pan_hash(card.pan) != credential.pan_hash:
        raise ProvisioningError(
            "card_mismatch",
            "This is not the card the credential was issued for.",
            field="card_data.pan",
        )
    if credential.card_data is not None and not credential.card_data.is_destroyed:
        credential.card_data.destroy()
    credential.card_data = card_data_seal(card, owner=credential.card_data_owner)
    credential.expiry_month, credential.expiry_year = card.expiry_month, card.expiry_year
    credential.updated_at = timezone.now()
    credential.save(update_fields=["card_data", "expiry_month", "expiry_year", "updated_at"])
    job = job_create(
        kind=JobKind.PROVISION,
        se=credential.se,
        issuer=credential.issuer,
        credential=credential,
        domain=credential.domain,
        actor=actor,
    )
    audit_record(
        action="credential.card_data", obj=credential, actor=actor, changes={"job": str(job.pk)}
    )
    return job
