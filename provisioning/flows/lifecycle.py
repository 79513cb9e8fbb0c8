"""Suspend, resume and delete a credential's payment application (and its SSD with the last).

Each plan ends in GET STATUS of the instance: the card's own word that the lock, unlock or
deletion took, read under the SSD's secure channel (R-MAC), before the credential changes.
"""

from django.utils import timezone

from enstream.webhooks.models import EventType
from provisioning import conf, events, notify
from provisioning.engine.context import JobContext
from provisioning.engine.segments import Segment
from provisioning.engine.view import (
    ABSENT,
    LOCKED,
    PERSONALIZED,
    SELECTABLE,
    CardView,
)
from provisioning.errors import ProvisioningError
from provisioning.flows.base import Flow, Plan, domain_view, isd_segment, probe, ssd_segment
from provisioning.flows.provision import purge_card_data
from provisioning.models import (
    HOLDS_INSTANCE,
    Credential,
    CredentialState,
    DomainState,
    IssuerDomain,
    JobKind,
)


def delete_empty_ssd(domain: IssuerDomain) -> bool:
    """Whether an SSD goes when its last credential does: the allocation's policy.

    Allocations carry no retention setting yet, so one platform-wide switch decides
    (PROVISIONING_DELETE_EMPTY_SSD, default on); a per-allocation field plugs in here.
    """
    return conf.flag("PROVISIONING_DELETE_EMPTY_SSD")


def _card_version(ctx: JobContext, view: CardView) -> int:
    """The key set the SSD holds, which custody must hold too."""
    if view.ssd == ABSENT:
        raise ProvisioningError("instance_missing", "The issuer's SSD is not on the SIM.")
    version = view.ssd_version
    if version is None or not ctx.has_ssd_version(version):
        raise ProvisioningError("key_mismatch", "The SSD's key set is not the one in custody.")
    return version


def _save(credential: Credential, **fields: object) -> None:
    for name, value in fields.items():
        setattr(credential, name, value)
    credential.updated_at = timezone.now()
    credential.save(update_fields=[*fields, "updated_at"])


class SuspendFlow(Flow):
    kind = JobKind.SUSPEND

    def initial_view(self, ctx: JobContext) -> CardView:
        return domain_view(ctx, instance=PERSONALIZED)

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        version = _card_version(ctx, view)
        if view.instance == LOCKED:
            return []
        if view.instance == ABSENT:
            raise ProvisioningError("instance_missing", "The payment application is not there.")
        ops = ["lock", "status"] if view.instance in (SELECTABLE, PERSONALIZED) else ["status"]
        return [ssd_segment(ctx, "lock", ops, version)]

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        credential = ctx.credential
        assert credential is not None
        cause = ctx.job.cause
        _save(
            credential,
            state=CredentialState.SUSPENDED,
            suspended_at=timezone.now(),
            reason_code=cause,
            reason=ctx.job.context.get("reason", "")[:300],
        )
        notify.credential_event(credential, EventType.CREDENTIAL_SUSPENDED, code=cause)


class ResumeFlow(Flow):
    kind = JobKind.RESUME

    def initial_view(self, ctx: JobContext) -> CardView:
        return domain_view(ctx, instance=LOCKED)

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        version = _card_version(ctx, view)
        if view.instance in (SELECTABLE, PERSONALIZED):
            return []
        if view.instance == ABSENT:
            raise ProvisioningError("instance_missing", "The payment application is not there.")
        ops = ["unlock", "status"] if view.instance == LOCKED else ["status"]
        return [ssd_segment(ctx, "unlock", ops, version)]

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        credential = ctx.credential
        assert credential is not None
        _save(credential, state=CredentialState.ACTIVE, reason_code="", reason="")
        notify.credential_event(credential, EventType.CREDENTIAL_ACTIVE)


def _last_in_domain(ctx: JobContext) -> bool:
    domain, credential = ctx.domain, ctx.credential
    if domain is None:
        return False
    others = Credential.objects.filter(domain=domain, state__in=HOLDS_INSTANCE)
    if credential is not None:
        others = others.exclude(pk=credential.pk)
    return not others.exists()


class DeleteFlow(Flow):
    """The applet goes; with the SSD's last credential (and the policy's leave), the SEM
    deletes the SSD with its content in one command, which removes the applet too."""

    kind = JobKind.DELETE

    def initial_view(self, ctx: JobContext) -> CardView:
        credential = ctx.credential
        states = {CredentialState.ACTIVE: PERSONALIZED, CredentialState.SUSPENDED: LOCKED}
        return domain_view(ctx, instance=states.get(credential.state) if credential else None)

    def _with_ssd(self, ctx: JobContext) -> bool:
        domain = ctx.domain
        return domain is not None and _last_in_domain(ctx) and delete_empty_ssd(domain)

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        if view.ssd == ABSENT:
            return []
        if self._with_ssd(ctx):
            return [ssd_delete_segment(ctx)]
        if view.instance == ABSENT:
            return []
        version = _card_version(ctx, view)
        return [ssd_segment(ctx, "delete", ["delete", "status"], version)]

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        credential = ctx.credential
        assert credential is not None
        purge_card_data(ctx)
        domain = ctx.domain
        if domain is not None and view.ssd == ABSENT and domain.state != DomainState.DELETED:
            domain_deleted(ctx, domain)
        _save(
            credential,
            state=CredentialState.DELETED,
            deleted_at=timezone.now(),
            reason_code=ctx.job.cause,
        )
        notify.credential_event(credential, EventType.CREDENTIAL_DELETED, code=ctx.job.cause)


def ssd_delete_segment(ctx: JobContext) -> Segment:
    """The SEM deletes the SSD and everything in it; until verified, the domain is DELETING
    (a job that starts on it re-reads the card first)."""
    domain = ctx.domain
    assert domain is not None
    if domain.state != DomainState.DELETING:
        domain.state = DomainState.DELETING
        domain.save(update_fields=["state"])
    return isd_segment(ctx, "ssd_delete", ["delete_ssd", "status_ssd"])


def domain_deleted(ctx: JobContext, domain: IssuerDomain) -> None:
    events.ssd_deleted(domain=domain, job=ctx.job)
    ctx.ssd_keys_destroyed()
    domain.state, domain.deleted_at = DomainState.DELETED, timezone.now()
    domain.save(update_fields=["state", "deleted_at"])
