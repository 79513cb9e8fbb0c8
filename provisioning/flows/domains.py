"""Jobs on an issuer's SSD itself: create it (with key handover), delete it, rotate its keys."""

from provisioning.engine.context import JobContext
from provisioning.engine.view import ABSENT, CardView, Outcome
from provisioning.errors import ProvisioningError
from provisioning.flows.base import Flow, Plan, probe, ssd_segment, ssd_segments
from provisioning.flows.lifecycle import domain_deleted, ssd_delete_segment
from provisioning.flows.provision import settle_domain
from provisioning.models import DomainState, JobKind


class SsdCreateFlow(Flow):
    kind = JobKind.SSD_CREATE

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        segments, _ = ssd_segments(ctx, view)
        return segments

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        settle_domain(ctx, view)

    def failed(self, ctx: JobContext, view: CardView, outcome: Outcome) -> None:
        settle_domain(ctx, view)


class SsdDeleteFlow(Flow):
    kind = JobKind.SSD_DELETE

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        return [] if view.ssd == ABSENT else [ssd_delete_segment(ctx)]

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        domain = ctx.domain
        if domain is not None and domain.state != DomainState.DELETED:
            domain_deleted(ctx, domain)


class KeyRotateFlow(Flow):
    """PUT KEY of a new issuer key set replacing the current one, inside a session opened with
    the current one. The new set is in custody before the command travels, and the target
    version is kept with the job, so a re-run after a lost answer aims at the same set."""

    kind = JobKind.KEY_ROTATE

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        if not view.known:
            return [probe(ctx)]
        version = view.ssd_version
        if view.ssd == ABSENT or version is None or not ctx.has_ssd_version(version):
            raise ProvisioningError("key_mismatch", "The SSD or its key set is not as recorded.")
        target = ctx.job.context.get("rotate_to")
        if target is None:
            target = ctx.issuer_keys(on_card=version, rotate=True)
            ctx.job.context["rotate_to"] = target
        if version == target:
            return []
        return [ssd_segment(ctx, "key_rotate", ["put_key"], version, new_version=target)]
