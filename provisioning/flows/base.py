"""What every flow shares: the probe, segment helpers, the SSD's creation and key handover, and
the view a job starts from."""

from provisioning import events
from provisioning.engine.context import JobContext
from provisioning.engine.segments import ISD, SSD, Segment
from provisioning.engine.view import ABSENT, PRESENT, CardView, Outcome
from provisioning.errors import ProvisioningError
from provisioning.models import DomainState, Job, JobState

Plan = list[Segment]


class Flow:
    """One job kind: its checks before the first script, its plan from a view (an empty plan
    means the goal is reached), and what success and failure change in the database."""

    kind: str = ""

    def preflight(self, ctx: JobContext) -> Outcome | None:
        return None

    def started(self, ctx: JobContext) -> None:
        return None

    def initial_view(self, ctx: JobContext) -> CardView:
        return domain_view(ctx)

    def plan(self, ctx: JobContext, view: CardView) -> Plan:
        raise NotImplementedError

    def succeeded(self, ctx: JobContext, view: CardView) -> None:
        return None

    def failed(self, ctx: JobContext, view: CardView, outcome: Outcome) -> None:
        return None


def probe(ctx: JobContext) -> Segment:
    return Segment("probe", ISD, ["probe"], session=False)


def isd_segment(ctx: JobContext, name: str, ops: list[str], **params: object) -> Segment:
    return Segment(
        name,
        ISD,
        ops,
        key_version=ctx.isd_version(),
        counter=ctx.counter(ISD, None),
        params=dict(params),
    )


def ssd_segment(
    ctx: JobContext, name: str, ops: list[str], version: int, **params: object
) -> Segment:
    return Segment(
        name, SSD, ops, key_version=version, counter=ctx.counter(SSD, version), params=dict(params)
    )


def in_doubt(ctx: JobContext) -> bool:
    """Whether the last job that ended on this SE left a script's effect unknown (a later
    success would have resolved it: every job verifies what it touches)."""
    last = (
        Job.objects.filter(se=ctx.se, finished_at__isnull=False)
        .exclude(pk=ctx.job.pk)
        .order_by("-finished_at")
        .values_list("left_in_doubt", flat=True)
        .first()
    )
    return bool(last) or bool(ctx.job.context.get("doubt"))


def last_instance(ctx: JobContext, default: str | None) -> str | None:
    """The credential's applet as the last job that succeeded on it left it (a migrate job
    installs it without personalising), else `default`."""
    credential = ctx.credential
    # Only a replacement (after a SIM swap or port) had a job install its applet before.
    if credential is None or credential.replaces_id is None:
        return default
    view = (
        Job.objects.filter(credential=credential, state=JobState.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("context__view", flat=True)
        .first()
    )
    return CardView.from_json(view).instance if view else default


def domain_view(ctx: JobContext, *, instance: str | None = None) -> CardView:
    """The view the database supports: the SSD as its domain row and custody say."""
    domain = ctx.domain
    if in_doubt(ctx):
        return CardView(known=False)
    if domain is None or domain.state == DomainState.DELETED:
        return CardView(ssd=ABSENT, instance=ABSENT)
    held = ctx.ssd_keys_held()
    if domain.state == DomainState.ACTIVE and held is not None:
        return CardView(ssd=PRESENT, ssd_version=held[0], instance=instance)
    if domain.state == DomainState.CREATING and held is None:
        return CardView(ssd=ABSENT, instance=ABSENT)
    return CardView(known=False)


def ssd_segments(ctx: JobContext, view: CardView) -> tuple[Plan, int]:
    """Segments that bring the issuer's SSD onto the card and under the issuer's keys, and the
    key version the SP TSM's session uses afterwards.

    The SEM's session (ISD keys) creates the SSD with the allocation's quotas and gives it a
    first key set; the SP TSM's session with those keys replaces them (PUT KEY) with a key set
    only custody on the issuer's side holds: the key handover.
    """
    segments: Plan = []
    version = view.ssd_version
    if view.ssd == ABSENT:
        domain = ctx.domain
        assert domain is not None
        if domain.state != DomainState.CREATING:
            # A card requested while its SSD was being deleted brings the SSD back.
            domain.state, domain.deleted_at = DomainState.CREATING, None
            domain.save(update_fields=["state", "deleted_at"])
        if not domain.usage_recorded:
            ctx.defer(lambda: events.ssd_created(domain=domain, job=ctx.job))
        version = ctx.fresh_initial_keys()
        segments.append(
            isd_segment(
                ctx, "ssd_create", ["create_ssd", "ssd_keys", "status_ssd"], keys_version=version
            )
        )
    elif version is None:
        version = ctx.fresh_initial_keys()
        segments.append(
            isd_segment(ctx, "ssd_keys", ["ssd_keys", "status_ssd"], keys_version=version)
        )
    elif not ctx.has_ssd_version(version):
        raise ProvisioningError(
            "key_mismatch", f"The SSD holds key set {version:02X}, which custody does not hold."
        )
    target = ctx.issuer_keys(on_card=version)
    if target != version:
        segments.append(ssd_segment(ctx, "key_handover", ["put_key"], version, new_version=target))
    return segments, target
