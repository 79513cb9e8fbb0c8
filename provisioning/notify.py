"""Webhook events for issuers' back ends: credential state changes and failed jobs.

Payloads carry ids, states, the last four digits and diagnostics codes; never a card number,
never a key. A sandbox credential's events go to the issuer's sandbox endpoints only.
"""

from typing import Any

from enstream.apikeys.models import Mode
from enstream.webhooks.models import EventType
from enstream.webhooks.services import webhook_emit
from provisioning.diagnostics import diagnose
from provisioning.models import Credential, Job


def credential_payload(credential: Credential) -> dict[str, Any]:
    return {
        "id": str(credential.pk),
        "state": credential.state,
        "scheme": credential.scheme,
        "applet_profile": credential.applet_profile,
        "last4": credential.pan_last4,
        # As the API writes it (ISO 8601 year and month), so one parser serves both.
        "expiry": f"{credential.expiry_year:04d}-{credential.expiry_month:02d}",
        "token_reference": credential.token_reference,
        "msisdn": credential.msisdn,
        "network": credential.se.mno.short_code,
    }


def _reason(code: str, message: str = "") -> dict[str, str]:
    entry = diagnose(code)
    return {
        "code": code,
        "message": message or entry.cause,
        "cause": entry.cause,
        "action": entry.action,
    }


def _mode(sandbox: bool) -> str:
    return Mode.SANDBOX if sandbox else Mode.LIVE


def credential_event(
    credential: Credential, event_type: str, *, code: str = "", message: str = "", **extra: Any
) -> None:
    payload: dict[str, Any] = {"credential": credential_payload(credential), **extra}
    if code:
        payload["reason"] = _reason(code, message)
    webhook_emit(
        organisation=credential.issuer.organisation,
        event_type=event_type,
        payload=payload,
        mode=_mode(credential.sandbox),
    )


def credential_card_data_required(credential: Credential) -> None:
    """The replacement of a credential whose line moved to a new SIM is ready there; the
    issuer answers with POST /credentials/{id}/card-data (the card data was purged)."""
    credential_event(
        credential,
        EventType.CREDENTIAL_CARD_DATA_REQUIRED,
        code="card_data_required",
        replaces={"id": str(credential.replaces_id)},
    )


def job_failed(job: Job) -> None:
    payload: dict[str, Any] = {
        "job": {"id": str(job.pk), "kind": job.kind, "state": job.state},
        "reason": _reason(job.failure_code, job.failure_message),
    }
    if job.credential_id is not None:
        payload["credential"] = {"id": str(job.credential_id)}
    webhook_emit(
        organisation=job.issuer.organisation,
        event_type=EventType.JOB_FAILED,
        payload=payload,
        mode=_mode(job.sandbox),
    )
