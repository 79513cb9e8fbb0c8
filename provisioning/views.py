"""Portal pages: credentials for bank staff; the jobs board, job detail and diagnostics for
EnStream operations. Views read through selectors and act through services only."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from enstream.accounts.roles import Perm, has_perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from provisioning.diagnostics import CATALOGUE, diagnose
from provisioning.errors import ProvisioningError
from provisioning.forms import CredentialSearchForm
from provisioning.models import Credential, CredentialState, Job
from provisioning.selectors import (
    BOARD_STATES,
    credentials_for,
    failures_by_network_and_code,
    jobs_board,
    jobs_with_steps,
    recent_failures,
    stuck_jobs,
)
from provisioning.services import (
    credential_delete,
    credential_resume,
    credential_suspend,
    job_cancel,
    job_retry,
)

# What each lifecycle button does, and from which states the page offers it.
ACTIONS: dict[str, dict[str, Any]] = {
    "suspend": {
        "service": credential_suspend,
        "label": "Suspend",
        "states": (CredentialState.ACTIVE,),
        "explain": "The payment application on the SIM is locked: the card cannot pay until it "
        "is resumed.",
    },
    "resume": {
        "service": credential_resume,
        "label": "Resume",
        "states": (CredentialState.SUSPENDED,),
        "explain": "The payment application is unlocked: the card can pay again.",
    },
    "delete": {
        "service": credential_delete,
        "label": "Delete",
        "states": (
            CredentialState.ACTIVE,
            CredentialState.SUSPENDED,
            CredentialState.FAILED,
            CredentialState.REQUESTED,
        ),
        "explain": "The payment application is deleted from the SIM (with the bank's security "
        "domain if it was the last card there). This cannot be undone.",
    },
}


@perm_required(Perm.CREDENTIALS_VIEW)
def credential_list(request: HttpRequest) -> HttpResponse:
    form = CredentialSearchForm(request.GET or None, user=request.user)
    credentials = credentials_for(request.user, **form.criteria())
    page = Paginator(credentials, 50).get_page(request.GET.get("page"))
    return render(request, "provisioning/credential_list.html", {"form": form, "page_obj": page})


def _actions(user: Any, credential: Credential) -> list[tuple[str, str]]:
    if not has_perm(user, Perm.CREDENTIALS_LIFECYCLE) or credential.jobs.open().exists():
        return []
    return [(name, a["label"]) for name, a in ACTIONS.items() if credential.state in a["states"]]


@perm_required(Perm.CREDENTIALS_VIEW)
def credential_detail(request: HttpRequest, pk: str) -> HttpResponse:
    credential = get_for_user_or_404(
        Credential.objects.select_related("issuer", "se__mno", "domain"), request.user, pk=pk
    )
    context = {
        "credential": credential,
        "reason": diagnose(credential.reason_code) if credential.reason_code else None,
        "jobs": jobs_with_steps(credential.jobs.all()),
        "actions": _actions(request.user, credential),
    }
    return render(request, "provisioning/credential_detail.html", context)


@perm_required(Perm.CREDENTIALS_LIFECYCLE)
@require_http_methods(["GET", "POST"])
def credential_action(request: HttpRequest, pk: str, action: str) -> HttpResponse:
    credential = get_for_user_or_404(Credential, request.user, pk=pk)
    spec = ACTIONS[action]
    if request.method == "POST":
        try:
            spec["service"](credential=credential, actor=request.user)
        except ProvisioningError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{spec['label']}: the job is queued.")
        return redirect("provisioning:credential_detail", pk=credential.pk)
    return render(
        request,
        "provisioning/confirm.html",
        {
            "title": f"{spec['label']} {credential}",
            "explain": spec["explain"],
            "button": spec["label"],
            "danger": action == "delete",
            "back": credential,
        },
    )


@perm_required(Perm.JOBS_VIEW)
def jobs_board_page(request: HttpRequest) -> HttpResponse:
    board = jobs_board(request.user)
    totals = [(s.value, s.label, board.states[s.value]) for s in BOARD_STATES]
    rows = [
        {
            "network": n["network"],
            "name": n["name"],
            "cells": [(s.value, n["counts"][s.value]) for s in BOARD_STATES],
        }
        for n in board.networks
    ]
    context = {"board": board, "totals": totals, "rows": rows}
    return render(request, "provisioning/jobs_board.html", context)


@perm_required(Perm.JOBS_VIEW)
@require_GET
def jobs_board_data(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(jobs_board(request.user).as_json())
    response["Cache-Control"] = "no-store"
    return response


@perm_required(Perm.JOBS_VIEW)
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_for_user_or_404(
        jobs_with_steps(Job.objects.select_related("issuer", "se", "mno", "credential")),
        request.user,
        pk=pk,
    )
    context = {
        "job": job,
        "failure": diagnose(job.failure_code) if job.failure_code else None,
        "can_operate": has_perm(request.user, Perm.JOBS_OPERATE),
    }
    return render(request, "provisioning/job_detail.html", context)


@perm_required(Perm.JOBS_OPERATE)
@require_http_methods(["GET", "POST"])
def job_action(request: HttpRequest, pk: str, action: str) -> HttpResponse:
    job = get_for_user_or_404(Job, request.user, pk=pk)
    label = "Retry" if action == "retry" else "Cancel"
    if request.method == "POST":
        try:
            (job_retry if action == "retry" else job_cancel)(job=job, actor=request.user)
        except ProvisioningError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{label}: done.")
        return redirect("provisioning:job_detail", pk=job.pk)
    explain = (
        "The job runs its next attempt now; a failed or cancelled job is reopened and first "
        "reads the SIM's state."
        if action == "retry"
        else "The job stops; a script in flight is abandoned so that a late delivery never "
        "runs on the SIM."
    )
    return render(
        request,
        "provisioning/confirm.html",
        {
            "title": f"{label} {job}",
            "explain": explain,
            "button": label,
            "danger": action == "cancel",
            "back": job,
        },
    )


@perm_required(Perm.JOBS_VIEW)
def diagnostics(request: HttpRequest) -> HttpResponse:
    calendar, failures = failures_by_network_and_code(request.user)
    context = {
        "calendar": calendar,
        "failures": failures,
        "stuck": stuck_jobs(request.user)[:100],
        "recent": recent_failures(request.user)[:100],
        "catalogue": sorted(CATALOGUE.values(), key=lambda d: d.code),
        "can_operate": has_perm(request.user, Perm.JOBS_OPERATE),
    }
    return render(request, "provisioning/diagnostics.html", context)
