"""Reads for the portal's pages: credential search, the live jobs board, diagnostics.

Every read starts from `for_user`: issuers see their own credentials and jobs, EnStream all,
MNO staff none.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from mno.models import MNO
from provisioning import conf
from provisioning.diagnostics import Diagnosis, diagnose
from provisioning.models import ACTIVE_STATES, OPEN_STATES, Credential, Job, JobState, JobStep

BOARD_STATES = (JobState.QUEUED, JobState.READY, JobState.AWAITING_REPLY, JobState.RETRY_WAIT)


def credentials_for(
    user: Any,
    *,
    msisdn: str = "",
    last4: str = "",
    state: str = "",
    network: MNO | None = None,
) -> QuerySet[Credential]:
    credentials = Credential.objects.for_user(user).select_related("issuer", "se__mno")
    if msisdn:
        credentials = credentials.filter(msisdn__contains=msisdn)
    if last4:
        credentials = credentials.filter(pan_last4=last4)
    if state:
        credentials = credentials.filter(state=state)
    if network is not None:
        credentials = credentials.filter(se__mno=network)
    return credentials.order_by("-requested_at")


def networks_for(user: Any) -> QuerySet[MNO]:
    """The networks the user's credentials are on (the search form's choices)."""
    return MNO.objects.filter(pk__in=Credential.objects.for_user(user).values("se__mno")).order_by(
        "name"
    )


def jobs_with_steps(jobs: QuerySet[Job]) -> QuerySet[Job]:
    return jobs.prefetch_related(
        Prefetch("steps", queryset=JobStep.objects.order_by("seq"))
    ).order_by("-created_at")


@dataclass(frozen=True)
class Board:
    states: dict[str, int]
    networks: list[dict[str, Any]]
    last_hour: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": timezone.now().isoformat(),
            "states": self.states,
            "networks": self.networks,
            "last_hour": self.last_hour,
        }


def jobs_board(user: Any) -> Board:
    """Open jobs by state, overall and per network, and what ended in the last hour."""
    jobs = Job.objects.for_user(user)
    rows = (
        jobs.filter(state__in=OPEN_STATES)
        .values("mno__short_code", "mno__name", "state")
        .annotate(n=Count("id"))
    )
    states = {s.value: 0 for s in BOARD_STATES}
    networks: dict[str, dict[str, Any]] = {}
    for row in rows:
        states[row["state"]] += row["n"]
        entry = networks.setdefault(
            row["mno__short_code"],
            {
                "network": row["mno__short_code"],
                "name": row["mno__name"],
                "counts": {s.value: 0 for s in BOARD_STATES},
            },
        )
        entry["counts"][row["state"]] += row["n"]
    ended = jobs.filter(finished_at__gte=timezone.now() - timedelta(hours=1)).aggregate(
        succeeded=Count("id", filter=Q(state=JobState.SUCCEEDED)),
        failed=Count("id", filter=Q(state=JobState.FAILED)),
    )
    return Board(states, sorted(networks.values(), key=lambda n: n["name"]), ended)


@dataclass(frozen=True)
class FailureRow:
    network: str
    code: str
    diagnosis: Diagnosis
    per_day: list[int]
    total: int


def failures_by_network_and_code(user: Any, *, days: int = 7) -> tuple[list, list[FailureRow]]:
    """Failed jobs per network and diagnostics code for each of the last `days` days."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        Job.objects.for_user(user)
        .filter(state=JobState.FAILED, finished_at__date__gte=first)
        .annotate(day=TruncDate("finished_at"))
        .values("mno__short_code", "failure_code", "day")
        .annotate(n=Count("id"))
    )
    calendar = [first + timedelta(days=i) for i in range(days)]
    grouped: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["mno__short_code"], row["failure_code"])
        grouped.setdefault(key, {})[row["day"]] = row["n"]
    out = [
        FailureRow(
            network=network,
            code=code,
            diagnosis=diagnose(code),
            per_day=[counts.get(day, 0) for day in calendar],
            total=sum(counts.values()),
        )
        for (network, code), counts in grouped.items()
    ]
    return calendar, sorted(out, key=lambda r: (-r.total, r.network, r.code))


def stuck_jobs(user: Any) -> QuerySet[Job]:
    """Open jobs that have not moved for a while, or keep retrying."""
    quiet = timezone.now() - timedelta(seconds=conf.number("PROVISIONING_STUCK_SECONDS"))
    return (
        Job.objects.for_user(user)
        .filter(
            Q(state__in=OPEN_STATES, updated_at__lt=quiet)
            | Q(state__in=ACTIVE_STATES, attempt__gte=3)
        )
        .select_related("issuer", "se", "mno", "credential")
        .order_by("updated_at")
    )


def recent_failures(user: Any, *, hours: int = 24) -> QuerySet[Job]:
    since = timezone.now() - timedelta(hours=hours)
    return (
        Job.objects.for_user(user)
        .filter(state=JobState.FAILED, finished_at__gte=since)
        .select_related("issuer", "se", "mno", "credential")
        .order_by("-finished_at")
    )
