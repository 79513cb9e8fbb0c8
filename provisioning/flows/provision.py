"""Provision a credential (SSD, key handover, applet instance, personalisation, check), and
migrate one to a new SIM (everything but the personalisation, whose data was purged)."""

from django.utils import timezone

from enstream.webhooks.models import EventType
from provisioning import events, notify
from provisioning.diagnostics import diagnose
from provisioning.eligibility import assess
from provisioning.engine.context import JobContext
from provisioning.engine.view import (
    ABSENT,
    LOCKED,
    PRESENT,
    SELECTABLE,
    UNSELECTABLE,
    CardView,
    Outcome,
    fail,
)
from provisioning.errors import ProvisioningError
from provisioning.flows.base import (
    Flow,
    Plan,
    domain_view,
    last_instance,
    probe,
    ssd_segment,
    ssd_segments,
)
from provisioning.models import CredentialState, DomainState, JobKind


def purge_card_data(ctx: JobContext) -> None:
    credential = ctx.credential
    secret = credential.card_data if credential is not None else None
    if secret is not None and not secret.is_destroyed:
        secret.destroy()


def settle_domain(ctx: JobContext, view: CardView) -> None:
    """After a job that may have created the SSD: active once the issuer's keys are on it;
    deleted (and uncounted) when the card is known not to hold it."""
    domain = ctx.domain
    if domain is None or domain.state != DomainState.CREATING or not view.known:
        return
    now = timezone.now()
    if view.ssd == ABSENT:
        events.ssd_deleted(domain=domain, job=ctx.job)
        ctx.ssd_keys_destroyed()
        domain.state, domain.deleted_at = DomainState.DELETED, now
        domain.save(update_fields=["state", "deleted_at"])
        return
    held = ctx.ssd_keys_held()
    if view.ssd == PRESENT and held is not None and held[1] and view.ssd_version == held[0]:
        domain.state, domain.active_at = DomainState.ACTIVE, now
        domain.save(update_fields=["state", "active_at"])


def _check(ctx: JobContext) -> Outcome | None:
    domain = ctx.domain
    assert domain is not None
    reasons = list(assess(ctx.job.issuer, ctx.se).reasons)
    creating = domain.state == DomainState.CREATING and not domain.usage_recorded
    if creating and (
        ctx.se.free_nv_bytes < domain.nv_quota or ctx.se.free_v_bytes < domain.v_quota
    ):
        reasons.append("se_memory_full")
    if reasons:
        return fail(reasons[0], diagnose(reasons[0]).cause)
    return None


class ProvisionFlow(Flow):
    kind = JobKind.PROVISION

    def preflight(self, ctx: JobContext) -> Outcome | None:
        card = ctx.credential.card_data if ctx.credential is not None else None
        if card is None or card.is_destroyed:
            return fail("card_data_purged", diagnose("card_data_purged").cause)
        return _check(ctx)

    def started(self, ctx: JobContext) -> None:
        credential = ctx.credential
        assert credential is not None
        if credential.state == CredentialState.REQUESTED:
            now = timezone.now()
            credential.state, credential.provisioning_at, credential.updated_at = (
                CredentialState.PROVISIONING,
                now,
                now,
            )
            credential.save(update_fields=["state", "provisioning_at", "updated_at"])

    def initial_view(self, ctx: JobContext) -> CardView:
        return domain_view(ctx, instance=last_instance(ctx, ABSENT))

    def applet_ops(self, instance: str | None) -> list[str]:
        if instance in (ABSENT, UNSELECTABLE, None):
            return ["install", "personalise", "status"]
        if instance in (SELECTABLE, PRESENT):
            # Personalising again is harmless: the same data, and GET STATUS proves the end.
            return ["personalise", "status"]
        if instance == LOCKED:
            raise ProvisioningError("card_refused", "The payment application is locked on the SIM.")
        return []

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        segments, version = ssd_segments(ctx, view)
        ops = self.applet_ops(ABSENT if view.ssd == ABSENT else view.instance)
        if ops:
            segments.append(ssd_segment(ctx, "personalise", ops, version))
        return segments

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        credential = ctx.credential
        assert credential is not None
        purge_card_data(ctx)
        settle_domain(ctx, view)
        now = timezone.now()
        credential.state, credential.activated_at, credential.updated_at = (
            CredentialState.ACTIVE,
            now,
            now,
        )
        credential.reason_code, credential.reason = "", ""
        credential.save(
            update_fields=["state", "activated_at", "updated_at", "reason_code", "reason"]
        )
        notify.credential_event(credential, EventType.CREDENTIAL_ACTIVE)

    def failed(self, ctx: JobContext, view: CardView, outcome: Outcome) -> None:
        credential = ctx.credential
        assert credential is not None
        purge_card_data(ctx)
        settle_domain(ctx, view)
        now = timezone.now()
        credential.state, credential.failed_at, credential.updated_at = (
            CredentialState.FAILED,
            now,
            now,
        )
        credential.reason_code, credential.reason = outcome.code, outcome.message[:300]
        credential.save(update_fields=["state", "failed_at", "updated_at", "reason_code", "reason"])
        notify.credential_event(
            credential, EventType.CREDENTIAL_FAILED, code=outcome.code, message=outcome.message
        )


class MigrateFlow(ProvisionFlow):
    """The line moved to a new SIM: SSD, keys and the applet instance go there now; the card
    data was purged after the first personalisation, so the issuer supplies it again and a
    provision job finishes the work (one round trip)."""

    kind = JobKind.MIGRATE

    def preflight(self, ctx: JobContext) -> Outcome | None:
        return _check(ctx)

    def started(self, ctx: JobContext) -> None:
        return None

    def applet_ops(self, instance: str | None) -> list[str]:
        if instance in (ABSENT, UNSELECTABLE, None):
            return ["install", "status"]
        if instance == PRESENT:
            return ["status"]
        return []

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        credential = ctx.credential
        assert credential is not None
        settle_domain(ctx, view)
        credential.reason_code = "card_data_required"
        credential.reason = diagnose("card_data_required").cause[:300]
        credential.updated_at = timezone.now()
        credential.save(update_fields=["reason_code", "reason", "updated_at"])
        notify.credential_card_data_required(credential)
