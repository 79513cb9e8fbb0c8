"""The job engine: each task takes a job one network round trip further.

`job_advance` (task `advance`) plans and sends the next script; `job_on_reply` (task
`on_ota_reply`, woken by the transport) reads the answers, updates what the job knows of the
card, and in the same task plans and sends the next script or ends the job. Either way the task
claims the job's lease, does all its writes in one transaction fenced by that lease, and
returns: nothing ever waits on the network, and a task killed anywhere leaves the job as the
last commit left it (the re-drive hands it to another worker once the lease expires).
"""

import logging
import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.ledger_services import usage_batch
from mno.ota.models import ExchangeState, OtaExchange
from mno.ota.services import ota_abandon, ota_submit
from provisioning import conf, events, notify
from provisioning.engine import steplog
from provisioning.engine.context import JobContext
from provisioning.engine.lease import (
    Lease,
    LeaseLost,
    activate_next,
    enqueue,
    fenced_update,
    lease_claim,
    lease_release,
    se_turn_lock,
)
from provisioning.engine.segments import Built, Segment, build, read
from provisioning.engine.view import OK, CardView, Outcome, apply, fail
from provisioning.errors import ProvisioningError
from provisioning.flows import FLOWS
from provisioning.models import Job, JobState, JobStep, StepOutcome

logger = logging.getLogger(__name__)

# What the network reports when no script ran at all: retry the same plan, the card is as known.
_UNTOUCHED = ("card_busy", "se_unreachable", "card_removed")


def _load(job_id: Any) -> Job:
    # Few joins: past eight tables PostgreSQL's planner costs more than the query (5 ms for
    # the fourteen this once took). What several relations share is the same object.
    job = Job.objects.select_related(
        "se__mno__connection", "issuer__organisation", "credential__card_data", "domain__allocation"
    ).get(pk=job_id)
    if job.mno_id == job.se.mno_id:
        job.mno = job.se.mno
    for owned in (job.credential, job.domain):
        if owned is not None and owned.se_id == job.se_id:
            owned.se = job.se
        if owned is not None and owned.issuer_id == job.issuer_id:
            owned.issuer = job.issuer
    return job


def _due(moment: Any) -> bool:
    return moment is not None and moment <= timezone.now()


def backoff(attempt: int) -> float:
    """Exponential with equal jitter: half the delay fixed, half random, so retries of many
    jobs hit by one network fault spread out instead of returning together."""
    base = conf.number("PROVISIONING_RETRY_BASE_SECONDS")
    delay = min(conf.number("PROVISIONING_RETRY_MAX_SECONDS"), base * 2 ** max(attempt - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


def job_advance(job_id: Any) -> None:
    lease = lease_claim(job_id)
    if lease is None:
        return
    committed = False
    try:
        # The usage the task records is written last, in one go (billing.ledger_services).
        with transaction.atomic(), usage_batch():
            job = _load(job_id)
            if job.state == JobState.READY or (
                job.state == JobState.RETRY_WAIT and _due(job.next_attempt_at)
            ):
                _continue(job, lease, None)
            elif job.state == JobState.AWAITING_REPLY and _due(job.reply_deadline):
                _conclude(job, lease, timed_out=True)
        committed = True
    except LeaseLost:
        logger.info("job %s: overtaken by another worker", job_id)
    finally:
        lease_release(lease, committed=committed)


def job_on_reply(exchange_id: Any) -> bool:
    """Process an exchange's answers; False when the job is busy (the task retries)."""
    exchange = OtaExchange.objects.filter(pk=exchange_id).first()
    if exchange is None:
        return True
    job_id = exchange.correlation.split(":", 1)[0]
    lease = lease_claim(job_id)
    if lease is None:
        return not Job.objects.filter(
            pk=job_id, state=JobState.AWAITING_REPLY, correlation=exchange.correlation
        ).exists()
    committed = False
    try:
        with transaction.atomic(), usage_batch():
            job = _load(job_id)
            # A duplicate or late reply (an attempt the job has moved past) changes nothing.
            if job.state == JobState.AWAITING_REPLY and job.correlation == exchange.correlation:
                _conclude(job, lease, timed_out=False, exchange=exchange)
        committed = True
    except LeaseLost:
        logger.info("job %s: overtaken by another worker", job_id)
    finally:
        lease_release(lease, committed=committed)
    return True


# -- reading a reply ------------------------------------------------------------------------


def _rebuilt(ctx: JobContext, job: Job) -> list[Built]:
    # The same bytes as sent: same keys, counters and stored host challenges.
    return [build(ctx, Segment.from_json(s)) for s in job.context["step"]["segments"]]


def _read_all(ctx: JobContext, view: CardView, built: list[Built], answers: list[bytes]) -> Outcome:
    position = 0
    for segment in built:
        part = answers[position : position + len(segment.apdus)]
        position += len(segment.apdus)
        outcome = apply(view, segment, read(segment, part, scp=ctx.scp), ctx)
        if outcome.kind != "ok":
            return outcome
    return OK


def _conclude(
    job: Job, lease: Lease, *, timed_out: bool, exchange: OtaExchange | None = None
) -> None:
    # The reply's own exchange was read before the lease; its row only changes while
    # submitted, which is re-read here.
    if exchange is None or exchange.state == ExchangeState.SUBMITTED:
        exchange = OtaExchange.objects.get(pk=job.exchange_id)
    if exchange.state == ExchangeState.SUBMITTED:
        if not timed_out:
            return
        # Give up on it first, so that a late delivery can no longer run on the card (False:
        # it was answered in the meantime, and that answer is read below).
        ota_abandon(exchange=exchange)
        exchange.refresh_from_db()
    ctx = JobContext(job)
    view = CardView.from_json(job.context.get("view"))
    answers, code = exchange.response_apdus, exchange.error_code
    if exchange.state == ExchangeState.LOST:
        view.known = False
        outcome = Outcome("retry", "ota_timeout", "no answer came back from the SIM")
    elif exchange.state == ExchangeState.FAILED and not answers and code in _UNTOUCHED:
        outcome = Outcome("retry", code, f"the network reported {code}")
    else:
        try:
            outcome = _read_all(ctx, view, _rebuilt(ctx, job), answers)
        except ProvisioningError as exc:
            outcome = fail(exc.code, exc.message)
        if exchange.state == ExchangeState.FAILED and outcome.kind == "ok":
            view.known = False
            outcome = Outcome("retry", "ota_timeout", "the SIM stopped answering mid-script")
    _log_reply(job, exchange, answers, outcome)
    ctx.defer(lambda: events.ota_round_trip(job=job, exchange=exchange))
    if outcome.kind == "fail":
        _fail(job, lease, ctx, view, outcome)
    elif outcome.kind == "retry":
        _retry(job, lease, ctx, view, outcome)
    else:
        if outcome.kind == "rebuild":
            job.rebuilds += 1
        else:
            job.attempt = 0
        _continue(job, lease, view, ctx)


def _log_reply(job: Job, exchange: OtaExchange, answers: list[bytes], outcome: Outcome) -> None:
    now = timezone.now()
    kinds = {
        "ok": StepOutcome.OK,
        "rebuild": StepOutcome.REBUILD,
        "retry": StepOutcome.RETRY,
        "fail": StepOutcome.FAILED,
    }
    replied = exchange.delivered_at or now
    JobStep.objects.filter(job=job, seq=job.seq).update(
        responses=steplog.status_words(answers),
        outcome=kinds[outcome.kind],
        error_code=outcome.code,
        detail=outcome.message[:300],
        replied_at=replied,
        duration_ms=exchange.latency_ms,
    )


# -- moving on ---------------------------------------------------------------------------------


def _first_domain(plan: list[Segment]) -> list[Segment]:
    """The leading segments that address one security domain (one TAR on SCP80/SCP81)."""
    head = plan[0].domain
    out = []
    for segment in plan:
        if segment.domain != head:
            break
        out.append(segment)
    return out


def _continue(job: Job, lease: Lease, view: CardView | None, ctx: JobContext | None = None) -> None:
    ctx = ctx or JobContext(job)
    flow = FLOWS[job.kind]
    if view is None:
        if job.seq == 0:
            refusal = flow.preflight(ctx)
            if refusal is not None:
                _fail(job, lease, ctx, CardView(), refusal)
                return
            flow.started(ctx)
        saved = job.context.get("view")
        view = CardView.from_json(saved) if saved else flow.initial_view(ctx)
    mark = ctx.mark()
    try:
        plan = flow.plan(ctx, view)
        if plan and not ctx.spans_domains:
            plan = _first_domain(plan)
        sent = job.seq - job.context.get("seq_base", 0)
        if plan and sent >= conf.number("PROVISIONING_MAX_SCRIPTS"):
            raise ProvisioningError("step_limit", f"{sent} scripts sent, goal not reached")
        built = [build(ctx, segment) for segment in plan]
        # Last, so the allocation's row is locked only while the script is handed over.
        ctx.flush()
    except ProvisioningError as exc:
        ctx.discard(mark)
        _fail(job, lease, ctx, view, fail(exc.code, exc.message))
        return
    if not built:
        _succeed(job, lease, ctx, view)
        return
    _submit(job, lease, ctx, view, built)


def _submit(job: Job, lease: Lease, ctx: JobContext, view: CardView, built: list[Built]) -> None:
    seq = job.seq + 1
    correlation = f"{job.pk}:{seq}"
    exchange = ota_submit(
        se=ctx.se, script=[apdu for b in built for apdu in b.apdus], correlation=correlation
    )
    now = timezone.now()
    name = steplog.step_name(built)
    JobStep.objects.create(
        job=job,
        seq=seq,
        name=name,
        attempt=job.attempt,
        commands=steplog.commands(built),
        exchange_id=exchange.pk,
        submitted_at=now,
    )
    job.context["view"] = view.to_json()
    job.context["step"] = {"segments": [b.segment.to_json() for b in built]}
    timeout = conf.number("PROVISIONING_REPLY_TIMEOUT_SECONDS")
    fenced_update(
        lease,
        state=JobState.AWAITING_REPLY,
        seq=seq,
        step=name,
        attempt=job.attempt,
        rebuilds=job.rebuilds,
        correlation=correlation,
        exchange=exchange,
        context=job.context,
        reply_deadline=now + timedelta(seconds=timeout),
        next_attempt_at=None,
        started_at=job.started_at or now,
    )


def _retry(job: Job, lease: Lease, ctx: JobContext, view: CardView, outcome: Outcome) -> None:
    job.attempt += 1
    if job.attempt >= conf.number("PROVISIONING_MAX_ATTEMPTS"):
        message = f"{outcome.message} (gave up after {job.attempt} attempts)"
        _fail(job, lease, ctx, view, Outcome("fail", outcome.code, message))
        return
    delay = backoff(job.attempt)
    now = timezone.now()
    job.context["view"] = view.to_json()
    ctx.flush()
    fenced_update(
        lease,
        state=JobState.RETRY_WAIT,
        attempt=job.attempt,
        rebuilds=job.rebuilds,
        context=job.context,
        next_attempt_at=now + timedelta(seconds=delay),
        reply_deadline=None,
        enqueued_at=now,
        failure_code=outcome.code,
        failure_message=outcome.message[:500],
    )
    enqueue(job.pk, countdown=delay)


def _finish(
    job: Job, lease: Lease, ctx: JobContext, view: CardView, state: str, **fields: Any
) -> None:
    now = timezone.now()
    job.context["view"] = view.to_json()
    ctx.flush()
    se_turn_lock(job.se_id)
    fenced_update(
        lease,
        state=state,
        context=job.context,
        attempt=job.attempt,
        rebuilds=job.rebuilds,
        finished_at=now,
        reply_deadline=None,
        next_attempt_at=None,
        **fields,
    )
    activate_next(job.se_id)


def _succeed(job: Job, lease: Lease, ctx: JobContext, view: CardView) -> None:
    FLOWS[job.kind].succeeded(ctx, view)
    ctx.defer(lambda: events.job_succeeded(job=job))
    _finish(job, lease, ctx, view, JobState.SUCCEEDED, failure_code="", failure_message="")


def _fail(job: Job, lease: Lease, ctx: JobContext, view: CardView, outcome: Outcome) -> None:
    FLOWS[job.kind].failed(ctx, view, outcome)
    job.state, job.failure_code = JobState.FAILED, outcome.code
    job.failure_message = outcome.message[:500]
    _finish(
        job,
        lease,
        ctx,
        view,
        JobState.FAILED,
        failure_code=job.failure_code,
        failure_message=job.failure_message,
        # Sent something whose effect is unknown: whoever comes next reads the card first.
        left_in_doubt=job.seq > 0 and not view.known,
    )
    notify.job_failed(job)
