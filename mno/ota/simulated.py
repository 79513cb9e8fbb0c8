"""The simulated network: scripts reach virtual SIMs after a drawn latency, or get lost.

Per network (ConnectionSettings.parameters, edited on the network settings page):

    latency_distribution  "fixed" | "uniform" | "lognormal"
    latency_ms            fixed: the latency; lognormal: its median
    latency_min_ms, latency_max_ms   uniform: the range; lognormal: the clamp
    latency_sigma         lognormal: the shape (0.5 is a moderate tail)
    loss_rate             share of scripts whose reply never comes
    loss_executes_rate    share of lost scripts the card still ran (the answer, not the
                          command, was lost): the sender cannot tell which
    error_rate            share of scripts the network refuses: card busy or unreachable

Delivery is a Celery task sent with `countdown=latency`, so the worker that submitted the
script is free while the network "travels". At zero latency the delivery runs right after the
submitting transaction commits, in the same process: there is nothing to wait for, and it
saves a broker round trip per script.
"""

import logging
import math
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.celery import app
from mno.errors import RegistryError
from mno.ota.base import OtaTransport, sw_lets_script_continue
from mno.ota.models import ExchangeState, OtaExchange
from mno.ota.services import ota_record_reply
from mno.registry import SeStatus
from mno.virtual_cards import VirtualCardState, virtual_card_open, virtual_card_store
from provisioning.gp.simulator import CardRemoved, NoAnswer, VirtualCard

logger = logging.getLogger(__name__)

DELIVER_TASK = "mno.ota.deliver_simulated"
DISTRIBUTIONS = ("fixed", "uniform", "lognormal")
# Far below the broker's visibility timeout: a countdown past it gets a task run twice.
MAX_LATENCY_MS = 120_000
OK, LOST_BEFORE, LOST_AFTER, CARD_BUSY, UNREACHABLE = (
    "ok",
    "lost_before",
    "lost_after",
    "card_busy",
    "se_unreachable",
)
FATES = (OK, LOST_BEFORE, LOST_AFTER, CARD_BUSY, UNREACHABLE)


def _number(params: Mapping[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RegistryError("invalid_parameter", f"{name} must be a number.", field=name)
    try:
        number = float(value)
    except ValueError:
        raise RegistryError("invalid_parameter", f"{name} must be a number.", field=name) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise RegistryError(
            "invalid_parameter", f"{name} must be between {low:g} and {high:g}.", field=name
        )
    return number


@dataclass(frozen=True)
class NetworkProfile:
    latency_distribution: str = "fixed"
    latency_ms: int = 0
    latency_min_ms: int = 0
    latency_max_ms: int = 0
    latency_sigma: float = 0.5
    loss_rate: float = 0.0
    loss_executes_rate: float = 0.5
    error_rate: float = 0.0

    @classmethod
    def from_parameters(cls, params: Mapping[str, Any]) -> "NetworkProfile":
        """Read and check a network's parameters; RegistryError names the first bad field."""
        params = dict(params)
        # The first demo networks were configured with these names.
        if "fault_rate" in params and "error_rate" not in params:
            params["error_rate"] = params["fault_rate"]
        distribution = params.get("latency_distribution", "fixed")
        if distribution not in DISTRIBUTIONS:
            raise RegistryError(
                "invalid_parameter",
                f"latency_distribution is one of {', '.join(DISTRIBUTIONS)}.",
                field="latency_distribution",
            )
        latency = int(_number(params, "latency_ms", 0, 0, MAX_LATENCY_MS))
        low = int(_number(params, "latency_min_ms", 0, 0, MAX_LATENCY_MS))
        high = int(_number(params, "latency_max_ms", max(low, latency), 0, MAX_LATENCY_MS))
        if distribution != "fixed" and high < low:
            raise RegistryError(
                "invalid_parameter",
                "latency_max_ms must be at least latency_min_ms.",
                field="latency_max_ms",
            )
        profile = cls(
            latency_distribution=distribution,
            latency_ms=latency,
            latency_min_ms=low,
            latency_max_ms=high,
            latency_sigma=_number(params, "latency_sigma", 0.5, 0, 3),
            loss_rate=_number(params, "loss_rate", 0, 0, 1),
            loss_executes_rate=_number(params, "loss_executes_rate", 0.5, 0, 1),
            error_rate=_number(params, "error_rate", 0, 0, 1),
        )
        if profile.loss_rate + profile.error_rate > 1:
            raise RegistryError(
                "invalid_parameter",
                "loss_rate and error_rate together must not exceed 1.",
                field="error_rate",
            )
        return profile

    def to_parameters(self) -> dict[str, Any]:
        return asdict(self)

    def draw_latency_ms(self, rng: random.Random) -> int:
        if self.latency_distribution == "uniform":
            return rng.randint(self.latency_min_ms, self.latency_max_ms)
        if self.latency_distribution == "lognormal":
            if self.latency_ms == 0:
                return 0
            drawn = rng.lognormvariate(math.log(self.latency_ms), self.latency_sigma)
            return int(min(max(drawn, self.latency_min_ms), self.latency_max_ms or drawn))
        return self.latency_ms

    def draw_fate(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < self.loss_rate:
            return LOST_AFTER if rng.random() < self.loss_executes_rate else LOST_BEFORE
        if roll < self.loss_rate + self.error_rate:
            return rng.choice((CARD_BUSY, UNREACHABLE))
        return OK


_rng = random.Random()


class SimulatedTransport(OtaTransport):
    kind = "simulated"

    @classmethod
    def check_parameters(cls, parameters: Mapping[str, Any]) -> dict[str, Any]:
        return NetworkProfile.from_parameters(parameters).to_parameters()

    def send(self, exchange: OtaExchange) -> None:
        profile = NetworkProfile.from_parameters(self.parameters)
        latency_ms = profile.draw_latency_ms(_rng)
        fate = profile.draw_fate(_rng)
        exchange_id = str(exchange.pk)
        if latency_ms == 0:
            try:
                deliver(exchange_id, fate)
                return
            except Exception:
                # The task path retries on its own (a database hiccup, a locked card).
                logger.exception("inline OTA delivery of %s failed; queued instead", exchange_id)
        app.send_task(DELIVER_TASK, args=[exchange_id, fate], countdown=latency_ms / 1000)


def run_script(card: VirtualCard, script: list[str], *, stop_on_error: bool) -> tuple[list, str]:
    """Send each command to the card: its answers (hex) and an error code if it went silent."""
    responses: list[str] = []
    for command in script:
        try:
            answer = card.transmit(bytes.fromhex(command))
        except CardRemoved:
            return responses, "card_removed"
        except NoAnswer:
            return responses, "ota_no_answer"
        responses.append(answer.hex())
        if stop_on_error and not sw_lets_script_continue(answer):
            break
    return responses, ""


def _locked(exchange_id: str) -> OtaExchange | None:
    # One query: the exchange, its SE, the SE's card state and sealed blob, the exchange and
    # the card state locked (one script at a time on a card, one delivery per exchange).
    return (
        OtaExchange.objects.select_for_update(of=("self", "se__virtual_card"))
        .select_related("se__virtual_card__secret")
        .filter(pk=exchange_id, state=ExchangeState.SUBMITTED, se__virtual_card__isnull=False)
        .first()
    )


def deliver(exchange_id: str, fate: str) -> bool:
    """Play one exchange on its virtual card and record the outcome; wake the sender.

    Runs once per exchange: a redelivered task, or one that arrives after the sender gave up
    (`ota_abandon`), finds the exchange no longer submitted and does nothing.
    """
    if fate not in FATES:
        raise ValueError(f"unknown fate {fate!r}")
    with transaction.atomic():
        exchange = _locked(exchange_id)
        if exchange is None:
            # Answered already, abandoned, or an SE with no virtual card: a real SIM cannot
            # be reached through the simulated network (a no-op unless still submitted).
            return ota_record_reply(
                exchange_id=exchange_id,
                responses=[],
                error_code="se_unreachable",
                state=ExchangeState.FAILED,
            )
        se = exchange.se
        responses: list[str] = []
        error_code, state = "", ExchangeState.DELIVERED
        if fate in (CARD_BUSY, UNREACHABLE):
            error_code, state = fate, ExchangeState.FAILED
        elif se.status != SeStatus.ACTIVE:
            error_code, state = "se_unreachable", ExchangeState.FAILED
        elif fate == LOST_BEFORE:
            error_code, state = "ota_no_answer", ExchangeState.LOST
        else:
            card_state: VirtualCardState = se.virtual_card
            card = virtual_card_open(card_state)
            responses, error_code = run_script(
                card, exchange.script, stop_on_error=exchange.stop_on_error
            )
            virtual_card_store(card_state, card)
            if fate == LOST_AFTER:
                responses, error_code, state = [], "ota_no_answer", ExchangeState.LOST
            elif error_code:
                state = ExchangeState.FAILED
        now = timezone.now()
        OtaExchange.objects.filter(pk=exchange.pk).update(
            state=state,
            responses=responses,
            error_code=error_code,
            script=[],
            delivered_at=now,
            latency_ms=max(0, int((now - exchange.submitted_at).total_seconds() * 1000)),
        )
        if state != ExchangeState.LOST:
            reply_task, ident = exchange.reply_task, str(exchange.pk)
            # The answer is committed; a reply lost to the broker is re-sent by the sender's
            # re-drive (it finds answered exchanges whose job still waits).
            transaction.on_commit(lambda: app.send_task(reply_task, args=[ident]), robust=True)
    return True
