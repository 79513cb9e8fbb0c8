"""Submitting scripts to SEs over the air and recording what comes back.

The reply contract: when an exchange is answered (state `delivered` or `failed`), the Celery
task named by `reply_task` is sent with one positional argument, the exchange id as a string:
`app.send_task(reply_task, args=[str(exchange.id)])`. A `lost` exchange sends nothing; the
sender's own timeout notices.
"""

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from enstream.celery import app
from mno.errors import RegistryError
from mno.models import MNO, AdapterKind, ConnectionSettings
from mno.ota.base import OtaTransport
from mno.ota.models import DEFAULT_REPLY_TASK, ExchangeState, OtaExchange
from mno.registry import SecureElement

# A SIM's RAM script is bounded by what one OTA session carries; a bigger one is a bug upstream.
MAX_COMMANDS = 255
MAX_APDU_BYTES = 65_544
TRANSPORTS: dict[str, str] = {
    AdapterKind.SIMULATED: "mno.ota.simulated.SimulatedTransport",
}


def transport_class(adapter_kind: str) -> type[OtaTransport]:
    path = TRANSPORTS.get(adapter_kind)
    if path is None:
        raise RegistryError(
            "transport_unavailable",
            f"No OTA adapter is installed for {adapter_kind!r} yet (docs/ota-transport.md).",
        )
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def transport_for(mno_id: int) -> OtaTransport:
    """The transport configured for the network; a network with no settings is simulated."""
    row = (
        ConnectionSettings.objects.filter(mno_id=mno_id)
        .values_list("adapter_kind", "parameters")
        .first()
    )
    kind, parameters = row if row is not None else (AdapterKind.SIMULATED, {})
    return transport_class(kind)(parameters)


def _transport_of(se: SecureElement) -> OtaTransport:
    # A caller that loaded the network's settings with the SE (the job engine) saves a query.
    mno = se.mno if SecureElement.mno.is_cached(se) else None
    if mno is None or not MNO.connection.is_cached(mno):
        return transport_for(se.mno_id)
    settings = MNO.connection.related.get_cached_value(mno)
    if settings is None:
        return transport_class(AdapterKind.SIMULATED)({})
    return transport_class(settings.adapter_kind)(settings.parameters)


def _check_script(script: Sequence[bytes]) -> list[str]:
    if isinstance(script, bytes | str) or not script:
        raise RegistryError("invalid_script", "A script is a non-empty list of command APDUs.")
    if len(script) > MAX_COMMANDS:
        raise RegistryError("invalid_script", f"A script holds at most {MAX_COMMANDS} commands.")
    out = []
    for position, apdu in enumerate(script, 1):
        if not isinstance(apdu, bytes | bytearray) or not 4 <= len(apdu) <= MAX_APDU_BYTES:
            raise RegistryError(
                "invalid_script", f"Command {position} is not a command APDU (4+ bytes)."
            )
        out.append(bytes(apdu).hex())
    return out


def ota_submit(
    *,
    se: SecureElement,
    script: Sequence[bytes],
    correlation: str,
    reply_task: str = DEFAULT_REPLY_TASK,
    stop_on_error: bool = True,
) -> OtaExchange:
    """Store the exchange and, once the caller's transaction commits, hand it to the SE's
    network. Idempotent on `correlation`: a second call returns the first exchange and sends
    nothing, so a step re-run after a crash does not reach the card twice."""
    if not correlation or len(correlation) > 200:
        raise RegistryError("invalid_correlation", "A correlation is 1-200 characters.")
    commands = _check_script(script)
    transport = _transport_of(se)
    exchange = OtaExchange(
        se=se,
        correlation=correlation,
        transport=transport.kind,
        script=commands,
        command_count=len(commands),
        stop_on_error=stop_on_error,
        reply_task=reply_task,
    )
    try:
        with transaction.atomic():
            exchange.save(force_insert=True)
    except IntegrityError:
        # Submitted before (a re-run step): the first exchange stands, nothing is sent again.
        # Inserting first keeps the usual path to one write, and no race between two senders.
        existing = OtaExchange.objects.filter(correlation=correlation).first()
        if existing is None:
            raise
        return existing
    # A failed hand-over (broker down) must not fail the caller after its commit: the
    # exchange stays submitted and the sender's reply timeout re-drives it.
    transaction.on_commit(lambda: transport.send(exchange), robust=True)
    return exchange


def _send_reply(reply_task: str, exchange_id: str) -> None:
    app.send_task(reply_task, args=[exchange_id])


def ota_record_reply(
    *,
    exchange_id: Any,
    responses: Sequence[bytes],
    error_code: str = "",
    state: str = ExchangeState.DELIVERED,
    delivered_at: Any = None,
) -> bool:
    """Record the SE's answers (or the network's failure) once; wake the sender on commit.

    A compare-and-set from `submitted`: a duplicate or late report (the sender already gave
    up) changes nothing and returns False. For transports whose reply comes from outside a
    worker (a gateway's callback); the simulated network records in its own transaction.
    """
    if state not in (ExchangeState.DELIVERED, ExchangeState.FAILED, ExchangeState.LOST):
        raise RegistryError("invalid_state", f"{state!r} is not a reply state.")
    now = delivered_at or timezone.now()
    with transaction.atomic():
        exchange = (
            OtaExchange.objects.select_for_update()
            .filter(pk=exchange_id, state=ExchangeState.SUBMITTED)
            .only("id", "reply_task", "submitted_at")
            .first()
        )
        if exchange is None:
            return False
        OtaExchange.objects.filter(pk=exchange.pk).update(
            state=state,
            responses=[bytes(r).hex() for r in responses],
            error_code=error_code,
            script=[],
            delivered_at=now,
            latency_ms=max(0, int((now - exchange.submitted_at).total_seconds() * 1000)),
        )
        if state != ExchangeState.LOST:
            reply_task, ident = exchange.reply_task, str(exchange.pk)
            transaction.on_commit(lambda: _send_reply(reply_task, ident), robust=True)
    return True


def ota_abandon(*, exchange: OtaExchange, error_code: str = "ota_timeout") -> bool:
    """Give up on an exchange still in flight: a late delivery will then not run on the card
    (the simulated network) and a late reply is ignored. False if it was already answered."""
    changed = OtaExchange.objects.filter(pk=exchange.pk, state=ExchangeState.SUBMITTED).update(
        state=ExchangeState.LOST, error_code=error_code, script=[]
    )
    return changed == 1
