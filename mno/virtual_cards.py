"""The simulated SIMs: each virtual SE's card state, sealed in the keystore between scripts.

A `VirtualCard` state holds every key set and all personalisation data in clear hex, so it is
stored only sealed (purpose "virtual_card"). Loading locks the row until the caller's
transaction ends: one script at a time reaches a card, as on a real SIM.
"""

import json
from typing import ClassVar

from django.db import models, transaction
from django.utils import timezone

from enstream.keystore import reseal, seal, unseal
from enstream.tenancy import TenantQuerySet
from mno.errors import RegistryError
from mno.registry import SecureElement
from provisioning.gp.simulator import VirtualCard

PURPOSE = "virtual_card"


class VirtualCardStateQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {}


class VirtualCardState(models.Model):
    se = models.OneToOneField(SecureElement, on_delete=models.CASCADE, related_name="virtual_card")
    secret = models.OneToOneField("keystore.Secret", on_delete=models.PROTECT, related_name="+")
    # Bumped on every save: tests and diagnostics see how many scripts changed the card.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VirtualCardStateQuerySet.as_manager()

    class Meta:
        verbose_name = "virtual card state"

    def __str__(self) -> str:
        return f"virtual card of {self.se_id} v{self.version}"


def state_owner(se: SecureElement) -> str:
    return f"mno.se:{se.iccid}:card"


def _dump(card: VirtualCard) -> bytes:
    return json.dumps(card.to_state(), separators=(",", ":")).encode()


def virtual_card_state_new(*, se: SecureElement, card: VirtualCard) -> VirtualCardState:
    """An unsaved state row whose card is already sealed (bulk loaders save it)."""
    return VirtualCardState(se=se, secret=seal(_dump(card), purpose=PURPOSE, owner=state_owner(se)))


def virtual_card_create(*, se: SecureElement, card: VirtualCard) -> VirtualCardState:
    state = virtual_card_state_new(se=se, card=card)
    state.save(force_insert=True)
    return state


def virtual_card_open(state: VirtualCardState) -> VirtualCard:
    """Restore the card held in a state row already read (with its secret)."""
    data = unseal(state.secret, purpose=PURPOSE, owner=state_owner(state.se))
    return VirtualCard.from_state(json.loads(data))


def virtual_card_load(se: SecureElement) -> VirtualCard:
    """The SE's virtual card, its row locked until the surrounding transaction ends.

    Call inside `transaction.atomic()` and save with `virtual_card_save` in the same one.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RegistryError("no_transaction", "Load a virtual card inside a transaction.")
    state = (
        VirtualCardState.objects.select_for_update().select_related("secret").filter(se=se).first()
    )
    if state is None:
        raise RegistryError("no_virtual_card", f"{se.iccid} is not a virtual SE.")
    state.se = se
    return virtual_card_open(state)


def virtual_card_store(state: VirtualCardState, card: VirtualCard) -> None:
    """Seal the card back into its (locked) row and bump the version."""
    reseal(state.secret, _dump(card), purpose=PURPOSE, owner=state_owner(state.se))
    VirtualCardState.objects.filter(pk=state.pk).update(
        version=models.F("version") + 1, updated_at=timezone.now()
    )


def virtual_card_save(se: SecureElement, card: VirtualCard) -> None:
    """Persist the card after `virtual_card_load` (same transaction)."""
    state = VirtualCardState.objects.select_related("secret").filter(se=se).first()
    if state is None:
        raise RegistryError("no_virtual_card", f"{se.iccid} is not a virtual SE.")
    state.se = se
    virtual_card_store(state, card)


def virtual_card_domains(se: SecureElement) -> list[dict]:
    """The security domains on the SE's virtual card (AID, life cycle, quotas, key versions),
    read without a lock, for diagnostics pages. No key value leaves this function."""
    state = VirtualCardState.objects.select_related("secret").filter(se=se).first()
    if state is None:
        return []
    state.se = se
    card = virtual_card_open(state)
    domains = []
    for app in card.to_state()["card"]["applications"]:
        sd = app.get("security_domain")
        if sd is None:
            continue
        domains.append(
            {
                "aid": app["aid"].upper(),
                "lifecycle": app["lifecycle"],
                "scp": f"SCP{sd['scp']:02d} i={sd['i']:02X}",
                "nv_quota": sd["nv_quota"],
                "v_quota": sd["v_quota"],
                "key_versions": [f"{k['version']:02X}" for k in sd["keysets"]],
                "counters": [k["counter"] for k in sd["keysets"]],
            }
        )
    return domains
